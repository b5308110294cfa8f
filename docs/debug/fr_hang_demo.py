#!/usr/bin/env python3
"""Make a 2-rank gloo job desynchronise on purpose and dump its flight recorder.

Every rank runs a few "training steps"; each step all-reduces a gradient
buffer (1024 floats) and then the loss (1 float). Rank 1's data shard is one
batch shorter (--uneven), the classic cause of an end-of-epoch hang: rank 1
leaves the loop and waits elsewhere, rank 0 waits in the next all-reduce
until the process group timeout fires. Each rank then writes its flight
recorder buffer to OUT_DIR/rank_<rank> (a pickle, the same format NCCL jobs
write with TORCH_NCCL_DUMP_ON_TIMEOUT=1).

Usage:
    python fr_hang_demo.py --out-dir /tmp/fr            # then: fr_summary.py /tmp/fr
    python fr_hang_demo.py --out-dir /tmp/fr --even     # no fault
"""

import argparse
import datetime
import os
import sys
import tempfile


def worker(rank, world, store_path, args):
    import torch
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{store_path}", rank=rank,
                            world_size=world,
                            timeout=datetime.timedelta(seconds=args.timeout))
    grad = torch.ones(1024)
    loss = torch.ones(1)
    n_batches = args.steps - 1 if (rank == 1 and not args.even) else args.steps
    status = f"finished {n_batches} steps"
    try:
        for step in range(n_batches):
            dist.all_reduce(grad)              # gradient sync
            dist.all_reduce(loss)              # loss for logging
    except RuntimeError:
        status = f"collective failed at step {step}"
    if n_batches < args.steps:
        # stands for whatever the short rank does next (eval, checkpoint, exit);
        # it must outlive the peer's timeout so the peer reports a timeout
        import time
        time.sleep(args.timeout + 2)
    # private API, present in recent releases; NCCL jobs dump by themselves
    trace = torch._C._distributed_c10d._dump_fr_trace()
    with open(os.path.join(args.out_dir, f"rank_{rank}"), "wb") as f:
        f.write(trace)
    with open(os.path.join(args.out_dir, f"status_{rank}.txt"), "w") as f:
        f.write(status)
    # no destroy_process_group(): after a timeout the peers may be gone
    os._exit(0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", required=True, help="directory for rank_<n> dumps")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--even", action="store_true",
                        help="give both ranks the same number of batches (no hang)")
    parser.add_argument("--timeout", type=float, default=3.0,
                        help="process group timeout in seconds (default: 3)")
    args = parser.parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    # the recorder is off unless the buffer size is set before the group exists
    os.environ.setdefault("TORCH_FR_BUFFER_SIZE", "2000")

    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory() as tmp:
        mp.start_processes(worker, args=(2, os.path.join(tmp, "store"), args),
                           nprocs=2, start_method="spawn", join=True)
    for rank in range(2):
        with open(os.path.join(args.out_dir, f"status_{rank}.txt")) as f:
            print(f"rank {rank}: {f.read()}, dump written to rank_{rank}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
