"""Check that a (possibly emulated) multi-node launch wires up every rank.

Run under torchrun. Each rank reports what the launcher told it, then the job runs
an all-reduce, an all-gather of host names and a barrier, and every rank prints the
result it saw. A wrong world size, a duplicated rank or a hung collective shows up here
in seconds instead of after the model has loaded.
"""

import argparse
import os
import socket
import sys


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="gloo", choices=["gloo", "nccl"],
                        help="gloo runs on CPU; nccl needs one GPU per local rank")
    parser.add_argument("--timeout", type=int, default=60,
                        help="seconds before a stuck collective raises instead of hanging")
    return parser.parse_args()


def main():
    args = parse_args()
    env = {k: os.environ.get(k, "?") for k in
           ("RANK", "LOCAL_RANK", "GROUP_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE",
            "MASTER_ADDR", "MASTER_PORT")}
    if env["RANK"] == "?":
        sys.exit("RANK is not set: start this script with torchrun")
    import datetime

    import torch
    import torch.distributed as dist

    device = torch.device("cpu")
    if args.backend == "nccl":
        device = torch.device("cuda", int(env["LOCAL_RANK"]))
        torch.cuda.set_device(device)
    dist.init_process_group(args.backend,
                            timeout=datetime.timedelta(seconds=args.timeout))
    rank, world = dist.get_rank(), dist.get_world_size()

    # every rank contributes rank + 1, so the sum is world * (world + 1) / 2
    value = torch.tensor([float(rank + 1)], device=device)
    dist.all_reduce(value)
    expected = world * (world + 1) / 2

    # every rank learns which node (GROUP_RANK) and host each other rank runs on
    mine = (rank, int(env["GROUP_RANK"]), int(env["LOCAL_RANK"]), socket.gethostname())
    everyone = [None] * world
    dist.all_gather_object(everyone, mine)
    dist.barrier()

    ok = value.item() == expected and sorted(r for r, *_ in everyone) == list(range(world))
    nodes = sorted({node for _, node, _, _ in everyone})
    print(f"rank {rank}/{world} node {env['GROUP_RANK']} local_rank {env['LOCAL_RANK']}: "
          f"all_reduce sum = {value.item():g} (expected {expected:g}), "
          f"nodes seen = {nodes}, {'OK' if ok else 'MISMATCH'}", flush=True)
    dist.destroy_process_group()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
