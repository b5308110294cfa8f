#!/usr/bin/env python3
"""Back-of-the-envelope cost of a dense transformer training run.

Uses the common approximation: training FLOPs ~= 6 x parameters x tokens
(forward pass ~2 FLOPs per parameter per token, backward pass ~4).

Example (70B parameters, 15T tokens, 4096 H100 at 989 dense BF16 TFLOPS,
40% MFU, 2.50 USD per GPU-hour):

    python3 training_cost.py --params 70B --tokens 15T --gpus 4096 \
        --peak-tflops 989 --mfu 0.40 --price 2.50

Only the Python standard library is used.
"""

import argparse
import json
import math
import sys

SUFFIXES = {"K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12}
SECONDS_PER_HOUR = 3600.0
HOURS_PER_DAY = 24.0


def parse_count(text):
    """Parse '70B', '15T', '1.5e12' or '7000000000' into a float."""
    raw = text.strip().replace("_", "").replace(",", "")
    if not raw:
        raise argparse.ArgumentTypeError("empty value")
    scale = 1.0
    if raw[-1].upper() in SUFFIXES:
        scale = SUFFIXES[raw[-1].upper()]
        raw = raw[:-1]
    try:
        value = float(raw) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"cannot read {text!r} as a number (examples: 70B, 15T, 1.5e12)"
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive, finite number")
    return value


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"cannot read {text!r} as a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive, finite number")
    return value


def non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"cannot read {text!r} as a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be zero or a positive number")
    return value


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def mfu_fraction(text):
    value = positive_float(text)
    if value > 1.0:
        raise argparse.ArgumentTypeError(
            f"MFU {text!r} is above 1; give a fraction such as 0.40, not a percentage"
        )
    return value


def estimate(params, tokens, gpus, peak_tflops, mfu, price, flops_per_param_token=6.0):
    """Return a dict with the estimate; all inputs are plain floats/ints."""
    total_flops = flops_per_param_token * params * tokens
    achieved_flops_per_gpu = peak_tflops * 1e12 * mfu
    gpu_seconds = total_flops / achieved_flops_per_gpu
    gpu_hours = gpu_seconds / SECONDS_PER_HOUR
    wall_hours = gpu_hours / gpus
    return {
        "params": params,
        "tokens": tokens,
        "gpus": gpus,
        "peak_tflops": peak_tflops,
        "mfu": mfu,
        "price_per_gpu_hour": price,
        "flops_per_param_token": flops_per_param_token,
        "total_flops": total_flops,
        "achieved_tflops_per_gpu": achieved_flops_per_gpu / 1e12,
        "gpu_hours": gpu_hours,
        "wall_clock_hours": wall_hours,
        "wall_clock_days": wall_hours / HOURS_PER_DAY,
        "cost": gpu_hours * price,
    }


def format_report(r):
    lines = [
        f"training FLOPs       : {r['total_flops']:.3e}"
        f"  ({r['flops_per_param_token']:g} x {r['params']:.3e} params x {r['tokens']:.3e} tokens)",
        f"achieved per GPU     : {r['achieved_tflops_per_gpu']:.1f} TFLOPS"
        f"  ({r['peak_tflops']:g} peak x {r['mfu']:.0%} MFU)",
        f"GPU-hours            : {r['gpu_hours']:,.0f}",
        f"wall-clock           : {r['wall_clock_hours']:,.1f} hours = "
        f"{r['wall_clock_days']:,.1f} days on {r['gpus']:,} GPUs",
    ]
    if r["price_per_gpu_hour"] > 0:
        lines.append(f"compute cost         : ${r['cost']:,.0f}"
                     f"  at ${r['price_per_gpu_hour']:,.2f} per GPU-hour")
    else:
        lines.append("compute cost         : not computed (pass --price USD_PER_GPU_HOUR)")
    return "\n".join(lines)


def build_parser():
    parser = argparse.ArgumentParser(
        description=(
            "Estimate training FLOPs (6 x params x tokens), GPU-hours, wall-clock days "
            "and compute cost of a dense transformer training run. "
            "Counts accept suffixes K, M, B (or G) and T: 70B, 15T."
        ),
        epilog=(
            "example: %(prog)s --params 70B --tokens 15T --gpus 4096 "
            "--peak-tflops 989 --mfu 0.40 --price 2.50"
        ),
    )
    parser.add_argument("--params", type=parse_count, required=True,
                        help="number of model parameters, e.g. 70B or 7e10")
    parser.add_argument("--tokens", type=parse_count, required=True,
                        help="number of training tokens, e.g. 15T or 1.5e13")
    parser.add_argument("--gpus", type=positive_int, required=True,
                        help="number of GPUs working on the run at the same time")
    parser.add_argument("--peak-tflops", type=positive_float, required=True,
                        help="per-GPU dense peak TFLOPS for the training dtype "
                             "(no sparsity), e.g. 989 for H100 SXM BF16")
    parser.add_argument("--mfu", type=mfu_fraction, required=True,
                        help="model FLOPs utilization as a fraction in (0, 1], e.g. 0.40")
    parser.add_argument("--price", type=non_negative_float, default=0.0,
                        help="price in USD per GPU-hour (default: 0 = do not compute the cost)")
    parser.add_argument("--flops-per-param-token", type=positive_float, default=6.0,
                        help="FLOPs per parameter per token (default: 6 = forward + backward; "
                             "use 8 with full activation recomputation)")
    parser.add_argument("--json", action="store_true",
                        help="print the result as JSON instead of text")
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    result = estimate(args.params, args.tokens, args.gpus, args.peak_tflops,
                      args.mfu, args.price, args.flops_per_param_token)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(format_report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
