"""Tests for docs/training/model-parallelism(.en).md and its two scripts.

* layout_calc.py: every command quoted on the English page is run and its output compared with
  the block quoted under it (so a stale quote fails); the Chinese page must quote the same
  commands and outputs; formulas are checked against hand calculations and memory_estimator.py;
  bad layouts exit non-zero with a clear message.
* tp_fsdp_demo.py: the command on the page is run (2 gloo ranks on CPU) and its loss table is
  compared with the quoted one.
"""

import importlib.util
import math
import re
import shlex
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest
from script_runner import run_python

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "training"
PAGE_EN = DOCS / "model-parallelism.en.md"
PAGE_ZH = DOCS / "model-parallelism.md"
CALC = DOCS / "layout_calc.py"
DEMO = DOCS / "tp_fsdp_demo.py"

FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(page: Path) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(page.read_text(encoding="utf-8"))]


def quoted_runs(page: Path, script: str) -> list[tuple[str, str]]:
    """(command, quoted output) for every bash block running `script` followed by a text block."""
    bl = blocks(page)
    pairs = []
    for (lang, body), nxt in zip(bl, bl[1:] + [("", "")]):
        if lang == "bash" and body.strip().startswith(f"python {script}"):
            assert nxt[0] == "text", f"no quoted output after: {body.strip()}"
            pairs.append((body.strip(), nxt[1]))
    return pairs


def run_cmd(command: str, script: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    argv = shlex.split(command)
    assert argv[0] == "python" and argv[1] == script.name, command
    return run_python([str(script), *argv[2:]], capture_output=True,
                      text=True, timeout=timeout, cwd=script.parent)


def calc(*args: str) -> subprocess.CompletedProcess:
    return run_python([str(CALC), *args], capture_output=True, text=True,
                      timeout=60)


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(path.parent))
    return mod


# ---------------------------------------------------------------- the page and its quotes

def test_both_pages_include_both_scripts():
    for page in (PAGE_EN, PAGE_ZH):
        text = page.read_text(encoding="utf-8")
        assert '--8<-- "training/layout_calc.py"' in text, page
        assert '--8<-- "training/tp_fsdp_demo.py"' in text, page


def test_page_quotes_the_worked_layouts():
    runs = quoted_runs(PAGE_EN, "layout_calc.py")
    # 8B, 70B twice, 405B three times, MoE
    assert len(runs) == 7
    gpus = sorted(int(re.search(r"--gpus (\d+)", c).group(1)) for c, _ in runs)
    assert gpus == [8, 64, 64, 64, 1024, 1024, 1024]


@pytest.mark.parametrize("index", range(7))
def test_layout_quote_matches_script(index):
    command, quoted = quoted_runs(PAGE_EN, "layout_calc.py")[index]
    res = run_cmd(command, CALC)
    assert res.returncode == 0, res.stderr
    assert res.stdout == quoted, f"stale quote for: {command}"


def test_chinese_page_quotes_the_same_commands_and_outputs():
    assert quoted_runs(PAGE_ZH, "layout_calc.py") == quoted_runs(PAGE_EN, "layout_calc.py")
    assert quoted_runs(PAGE_ZH, "tp_fsdp_demo.py") == quoted_runs(PAGE_EN, "tp_fsdp_demo.py")


def test_prose_numbers_follow_from_outputs():
    """A few figures the English prose derives from the quoted outputs."""
    text = PAGE_EN.read_text(encoding="utf-8")
    # bubble examples: (p-1)/(m+p-1)
    assert "3/7 = 43 %" in text and round(3 / 7 * 100) == 43
    assert "15/143 = 10.5 %" in text and round(15 / 143 * 100, 1) == 10.5
    # TP message of Llama-3-70B at s = 8192, b = 1: 2*b*s*h bytes
    assert "134 MB" in text and round(2 * 8192 * 8192 / 1e6) == 134


# ---------------------------------------------------------------- formulas

def test_tp_traffic_formula():
    # 2 layers, h = 1000, s = 1000, b = 1, t = 4, m = 1:
    # 2 layers * 4 all-reduces * 2*(4-1)/4 * (2*1*1000*1000 bytes) = 24 MB = 0.024 GB
    res = calc("--params", "1e6", "--layers", "2", "--hidden", "1000", "--heads", "8",
               "--seq", "1000", "--gpus", "4", "--tp", "4", "--zero", "0")
    assert res.returncode == 0, res.stderr
    line = [l for l in res.stdout.splitlines() if "tensor parallel" in l][0]
    assert float(line.split(":")[1]) == pytest.approx(0.0, abs=0.05)
    mod = load(CALC, "layout_calc_t")
    a = Namespace(params=1e6, expert_params=0.0, layers=2, hidden=1000, heads=8, kv_heads=8,
                  seq=1000, micro_batch=1, micro_batches=1, gpus=4, dp=1, tp=4, pp=1, cp=1,
                  ep=1, vpp=1, zero=0, recipe="mixed-adam", recompute="selective",
                  moe_layers=None, top_k=1, gpu_mem=None)
    r = mod.compute(a)
    assert r["comm"]["tp"] == pytest.approx(2 * 4 * 2 * 3 / 4 * 2 * 1000 * 1000)
    a.recompute = "full"
    assert mod.compute(a)["comm"]["tp"] == pytest.approx(1.5 * r["comm"]["tp"])


def test_zero3_moves_one_and_a_half_times_ddp():
    mod = load(CALC, "layout_calc_z")
    base = dict(params=8e9, expert_params=0.0, layers=32, hidden=4096, heads=32, kv_heads=8,
                seq=4096, micro_batch=1, micro_batches=1, gpus=8, dp=8, tp=1, pp=1, cp=1, ep=1,
                vpp=1, recipe="mixed-adam", recompute="selective", moe_layers=None, top_k=1,
                gpu_mem=None)
    ddp = mod.compute(Namespace(zero=0, **base))["comm"]["dp"]
    z1 = mod.compute(Namespace(zero=1, **base))["comm"]["dp"]
    z3 = mod.compute(Namespace(zero=3, **base))["comm"]["dp"]
    assert z1 == pytest.approx(ddp)
    assert z3 == pytest.approx(1.5 * ddp)
    assert ddp == pytest.approx(2 * 7 / 8 * 8e9 * 2)


def test_bubble_formula():
    res = calc("--params", "1e9", "--layers", "16", "--hidden", "1024", "--heads", "8",
               "--gpus", "4", "--pp", "4", "--micro-batches", "4")
    assert "bubble (p-1)/(v*m+p-1): 42.9 %" in res.stdout  # 3/7
    res = calc("--params", "1e9", "--layers", "16", "--hidden", "1024", "--heads", "8",
               "--gpus", "4", "--pp", "4", "--micro-batches", "4", "--vpp", "2")
    assert "27.3 %" in res.stdout  # 3/11


def test_memory_agrees_with_memory_estimator():
    calc_mod = load(CALC, "layout_calc_m")
    est = load(DOCS / "memory_estimator.py", "memory_estimator_m")
    for zero in (0, 1, 2, 3):
        a = Namespace(params=70e9, expert_params=0.0, layers=80, hidden=8192, heads=64,
                      kv_heads=8, seq=8192, micro_batch=1, micro_batches=16, gpus=64, dp=4,
                      tp=8, pp=2, cp=1, ep=1, vpp=1, zero=zero, recipe="mixed-adam",
                      recompute="selective", moe_layers=None, top_k=1, gpu_mem=None)
        mem = calc_mod.compute(a)["mem"]
        ref = est.train_states(70e9, "mixed-adam", zero, 4, 8, 2)
        for key in ("weights", "gradients", "optimizer"):
            assert mem[key] == pytest.approx(ref[key]), (zero, key)
        act = est.activations(80, 8192, 64, 8192, 1, 8, "selective")
        assert mem["activations"] == pytest.approx(act)


def test_expert_states_shard_over_ep():
    mod = load(CALC, "layout_calc_e")
    a = Namespace(params=100e9, expert_params=96e9, layers=8, hidden=1024, heads=8, kv_heads=8,
                  seq=1024, micro_batch=1, micro_batches=1, gpus=16, dp=16, tp=1, pp=1, cp=1,
                  ep=8, vpp=1, zero=1, recipe="mixed-adam", recompute="selective",
                  moe_layers=None, top_k=2, gpu_mem=None)
    mem = mod.compute(a)["mem"]
    # weights: dense 4e9 replicated + experts 96e9/8 -> x2 bytes
    assert mem["weights"] == pytest.approx((4e9 + 12e9) * 2)
    # optimizer: dense over 16 ranks, experts over 16/8 = 2 ranks, 12 bytes/param
    assert mem["optimizer"] == pytest.approx(4e9 * 12 / 16 + 12e9 * 12 / 2)


# ---------------------------------------------------------------- validation

BASE = ["--params", "70e9", "--layers", "80", "--hidden", "8192", "--heads", "64"]


@pytest.mark.parametrize("extra, message", [
    (["--gpus", "64", "--tp", "8", "--pp", "2", "--dp", "2"], "multiply to the GPU count"),
    (["--gpus", "64", "--tp", "8", "--dp", "8", "--ep", "3", "--expert-params", "60e9"],
     "must divide"),
    (["--gpus", "64", "--tp", "8", "--pp", "8", "--micro-batches", "4"], "never fills"),
    (["--gpus", "8", "--tp", "8", "--heads", "12"], "not divisible by --tp"),
    (["--gpus", "8", "--dp", "8", "--ep", "8"], "needs --expert-params"),
    (["--gpus", "8", "--dp", "8", "--tp", "0"], "must be >= 1"),
    (["--gpus", "8", "--dp", "8", "--params", "seventy"], "not a number"),
])
def test_bad_layouts_exit_nonzero(extra, message):
    res = calc(*BASE, *extra)
    assert res.returncode != 0
    assert "error" in res.stderr and message in res.stderr, res.stderr


def test_help_is_fast_and_lists_degrees():
    res = calc("--help")
    assert res.returncode == 0
    for flag in ("--dp", "--tp", "--pp", "--cp", "--ep", "--gpus"):
        assert flag in res.stdout


def test_demo_rejects_bad_arguments():
    res = run_python([str(DEMO), "--steps", "0"], capture_output=True,
                     text=True, timeout=60)
    assert res.returncode != 0 and "--steps" in res.stderr


# ---------------------------------------------------------------- the distributed demo

NUMBER = re.compile(r"-?\d+\.\d+")


def test_demo_matches_quote():
    (command, quoted), = quoted_runs(PAGE_EN, "tp_fsdp_demo.py")
    res = run_cmd(command, DEMO, timeout=180)
    assert res.returncode == 0, res.stdout + res.stderr
    got = [l for l in res.stdout.splitlines() if l.strip()]
    want = [l for l in quoted.splitlines() if l.strip()]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        # same text; numbers equal to the printed precision (CPU math may differ in the last ulp)
        assert NUMBER.sub("#", g) == NUMBER.sub("#", w), (g, w)
        for x, y in zip(NUMBER.findall(g), NUMBER.findall(w)):
            assert math.isclose(float(x), float(y), abs_tol=2e-6), (g, w)
    assert got[-1].endswith(": OK")
