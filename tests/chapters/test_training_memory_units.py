"""memory_estimator.py compares the estimate with usable GPU memory in GiB (what nvidia-smi reports)."""

import subprocess
import sys
from pathlib import Path
from script_runner import run_python

ROOT = Path(__file__).resolve().parents[2]
ESTIMATOR = ROOT / "docs" / "training" / "memory_estimator.py"


def run(*args):
    return run_python([str(ESTIMATOR), *args], capture_output=True, text=True, timeout=60)


def test_gpu_mem_is_in_gib():
    # 4.35e9 params x 16 bytes x 1.15 = 80.04e9 bytes = 74.5 GiB: too big for 79.6 GB, fits in 79.6 GiB
    result = run("train", "--params", "4.35e9", "--gpu-mem", "79.6")
    assert result.returncode == 0, result.stderr
    assert "with 15 % headroom: 74.5 GiB needed vs 79.6 GiB per GPU -> fits" in result.stdout


def test_gpu_mem_does_not_fit_above_usable_gib():
    # 5e9 x 16 x 1.15 = 92e9 bytes = 85.7 GiB > 79.6 GiB
    result = run("train", "--params", "5e9", "--gpu-mem", "79.6")
    assert result.returncode == 0, result.stderr
    assert "85.7 GiB needed vs 79.6 GiB per GPU -> does NOT fit" in result.stdout


def test_help_names_the_unit():
    result = run("train", "--help")
    assert result.returncode == 0
    assert "GiB" in result.stdout and "81,559 MiB" in result.stdout
