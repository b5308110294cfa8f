#!/usr/bin/env python3
"""Show that a resumed run continues the loss curve bit for bit, and what breaks it.

A tiny regression MLP with dropout and a random data augmentation is trained
three times on the CPU:

  uninterrupted  all --steps steps in one go
  resumed        --save-at steps, checkpoint to disk (model, optimizer,
                 scheduler, step, sampler position and every RNG state),
                 throw everything away, rebuild from a different seed,
                 load the checkpoint and train the remaining steps
  naive          the same, but the checkpoint holds only model, optimizer and
                 scheduler: the sampler starts a fresh epoch from its first
                 batch and the RNGs keep whatever state the new process has

The script prints the three loss curves and compares them bit for bit.

  python resume_demo.py --steps 12 --save-at 5
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path


class ResumableSampler:
    """Shuffles indices with a per-epoch seed and remembers how far it got.

    The order of epoch e depends only on (seed, e), so the state that must be
    saved is two integers: the epoch and the position inside it.
    """

    def __init__(self, n: int, seed: int):
        self.n, self.seed = n, seed
        self.epoch, self.pos = 0, 0

    def _order(self):
        import torch

        g = torch.Generator().manual_seed(self.seed + self.epoch)
        return torch.randperm(self.n, generator=g).tolist()

    def next_batch(self, size: int):
        order = self._order()
        if self.pos + size > self.n:  # drop the ragged tail, start the next epoch
            self.epoch, self.pos = self.epoch + 1, 0
            order = self._order()
        batch = order[self.pos:self.pos + size]
        self.pos += size
        return batch

    def state_dict(self):
        return {"seed": self.seed, "epoch": self.epoch, "pos": self.pos}

    def load_state_dict(self, state):
        self.seed, self.epoch, self.pos = state["seed"], state["epoch"], state["pos"]


def make_data(n: int = 40, dim: int = 8):
    """A fixed synthetic data set, generated from its own seed."""
    import torch

    g = torch.Generator().manual_seed(2026)
    x = torch.randn(n, dim, generator=g)
    w = torch.randn(dim, 1, generator=g)
    y = x @ w + 0.1 * torch.randn(n, 1, generator=g)
    return x, y


def build(seed: int, total_steps: int, n: int):
    """Model, optimizer, scheduler and sampler, all initialised from `seed`."""
    import torch

    random.seed(seed)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.GELU(),
                                torch.nn.Dropout(0.2), torch.nn.Linear(32, 1))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-2, weight_decay=0.01)
    warmup = 3
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * max(0.1, 1 - s / total_steps))
    sampler = ResumableSampler(n, seed)
    return model, opt, sched, sampler


def train(model, opt, sched, sampler, data, first: int, last: int, batch: int = 8):
    """Train steps first..last (inclusive); return {step: loss}."""
    import torch

    x, y = data
    losses = {}
    model.train()
    for step in range(first, last + 1):
        idx = sampler.next_batch(batch)
        xb, yb = x[idx], y[idx]
        if random.random() < 0.5:  # augmentation drawn from Python's RNG
            xb, yb = -xb, -yb
        loss = torch.nn.functional.mse_loss(model(xb), yb)  # dropout: torch RNG
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses[step] = loss.item()
    return losses


def save(path, step, model, opt, sched, sampler, full: bool):
    import torch

    state = {"step": step, "model": model.state_dict(), "optim": opt.state_dict(),
             "sched": sched.state_dict()}
    if full:
        state["sampler"] = sampler.state_dict()
        state["rng"] = {"torch": torch.get_rng_state(), "python": random.getstate()}
        if torch.cuda.is_available():
            state["rng"]["cuda"] = torch.cuda.get_rng_state_all()
    torch.save(state, path)


def load(path, model, opt, sched, sampler) -> int:
    import torch

    # Tensors, dicts, tuples and ints only: the safe (weights_only) loader reads it.
    state = torch.load(path, weights_only=True)
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optim"])
    sched.load_state_dict(state["sched"])
    if "sampler" in state:
        sampler.load_state_dict(state["sampler"])
    if "rng" in state:
        torch.set_rng_state(state["rng"]["torch"])
        random.setstate(state["rng"]["python"])
        if "cuda" in state["rng"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["rng"]["cuda"])
    return state["step"]


def run_interrupted(args, data, workdir: Path, full: bool):
    model, opt, sched, sampler = build(args.seed, args.steps, len(data[0]))
    losses = train(model, opt, sched, sampler, data, 1, args.save_at)
    ckpt = workdir / ("full.pt" if full else "weights-only.pt")
    save(ckpt, args.save_at, model, opt, sched, sampler, full)
    del model, opt, sched, sampler
    # A "new process": different seed, so nothing is right unless the checkpoint restores it.
    model, opt, sched, sampler = build(args.seed + 1000, args.steps, len(data[0]))
    start = load(ckpt, model, opt, sched, sampler) + 1
    losses.update(train(model, opt, sched, sampler, data, start, args.steps))
    return losses


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=12, help="total training steps")
    parser.add_argument("--save-at", type=int, default=5, help="step after which to checkpoint")
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args(argv)
    if not 1 <= args.save_at < args.steps:
        parser.error("--save-at must be between 1 and --steps - 1")

    import torch

    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # one thread: the same reduction order every run
    data = make_data()

    model, opt, sched, sampler = build(args.seed, args.steps, len(data[0]))
    straight = train(model, opt, sched, sampler, data, 1, args.steps)
    with tempfile.TemporaryDirectory() as tmp:
        resumed = run_interrupted(args, data, Path(tmp), full=True)
        naive = run_interrupted(args, data, Path(tmp), full=False)

    print(f"{'step':>4}  {'uninterrupted':>13}  {'resumed':>9}  {'naive':>9}")
    for step in range(1, args.steps + 1):
        mark = "  <- checkpoint" if step == args.save_at else ""
        print(f"{step:>4}  {straight[step]:13.4f}  {resumed[step]:9.4f}  {naive[step]:9.4f}{mark}")

    def verdict(name, other):
        diff = [s for s in straight if straight[s] != other[s]]  # exact float equality
        if not diff:
            return f"{name}: identical to uninterrupted at every step (bit for bit)"
        return f"{name}: first differs at step {diff[0]}, {len(diff)} of {args.steps} steps differ"

    print(verdict("resumed", resumed))
    print(verdict("naive", naive))
    return 0


if __name__ == "__main__":
    sys.exit(main())
