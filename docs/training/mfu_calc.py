#!/usr/bin/env python3
"""Model FLOPs utilisation (MFU) and hardware FLOPs utilisation (HFU) of a
decoder-only transformer training run.

Inputs: measured training throughput (tokens per second over the whole job),
the number of accelerators, the model shape, and the accelerator and dtype
whose DENSE peak is read from the book's data/accelerators.yaml.

FLOPs per token (forward + backward):
  dense part      6 * N                       (N = parameters that take part
                                               in matmuls, incl. the LM head)
  attention part  12 * L * h * s              (QK^T and AV, full mask)
                  6 * L * h * s with --causal (only the unmasked half)
With full activation recomputation the hardware runs one extra forward pass,
so hardware FLOPs per token are 8 * N and 16 * L * h * s (or 8 * L * h * s).

Example:
  python mfu_calc.py --accelerator H100-SXM --dtype bf16 --params 8e9 \
      --layers 32 --hidden 4096 --seq 8192 --tokens-per-sec 420000 --gpus 64
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "data" / "accelerators.yaml"
DTYPES = ("fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "fp6", "fp4", "int8")


class InputError(Exception):
    """Bad user input: reported as one line, exit status 2."""


def key_of(text: str) -> str:
    """'H100 SXM' -> 'h100-sxm'; 'TPU v6e (Trillium)' -> 'tpu-v6e-trillium'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def positive_number(text: str) -> float:
    """argparse type: a finite number > 0, accepting 8e9, 8B, 350M, 1.5T."""
    s = text.strip().replace("_", "").replace(",", "")
    factor = 1.0
    suffixes = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
    if s and s[-1].lower() in suffixes:
        factor, s = suffixes[s[-1].lower()], s[:-1]
    try:
        value = float(s) * factor
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value


def positive_int(text: str) -> int:
    value = positive_number(text)
    if value != int(value):
        raise argparse.ArgumentTypeError(f"must be a whole number: {text!r}")
    return int(value)


def load_accelerators(path: Path) -> dict:
    """Map of lookup key -> accelerator row. Each row is reachable by its model
    name and, if the name has a bracketed part, by the name without it."""
    try:
        import yaml
    except ImportError:
        raise InputError("PyYAML is needed to read the accelerator table (pip install pyyaml)") from None
    if not path.is_file():
        raise InputError(f"accelerator table not found: {path} (use --data)")
    rows = yaml.safe_load(path.read_text(encoding="utf-8")).get("accelerators", [])
    table = {}
    for row in rows:
        model = str(row["model"])
        table[key_of(model)] = row
        short = key_of(re.sub(r"\(.*?\)", "", model))
        table.setdefault(short, row)
    return table


def peak_tflops(table: dict, accelerator: str, dtype: str) -> tuple[dict, float]:
    row = table.get(key_of(accelerator))
    if row is None:
        known = ", ".join(sorted({key_of(r["model"]) for r in table.values()}))
        raise InputError(f"unknown accelerator {accelerator!r}; known: {known}")
    value = row.get("tflops", {}).get(dtype)
    name = f"{row['vendor']} {row['model']}"
    if value == "unsupported":
        raise InputError(f"{name} has no hardware path for {dtype}")
    if value is None:
        raise InputError(f"no dense {dtype} peak for {name} in the table; measure one (see MAMF)")
    return row, float(value)


def flops_per_token(params: float, layers: int, hidden: int, seq: int,
                    causal: bool, recompute: bool) -> tuple[float, float]:
    """(dense, attention) FLOPs per token; hardware FLOPs if recompute."""
    passes = 4 if recompute else 3          # forward + backward (= 2 forwards)
    dense = 2 * passes * params
    attention = 4 * passes * layers * hidden * seq
    if causal:
        attention /= 2
    return dense, attention


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="MFU/HFU of a transformer training run from its measured throughput.",
        epilog="Peaks are the dense figures of data/accelerators.yaml; keys are the model "
               "names in lower case with '-' for spaces, e.g. H100-SXM, B200, MI300X, TPU-v5p.")
    parser.add_argument("--accelerator", required=True, help="e.g. H100-SXM, H200, B200, MI300X")
    parser.add_argument("--dtype", default="bf16", choices=DTYPES, help="peak to compare with (default bf16)")
    parser.add_argument("--params", required=True, type=positive_number,
                        help="parameters in matmuls incl. LM head, e.g. 8e9 or 8B")
    parser.add_argument("--layers", required=True, type=positive_int)
    parser.add_argument("--hidden", required=True, type=positive_int, help="model width (heads x head dim)")
    parser.add_argument("--seq", required=True, type=positive_int, help="training sequence length")
    parser.add_argument("--tokens-per-sec", required=True, type=positive_number,
                        help="measured tokens per second of the whole job")
    parser.add_argument("--gpus", default=1, type=positive_int, help="accelerators in the job (default 1)")
    parser.add_argument("--causal", action="store_true",
                        help="count only the unmasked half of causal attention")
    parser.add_argument("--recompute", choices=("none", "full"), default="none",
                        help="activation recomputation, for HFU (default none)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="path to accelerators.yaml")
    args = parser.parse_args(argv)

    try:
        row, peak = peak_tflops(load_accelerators(args.data), args.accelerator, args.dtype)
    except InputError as exc:
        parser.error(str(exc))

    per_gpu = args.tokens_per_sec / args.gpus
    dense, attn = flops_per_token(args.params, args.layers, args.hidden, args.seq, args.causal, False)
    mfu_plain = per_gpu * dense / (peak * 1e12)
    mfu_attn = per_gpu * (dense + attn) / (peak * 1e12)
    mask = "causal, half" if args.causal else "full mask"

    print(f"accelerator          : {row['vendor']} {row['model']}, dense {args.dtype} peak {peak:,.1f} TFLOPS")
    print(f"throughput per GPU   : {per_gpu:,.1f} tokens/s")
    print(f"FLOPs per token      : {dense / 1e9:.2f} G (6N) + {attn / 1e9:.2f} G (attention, {mask})")
    print(f"achieved per GPU     : {per_gpu * dense / 1e12:.1f} TFLOPS (6N only), "
          f"{per_gpu * (dense + attn) / 1e12:.1f} TFLOPS (with attention)")
    print(f"MFU, 6N only         : {100 * mfu_plain:.1f} %")
    print(f"MFU, with attention  : {100 * mfu_attn:.1f} %")
    if args.recompute == "full":
        hd, ha = flops_per_token(args.params, args.layers, args.hidden, args.seq, args.causal, True)
        print(f"HFU, full recompute  : {100 * per_gpu * (hd + ha) / (peak * 1e12):.1f} %")
    ceiling = peak * 1e12 / (dense + attn)
    print(f"tokens/s per GPU at 100 % MFU: {ceiling:,.0f}; at 50 %: {ceiling / 2:,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
