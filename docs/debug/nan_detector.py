#!/usr/bin/env python3
"""Find the first module whose forward output contains NaN or Inf.

Forward hooks are registered on every submodule. Hooks fire when a module's
forward() returns, so children report before their parents and the first
module flagged is the innermost, earliest place where a non-finite value
appeared. For each hit we also record whether the module's *inputs* were
already non-finite: "inputs finite, output not" means this module created the
bad values; otherwise it only passed them on.

Usage:
    python nan_detector.py --demo                 # tiny model that overflows
    python nan_detector.py --demo --healthy       # same model, no overflow
    python nan_detector.py --model pkg.mod:build_model --input-shape 4,16

In your own code:
    from nan_detector import NanDetector
    with NanDetector(model) as det:
        model(batch)
    if det.hits:
        print(det.report())

Exit status: 0 = all outputs finite, 1 = a NaN/Inf was found, 2 = usage error.
Works on CPU; on a GPU the checks force a device sync per module (slow: use it
to debug, not in production runs).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import dataclass, field

# PyTorch is imported on first use, so --help and a usage error answer at once.
torch = nn = None


def load_torch():
    """Import torch (once); without it, say what to install and exit with status 2."""
    global torch, nn
    if torch is None:
        try:
            import torch as _torch
            from torch import nn as _nn
        except ImportError:
            sys.stderr.write("nan_detector.py needs PyTorch: pip install torch\n")
            sys.exit(2)
        torch, nn = _torch, _nn
    return torch


def _tensors(obj):
    """Yield every floating-point tensor inside nested tuples/lists/dicts."""
    if isinstance(obj, torch.Tensor):
        if obj.is_floating_point() or obj.is_complex():
            yield obj
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _tensors(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _tensors(item)


@dataclass
class Hit:
    name: str
    cls: str
    nan: int
    inf: int
    numel: int
    shape: tuple
    dtype: str
    inputs_finite: bool

    def line(self) -> str:
        origin = "created here" if self.inputs_finite else "inputs were already non-finite"
        return (f"{self.name} ({self.cls}): {self.nan} NaN, {self.inf} Inf "
                f"of {self.numel} values, shape {self.shape}, {self.dtype}; {origin}")


@dataclass
class NanDetector:
    """Context manager: registers hooks on enter, removes them on exit."""

    model: nn.Module
    stop_at_first: bool = False
    hits: list = field(default_factory=list)
    _handles: list = field(default_factory=list)

    def __enter__(self):
        load_torch()
        for name, module in self.model.named_modules():
            label = name or "<root>"
            handle = module.register_forward_hook(self._make_hook(label))
            self._handles.append(handle)
        return self

    def __exit__(self, *exc):
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        return False

    def _make_hook(self, label):
        def hook(module, inputs, output):
            bad = [t for t in _tensors(output) if not torch.isfinite(t).all()]
            if not bad:
                return
            first = bad[0]
            inputs_finite = all(bool(torch.isfinite(t).all()) for t in _tensors(inputs))
            self.hits.append(Hit(
                name=label,
                cls=type(module).__name__,
                nan=int(torch.isnan(first).sum()),
                inf=int(torch.isinf(first).sum()),
                numel=first.numel(),
                shape=tuple(first.shape),
                dtype=str(first.dtype).replace("torch.", ""),
                inputs_finite=inputs_finite,
            ))
            if self.stop_at_first and len(self.hits) == 1:
                raise FloatingPointError(f"non-finite output in {self.hits[0].line()}")
        return hook

    @property
    def first(self):
        return self.hits[0] if self.hits else None

    def report(self) -> str:
        if not self.hits:
            return "All module outputs are finite."
        lines = [f"First non-finite output: {self.hits[0].line()}"]
        later = [h.name for h in self.hits[1:]]
        if later:
            lines.append("Propagated to: " + ", ".join(later))
        return "\n".join(lines)


# --------------------------------------------------------------- demo model
def build_demo(healthy: bool) -> nn.Module:
    """Three blocks; with healthy=False, block 1's weights are corrupted so that it overflows."""
    load_torch()

    class ExpGate(nn.Module):
        """exp() without clamping: overflows float32 once its input exceeds ~88.7."""

        def forward(self, x):
            return x * torch.exp(x)

    class Block(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.proj = nn.Linear(dim, dim)
            self.gate = ExpGate()
            self.norm = nn.LayerNorm(dim)

        def forward(self, x):
            return self.norm(self.gate(self.proj(x)))

    class TinyModel(nn.Module):
        def __init__(self, dim=16, n_blocks=3):
            super().__init__()
            self.embed = nn.Linear(8, dim)
            self.blocks = nn.ModuleList(Block(dim) for _ in range(n_blocks))
            self.head = nn.Linear(dim, 4)

        def forward(self, x):
            x = self.embed(x)
            for block in self.blocks:
                x = block(x)
            return self.head(x)

    model = TinyModel()
    if not healthy:
        # Simulate a corrupted weight (a bad checkpoint shard, a diverged
        # update): block 1's projection now produces values in the thousands.
        with torch.no_grad():
            model.blocks[1].proj.weight.mul_(1e3)
    return model


# --------------------------------------------------------------- CLI
def load_model(spec: str) -> nn.Module:
    load_torch()
    if ":" not in spec:
        raise ValueError(f"--model must look like 'package.module:function', got {spec!r}")
    mod_name, func_name = spec.split(":", 1)
    try:
        module = importlib.import_module(mod_name)
    except ImportError as err:
        raise ValueError(f"cannot import {mod_name!r}: {err} (is it on PYTHONPATH?)") from err
    factory = getattr(module, func_name, None)
    if not callable(factory):
        raise ValueError(f"{mod_name!r} has no callable named {func_name!r}")
    model = factory()
    if not isinstance(model, nn.Module):
        raise ValueError(f"{spec} returned {type(model).__name__}, not a torch.nn.Module")
    return model


def parse_shape(text: str) -> tuple:
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"shape must be comma-separated integers, got {text!r}")
    if not shape or any(dim <= 0 for dim in shape):
        raise argparse.ArgumentTypeError(f"shape dimensions must be positive, got {text!r}")
    return shape


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Report the first module whose forward output contains NaN/Inf.",
        epilog="Exit status: 0 all finite, 1 NaN/Inf found, 2 usage error.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--demo", action="store_true",
                        help="run a built-in tiny model whose block 1 overflows to Inf")
    source.add_argument("--model", metavar="MODULE:FUNC",
                        help="import MODULE and call FUNC() to build the model to check")
    parser.add_argument("--healthy", action="store_true",
                        help="with --demo: do not corrupt the weights (expect exit 0)")
    parser.add_argument("--input-shape", type=parse_shape, default=(2, 8),
                        help="shape of the random input batch, e.g. 4,16 (default: 2,8)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--stop-at-first", action="store_true",
                        help="raise inside the first offending hook (shows a traceback)")
    args = parser.parse_args(argv)

    if args.healthy and not args.demo:
        parser.error("--healthy only applies to --demo")

    load_torch()
    torch.manual_seed(args.seed)
    if args.demo:
        model = build_demo(args.healthy)
    else:
        try:
            model = load_model(args.model)
        except ValueError as err:
            parser.error(str(err))
    model.eval()
    batch = torch.randn(*args.input_shape)

    with NanDetector(model, stop_at_first=args.stop_at_first) as det, torch.no_grad():
        try:
            model(batch)
        except FloatingPointError as err:
            print(f"stopped: {err}")
        except RuntimeError as err:
            print(f"error: the forward pass failed: {err}", file=sys.stderr)
            print("hint: check --input-shape against the model's first layer", file=sys.stderr)
            return 2
    print(det.report())
    return 1 if det.hits else 0


if __name__ == "__main__":
    sys.exit(main())
