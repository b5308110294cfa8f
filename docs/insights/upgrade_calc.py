#!/usr/bin/env python3
"""Cost per token on two accelerator generations: is the upgrade worth it?

Reads peak TFLOPS, memory bandwidth and TDP from the book's table
(data/accelerators.yaml) and combines them with what only you know: the price
you pay per GPU-hour, the model FLOPs utilization (MFU) you achieve, and the
data type you can actually run in.

Two workloads:

  train   compute-bound: tokens/s per GPU = peak x MFU / (6 x params)
  decode  bandwidth-bound: tokens/s per GPU = batch x BW x efficiency /
          (weight bytes + batch x KV bytes read per sequence), per GPU

For each generation it prints tokens/s per GPU, dollars per million tokens,
energy per million tokens at TDP, and the break-even price: the most the new
GPU may cost per hour before it stops being cheaper per token.

Example:
  python upgrade_calc.py train --params 70e9 \
      --old h100-sxm --old-dtype bf16 --old-mfu 0.40 --old-price 2.50 \
      --new b200 --new-dtype bf16 --new-mfu 0.35 --new-price 4.50
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "data" / "accelerators.yaml"
DTYPES = ("fp32", "tf32", "fp16", "bf16", "fp8", "int8", "fp6", "fp4")


class InputError(Exception):
    """Bad user input: reported in one line, exit status 2."""


def key_of(model: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", model.lower()).strip("-")


def load_table(path: Path) -> dict:
    import yaml  # imported late so that --help stays fast

    try:
        rows = yaml.safe_load(path.read_text(encoding="utf-8"))["accelerators"]
    except OSError as exc:
        raise InputError(f"cannot read accelerator table {path}: {exc.strerror}")
    return {key_of(r["model"]): r for r in rows}


def parse_count(text: str) -> float:
    s = text.strip().replace("_", "").replace(",", "")
    factor = 1.0
    suffixes = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
    if s and s[-1].lower() in suffixes:
        factor, s = suffixes[s[-1].lower()], s[:-1]
    try:
        value = float(s) * factor
    except ValueError:
        raise InputError(f"cannot read '{text}' as a number (try 70e9 or 70B)")
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"'{text}' must be a positive number")
    return value


def check_fraction(name: str, value: float) -> float:
    if not math.isfinite(value) or not 0 < value <= 1:
        raise InputError(f"{name} must be a fraction in (0, 1], got {value} (write 0.4, not 40)")
    return value


def check_price(name: str, value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"{name} must be a positive price per GPU-hour, got {value}")
    return value


def figure(row: dict, field: str, what: str):
    value = row["tflops"].get(field) if field in DTYPES else row.get(field)
    if value == "unsupported":
        raise InputError(f"{row['model']} has no hardware support for {what}")
    if not isinstance(value, (int, float)):
        return None
    return float(value)


def side(a: argparse.Namespace, table: dict, which: str) -> dict:
    key = getattr(a, which)
    row = table.get(key_of(key))
    if row is None:
        raise InputError(f"unknown accelerator '{key}'; known keys: {', '.join(sorted(table))}")
    price = check_price(f"--{which}-price", getattr(a, f"{which}_price"))
    tdp = figure(row, "tdp_w", "power")
    out = {"accelerator": row["model"], "price_per_gpu_hour": price, "tdp_w": tdp,
           "sources": row["sources"]}
    if a.workload == "train":
        dtype = getattr(a, f"{which}_dtype")
        mfu = check_fraction(f"--{which}-mfu", getattr(a, f"{which}_mfu"))
        peak = figure(row, dtype, dtype)
        if peak is None:
            raise InputError(f"{row['model']}: {dtype} TFLOPS is not known in the table")
        tps = peak * 1e12 * mfu / (6 * a.params_n)
        out.update(dtype=dtype, peak_tflops=peak, mfu=mfu)
    else:
        bw = figure(row, "memory_bw_tbs", "memory bandwidth")
        if bw is None:
            raise InputError(f"{row['model']}: memory bandwidth is not known in the table")
        eff = check_fraction("--bw-efficiency", a.bw_efficiency)
        wbytes = getattr(a, f"{which}_weight_bytes")
        if not wbytes > 0:
            raise InputError(f"--{which}-weight-bytes must be positive")
        step_bytes = a.params_n * wbytes / a.gpus + a.batch * a.kv_mib * 2**20 / a.gpus
        step_s = step_bytes / (bw * 1e12 * eff)
        tps = a.batch / step_s / a.gpus
        out.update(memory_bw_tbs=bw, weight_bytes=wbytes, step_ms=step_s * 1e3)
    out["tokens_per_s_per_gpu"] = tps
    out["usd_per_million_tokens"] = price / (tps * 3600) * 1e6
    out["kwh_per_million_tokens"] = None if tdp is None else tdp / 1000 / (tps * 3600) * 1e6
    return out


def compute(a: argparse.Namespace) -> dict:
    a.params_n = parse_count(a.params)
    if a.workload == "decode":
        if a.gpus < 1 or a.gpus != int(a.gpus):
            raise InputError(f"--gpus must be a whole number of at least 1, got {a.gpus}")
        if a.batch < 1 or a.batch != int(a.batch):
            raise InputError(f"--batch must be a whole number of at least 1, got {a.batch}")
        if not (math.isfinite(a.kv_mib) and a.kv_mib >= 0):
            raise InputError("--kv-mib must be zero or a positive number")
    table = load_table(Path(a.data))
    old, new = side(a, table, "old"), side(a, table, "new")
    speedup = new["tokens_per_s_per_gpu"] / old["tokens_per_s_per_gpu"]
    return {"workload": a.workload, "old": old, "new": new, "speedup_per_gpu": speedup,
            "cost_ratio_new_over_old": new["usd_per_million_tokens"] / old["usd_per_million_tokens"],
            "break_even_new_price": old["price_per_gpu_hour"] * speedup}


def report(r: dict) -> str:
    rows = [("", "old", "new")]
    o, n = r["old"], r["new"]
    rows.append(("accelerator", o["accelerator"], n["accelerator"]))
    if r["workload"] == "train":
        rows.append(("dtype / peak TFLOPS", f"{o['dtype']} {o['peak_tflops']:,.1f}",
                     f"{n['dtype']} {n['peak_tflops']:,.1f}"))
        rows.append(("MFU", f"{o['mfu']:.0%}", f"{n['mfu']:.0%}"))
    else:
        rows.append(("HBM TB/s", f"{o['memory_bw_tbs']:g}", f"{n['memory_bw_tbs']:g}"))
        rows.append(("weight bytes/param", f"{o['weight_bytes']:g}", f"{n['weight_bytes']:g}"))
        rows.append(("decode step", f"{o['step_ms']:.2f} ms", f"{n['step_ms']:.2f} ms"))
    rows.append(("tokens/s per GPU", f"{o['tokens_per_s_per_gpu']:,.0f}",
                 f"{n['tokens_per_s_per_gpu']:,.0f}"))
    rows.append(("$ per GPU-hour", f"{o['price_per_gpu_hour']:.2f}",
                 f"{n['price_per_gpu_hour']:.2f}"))
    rows.append(("$ per 1M tokens", f"{o['usd_per_million_tokens']:.3f}",
                 f"{n['usd_per_million_tokens']:.3f}"))

    def kwh(s):
        v = s["kwh_per_million_tokens"]
        return "TDP unknown" if v is None else f"{v:.3f}"
    rows.append(("kWh per 1M tokens (TDP)", kwh(o), kwh(n)))
    w0 = max(len(x[0]) for x in rows)
    w1 = max(len(x[1]) for x in rows)
    lines = [f"{a:<{w0}}  {b:>{w1}}  {c}".rstrip() for a, b, c in rows]
    lines.append(f"new/old throughput per GPU: {r['speedup_per_gpu']:.2f}x")
    lines.append(f"new/old cost per token:     {r['cost_ratio_new_over_old']:.2f}")
    lines.append(f"break-even new price:       ${r['break_even_new_price']:.2f} per GPU-hour")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("workload", choices=["train", "decode"])
    p.add_argument("--params", required=True, help="parameters (dense) or active parameters (MoE)")
    for which in ("old", "new"):
        p.add_argument(f"--{which}", required=True, help="row of data/accelerators.yaml, e.g. h100-sxm")
        p.add_argument(f"--{which}-price", type=float, required=True, help="$ per GPU-hour")
        p.add_argument(f"--{which}-dtype", choices=DTYPES, default="bf16",
                       help="train: data type of the matmuls (default bf16)")
        p.add_argument(f"--{which}-mfu", type=float, default=0.4,
                       help="train: model FLOPs utilization as a fraction (default 0.4)")
        p.add_argument(f"--{which}-weight-bytes", type=float, default=2.0,
                       help="decode: bytes per weight (2 bf16, 1 fp8, 0.5 fp4)")
    p.add_argument("--gpus", type=float, default=1, help="decode: GPUs per replica")
    p.add_argument("--batch", type=float, default=64, help="decode: concurrent sequences")
    p.add_argument("--kv-mib", type=float, default=0.0,
                   help="decode: KV cache MiB read per sequence per step")
    p.add_argument("--bw-efficiency", type=float, default=0.7,
                   help="decode: achieved share of peak HBM bandwidth (default 0.7)")
    p.add_argument("--data", default=str(DEFAULT_DATA), help="path to accelerators.yaml")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    try:
        r = compute(a)
    except InputError as exc:
        print(f"upgrade_calc.py: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(r, indent=2) if a.json else report(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
