#!/usr/bin/env python3
"""Save and resume a sharded (FSDP2) model with PyTorch Distributed Checkpoint.

Runs on the CPU with the gloo backend, in three phases:

  1. train on --world-size ranks (default 2) with FSDP2 (`fully_shard`):
     a synchronous `dcp.save` after step 3, then an asynchronous
     `dcp.async_save` after step 5 that writes while step 6 computes
  2. resume from the step-5 checkpoint on the same number of ranks and
     check that step 6 gives the same loss as in phase 1
  3. resume from the same checkpoint in ONE plain process (no FSDP, no
     process group): DCP reshards on load; the weights must equal the
     full weights gathered in phase 1

  python dcp_demo.py --dir /tmp/dcp-demo
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

DIM, HIDDEN, BATCH = 16, 64, 8


def build_model():
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(DIM, HIDDEN), torch.nn.ReLU(),
                               torch.nn.Linear(HIDDEN, HIDDEN), torch.nn.ReLU(),
                               torch.nn.Linear(HIDDEN, 1))


def batch_for(step: int, rank: int, world_size: int):
    """The global batch of a step is fixed; each rank takes its slice."""
    import torch

    g = torch.Generator().manual_seed(1000 + step)
    x = torch.randn(BATCH * 2, DIM, generator=g)
    y = x.sum(dim=1, keepdim=True).sin()
    per_rank = x.shape[0] // world_size
    sl = slice(rank * per_rank, (rank + 1) * per_rank)
    return x[sl], y[sl]


def train_step(model, opt, step, rank, world_size):
    import torch

    x, y = batch_for(step, rank, world_size)
    loss = torch.nn.functional.mse_loss(model(x), y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss.detach()


def global_loss(loss, world_size):
    """Mean of the per-rank losses (each rank has the same number of samples)."""
    import torch.distributed as dist

    loss = loss.clone()
    dist.all_reduce(loss)
    return (loss / world_size).item()


def sharded_model(mesh):
    from torch.distributed.fsdp import fully_shard

    model = build_model()
    for layer in model:
        if hasattr(layer, "weight"):
            fully_shard(layer, mesh=mesh)
    fully_shard(model, mesh=mesh)
    return model


def worker(rank: int, world_size: int, phase: str, ckpt_dir: str, init_file: str):
    import torch
    import torch.distributed as dist
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import (StateDictOptions, get_model_state_dict,
                                                         get_state_dict, set_state_dict)
    from torch.distributed.device_mesh import init_device_mesh

    dist.init_process_group("gloo", init_method=f"file://{init_file}",
                            rank=rank, world_size=world_size)
    torch.set_num_threads(1)
    mesh = init_device_mesh("cpu", (world_size,))
    # The background writer of async_save runs collectives of its own; give it a
    # separate process group so that they never interleave with training's.
    ckpt_group = dist.new_group(backend="gloo")
    model = sharded_model(mesh)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    root = Path(ckpt_dir)
    report = {}

    if phase == "train":
        for step in range(1, 6):
            loss = train_step(model, opt, step, rank, world_size)
            report[f"loss_step{step}"] = global_loss(loss, world_size)
            if step == 3:
                msd, osd = get_state_dict(model, opt)
                dcp.save({"model": msd, "optim": osd, "step": step},
                         checkpoint_id=str(root / "step-3"))
        msd, osd = get_state_dict(model, opt)
        # Stage to CPU memory, then write in a background thread; training goes on.
        future = dcp.async_save({"model": msd, "optim": osd, "step": 5},
                                checkpoint_id=str(root / "step-5"), process_group=ckpt_group)
        loss = train_step(model, opt, 6, rank, world_size)  # overlaps with the write
        report["loss_step6"] = global_loss(loss, world_size)
        future.result()  # must finish before the next save (and before exit)
        # Full (unsharded) weights at step 5 for phase 3: gather them from the
        # checkpoint we just wrote, not from the model (which is at step 6 now).
        fresh = sharded_model(mesh)
        fresh_opt = torch.optim.AdamW(fresh.parameters(), lr=1e-2)
        msd, osd = get_state_dict(fresh, fresh_opt)
        dcp.load({"model": msd, "optim": osd}, checkpoint_id=str(root / "step-5"))
        set_state_dict(fresh, fresh_opt, model_state_dict=msd, optim_state_dict=osd)
        full = get_model_state_dict(fresh, options=StateDictOptions(full_state_dict=True,
                                                                    cpu_offload=True))
        if rank == 0:
            torch.save(full, root / "full-step5.pt")

    elif phase == "resume":
        msd, osd = get_state_dict(model, opt)
        state = {"model": msd, "optim": osd, "step": 0}
        dcp.load(state, checkpoint_id=str(root / "step-5"))  # fills the shards in place
        set_state_dict(model, opt, model_state_dict=msd, optim_state_dict=osd)
        report["resumed_from"] = state["step"]
        loss = train_step(model, opt, state["step"] + 1, rank, world_size)
        report["loss_step6"] = global_loss(loss, world_size)

    if rank == 0:
        (root / f"report-{phase}-{world_size}.json").write_text(json.dumps(report))
    dist.barrier()
    dist.destroy_process_group()


def resume_single_process(ckpt_dir: Path) -> dict:
    """Load the sharded checkpoint into one ordinary model: no process group at all."""
    import torch
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import get_state_dict, set_state_dict

    torch.set_num_threads(1)
    model = build_model()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    msd, osd = get_state_dict(model, opt)
    state = {"model": msd, "optim": osd, "step": 0}
    dcp.load(state, checkpoint_id=str(ckpt_dir / "step-5"), no_dist=True)
    set_state_dict(model, opt, model_state_dict=msd, optim_state_dict=osd)
    reference = torch.load(ckpt_dir / "full-step5.pt")
    same = all(torch.equal(model.state_dict()[k], reference[k]) for k in reference)
    x, y = batch_for(state["step"] + 1, 0, 1)  # the whole global batch on one rank
    loss = torch.nn.functional.mse_loss(model(x), y).item()
    return {"resumed_from": state["step"], "weights_equal": same, "loss_step6": loss,
            "tensors": len(reference)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", required=True, help="checkpoint directory (created if missing)")
    parser.add_argument("--world-size", type=int, default=2, help="ranks for phases 1 and 2")
    args = parser.parse_args(argv)
    root = Path(args.dir)
    root.mkdir(parents=True, exist_ok=True)

    import torch.multiprocessing as mp

    reports = {}
    for phase in ("train", "resume"):
        init_file = str(Path(tempfile.mkdtemp(prefix="dcp-init-")) / "store")
        mp.spawn(worker, args=(args.world_size, phase, str(root), init_file),
                 nprocs=args.world_size)
        shutil.rmtree(Path(init_file).parent, ignore_errors=True)
        reports[phase] = json.loads((root / f"report-{phase}-{args.world_size}.json").read_text())
    single = resume_single_process(root)

    n = args.world_size
    train, resume = reports["train"], reports["resume"]
    print(f"phase 1, {n} ranks: losses " +
          " ".join(f"{train[f'loss_step{s}']:.4f}" for s in range(1, 7)))
    print(f"  sync save after step 3 -> {root / 'step-3'}")
    print(f"  async save after step 5 -> {root / 'step-5'} (written while step 6 ran)")
    print(f"phase 2, {n} ranks: resumed from step {resume['resumed_from']}, "
          f"step 6 loss {resume['loss_step6']:.4f}, "
          f"bitwise equal to phase 1: {resume['loss_step6'] == train['loss_step6']}")
    print(f"phase 3, 1 process: resumed from step {single['resumed_from']}, "
          f"{single['tensors']} tensors equal to the gathered weights: {single['weights_equal']}, "
          f"step 6 loss {single['loss_step6']:.4f}")
    files = sorted(p.name for p in (root / "step-5").iterdir())
    print("files in step-5:", " ".join(files))
    ok = (resume["loss_step6"] == train["loss_step6"] and single["weights_equal"]
          and abs(single["loss_step6"] - train["loss_step6"]) < 1e-4)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
