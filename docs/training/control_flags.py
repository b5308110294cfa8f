#!/usr/bin/env python3
"""File-based "save switch" and "kill switch" for a running training job.

An operator steers a running job by creating empty files in a control directory
on shared storage:

  SAVE        write a checkpoint at the next check, then keep training
  STOP        write a checkpoint at the next check, then exit cleanly
  KILL        exit at the next check without saving (for a run gone bad)

The training loop calls `flags.poll(step)` every step; the file system is only
looked at every `--every` steps. With torch.distributed initialised, rank 0
reads the files and broadcasts the answer, so every rank takes the same branch
and enters the checkpoint collective together. SAVE is consumed (deleted) once
acted on; STOP and KILL are left in place so that a requeued job does not
resume by accident.

Run as a script, it simulates a training loop on 1 or 2 CPU ranks (gloo) and
prints what each rank does, e.g.:

  python control_flags.py --dir /tmp/ctl --steps 30 --every 5 \
      --touch 12:SAVE --touch 22:STOP --world-size 2
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# Bit values of the decision, so that several flags can be broadcast as one int.
SAVE, STOP, KILL = 1, 2, 4
NAMES = {"SAVE": SAVE, "STOP": STOP, "KILL": KILL}


class ControlFlags:
    """Poll a control directory every `every` steps and agree across ranks."""

    def __init__(self, directory: str | os.PathLike, every: int = 10):
        self.dir = Path(directory)
        self.every = max(1, int(every))

    def _read_local(self) -> int:
        decision = 0
        for name, bit in NAMES.items():
            if (self.dir / name).exists():
                decision |= bit
        return decision

    def poll(self, step: int) -> int:
        """Return a bit mask of SAVE/STOP/KILL; 0 on steps that are not checked."""
        if step % self.every != 0:
            return 0
        import torch
        import torch.distributed as dist

        distributed = dist.is_available() and dist.is_initialized()
        rank = dist.get_rank() if distributed else 0
        decision = self._read_local() if rank == 0 else 0
        if distributed:
            # One int from rank 0 to all: every rank sees the same decision even if
            # the shared file system shows the file to some nodes a little later.
            # A group created with backend="nccl" alone accepts only CUDA tensors.
            device = "cpu"
            if dist.get_backend() == "nccl":
                device = f"cuda:{torch.cuda.current_device()}"
            t = torch.tensor([decision], dtype=torch.int64, device=device)
            dist.broadcast(t, src=0)
            decision = int(t.item())
        return decision

    def consume_save(self) -> None:
        """Remove the SAVE flag after the checkpoint is written (rank 0 only)."""
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized() and dist.get_rank() != 0:
            return
        try:
            (self.dir / "SAVE").unlink()
        except FileNotFoundError:
            pass


def simulate(rank: int, world_size: int, args, init_file: str) -> None:
    """A stand-in training loop: 'saving' and 'training' are only logged."""
    import torch.distributed as dist

    log = []

    if world_size > 1:
        dist.init_process_group("gloo", init_method=f"file://{init_file}",
                                rank=rank, world_size=world_size)
    touches = {}
    for item in args.touch:
        step, name = item.split(":")
        touches.setdefault(int(step), []).append(name)
    flags = ControlFlags(args.dir, every=args.every)
    last = 0
    for step in range(1, args.steps + 1):
        # The operator's action, simulated by rank 0 at a fixed step.
        if rank == 0:
            for name in touches.get(step, []):
                (Path(args.dir) / name).touch()
        if world_size > 1:
            dist.barrier()  # the file exists for everyone before anyone polls
        last = step  # one "training step" happens here
        decision = flags.poll(step)
        if decision & KILL:
            log.append(f"rank {rank} step {step}: KILL, exiting without a checkpoint")
            break
        if decision & (SAVE | STOP):
            log.append(f"rank {rank} step {step}: checkpoint saved")
            if decision & SAVE:
                if world_size > 1:
                    dist.barrier()  # everyone has seen SAVE before it is removed
                flags.consume_save()
        if decision & STOP:
            log.append(f"rank {rank} step {step}: STOP, exiting cleanly")
            break
    else:
        log.append(f"rank {rank} step {last}: finished all steps")
    # Each rank writes its log; the parent prints them in rank order.
    Path(f"{init_file}.rank{rank}").write_text("\n".join(log) + "\n")
    if world_size > 1:
        dist.destroy_process_group()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", required=True, help="control directory (created if missing)")
    parser.add_argument("--steps", type=int, default=30, help="steps to simulate")
    parser.add_argument("--every", type=int, default=10, help="check the files every N steps")
    parser.add_argument("--touch", action="append", default=[], metavar="STEP:FLAG",
                        help="simulate an operator creating FLAG (SAVE/STOP/KILL) at STEP")
    parser.add_argument("--world-size", type=int, default=1, choices=[1, 2],
                        help="simulated ranks (gloo on CPU)")
    args = parser.parse_args(argv)
    for item in args.touch:
        step, _, name = item.partition(":")
        if not step.isdigit() or name not in NAMES:
            parser.error(f"--touch wants STEP:SAVE|STOP|KILL, got {item!r}")
    Path(args.dir).mkdir(parents=True, exist_ok=True)

    import shutil
    import tempfile

    import torch.multiprocessing as mp

    init_file = str(Path(tempfile.mkdtemp(prefix="ctl-init-")) / "store")
    if args.world_size == 1:
        simulate(0, 1, args, init_file)
    else:
        mp.spawn(simulate, args=(args.world_size, args, init_file), nprocs=args.world_size)
    for rank in range(args.world_size):
        log = Path(f"{init_file}.rank{rank}")
        print(log.read_text(), end="")
        log.unlink()
    shutil.rmtree(Path(init_file).parent, ignore_errors=True)
    left = sorted(p.name for p in Path(args.dir).iterdir())
    print("flags left in the control directory:", " ".join(left) or "none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
