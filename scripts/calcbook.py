"""The book's calculators on the Python side: data for the web widgets and their static examples.

The web calculators (overrides/assets/javascripts/calc.js) compute in the browser; the worked
examples printed under each of them (and in the PDF/EPUB, where no script runs) are computed here
with the book's own scripts:

  train-memory  docs/training/memory_estimator.py  (train_states, activations, RECIPES)
  train-cost    docs/insights/training_cost.py     (estimate)
  kv-cache      docs/inference/kv_calc.py           (compute, KV_DTYPE_BYTES)
  checkpoint    checkpoint() below                  (Young 1974, Daly 2006)

`calc_data()` is the JSON the widgets load (accelerator figures from data/accelerators.yaml,
recipes and dtype sizes from the scripts), so the JavaScript hard-codes neither.
tests/test_calc_formulas.py runs calc.js in node against these functions.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import importlib.util
import math
import re
from functools import lru_cache
from pathlib import Path

from bookconf import DOCS, ROOT
from buildcache import parse_yaml
from languages import Strings, language

ACCELERATORS_YAML = ROOT / "data" / "accelerators.yaml"
GIB = 2**30
CALCULATORS = ("train-memory", "train-cost", "kv-cache", "checkpoint")


@lru_cache(maxsize=None)
def script(relative: str):
    """Import one of the book's scripts under docs/ as a module."""
    path = DOCS / relative
    spec = importlib.util.spec_from_file_location("book_" + re.sub(r"\W", "_", relative), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def memory_estimator():
    return script("training/memory_estimator.py")


def training_cost():
    return script("insights/training_cost.py")


def kv_calc():
    return script("inference/kv_calc.py")


def key_of(model: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", model.lower()).strip("-")


@lru_cache(maxsize=None)
def _accelerators(path: Path, mtime: float) -> tuple:
    rows = parse_yaml(path.read_text(encoding="utf-8"))["accelerators"]
    out = []
    for row in rows:
        out.append({
            "key": key_of(row["model"]), "vendor": row["vendor"], "model": row["model"],
            "memory_gb": row.get("memory_gb"), "memory_bw_tbs": row.get("memory_bw_tbs"),
            "tflops": {k: v for k, v in (row.get("tflops") or {}).items() if k in ("bf16", "fp8")},
        })
    return tuple(out)


def accelerators(path: Path = ACCELERATORS_YAML) -> list[dict]:
    """Accelerator rows for the calculators (re-read when the file changes)."""
    return [dict(row) for row in _accelerators(path, path.stat().st_mtime)]


def accelerator(key: str) -> dict:
    for row in accelerators():
        if row["key"] == key:
            return row
    raise KeyError(key)


def calc_data() -> dict:
    """What calc.js loads: every figure it needs that the book keeps elsewhere."""
    return {
        "accelerators": accelerators(),
        "recipes": {k: list(v) for k, v in memory_estimator().RECIPES.items()},
        "kv_dtype_bytes": dict(kv_calc().KV_DTYPE_BYTES),
        "source": "data/accelerators.yaml",
    }


# ------------------------------------------------------------------ formulas without a script

def checkpoint(save_seconds: float, mtbf_hours: float, restart_minutes: float) -> dict:
    """Checkpoint interval: Young's sqrt(2CM) and Daly's higher-order estimate, and the time lost.

    waste = C/tau + tau/(2M) + R/M: the save time, on average half an interval recomputed after
    each failure, and the restart; evaluated at Daly's interval (the book's storage chapter).
    """
    c, m, r = save_seconds, mtbf_hours * 3600.0, restart_minutes * 60.0
    young = math.sqrt(2 * c * m)
    if c < 2 * m:
        daly = math.sqrt(2 * c * m) * (1 + math.sqrt(c / (2 * m)) / 3 + c / (18 * m)) - c
    else:
        daly = m
    waste = c / daly + daly / (2 * m) + r / m
    return {"young_s": young, "daly_s": daly, "failures_per_day": 86400.0 / m,
            "waste_fraction": waste, "lost_hours_per_day": 24.0 * min(1.0, waste)}


# ------------------------------------------------------------------ the four calculators

def train_memory(params, recipe, zero, tp, pp, dp, layers, hidden, heads, seq, micro_batch,
                 recompute, accel) -> dict:
    est = memory_estimator()
    states = est.train_states(params, recipe, zero, dp, tp, pp)
    act = est.activations(layers, hidden, heads, seq, micro_batch, tp, recompute)
    total = states["total"] + act
    capacity = accelerator(accel)["memory_gb"] * GIB  # HBM "80 GB" is 80 GiB, as in kv_calc.py
    return {"weights": states["weights"], "gradients": states["gradients"],
            "optimizer": states["optimizer"], "states": states["total"], "activations": act,
            "total": total, "need": total * 1.15, "capacity": capacity,
            "fits": total * 1.15 <= capacity}


def train_cost(params, tokens, gpus, accel, dtype, mfu_percent, price) -> dict:
    peak = accelerator(accel)["tflops"][dtype]
    return training_cost().estimate(params, tokens, gpus, peak, mfu_percent / 100.0, price)


def kv_serving(accel, gpus, params, weight_bytes, layers, kv_heads, head_dim, kv_dtype, context,
               mem_util=0.9, bw_efficiency=1.0) -> dict:
    """kv_calc.py run as its page shows it, with --json; {"error": message} where it refuses."""
    argv = ["--accelerator", accel, "--gpus", repr(gpus), "--params", repr(float(params)),
            "--weight-bytes", repr(weight_bytes), "--layers", repr(layers), "--kv-heads", repr(kv_heads),
            "--head-dim", repr(head_dim), "--kv-dtype", kv_dtype, "--context", repr(context),
            "--mem-util", repr(mem_util), "--bw-efficiency", repr(bw_efficiency),
            "--data", str(ACCELERATORS_YAML), "--json"]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = kv_calc().main(argv)
    if status:
        return {"error": err.getvalue().strip()}
    r = json.loads(out.getvalue())
    r["decode1"] = r["decode"][0]
    r["decodeMax"] = r["decode"][-1]
    return r


# ------------------------------------------------------------------ worked examples (static tables)

EXAMPLES = {
    "train-memory": [
        dict(params=8e9, recipe="mixed-adam", zero=0, tp=1, pp=1, dp=8, layers=32, hidden=4096,
             heads=32, seq=8192, micro_batch=1, recompute="selective", accel="h100-sxm"),
        dict(params=8e9, recipe="mixed-adam", zero=3, tp=1, pp=1, dp=8, layers=32, hidden=4096,
             heads=32, seq=8192, micro_batch=1, recompute="selective", accel="h100-sxm"),
        dict(params=70e9, recipe="mixed-adam", zero=3, tp=1, pp=1, dp=64, layers=80, hidden=8192,
             heads=64, seq=8192, micro_batch=1, recompute="full", accel="h100-sxm"),
        dict(params=70e9, recipe="mixed-adam", zero=1, tp=8, pp=4, dp=16, layers=80, hidden=8192,
             heads=64, seq=8192, micro_batch=1, recompute="selective", accel="h100-sxm"),
        dict(params=405e9, recipe="mixed-adam", zero=1, tp=8, pp=16, dp=8, layers=126, hidden=16384,
             heads=128, seq=8192, micro_batch=1, recompute="selective", accel="b200"),
    ],
    "train-cost": [
        dict(params=8e9, tokens=15e12, gpus=1024, accel="h100-sxm", dtype="bf16", mfu_percent=40, price=2.5),
        dict(params=70e9, tokens=15e12, gpus=4096, accel="h100-sxm", dtype="bf16", mfu_percent=40, price=2.5),
        dict(params=70e9, tokens=15e12, gpus=4096, accel="b200", dtype="bf16", mfu_percent=40, price=4.0),
        dict(params=405e9, tokens=15.6e12, gpus=16384, accel="h100-sxm", dtype="bf16", mfu_percent=40, price=2.5),
    ],
    "kv-cache": [
        dict(accel="h100-sxm", gpus=1, params=8e9, weight_bytes=2, layers=32, kv_heads=8, head_dim=128,
             kv_dtype="bf16", context=8192),
        dict(accel="h100-sxm", gpus=8, params=70e9, weight_bytes=2, layers=80, kv_heads=8, head_dim=128,
             kv_dtype="bf16", context=8192),
        dict(accel="h200", gpus=8, params=70e9, weight_bytes=1, layers=80, kv_heads=8, head_dim=128,
             kv_dtype="fp8", context=32768),
        dict(accel="b200", gpus=8, params=405e9, weight_bytes=1, layers=126, kv_heads=8, head_dim=128,
             kv_dtype="fp8", context=32768),
    ],
    "checkpoint": [
        dict(save_seconds=224, mtbf_hours=50, restart_minutes=0),
        dict(save_seconds=11.2, mtbf_hours=50, restart_minutes=0),
        dict(save_seconds=224, mtbf_hours=3.1, restart_minutes=10),
        dict(save_seconds=11.2, mtbf_hours=3.1, restart_minutes=10),
        dict(save_seconds=1, mtbf_hours=3.1, restart_minutes=10),
    ],
}

# The columns of each calculator's worked-example table; their headings are the strings
# calc.<calculator>.<column> of data/languages.yaml.
COLUMNS = {
    "train-memory": ("params", "recipe", "zero", "layout", "seq_batch", "recompute",
                     "weights", "grads", "optimizer", "activations", "total", "accelerator"),
    "train-cost": ("params", "tokens", "gpus", "accelerator", "mfu", "price", "gpu_hours", "days", "cost"),
    "kv-cache": ("accelerator", "gpus", "params", "weight_bytes", "shape", "kv_dtype", "context",
                 "kib_token", "gib_request", "max_concurrent", "batch1", "batch_max"),
    "checkpoint": ("save", "mtbf", "restart", "young", "daly", "share_lost", "lost_per_day"),
}


def words(lang: str) -> Strings:
    """The calculators' strings in lang (calc.* in data/languages.yaml)."""
    return language(lang).section("calc")


def _count(value: float) -> str:
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6)):
        if value >= scale:
            return f"{value / scale:g}{unit}"
    return f"{value:g}"


def _dur(seconds: float, w: Strings) -> str:
    return f"{seconds / 60:.1f} {w['minutes']}" if seconds < 3600 else f"{seconds / 3600:.2f} {w['hours']}"


def example_rows(name: str, lang: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the worked-example table of one calculator."""
    w = words(lang)
    rows = []
    for ex in EXAMPLES[name]:
        if name == "train-memory":
            r = train_memory(**ex)
            rows.append([_count(ex["params"]), ex["recipe"], str(ex["zero"]),
                         f"{ex['tp']}×{ex['pp']}×{ex['dp']}", f"{ex['seq']:,}×{ex['micro_batch']}",
                         w[f"recompute.{ex['recompute']}"],
                         *(f"{r[k] / GIB:,.1f}" for k in ("weights", "gradients", "optimizer", "activations", "total")),
                         f"{accelerator(ex['accel'])['model']}: {w['fits'] if r['fits'] else w['does_not_fit']}"])
        elif name == "train-cost":
            r = train_cost(**ex)
            rows.append([_count(ex["params"]), _count(ex["tokens"]), f"{ex['gpus']:,}",
                         f"{accelerator(ex['accel'])['model']} {ex['dtype'].upper()}", f"{ex['mfu_percent']:g} %",
                         f"{ex['price']:.2f}", f"{r['gpu_hours']:,.0f}", f"{r['wall_clock_days']:,.1f}",
                         f"{r['cost']:,.0f}"])
        elif name == "kv-cache":
            r = kv_serving(**ex)
            rows.append([accelerator(ex["accel"])["model"], str(ex["gpus"]), _count(ex["params"]),
                         f"{ex['weight_bytes']:g}", f"{ex['layers']}×{ex['kv_heads']}×{ex['head_dim']}",
                         ex["kv_dtype"], f"{ex['context']:,}",
                         f"{r['kv_bytes_per_token'] / 1024:,.1f}", f"{r['kv_bytes_per_request'] / GIB:,.2f}",
                         f"{r['max_requests']:,}", f"{r['decode1']['tokens_per_s_per_request']:,.0f}",
                         f"{r['decodeMax']['tokens_per_s_total']:,.0f}"])
        else:
            r = checkpoint(**ex)
            rows.append([f"{ex['save_seconds']:g}", f"{ex['mtbf_hours']:g}", f"{ex['restart_minutes']:g}",
                         _dur(r["young_s"], w), _dur(r["daly_s"], w), f"{r['waste_fraction'] * 100:.1f} %",
                         f"{r['lost_hours_per_day']:.2f}"])
    return [w[f"{name.replace('-', '_')}.{column}"] for column in COLUMNS[name]], rows


def examples_html(name: str, lang: str) -> str:
    header, rows = example_rows(name, lang)
    w = words(lang)
    esc = html.escape
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (f'<p class="book-calc__lead">{esc(w["lead"])}</p>'
            f'<div class="book-calc__scroll" tabindex="0" role="region" aria-label="{esc(w["lead"])}">'
            f'<table class="book-calc__examples">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
            f'<p class="book-calc__note">{esc(w["note"])}</p>')


def examples_markdown(name: str, lang: str) -> str:
    header, rows = example_rows(name, lang)
    w = words(lang)
    lines = [f"*{w['lead']}*", "", "| " + " | ".join(header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += ["", w["note"]]
    return "\n".join(lines)
