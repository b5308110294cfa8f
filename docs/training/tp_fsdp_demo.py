#!/usr/bin/env python3
"""Train a tiny MLP with FSDP2 and with DTensor tensor parallelism on 2 ranks
and check that both reproduce the losses of a single-process run.

Runs on CPU with the gloo backend. Either let the script start its own two
processes:

    python tp_fsdp_demo.py --steps 5

or start it with torchrun (each rank then reads RANK/WORLD_SIZE from the
environment):

    torchrun --standalone --nproc-per-node 2 tp_fsdp_demo.py --steps 5

On GPUs the same code runs with backend "nccl" and device type "cuda"
(init_device_mesh("cuda", ...)); only the two constants below change.
Exit status 0 when every loss matches the reference within --tol, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

BACKEND, DEVICE = "gloo", "cpu"  # "nccl", "cuda" on GPUs
DIM, HIDDEN, BATCH = 16, 64, 8


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="FSDP2 and tensor-parallel losses vs a single process")
    p.add_argument("--steps", type=int, default=5, help="optimizer steps (default 5)")
    p.add_argument("--mode", choices=["fsdp", "tp", "both"], default="both")
    p.add_argument("--tol", type=float, default=1e-5, help="max relative loss difference")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    if a.steps < 1:
        p.error("--steps must be >= 1")
    if not a.tol > 0:
        p.error("--tol must be > 0")
    return a


def build_model(torch, seed: int):
    """Two MLP blocks with residuals; the same seed gives the same weights on every rank."""
    nn = torch.nn
    torch.manual_seed(seed)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.up = nn.Linear(DIM, HIDDEN)    # split by columns under TP
            self.down = nn.Linear(HIDDEN, DIM)  # split by rows under TP

        def forward(self, x):
            return x + self.down(torch.relu(self.up(x)))

    return nn.Sequential(Block(), Block())


def batches(torch, seed: int, steps: int):
    g = torch.Generator().manual_seed(seed + 1)
    return [(torch.randn(BATCH, DIM, generator=g), torch.randn(BATCH, DIM, generator=g))
            for _ in range(steps)]


def train(torch, model, data, dp_rank: int = 0, dp_size: int = 1) -> list[float]:
    """Plain loop; with dp_size > 1 each rank takes its slice of every batch."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    losses = []
    per_rank = BATCH // dp_size
    for x, y in data:
        xs = x[dp_rank * per_rank:(dp_rank + 1) * per_rank]
        ys = y[dp_rank * per_rank:(dp_rank + 1) * per_rank]
        loss = torch.nn.functional.mse_loss(model(xs), ys)
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.detach())
    return losses


def worker(rank: int, world: int, init_file: str | None, a: argparse.Namespace) -> None:
    import torch
    import torch.distributed as dist
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard
    from torch.distributed.tensor.parallel import (ColwiseParallel, RowwiseParallel,
                                                   parallelize_module)

    if init_file is None:  # started by torchrun
        dist.init_process_group(BACKEND)
    else:
        dist.init_process_group(BACKEND, init_method=f"file://{init_file}",
                                rank=rank, world_size=world)
    rank, world = dist.get_rank(), dist.get_world_size()
    data = batches(torch, a.seed, a.steps)
    reference = [float(v) for v in train(torch, build_model(torch, a.seed), data)]
    results = {}

    if a.mode in ("fsdp", "both"):
        mesh = init_device_mesh(DEVICE, (world,), mesh_dim_names=("dp",))
        model = build_model(torch, a.seed)
        # fp32 here so the result can be compared exactly; on GPUs use
        # param_dtype=torch.bfloat16, reduce_dtype=torch.float32.
        mp = MixedPrecisionPolicy(param_dtype=torch.float32, reduce_dtype=torch.float32)
        for block in model:
            fully_shard(block, mesh=mesh, mp_policy=mp, reshard_after_forward=True)
        fully_shard(model, mesh=mesh, mp_policy=mp)
        local = train(torch, model, data, dp_rank=rank, dp_size=world)
        # each rank saw half the batch: the global loss is the mean of the halves
        stacked = torch.stack(local)
        dist.all_reduce(stacked, op=dist.ReduceOp.SUM)
        results["fsdp"] = [float(v) / world for v in stacked]

    if a.mode in ("tp", "both"):
        mesh = init_device_mesh(DEVICE, (world,), mesh_dim_names=("tp",))
        model = build_model(torch, a.seed)
        plan = {}
        for i in range(len(model)):
            plan[f"{i}.up"] = ColwiseParallel()
            plan[f"{i}.down"] = RowwiseParallel()
        parallelize_module(model, mesh, plan)
        # every TP rank sees the whole batch and computes the same loss
        results["tp"] = [float(v) for v in train(torch, model, data)]

    worst = 0.0
    if rank == 0:
        names = list(results)
        print("step  reference  " + "  ".join(f"{n:>9}" for n in names))
        for i, ref in enumerate(reference):
            row = [results[n][i] for n in names]
            worst = max([worst] + [abs(v - ref) / abs(ref) for v in row])
            print(f"{i + 1:4d}  {ref:9.6f}  " + "  ".join(f"{v:9.6f}" for v in row))
        if worst <= a.tol:
            print(f"all losses within relative tolerance {a.tol:g}: OK")
        else:
            print(f"MISMATCH: relative difference {worst:.1e} > tolerance {a.tol:g}")
    dist.destroy_process_group()
    if worst > a.tol:
        sys.exit(1)


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:
        worker(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), None, a)
        return 0
    # Start two fresh interpreters; the parent itself never imports torch.
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        init_file = os.path.join(tmp, "rendezvous")
        procs = [ctx.Process(target=worker, args=(r, 2, init_file, a)) for r in range(2)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join()
    return 0 if all(proc.exitcode == 0 for proc in procs) else 1


if __name__ == "__main__":
    sys.exit(main())
