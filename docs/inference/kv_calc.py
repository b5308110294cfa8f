#!/usr/bin/env python3
"""KV-cache and serving-capacity calculator for decoder-only LLMs.

Given a model shape, a context length and an accelerator from the book's
table (data/accelerators.yaml), it prints:

  * KV-cache bytes per token and per request (standard/GQA/MQA attention, or
    an MLA latent cache with --mla-latent-dim)
  * how many requests of that context fit next to the weights
  * the decode-throughput ceiling set by memory bandwidth: every decode step
    must read all weights once plus the KV cache of every running request

Standard library plus PyYAML (used only to read the table). The figures are
upper bounds: real engines reach a fraction of peak bandwidth (pass
--bw-efficiency) and also need memory for activations and the CUDA context
(--mem-util keeps a share free).

Memory per GPU: HBM is built from stacks sized in powers of two, so the
vendor's "80 GB" is 80 GiB of HBM, of which software sees a little less (an
H100 80GB reports 81,559 MiB = 79.6 GiB in nvidia-smi). Without --gpu-mem-gib
the table's figure is read as GiB; pass the value that
`nvidia-smi --query-gpu=memory.total --format=csv` prints, divided by 1024,
for an exact plan.

Example:
  python kv_calc.py --accelerator h100-sxm --gpus 8 --params 70e9 \
      --weight-bytes 2 --layers 80 --kv-heads 8 --head-dim 128 \
      --kv-dtype bf16 --context 8192
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

GIB = 2**30
KV_DTYPE_BYTES = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0,
                  "int4": 0.5, "fp4": 0.5}
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "data" / "accelerators.yaml"


class InputError(Exception):
    """Bad user input: reported in one line, exit status 2."""


def key_of(model: str) -> str:
    """'H100 SXM' -> 'h100-sxm', 'TPU v6e (Trillium)' -> 'tpu-v6e-trillium'."""
    return re.sub(r"[^a-z0-9]+", "-", model.lower()).strip("-")


def load_accelerator(path: Path, key: str) -> dict:
    import yaml  # imported late so that --help stays fast

    try:
        rows = yaml.safe_load(path.read_text(encoding="utf-8"))["accelerators"]
    except OSError as exc:
        raise InputError(f"cannot read accelerator table {path}: {exc.strerror}")
    table = {key_of(r["model"]): r for r in rows}
    row = table.get(key_of(key))
    if row is None:
        raise InputError(f"unknown accelerator '{key}'; known keys: {', '.join(sorted(table))}")
    for field in ("memory_gb", "memory_bw_tbs"):
        if not isinstance(row.get(field), (int, float)):
            raise InputError(f"{row['model']}: {field} is not known in {path.name}; "
                             "pick another accelerator")
    return row


def parse_count(text: str) -> float:
    """Parse 70e9, 70B, 8b, 350M or a plain number."""
    s = text.strip().replace("_", "").replace(",", "")
    factor = 1.0
    suffixes = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
    if s and s[-1].lower() in suffixes:
        factor, s = suffixes[s[-1].lower()], s[:-1]
    try:
        value = float(s) * factor
    except ValueError:
        raise InputError(f"cannot read '{text}' as a number (try 70e9 or 70B)")
    return value


def positive(name: str, value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"{name} must be a positive number, got {value}")
    return value


def whole(name: str, value: float) -> int:
    if value != int(value) or value < 1:
        raise InputError(f"{name} must be a whole number of at least 1, got {value}")
    return int(value)


def fraction(name: str, value: float) -> float:
    if not math.isfinite(value) or not 0 < value <= 1:
        raise InputError(f"{name} must be a fraction in (0, 1], got {value} "
                         "(write 0.9, not 90)")
    return value


def compute(a: argparse.Namespace) -> dict:
    row = load_accelerator(Path(a.data), a.accelerator)
    gpus = whole("--gpus", a.gpus)
    layers = whole("--layers", a.layers)
    context = whole("--context", a.context)
    params = positive("--params", parse_count(a.params))
    wbytes = positive("--weight-bytes", a.weight_bytes)
    active = params if a.active_params is None else positive(
        "--active-params", parse_count(a.active_params))
    if active > params:
        raise InputError("--active-params cannot exceed --params")
    mem_util = fraction("--mem-util", a.mem_util)
    bw_eff = fraction("--bw-efficiency", a.bw_efficiency)
    kv_bytes = KV_DTYPE_BYTES[a.kv_dtype]

    if a.mla_latent_dim is not None:
        if a.kv_heads is not None or a.head_dim is not None:
            raise InputError("give either --mla-latent-dim or --kv-heads/--head-dim, not both")
        latent = whole("--mla-latent-dim", a.mla_latent_dim)
        # MLA caches one compressed latent vector per layer (no separate K and V);
        # it is not split across tensor-parallel ranks, so every rank holds it all.
        per_token = layers * latent * kv_bytes
        shape = f"MLA latent {latent} per layer"
        kv_split = 1
    else:
        if a.kv_heads is None or a.head_dim is None:
            raise InputError("give --kv-heads and --head-dim (or --mla-latent-dim for MLA)")
        kv_heads = whole("--kv-heads", a.kv_heads)
        head_dim = whole("--head-dim", a.head_dim)
        per_token = 2 * layers * kv_heads * head_dim * kv_bytes
        shape = f"{kv_heads} KV heads x head_dim {head_dim}"
        # Tensor parallelism shards KV heads; with more GPUs than heads they are replicated.
        kv_split = min(gpus, kv_heads)

    per_request = per_token * context
    # Vendor "GB" for HBM is in practice GiB (see the module docstring); a measured
    # value from nvidia-smi overrides it.
    mem_gib = (float(row["memory_gb"]) if a.gpu_mem_gib is None
               else positive("--gpu-mem-gib", a.gpu_mem_gib))
    hbm_bytes = mem_gib * GIB * gpus
    usable = hbm_bytes * mem_util
    weights = params * wbytes
    # Cache bytes across the group: each token costs per_token / kv_split on each of
    # `gpus` GPUs, i.e. per_token * gpus / kv_split in total.
    per_request_total = per_request * gpus / kv_split
    kv_budget = usable - weights
    if kv_budget <= 0:
        raise InputError(f"weights ({weights / GIB:.1f} GiB) do not fit in {mem_util:.0%} of "
                         f"{gpus} x {row['model']} ({usable / GIB:.1f} GiB); add GPUs or "
                         "quantize the weights")
    max_requests = int(kv_budget // per_request_total)

    bw = row["memory_bw_tbs"] * 1e12 * gpus * bw_eff

    def decode(batch: int) -> dict:
        # Bytes read per decode step across the group: all weights once, and the
        # whole cache of every running request (each at the full context: worst case).
        step_bytes = active * wbytes + batch * per_request_total
        step_s = step_bytes / bw
        return {"batch": batch, "step_ms": step_s * 1e3,
                "tokens_per_s_per_request": 1 / step_s,
                "tokens_per_s_total": batch / step_s}

    return {
        "accelerator": row["model"], "gpus": gpus, "memory_gb_per_gpu": row["memory_gb"],
        "memory_gib_per_gpu": mem_gib,
        "memory_bw_tbs_per_gpu": row["memory_bw_tbs"], "sources": row["sources"],
        "shape": f"{layers} layers, {shape}, KV {a.kv_dtype}",
        "kv_bytes_per_token": per_token, "kv_bytes_per_request": per_request,
        "context": context, "weights_bytes": weights, "usable_bytes": usable,
        "kv_budget_bytes": kv_budget, "max_requests": max_requests,
        "decode": [decode(1)] + ([decode(max_requests)] if max_requests > 1 else []),
    }


def report(r: dict) -> str:
    lines = [
        f"Accelerator: {r['gpus']} x {r['accelerator']} "
        f"({r['memory_gib_per_gpu']:g} GiB visible, {r['memory_bw_tbs_per_gpu']} TB/s each)",
        f"Model: {r['shape']}",
        f"KV cache per token:   {r['kv_bytes_per_token']:,.0f} bytes "
        f"({r['kv_bytes_per_token'] / 2**10:.1f} KiB)",
        f"KV cache per request: {r['kv_bytes_per_request'] / GIB:.2f} GiB "
        f"at {r['context']:,} tokens",
        f"Memory: {r['usable_bytes'] / GIB:,.1f} GiB usable, weights "
        f"{r['weights_bytes'] / GIB:.1f} GiB, KV budget {r['kv_budget_bytes'] / GIB:.1f} GiB",
        f"Max concurrent requests at full context: {r['max_requests']:,}",
    ]
    if r["max_requests"] == 0:
        lines.append("  (not even one request fits: shorten the context or add memory)")
    lines.append("Decode ceiling from memory bandwidth (all requests at full context):")
    for d in r["decode"]:
        lines.append(f"  batch {d['batch']:>5,}: step {d['step_ms']:7.2f} ms, "
                     f"{d['tokens_per_s_per_request']:8,.1f} tok/s per request, "
                     f"{d['tokens_per_s_total']:10,.0f} tok/s total")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--accelerator", required=True,
                   help="row of data/accelerators.yaml, e.g. h100-sxm, h200, b200, mi300x")
    p.add_argument("--gpus", type=float, default=1, help="GPUs in one model replica (TP group)")
    p.add_argument("--params", required=True, help="parameter count, e.g. 70e9 or 70B")
    p.add_argument("--active-params",
                   help="MoE: parameters read per decode step (default: --params); an "
                        "upper bound at large batch is --params, a lower bound at batch 1 "
                        "is the active count")
    p.add_argument("--weight-bytes", type=float, default=2.0,
                   help="bytes per weight: 2 bf16, 1 fp8/int8, 0.5 int4/fp4 (default 2)")
    p.add_argument("--layers", type=float, required=True)
    p.add_argument("--kv-heads", type=float, help="key/value heads (GQA: fewer than query heads)")
    p.add_argument("--head-dim", type=float)
    p.add_argument("--mla-latent-dim", type=float,
                   help="MLA: cached latent width per layer (DeepSeek-V3: 512 + 64 = 576)")
    p.add_argument("--kv-dtype", choices=sorted(KV_DTYPE_BYTES), default="bf16")
    p.add_argument("--context", type=float, required=True,
                   help="tokens per request (prompt + output) to reserve for")
    p.add_argument("--gpu-mem-gib", type=float,
                   help="memory per GPU as software sees it, in GiB (nvidia-smi memory.total "
                        "in MiB / 1024; H100 80GB: 79.6); default: the table's figure read "
                        "as GiB")
    p.add_argument("--mem-util", type=float, default=0.9,
                   help="share of HBM the engine may use (default 0.9)")
    p.add_argument("--bw-efficiency", type=float, default=1.0,
                   help="achieved share of peak HBM bandwidth (default 1.0 = ideal)")
    p.add_argument("--data", default=str(DEFAULT_DATA), help="path to accelerators.yaml")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    a = p.parse_args(argv)
    try:
        result = compute(a)
    except InputError as exc:
        print(f"kv_calc.py: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2) if a.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
