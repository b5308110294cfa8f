#!/usr/bin/env python3
"""Show, on the CPU, the three ways low precision goes wrong in training.

  sum    accumulating many small values: the running sum stalls in bf16/fp16
  range  fp16 overflow and underflow of gradients, and what loss scaling fixes
  fp8    per-tensor vs per-block scaling when casting a tensor with an outlier

Every value is computed with PyTorch's real dtypes (torch.bfloat16,
torch.float16, torch.float8_e4m3fn), so the rounding is the hardware format's,
not an approximation. All inputs are deterministic, so the output is too.

Example:
  python precision_demo.py sum --count 10000 --value 1e-3
"""

from __future__ import annotations

import argparse
import sys


def check_positive(text: str, kind=float):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def demo_sum(torch, count: int, value: float) -> None:
    """Add `value` to a running sum `count` times, one rounding per step."""
    exact = count * value
    print(f"adding {value:g} {count:,} times (exact sum {exact:g})")
    print(f"{'accumulator':<30}{'result':>12}{'rel. error':>12}  stalls at")
    cases = [("fp32", torch.float32, torch.float32),
             ("bf16 inputs, fp32 accumulator", torch.bfloat16, torch.float32),
             ("bf16", torch.bfloat16, torch.bfloat16),
             ("fp16", torch.float16, torch.float16)]
    for name, in_dtype, acc_dtype in cases:
        x = torch.tensor(value, dtype=in_dtype).to(acc_dtype)
        total = torch.zeros((), dtype=acc_dtype)
        stall = None
        for _ in range(count):
            new = total + x
            if stall is None and new == total:
                stall = float(total)
            total = new
        result = float(total)
        where = f"{stall:g}" if stall is not None else "-"
        print(f"{name:<30}{result:>12.6g}{abs(result - exact) / exact:>11.3%}  {where}")
    print("a sum stalls once half the spacing between representable values")
    print("(half an ulp) exceeds the addend: every further addition rounds away")


def demo_range(torch) -> None:
    """Gradients spread over 1e-10 .. 1e-2, cast to fp16 with and without scaling."""
    grads = torch.logspace(-10, -2, 8001, dtype=torch.float64)
    f16 = torch.finfo(torch.float16)
    print(f"fp16: max {f16.max:g}, smallest normal {f16.tiny:.3g}, "
          f"smallest subnormal {2.0 ** -24:.3g}")
    print(f"product 300 x 300: fp16 {float(torch.tensor(300.0, dtype=torch.float16) ** 2)}, "
          f"bf16 {float(torch.tensor(300.0, dtype=torch.bfloat16) ** 2):g}")
    print(f"{len(grads):,} gradient values, log-spaced from 1e-10 to 1e-2:")

    def cast(scale: float, dtype) -> tuple[float, float, float]:
        y = (grads * scale).to(dtype)
        zero = (y == 0).double().mean().item()
        inf = torch.isinf(y).double().mean().item()
        back = y.double() / scale
        ok = (y != 0) & torch.isfinite(y)
        rel = ((back[ok] - grads[ok]).abs() / grads[ok]).max().item()
        return zero, inf, rel

    print(f"{'format, loss scale':<24}{'flushed to 0':>14}{'overflow':>10}{'max rel. err':>14}")
    for label, scale, dtype in [("fp16, none", 1.0, torch.float16),
                                ("fp16, 2^16", 2.0 ** 16, torch.float16),
                                ("fp16, 2^24", 2.0 ** 24, torch.float16),
                                ("bf16, none", 1.0, torch.bfloat16)]:
        zero, inf, rel = cast(scale, dtype)
        print(f"{label:<24}{zero:>14.1%}{inf:>10.1%}{rel:>14.2%}")

    # A dynamic scaler starts high and halves the scale after each overflow.
    scale, skipped = 2.0 ** 24, 0
    while torch.isinf((grads * scale).to(torch.float16)).any():
        scale /= 2
        skipped += 1
    print(f"dynamic scaling from 2^24: {skipped} skipped steps, settles at 2^{24 - skipped}")
    print("bf16 keeps the range of fp32 (8 exponent bits) and needs no scaling,")
    print("but its relative error is 8x larger than fp16's (7 vs 10 mantissa bits)")


def demo_fp8(torch, block: int = 32) -> None:
    """Quantise a tensor with one large outlier to e4m3, per tensor vs per block."""
    e4m3 = torch.float8_e4m3fn
    fmax = torch.finfo(e4m3).max
    n = 4096
    x = torch.linspace(-1.0, 1.0, n, dtype=torch.float32) * 1e-3
    x[7] = 50.0                                   # one outlier, as in real activations
    print(f"e4m3 max {fmax:g}, e5m2 max {torch.finfo(torch.float8_e5m2).max:g}")
    print(f"{n} values of magnitude <= 1e-3 plus one outlier of 50, cast to e4m3:")

    def error(q: torch.Tensor) -> tuple[float, float]:
        rest = torch.arange(n) != 7
        err = ((q - x).abs()[rest] / x.abs()[rest].clamp_min(1e-12)).median().item()
        zero = (q[rest] == 0).float().mean().item()
        return err, zero

    # per-tensor: one scale maps the absolute maximum onto the format's maximum
    s = fmax / x.abs().max()
    per_tensor = (x * s).to(e4m3).float() / s
    # per-block (MX style): a power-of-two scale for each block of `block` values
    xb = x.view(-1, block)
    amax = xb.abs().amax(dim=1, keepdim=True)
    sb = torch.exp2(torch.floor(torch.log2(fmax / amax)))
    per_block = ((xb * sb).to(e4m3).float() / sb).view(-1)
    print(f"{'scaling':<28}{'median rel. error':>18}{'flushed to 0':>14}")
    for label, q in [("none (scale 1)", x.to(e4m3).float()),
                     ("one scale per tensor", per_tensor),
                     (f"one scale per {block} values", per_block)]:
        err, zero = error(q)
        print(f"{label:<28}{err:>18.2%}{zero:>14.1%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Low-precision pitfalls, demonstrated on the CPU.")
    sub = parser.add_subparsers(dest="demo", required=True)
    p_sum = sub.add_parser("sum", help="accumulation error of a running sum")
    p_sum.add_argument("--count", type=lambda t: check_positive(t, int), default=10000)
    p_sum.add_argument("--value", type=check_positive, default=1e-3)
    sub.add_parser("range", help="fp16 overflow/underflow and loss scaling")
    sub.add_parser("fp8", help="per-tensor vs per-block (32 values) fp8 scaling")
    args = parser.parse_args(argv)
    if args.demo == "sum" and args.count > 1_000_000:
        parser.error("--count above 1,000,000 takes too long for a demonstration")

    import torch  # imported late so that --help stays fast

    if args.demo == "sum":
        demo_sum(torch, args.count, args.value)
    elif args.demo == "range":
        demo_range(torch)
    else:
        demo_fp8(torch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
