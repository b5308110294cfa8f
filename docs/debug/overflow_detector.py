#!/usr/bin/env python3
"""Find the first module whose activations or gradients leave a dtype's range.

Forward hooks check every module's inputs and outputs; full backward hooks
check the gradients flowing out of every module (grad_input) during
backward(). A tensor is flagged when it contains NaN/Inf, when its largest
absolute value exceeds the largest finite value of the dtype being checked
(float16: 65504), or (underflow) when too many of its non-zero values are
smaller than the dtype's smallest normal number (float16: 6.1e-05), where
precision is lost and values end up flushed to zero.

Two ways to use it:

* compute in the target dtype (--compute float16): overflows really happen
  and show up as Inf;
* compute in float32 and only check against the target's limits
  (--compute float32 --check float16): nothing overflows yet, but the report
  shows which module *would* overflow in float16, with the actual magnitudes.

Usage:
    python overflow_detector.py --demo forward                 # fp32 run, fp16 limits
    python overflow_detector.py --demo forward --compute float16
    python overflow_detector.py --demo backward --loss-scale 32768
    python overflow_detector.py --demo underflow

In your own code:
    from overflow_detector import RangeDetector
    with RangeDetector(model, check_dtype=torch.float16) as det:
        loss = model(batch).sum(); loss.backward()
    print(det.report())

Exit status: 0 = everything in range, 1 = something was flagged, 2 = usage error.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field

DTYPES = ("float16", "bfloat16", "float32")
CHECK_DTYPES = DTYPES + ("float8_e4m3fn", "float8_e5m2")   # fp8: range check only


@dataclass
class Finding:
    phase: str            # "forward" or "backward"
    module: str
    cls: str
    tensor: str           # "output[0]", "grad_input[0]", ...
    kind: str             # "nonfinite", "overflow" or "underflow"
    min_abs: float        # smallest non-zero absolute value
    max_abs: float        # largest finite absolute value
    detail: str
    origin: str           # "created here", "inputs already out of range", ...

    def line(self) -> str:
        where = self.origin
        return (f"{self.phase} {self.module} ({self.cls}) {self.tensor}: {self.kind}, "
                f"{self.detail}; min|x|={self.min_abs:.3g} max|x|={self.max_abs:.3g}; {where}")


@dataclass
class RangeDetector:
    """Context manager that hooks every submodule of `model`."""

    model: object
    check_dtype: object = None          # torch dtype whose limits are checked
    underflow_frac: float = 0.5         # flag if more than this share is below tiny
    findings: list = field(default_factory=list)
    _handles: list = field(default_factory=list)

    def __post_init__(self):
        import torch
        self.torch = torch
        if self.check_dtype is None:
            self.check_dtype = torch.float16
        info = torch.finfo(self.check_dtype)
        self.max = float(info.max)
        self.tiny = float(info.tiny)    # smallest normal number

    # ----------------------------------------------------------- hooks
    def __enter__(self):
        for name, module in self.model.named_modules():
            label = name or "<root>"
            self._handles.append(module.register_forward_hook(self._fwd(label)))
            self._handles.append(module.register_full_backward_hook(self._bwd(label)))
            self._handles.append(
                module.register_full_backward_pre_hook(self._bwd_pre(label)))
        return self

    def __exit__(self, *exc):
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        return False

    def _tensors(self, obj, prefix):
        torch = self.torch
        if isinstance(obj, torch.Tensor):
            if obj.is_floating_point():
                yield prefix, obj
        elif isinstance(obj, (list, tuple)):
            for i, item in enumerate(obj):
                yield from self._tensors(item, f"{prefix}[{i}]")

    def classify(self, t):
        """Return (kind, detail, min_abs, max_abs) or None if t is in range."""
        torch = self.torch
        x = t.detach().float().abs()
        finite = torch.isfinite(x)
        nonzero = x[(x > 0) & finite]
        max_abs = float(x[finite].max()) if finite.any() else float("nan")
        min_abs = float(nonzero.min()) if nonzero.numel() else 0.0
        n_bad = int((~finite).sum())
        if n_bad:
            return "nonfinite", f"{n_bad} of {x.numel()} NaN/Inf", min_abs, max_abs
        n_big = int((x > self.max).sum())
        if n_big:
            return ("overflow", f"{n_big} of {x.numel()} above {self.max:g}",
                    min_abs, max_abs)
        if nonzero.numel():
            n_small = int((nonzero < self.tiny).sum())
            if n_small / nonzero.numel() > self.underflow_frac:
                return ("underflow", f"{n_small} of {nonzero.numel()} non-zero below "
                        f"{self.tiny:.3g}", min_abs, max_abs)
        return None

    def _record(self, phase, label, module, inputs, outputs, in_name, out_name):
        inputs_ok = all(self.classify(t) is None for _, t in self._tensors(inputs, in_name))
        for tname, t in self._tensors(outputs, out_name):
            found = self.classify(t)
            if found:
                kind, detail, lo, hi = found
                origin = "created here" if inputs_ok else "inputs already out of range"
                self.findings.append(Finding(phase, label, type(module).__name__, tname,
                                             kind, lo, hi, detail, origin))
                return

    def _fwd(self, label):
        def hook(module, inputs, output):
            self._record("forward", label, module, inputs, output, "input", "output")
        return hook

    def _bwd(self, label):
        def hook(module, grad_input, grad_output):
            # gradients flow from grad_output (into the module) to grad_input (out of it)
            self._record("backward", label, module, grad_output, grad_input,
                         "grad_output", "grad_input")
        return hook

    def _bwd_pre(self, label):
        def hook(module, grad_output):
            # the gradient arriving at a module is normally checked as the previous
            # module's grad_input; only the very first one (d loss / d output,
            # multiplied by the loss scale) has no previous module, so check it
            # here while no backward finding exists yet
            if any(f.phase == "backward" for f in self.findings):
                return None
            for tname, t in self._tensors(grad_output, "grad_output"):
                found = self.classify(t)
                if found:
                    kind, detail, lo, hi = found
                    self.findings.append(Finding(
                        "backward", label, type(module).__name__, tname, kind, lo, hi,
                        detail, "arrives out of range: check the loss and the loss scale"))
                    break
            return None
        return hook

    # ----------------------------------------------------------- report
    def first(self, phase=None, kinds=("nonfinite", "overflow", "underflow")):
        for f in self.findings:
            if (phase is None or f.phase == phase) and f.kind in kinds:
                return f
        return None

    def report(self) -> str:
        name = str(self.check_dtype).replace("torch.", "")
        if not self.findings:
            return f"All activations and gradients within {name} range."
        lines = [f"Checked against {name}: max {self.max:g}, smallest normal {self.tiny:.3g}"]
        for phase in ("forward", "backward"):
            hits = [f for f in self.findings if f.phase == phase]
            if not hits:
                continue
            lines.append(f"First {phase} finding: {hits[0].line()}")
            if len(hits) > 1:
                lines.append(f"  then {len(hits) - 1} more {phase} findings, next: "
                             + ", ".join(f.module for f in hits[1:4]))
        return "\n".join(lines)


# --------------------------------------------------------------- demo model
def build_demo(kind: str):
    import torch
    from torch import nn

    class RootGate(nn.Module):
        """sqrt(|x|) with no epsilon: tame forward, huge gradient near zero."""

        def __init__(self, eps=0.0):
            super().__init__()
            self.eps = eps

        def forward(self, x):
            return torch.sqrt(x.abs() + self.eps)

    class Block(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.up = nn.Linear(dim, dim)
            self.act = RootGate()

        def forward(self, x):
            return self.act(self.up(x))

    class TinyNet(nn.Module):
        def __init__(self, dim=16):
            super().__init__()
            self.embed = nn.Linear(8, dim)
            self.blocks = nn.ModuleList(Block(dim) for _ in range(3))
            self.head = nn.Linear(dim, 1)

        def forward(self, x):
            x = self.embed(x)
            for block in self.blocks:
                x = block(x)
            return self.head(x)

    model = TinyNet()
    for block in model.blocks:
        block.act.eps = 1.0                      # a healthy model has an epsilon
    with torch.no_grad():
        if kind == "forward":
            # a diverged or corrupted weight: block 1's projection is 1e6x too large,
            # so its output reaches ~1e6, above float16's 65504
            model.blocks[1].up.weight.mul_(1e6)
        elif kind == "backward":
            # block 1 loses its epsilon and its input sits near 1e-4 (still a normal
            # float16 number): sqrt() gives a tame 0.01 forward, but its derivative
            # 1/(2 sqrt(x)) = 50 multiplies the (loss-scaled) gradient in backward
            model.blocks[1].act.eps = 0.0
            model.blocks[1].up.weight.mul_(1e-7)
            model.blocks[1].up.bias.fill_(1e-4)
        elif kind == "underflow":
            # activations of block 0 shrink to ~1e-7, below float16's smallest normal
            model.blocks[0].up.weight.mul_(1e-7)
            model.blocks[0].up.bias.zero_()
            model.blocks[0].act = nn.Identity()
    return model


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Report the first module whose activations or gradients leave a "
                    "dtype's range (NaN/Inf, overflow, underflow).",
        epilog="Exit status: 0 all in range, 1 something flagged, 2 usage error.")
    parser.add_argument("--demo", choices=("forward", "backward", "underflow", "healthy"),
                        required=True, help="which fault to plant in the tiny model")
    parser.add_argument("--compute", choices=DTYPES, default="float32",
                        help="dtype the model runs in (default: float32)")
    parser.add_argument("--check", choices=CHECK_DTYPES, default="float16",
                        help="dtype whose limits are checked (default: float16)")
    parser.add_argument("--loss-scale", type=float, default=1.0,
                        help="multiply the loss before backward, as fp16 loss scaling does")
    parser.add_argument("--underflow-frac", type=float, default=0.5,
                        help="flag underflow when this share of non-zero values is "
                             "below the smallest normal (default: 0.5)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.loss_scale <= 0:
        parser.error("--loss-scale must be positive")

    import torch                                  # after argparse: --help stays fast

    torch.manual_seed(args.seed)
    compute = getattr(torch, args.compute)
    model = build_demo(args.demo).to(compute)
    batch = torch.randn(4, 8, dtype=compute, requires_grad=True)
    with RangeDetector(model, check_dtype=getattr(torch, args.check),
                       underflow_frac=args.underflow_frac) as det:
        loss = model(batch).float().sum() * args.loss_scale
        loss.backward()
    print(f"compute dtype {args.compute}, loss scale {args.loss_scale:g}")
    print(det.report())
    return 1 if det.findings else 0


if __name__ == "__main__":
    sys.exit(main())
