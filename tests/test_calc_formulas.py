"""The web calculators (calc.js, run in node) agree with the book's Python scripts to 0.1 %.

Each calculator gets at least 20 cases; calc.js's compute() receives the inputs exactly as its form
passes them (field ids, MFU in percent, accelerator keys) plus the JSON the build writes
(scripts/calcbook.calc_data), and the Python side is docs/training/memory_estimator.py,
docs/insights/training_cost.py, docs/inference/kv_calc.py and scripts/calcbook.checkpoint.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import subprocess
from pathlib import Path

import pytest

import calcbook

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "tests" / "calc_formulas.js"
CASES_PER_CALC = 24
REL = 1e-3


def node() -> str:
    path = shutil.which("node") or shutil.which("nodejs")
    if not path:
        pytest.fail("node is not installed (Debian: apt-get install nodejs); the JS twin cannot be checked")
    return path


def run_js(cases: list[dict], numbers: list[str] = ()) -> dict:
    job = {"data": calcbook.calc_data(), "cases": cases, "numbers": list(numbers)}
    done = subprocess.run([node(), str(RUNNER)], input=json.dumps(job), capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def accel_keys(field: str) -> list[str]:
    keys = []
    for row in calcbook.accelerators():
        value = row["tflops"].get("bf16") if field == "bf16" else row[field]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            keys.append(row["key"])
    return keys


def train_memory_cases(rng: random.Random) -> list[tuple[dict, dict]]:
    recipes = sorted(calcbook.calc_data()["recipes"])
    shapes = [(1.3e9, 24, 2048, 16), (8e9, 32, 4096, 32), (70e9, 80, 8192, 64), (405e9, 126, 16384, 128)]
    out = []
    for i in range(CASES_PER_CALC):
        params, layers, hidden, heads = shapes[i % len(shapes)]
        js = {"params": params * rng.choice([1, 0.5, 1.7]), "recipe": recipes[i % len(recipes)],
              "zero": str(i % 4), "tp": rng.choice([1, 2, 4, 8]), "pp": rng.choice([1, 2, 4, 16]),
              "dp": rng.choice([1, 8, 64, 512]), "layers": layers, "hidden": hidden, "heads": heads,
              "seq": rng.choice([2048, 4096, 8192, 131072]), "microBatch": rng.choice([1, 2, 4]),
              "recompute": ("none", "selective", "full")[i % 3], "accel": rng.choice(accel_keys("memory_gb"))}
        py = dict(params=js["params"], recipe=js["recipe"], zero=int(js["zero"]), tp=js["tp"], pp=js["pp"],
                  dp=js["dp"], layers=layers, hidden=hidden, heads=heads, seq=js["seq"],
                  micro_batch=js["microBatch"], recompute=js["recompute"], accel=js["accel"])
        out.append((js, py))
    return out


def train_cost_cases(rng: random.Random) -> list[tuple[dict, dict]]:
    fp8 = {r["key"] for r in calcbook.accelerators() if isinstance(r["tflops"].get("fp8"), (int, float))}
    out = []
    for i in range(CASES_PER_CALC):
        accel = rng.choice(accel_keys("bf16"))
        dtype = "fp8" if accel in fp8 and i % 2 else "bf16"
        js = {"params": rng.choice([1.3e9, 8e9, 70e9, 405e9, 1e12]), "tokens": rng.choice([3e11, 2e12, 15e12, 36e12]),
              "gpus": rng.choice([8, 256, 1024, 4096, 16384, 100000]), "accel": accel, "dtype": dtype,
              "mfu": rng.choice([12.5, 30, 40, 55, 100]), "price": rng.choice([0, 1.2, 2.5, 6.75])}
        py = dict(params=js["params"], tokens=js["tokens"], gpus=js["gpus"], accel=accel, dtype=dtype,
                  mfu_percent=js["mfu"], price=js["price"])
        out.append((js, py))
    return out


def kv_cases(rng: random.Random) -> list[tuple[dict, dict]]:
    kv_dtypes = sorted(calcbook.calc_data()["kv_dtype_bytes"])
    shapes = [(8e9, 32, 8, 128), (70e9, 80, 8, 128), (405e9, 126, 8, 128), (1.3e9, 24, 16, 64), (32e9, 64, 8, 128)]
    out = []
    for i in range(CASES_PER_CALC):
        params, layers, kv_heads, head_dim = shapes[i % len(shapes)]
        js = {"accel": rng.choice(accel_keys("memory_bw_tbs")), "gpus": rng.choice([1, 2, 4, 8, 16]),
              "params": params, "weightBytes": rng.choice([0.5, 1, 2]), "layers": layers, "kvHeads": kv_heads,
              "headDim": head_dim, "kvDtype": kv_dtypes[i % len(kv_dtypes)],
              "context": rng.choice([1024, 8192, 32768, 131072]), "memUtil": rng.choice([0.5, 0.85, 0.9, 1.0]),
              "bwEff": rng.choice([0.5, 0.8, 1.0])}
        if i == 0:  # weights that cannot fit: both sides refuse
            js.update(accel="h100-sxm", gpus=1, params=405e9, weightBytes=2)
        py = dict(accel=js["accel"], gpus=js["gpus"], params=js["params"], weight_bytes=js["weightBytes"],
                  layers=layers, kv_heads=kv_heads, head_dim=head_dim, kv_dtype=js["kvDtype"],
                  context=js["context"], mem_util=js["memUtil"], bw_efficiency=js["bwEff"])
        out.append((js, py))
    return out


def checkpoint_cases(rng: random.Random) -> list[tuple[dict, dict]]:
    out = []
    for i in range(CASES_PER_CALC):
        js = {"saveSeconds": rng.choice([0.5, 11.2, 60, 224, 900, 3600]),
              "mtbfHours": rng.choice([0.2, 1, 3.1, 24, 50, 1000]),
              "restartMinutes": rng.choice([0, 5, 10, 30])}
        if i == 0:  # a save longer than twice the MTBF: Daly's interval is M itself
            js.update(saveSeconds=3600, mtbfHours=0.25)
        out.append((js, dict(save_seconds=js["saveSeconds"], mtbf_hours=js["mtbfHours"],
                             restart_minutes=js["restartMinutes"])))
    return out


def python_result(calc: str, kwargs: dict):
    try:
        if calc == "train-memory":
            return calcbook.train_memory(**kwargs)
        if calc == "train-cost":
            return calcbook.train_cost(**kwargs)
        if calc == "kv-cache":
            return calcbook.kv_serving(**kwargs)
        return calcbook.checkpoint(**kwargs)
    except calcbook.kv_calc().InputError as exc:
        return {"error": str(exc)}


KEYS = {
    "train-memory": ["weights", "gradients", "optimizer", "activations", "total", "need", "capacity", "fits"],
    "train-cost": ["total_flops", "achieved_tflops_per_gpu", "gpu_hours", "wall_clock_hours", "wall_clock_days", "cost"],
    "kv-cache": ["kv_bytes_per_token", "kv_bytes_per_request", "weights_bytes", "usable_bytes", "kv_budget_bytes",
                 "max_requests", "decode1.step_ms", "decode1.tokens_per_s_per_request",
                 "decodeMax.batch", "decodeMax.tokens_per_s_total"],
    "checkpoint": ["young_s", "daly_s", "failures_per_day", "waste_fraction", "lost_hours_per_day"],
}
MAKERS = {"train-memory": train_memory_cases, "train-cost": train_cost_cases,
          "kv-cache": kv_cases, "checkpoint": checkpoint_cases}


def pick(result: dict, key: str):
    for part in key.split("."):
        result = result[part]
    return result


@pytest.mark.parametrize("calc", list(MAKERS))
def test_javascript_agrees_with_python(calc):
    pairs = MAKERS[calc](random.Random(23))
    assert len(pairs) >= 20
    js_results = run_js([{"calc": calc, "values": js} for js, _ in pairs])["results"]
    refused = 0
    for (js_in, py_in), js_out in zip(pairs, js_results):
        py_out = python_result(calc, py_in)
        if "error" in py_out or "error" in js_out:
            assert "error" in py_out and "error" in js_out, f"{calc} {js_in}: js {js_out} vs python {py_out}"
            refused += 1
            continue
        for key in KEYS[calc]:
            a, b = pick(js_out, key), pick(py_out, key)
            if isinstance(b, bool):
                assert a is b, f"{calc} {key} {js_in}: js {a} vs python {b}"
            else:
                assert isinstance(a, (int, float)) and math.isfinite(a), f"{calc} {key} {js_in}: js gave {a}"
                assert a == pytest.approx(b, rel=REL), f"{calc} {key} {js_in}: js {a} vs python {b}"
    assert refused < len(pairs) // 4, f"{calc}: too many refused cases to compare ({refused})"


def test_number_parsing_agrees_with_the_scripts():
    good = ["70B", "8.03b", "350M", "1.5T", "7e10", "1,000", "1_000", "2k", "0.5", " 42 ", "3G", ".5"]
    bad = ["", "abc", "B", "70X", "1.2.3", "inf", "nan", "7e", "--5"]
    numbers = run_js([], good + bad)["numbers"]
    estimator = calcbook.memory_estimator()
    for text, js in zip(good, numbers):
        assert js == {"value": pytest.approx(estimator.parse_count(text), rel=1e-12)}, text
    for text, js in zip(bad, numbers[len(good):]):
        assert "error" in js, f"calc.js accepted {text!r} as {js}"
        with pytest.raises(argparse.ArgumentTypeError):
            estimator.parse_count(text)


def test_examples_tables_show_the_scripts_numbers():
    """The static table the PDF keeps prints what memory_estimator.py itself prints."""
    header, rows = calcbook.example_rows("train-memory", "en")
    ex = calcbook.EXAMPLES["train-memory"][2]
    states = calcbook.memory_estimator().train_states(ex["params"], ex["recipe"], ex["zero"], ex["dp"],
                                                      ex["tp"], ex["pp"])
    assert rows[2][header.index("Weights GiB")] == f"{states['weights'] / 2**30:,.1f}"
    for lang in ("zh", "en"):
        for calc in calcbook.CALCULATORS:
            header, rows = calcbook.example_rows(calc, lang)
            assert len(rows) >= 4 and all(len(r) == len(header) for r in rows)
            assert not any("nan" in cell.lower() for row in rows for cell in row)
