#!/usr/bin/env python3
"""Estimate the time of one ring all-reduce of a model's gradients.

Model (the classic alpha-beta estimate for a ring):

    bytes_per_rank = 2 * (n - 1) / n * params * bytes_per_elem
    time           = bytes_per_rank / (bandwidth * efficiency)
                     + 2 * (n - 1) * latency

"bandwidth" is the bus bandwidth one rank can sustain in the ring, the
number nccl-tests prints as busbw. Gigabits (--unit Gbps) are converted to
bytes with a factor 1/8; G means 10**9 everywhere (not 2**30).

Standard library only. Example (8B parameters, bf16 gradients, 64 ranks,
400 Gb/s per rank):

    python allreduce_time.py --params 8e9 --bytes-per-elem 2 \\
        --ranks 64 --bandwidth 400 --unit Gbps
"""

import argparse
import math
import sys

UNIT_TO_BYTES_PER_S = {
    "Gbps": 1e9 / 8,  # gigabits per second
    "GBps": 1e9,      # gigabytes per second
}


def ring_allreduce_seconds(params, bytes_per_elem, ranks, bytes_per_s,
                           efficiency=1.0, latency_s=0.0):
    """Return (bytes sent per rank, seconds) for one ring all-reduce."""
    if ranks < 1:
        raise ValueError("ranks must be >= 1")
    payload = params * bytes_per_elem
    if ranks == 1:
        return 0.0, 0.0
    per_rank = 2.0 * (ranks - 1) / ranks * payload
    seconds = per_rank / (bytes_per_s * efficiency) + 2 * (ranks - 1) * latency_s
    return per_rank, seconds


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value


def non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0: {text!r}")
    return value


def rank_count(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"ranks must be >= 1: {text!r}")
    return value


def build_parser():
    p = argparse.ArgumentParser(
        description="Ring all-reduce time for a gradient of PARAMS elements.",
        epilog="Example: --params 8e9 --bytes-per-elem 2 --ranks 64 "
               "--bandwidth 400 --unit Gbps",
    )
    p.add_argument("--params", type=positive_float, required=True,
                   help="number of gradient elements (e.g. 8e9)")
    p.add_argument("--bytes-per-elem", type=positive_float, default=2.0,
                   help="bytes per element: 2 for bf16/fp16, 4 for fp32 (default 2)")
    p.add_argument("--ranks", type=rank_count, required=True,
                   help="number of ranks taking part in the all-reduce")
    p.add_argument("--bandwidth", type=positive_float, required=True,
                   help="per-rank bus bandwidth, in the unit given by --unit")
    p.add_argument("--unit", choices=sorted(UNIT_TO_BYTES_PER_S), default="Gbps",
                   help="Gbps = gigabits/s, GBps = gigabytes/s (default Gbps)")
    p.add_argument("--efficiency", type=positive_float, default=1.0,
                   help="fraction of the bandwidth actually reached, 0 < e <= 1 (default 1)")
    p.add_argument("--latency-us", type=non_negative_float, default=0.0,
                   help="per-hop latency in microseconds; adds 2*(n-1)*latency (default 0)")
    p.add_argument("--compute-s", type=positive_float, default=None,
                   help="optional compute time per step in seconds, to print the ratio")
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.efficiency > 1.0:
        parser.error("--efficiency must be <= 1")

    bytes_per_s = args.bandwidth * UNIT_TO_BYTES_PER_S[args.unit]
    per_rank, seconds = ring_allreduce_seconds(
        args.params, args.bytes_per_elem, args.ranks, bytes_per_s,
        args.efficiency, args.latency_us * 1e-6)

    payload = args.params * args.bytes_per_elem
    print(f"gradient size        : {payload / 1e9:.3f} GB")
    print(f"ring factor 2(n-1)/n : {2 * (args.ranks - 1) / args.ranks:.5f} (n={args.ranks})")
    print(f"bytes sent per rank  : {per_rank / 1e9:.3f} GB")
    print(f"per-rank bandwidth   : {bytes_per_s / 1e9:.3f} GB/s "
          f"({bytes_per_s * 8 / 1e9:.1f} Gb/s) x efficiency {args.efficiency:g}")
    print(f"all-reduce time      : {seconds:.3f} s ({seconds * 1e3:.1f} ms)")
    if args.compute_s is not None:
        print(f"comm / compute       : {seconds / args.compute_s:.2f} "
              f"(compute {args.compute_s:g} s per step)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
