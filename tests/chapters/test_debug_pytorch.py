"""Runs the scripts shown on docs/debug/pytorch.md on the CPU."""

import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import importlib.util

import pytest
from script_runner import run_python

# The scripts run in subprocesses; collecting these tests must not import torch (seconds per worker).
pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")

DEBUG_DIR = Path(__file__).resolve().parents[2] / "docs" / "debug"
NAN_DETECTOR = DEBUG_DIR / "nan_detector.py"
ANOMALY_DEMO = DEBUG_DIR / "anomaly_demo.py"


def run(script, *args, env=None, cwd=None):
    return run_python(
        [str(script), *args],
        capture_output=True, text=True, timeout=300, env=env, cwd=cwd,
    )


def test_help():
    proc = run(NAN_DETECTOR, "--help")
    assert proc.returncode == 0
    assert "--demo" in proc.stdout


def test_demo_names_the_overflowing_module():
    proc = run(NAN_DETECTOR, "--demo")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    first = proc.stdout.splitlines()[0]
    assert first.startswith("First non-finite output: blocks.1.gate (ExpGate)")
    assert "created here" in first
    # blocks.0 and the embedding are upstream of the fault: never reported
    assert "blocks.0" not in proc.stdout
    assert "embed" not in proc.stdout
    assert "Propagated to: blocks.1.norm" in proc.stdout


@pytest.mark.parametrize("seed", ["1", "42"])
def test_demo_is_robust_to_seed(seed):
    proc = run(NAN_DETECTOR, "--demo", "--seed", seed)
    assert proc.returncode == 1
    assert "First non-finite output: blocks.1.gate" in proc.stdout


def test_stop_at_first():
    proc = run(NAN_DETECTOR, "--demo", "--stop-at-first")
    assert proc.returncode == 1
    assert proc.stdout.startswith("stopped: non-finite output in blocks.1.gate")
    assert "Propagated to" not in proc.stdout


def test_healthy_demo_exits_zero():
    proc = run(NAN_DETECTOR, "--demo", "--healthy")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All module outputs are finite." in proc.stdout


def test_user_model_spec(tmp_path):
    (tmp_path / "mymodels.py").write_text(textwrap.dedent("""
        import torch
        from torch import nn

        class Log(nn.Module):
            def forward(self, x):
                return torch.log(x)   # log(0) = -inf

        def build():
            return nn.Sequential(nn.Linear(4, 4), nn.ReLU(), Log())
    """))
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    proc = run(NAN_DETECTOR, "--model", "mymodels:build", "--input-shape", "3,4",
               env=env, cwd=tmp_path)
    # ReLU zeroes some entries and log(0) = -inf: the first report must be
    # module "2" of the Sequential (the Log), with finite inputs.
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.startswith("First non-finite output: 2 (Log)")


@pytest.mark.parametrize("args, message", [
    (["--model", "no_colon"], "must look like"),
    (["--model", "surely_missing_module_xyz:build"], "cannot import"),
    (["--demo", "--input-shape", "2,x"], "comma-separated integers"),
    (["--model", "json:dumps", "--healthy"], "--healthy only applies"),
    ([], "one of the arguments"),
])
def test_usage_errors(args, message):
    proc = run(NAN_DETECTOR, *args)
    assert proc.returncode == 2
    assert message in proc.stderr


def test_shape_mismatch_is_reported():
    proc = run(NAN_DETECTOR, "--demo", "--input-shape", "2,9")
    assert proc.returncode == 2
    assert "forward pass failed" in proc.stderr


def test_anomaly_demo_without_and_with_detection():
    plain = run(ANOMALY_DEMO)
    assert plain.returncode == 1
    assert "nan" in plain.stdout
    detected = run(ANOMALY_DEMO, "--detect-anomaly")
    assert detected.returncode == 1
    assert "SqrtBackward0" in detected.stdout
    # the forward traceback points at the line with torch.sqrt
    assert "torch.sqrt(x)" in detected.stderr


# A command block on the page (with or without `; echo "exit status: $?"`) followed by the output
# the page quotes for it.
QUOTED = re.compile(r'```bash\n(python docs/debug/[^\n;]*)(; echo "exit status: \$\?")?\n```\s*\n```text\n(.*?)```', re.S)


@pytest.mark.parametrize("page", ["pytorch.md", "pytorch.en.md"])
def test_the_page_quotes_what_its_commands_print(page):
    """The commands are taken from the page and run: a typo in one, or a script whose output has
    drifted from the quote (a count, a module name), fails here."""
    pairs = QUOTED.findall((DEBUG_DIR / page).read_text(encoding="utf-8"))
    assert len(pairs) >= 2, f"{page}: the nan_detector and anomaly_demo commands with their output"
    for command, echo_status, quoted in pairs:
        proc = run_python(shlex.split(command)[1:], cwd=DEBUG_DIR.parents[1], capture_output=True, text=True,
                          timeout=300)
        shown = proc.stdout + (f"exit status: {proc.returncode}\n" if echo_status else "")
        assert shown == quoted, f"{page}: `{command}` prints\n{shown}\nthe page quotes\n{quoted}"
