#!/usr/bin/env python3
"""A NaN that only exists in the backward pass, and how anomaly mode finds it.

The forward pass is finite: torch.where() picks 0 for negative inputs, so the
NaN produced by sqrt(-1) is never used. The gradient of where() is still
multiplied into sqrt's backward, and 0 * inf = NaN lands in x.grad. Forward
hooks (nan_detector.py) see nothing here; autograd anomaly mode names the
forward operation whose backward produced the NaN.

    python anomaly_demo.py                    # shows the NaN gradient
    python anomaly_demo.py --detect-anomaly   # names SqrtBackward0 + traceback

Exit status: 1 when a NaN gradient was produced or detected, 0 otherwise.
CPU only; anomaly mode makes every backward op slower, so enable it only
while bisecting a problem.
"""

import argparse
import sys


def safe_looking_sqrt(x):
    import torch

    return torch.where(x > 0, torch.sqrt(x), torch.zeros_like(x))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detect-anomaly", action="store_true",
                        help="run backward under torch.autograd.detect_anomaly()")
    args = parser.parse_args(argv)
    import torch  # after parsing, so that --help does not wait for torch to load

    x = torch.tensor([4.0, -1.0, 9.0], requires_grad=True)
    loss = safe_looking_sqrt(x).sum()
    print(f"forward loss = {loss.item()} (finite)")

    if not args.detect_anomaly:
        loss.backward()
        print(f"x.grad = {x.grad.tolist()}")
        return 1 if torch.isnan(x.grad).any() else 0

    # check_nan=True is the default; the forward must also run inside the
    # context so autograd can record where each op was created.
    x.grad = None
    with torch.autograd.detect_anomaly():
        loss = safe_looking_sqrt(x).sum()
        try:
            loss.backward()
        except RuntimeError as err:
            print(f"anomaly mode stopped backward: {err}")
            return 1
    print("no anomaly detected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
