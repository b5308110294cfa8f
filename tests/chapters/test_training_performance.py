"""Tests for the scripts of the training performance and data-type pages.

- docs/training/mfu_calc.py: the worked example quoted on performance.md, the
  FLOPs formulas, the peaks read from data/accelerators.yaml, and bad input
- docs/training/precision_demo.py: the outputs quoted on dtype.md, and the
  numeric facts the page states about them
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest
from buildcache import parse_yaml
from script_runner import run_python

ROOT = Path(__file__).resolve().parents[2]
TRAINING = ROOT / "docs" / "training"
MFU = TRAINING / "mfu_calc.py"
DEMO = TRAINING / "precision_demo.py"
DATA = ROOT / "data" / "accelerators.yaml"

EXAMPLE = ["--accelerator", "H100-SXM", "--dtype", "bf16", "--params", "8e9", "--layers", "32",
           "--hidden", "4096", "--seq", "8192", "--tokens-per-sec", "420000", "--gpus", "64"]


def run(script: Path, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return run_python([str(script), *args], capture_output=True,
                      text=True, timeout=120, cwd=cwd)


@functools.lru_cache(maxsize=None)
def demo(*args: str) -> subprocess.CompletedProcess:
    """precision_demo.py output, cached: several tests read the same run."""
    return run(DEMO, *args)


def page_examples(page: Path, script: str) -> list[tuple[list[str], str]]:
    """(arguments, quoted output) for each ```bash block that runs `script`
    and is followed directly by a ```text block."""
    blocks = re.findall(r"```(bash|text)\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)
    examples = []
    for (kind, body), (next_kind, next_body) in zip(blocks, blocks[1:]):
        if kind == "bash" and body.startswith(f"python docs/training/{script}") and next_kind == "text":
            command = body.replace("\\\n", " ").split()
            examples.append((command[2:], next_body))
    return examples


def percent(stdout: str, label: str) -> float:
    for line in stdout.splitlines():
        if line.startswith(label):
            return float(re.search(r":\s*([\d.]+) %", line).group(1))
    raise AssertionError(f"no line {label!r} in:\n{stdout}")


# ------------------------------------------------------------------ mfu_calc.py
@pytest.mark.parametrize("page", ["performance.md", "performance.en.md"])
def test_mfu_output_matches_the_page(page):
    examples = page_examples(TRAINING / page, "mfu_calc.py")
    assert len(examples) == 2, "the page should show two mfu_calc.py runs with their output"
    for args, expected in examples:
        result = run(MFU, *args)
        assert result.returncode == 0, result.stderr
        assert result.stdout == expected, f"output of {args} differs from {page}"


def test_mfu_worked_example_by_hand():
    """6N and 12*L*h*s computed here independently of the script."""
    result = run(MFU, *EXAMPLE, "--recompute", "full")
    assert result.returncode == 0, result.stderr
    per_gpu = 420000 / 64
    peak = 989.4e12
    dense = 6 * 8e9
    attention = 12 * 32 * 4096 * 8192
    assert percent(result.stdout, "MFU, 6N only") == round(100 * per_gpu * dense / peak, 1)
    assert percent(result.stdout, "MFU, with attention") == round(100 * per_gpu * (dense + attention) / peak, 1)
    hfu = per_gpu * (8 * 8e9 + 16 * 32 * 4096 * 8192) / peak
    assert percent(result.stdout, "HFU, full recompute") == round(100 * hfu, 1)
    assert "16,250" in result.stdout      # 989.4e12 / 60.88e9 tokens/s at 100 % MFU


def test_mfu_causal_halves_attention():
    full = run(MFU, *EXAMPLE)
    causal = run(MFU, *EXAMPLE, "--causal")
    assert "12.88 G (attention, full mask)" in full.stdout
    assert "6.44 G (attention, causal, half)" in causal.stdout
    assert percent(full.stdout, "MFU, 6N only") == percent(causal.stdout, "MFU, 6N only")
    assert percent(causal.stdout, "MFU, with attention") < percent(full.stdout, "MFU, with attention")


@pytest.mark.parametrize("key,dtype", [("H100-SXM", "bf16"), ("h200", "fp8"), ("B200", "fp4"),
                                       ("MI300X", "bf16"), ("TPU v5p", "bf16"), ("tpu-v6e", "bf16")])
def test_mfu_reads_the_peak_from_the_data_file(key, dtype):
    rows = parse_yaml(DATA.read_text(encoding="utf-8"))["accelerators"]
    norm = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
    row = next(r for r in rows if re.sub(r"[^a-z0-9]+", "-", r["model"].lower()).strip("-").startswith(norm))
    result = run(MFU, "--accelerator", key, "--dtype", dtype, "--params", "1e9", "--layers", "2",
                 "--hidden", "256", "--seq", "128", "--tokens-per-sec", "1000")
    assert result.returncode == 0, result.stderr
    assert f"dense {dtype} peak {float(row['tflops'][dtype]):,.1f} TFLOPS" in result.stdout


def test_mfu_runs_from_another_directory(tmp_path):
    result = run(MFU, *EXAMPLE, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_mfu_custom_data_file(tmp_path):
    data = tmp_path / "acc.yaml"
    data.write_text("accelerators:\n  - vendor: Test\n    model: Fake 1\n"
                    "    tflops: {bf16: 100, fp8: unsupported, fp4: null}\n", encoding="utf-8")
    ok = run(MFU, "--data", str(data), "--accelerator", "fake-1", "--params", "1e9", "--layers", "1",
             "--hidden", "64", "--seq", "64", "--tokens-per-sec", "5000")
    assert ok.returncode == 0, ok.stderr
    assert percent(ok.stdout, "MFU, 6N only") == 30.0      # 5000 * 6e9 / 100e12


@pytest.mark.parametrize("args,message", [
    (["--accelerator", "H101"], "unknown accelerator"),
    (["--accelerator", "A100-SXM", "--dtype", "fp8"], "no hardware path for fp8"),
    (["--accelerator", "TPU-v5p", "--dtype", "fp16"], "no dense fp16 peak"),
    (["--accelerator", "H100-SXM", "--dtype", "fp12"], "invalid choice"),
    (["--accelerator", "H100-SXM", "--params=-8e9"], "must be a positive number"),
    (["--accelerator", "H100-SXM", "--gpus", "1.5"], "whole number"),
    (["--accelerator", "H100-SXM", "--tokens-per-sec", "fast"], "not a number"),
    (["--accelerator", "H100-SXM", "--data", "/nonexistent/acc.yaml"], "not found"),
])
def test_mfu_bad_input(args, message):
    base = {"--params": "8e9", "--layers": "32", "--hidden": "4096", "--seq": "8192",
            "--tokens-per-sec": "1000"}
    given = {a.split("=")[0] for a in args if a.startswith("--")}
    full = list(args)
    for flag, value in base.items():
        if flag not in given:
            full += [flag, value]
    result = run(MFU, *full)
    assert result.returncode == 2, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------ precision_demo.py
@pytest.mark.parametrize("page", ["dtype.md", "dtype.en.md"])
def test_demo_output_matches_the_page(page):
    examples = page_examples(TRAINING / page, "precision_demo.py")
    assert [args[0] for args, _ in examples] == ["sum", "range", "fp8"]
    for args, expected in examples:
        result = demo(*args)
        assert result.returncode == 0, result.stderr
        assert result.stdout == expected, f"output of {args} differs from {page}"


def test_demo_sum_stalls_where_the_page_says():
    out = demo("sum").stdout
    rows = {line[:30].strip(): line[30:].split() for line in out.splitlines()[2:6]}
    assert rows["bf16"][0] == "0.5" and rows["bf16"][2] == "0.5"
    assert rows["fp16"][0] == "4" and rows["fp16"][2] == "4"
    assert rows["fp32"][2] == "-"
    # half an ulp of bf16 at 0.5 is 2**-9 ~ 0.00195 > 0.001; at 0.25 it is 2**-10 < 0.001
    assert 2.0 ** -9 > 1e-3 > 2.0 ** -10


def test_demo_sum_smaller_addend_stalls_earlier():
    big = demo("sum", "--count", "2000", "--value", "1e-2").stdout
    small = demo("sum", "--count", "2000", "--value", "1e-3").stdout

    def stall(out):
        line = next(l for l in out.splitlines() if l[:30].strip() == "bf16")
        return float(line.split()[-1])
    assert stall(small) < stall(big)


def test_demo_range_loss_scaling_rescues_underflow():
    out = demo("range").stdout
    lines = {l[:24].strip(): l[24:].split() for l in out.splitlines() if l.startswith(("fp16,", "bf16,"))}
    assert float(lines["fp16, none"][0].rstrip("%")) > 25
    assert lines["fp16, 2^16"][:2] == ["0.0%", "0.0%"]
    assert float(lines["fp16, 2^24"][1].rstrip("%")) > 0
    assert "settles at 2^22" in out
    assert "fp16 inf" in out


def test_demo_fp8_block_scaling_beats_per_tensor():
    out = demo("fp8").stdout
    err = {l[:28].strip(): float(l[28:].split()[0].rstrip("%")) for l in out.splitlines()
           if l.startswith(("none", "one scale"))}
    assert err["one scale per 32 values"] < err["one scale per tensor"] < err["none (scale 1)"]


@pytest.mark.parametrize("args", [[], ["sum", "--count", "0"], ["sum", "--value", "abc"],
                                  ["sum", "--count", "5000000"], ["magic"]])
def test_demo_bad_input(args):
    result = run(DEMO, *args)
    assert result.returncode == 2
    assert "error" in result.stderr and "Traceback" not in result.stderr
