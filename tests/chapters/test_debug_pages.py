"""Runs the scripts and commands shown on the debug/hangs, debug/underflow-overflow
pages on the CPU: the range detector, the flight-recorder exercise over gloo and
the per-rank stack-dump helper."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import importlib.util

import pytest
from script_runner import run_python

# The scripts run in subprocesses; collecting these tests must not import torch (seconds per worker).
pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")

ROOT = Path(__file__).resolve().parents[2]
DEBUG = ROOT / "docs" / "debug"
DETECTOR = DEBUG / "overflow_detector.py"
FR_DEMO = DEBUG / "fr_hang_demo.py"
FR_SUMMARY = DEBUG / "fr_summary.py"
STACK_DUMP = DEBUG / "stack_dump.py"

PAIR = re.compile(r"```bash\n(python docs/debug/[^`]*?)```\s*\n```text\n(.*?)```", re.S)


def page_pairs(name):
    """(commands, quoted output) pairs of a page, for both languages."""
    pairs = []
    for suffix in (".md", ".en.md"):
        text = (DEBUG / f"{name}{suffix}").read_text(encoding="utf-8")
        pairs.append(PAIR.findall(text))
    return pairs


def run_commands(commands, tmp_path):
    """Run the lines of a bash block from the repository root, collect stdout."""
    out = []
    for line in commands.strip().splitlines():
        line = line.replace("/tmp/fr", str(tmp_path / "fr"))
        assert line.startswith("python "), line
        args = line.split()[1:]
        proc = run_python([*args], cwd=ROOT, capture_output=True,
                          text=True, timeout=240)
        assert proc.returncode in (0, 1), proc.stderr
        out.append(proc.stdout)
    return "".join(out).strip()


def run(script, *args):
    return run_python([str(script), *args], capture_output=True,
                      text=True, timeout=240, cwd=ROOT)


# ------------------------------------------------------------ overflow_detector.py
def test_detector_help_without_torch_import():
    proc = run(DETECTOR, "--help")
    assert proc.returncode == 0 and "--check" in proc.stdout


def test_underflow_page_quotes_current_output(tmp_path):
    en_pairs, zh_pairs = page_pairs("underflow-overflow")[1], page_pairs("underflow-overflow")[0]
    assert len(en_pairs) >= 2 and en_pairs == zh_pairs
    for commands, quoted in en_pairs:
        assert run_commands(commands, tmp_path) == quoted.strip(), commands


def test_forward_overflow_found_at_the_planted_module():
    proc = run(DETECTOR, "--demo", "forward")
    assert proc.returncode == 1
    first = [l for l in proc.stdout.splitlines() if l.startswith("First forward")]
    assert first and "blocks.1.up (Linear) output: overflow" in first[0]
    assert "created here" in first[0]
    assert "blocks.0" not in first[0]


def test_forward_overflow_in_real_float16_is_inf_at_same_module():
    proc = run(DETECTOR, "--demo", "forward", "--compute", "float16")
    assert proc.returncode == 1
    assert "First forward finding: forward blocks.1.up (Linear) output: nonfinite" \
        in proc.stdout


def test_backward_overflow_needs_the_loss_scale():
    scaled = run(DETECTOR, "--demo", "backward", "--loss-scale", "32768")
    assert scaled.returncode == 1
    assert "First backward finding: backward blocks.1.act (RootGate) grad_input[0]: overflow" \
        in scaled.stdout
    assert "First forward finding" not in scaled.stdout
    unscaled = run(DETECTOR, "--demo", "backward")
    assert "overflow" not in unscaled.stdout      # without scaling only underflow shows


def test_loss_scale_above_fp16_max_is_blamed_on_the_loss():
    proc = run(DETECTOR, "--demo", "healthy", "--loss-scale", "65536")
    assert proc.returncode == 1
    assert "First backward finding: backward <root> (TinyNet) grad_output[0]: overflow" \
        in proc.stdout
    assert "arrives out of range" in proc.stdout


def test_underflow_demo_names_block0():
    proc = run(DETECTOR, "--demo", "underflow")
    assert "First forward finding: forward blocks.0.up (Linear) output: underflow" \
        in proc.stdout


@pytest.mark.parametrize("scale", ["1", "32768"])
def test_healthy_model_passes(scale):
    proc = run(DETECTOR, "--demo", "healthy", "--loss-scale", scale)
    assert proc.returncode == 0, proc.stdout
    assert "within float16 range" in proc.stdout


def test_bf16_limits_accept_the_fp16_overflow():
    # 8e5 is far inside bfloat16's range: checking against bf16 flags no overflow
    proc = run(DETECTOR, "--demo", "forward", "--check", "bfloat16")
    assert "overflow" not in proc.stdout


# ------------------------------------------------------------ flight recorder
def test_hangs_page_flight_recorder_exercise(tmp_path):
    zh, en = page_pairs("hangs")
    assert en == zh and en, "hangs page lost its quoted exercise"
    fr_pairs = [p for p in en if "fr_hang_demo.py" in p[0]]
    assert fr_pairs
    commands, quoted = fr_pairs[0]
    assert run_commands(commands, tmp_path) == quoted.strip()


def test_fr_summary_on_an_even_run_reports_agreement(tmp_path):
    out = tmp_path / "even"
    assert run(FR_DEMO, "--out-dir", str(out), "--even").returncode == 0
    proc = run(FR_SUMMARY, str(out))
    assert proc.returncode == 0, proc.stdout
    assert "all ranks recorded the same 8 collectives" in proc.stdout


def test_fr_summary_rejects_an_empty_directory(tmp_path):
    proc = run(FR_SUMMARY, str(tmp_path))
    assert proc.returncode == 2 and "no files named" in proc.stderr


# ------------------------------------------------------------ stack_dump.py
def _wait_for(path_fn, needle, proc, limit=60):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        path = path_fn()
        if path and path.exists() and needle in path.read_text():
            return path.read_text()
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.2)
    return path_fn().read_text() if path_fn() else ""


def _start(tmp_path, *extra, env=None):
    proc = subprocess.Popen([sys.executable, str(STACK_DUMP), "--demo", "--dir",
                             str(tmp_path), *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    path = Path(line.rsplit(" ", 1)[-1].strip())
    return proc, path


def test_sigusr1_dumps_the_blocked_frame(tmp_path):
    env = dict(os.environ, RANK="5")
    proc, path = _start(tmp_path, env=env)
    try:
        assert ".rank5." in path.name
        text = ""
        for _ in range(30):                  # each signal appends one dump
            proc.send_signal(signal.SIGUSR1)
            text = _wait_for(lambda: path, "wait_for_peer", proc, limit=2)
            if "in wait_for_peer" in text:
                break
        assert "in wait_for_peer" in text
        assert proc.poll() is None          # the process survives the dump
    finally:
        proc.kill()
        proc.wait()


def test_watchdog_dumps_without_a_signal(tmp_path):
    proc, path = _start(tmp_path, "--watchdog", "1")
    try:
        text = _wait_for(lambda: path, "wait_for_peer", proc)
        assert "Timeout (0:00:01)!" in text and "in wait_for_peer" in text
    finally:
        proc.kill()
        proc.wait()


# ------------------------------------------------------------ bisect_perf.py
BISECT = DEBUG / "bisect_perf.py"


def _git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.skipif(not __import__("shutil").which("git"), reason="needs git")
def test_bisect_run_finds_the_slow_commit(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    for i in range(1, 9):
        rate = 10000 if i < 6 else 7000               # commit 6 makes it slower
        body = f"# commit {i}\nprint('step 20 tokens/s: {rate}')\n"
        if i == 4:
            body += "raise SystemExit(3)\n"           # a commit that does not run
        (repo / "bench.py").write_text(body)
        _git(repo, "add", "bench.py")
        _git(repo, "commit", "-qm", f"c{i}")
    assert _git(repo, "bisect", "start", "HEAD", "HEAD~7").returncode == 0
    proc = subprocess.run(
        ["git", "-C", str(repo), "bisect", "run", sys.executable, str(BISECT),
         "--min", "9000", "--pattern", r"tokens/s: ([0-9.]+)", "--runs", "1", "--",
         sys.executable, "bench.py"],
        capture_output=True, text=True, timeout=300, cwd=repo)
    assert "is the first bad commit" in proc.stdout, proc.stdout + proc.stderr
    first_bad = proc.stdout.split("is the first bad commit")[0].split()[-1]
    assert _git(repo, "log", "-1", "--format=%s", first_bad).stdout.strip() == "c6"


def test_bisect_perf_exit_codes(tmp_path):
    script = tmp_path / "loss.py"
    script.write_text("print('loss 2.40')\n")
    bad = run(BISECT, "--max", "2.35", "--pattern", r"loss ([0-9.]+)", "--runs", "1",
              "--", sys.executable, str(script))
    assert bad.returncode == 1 and "bad: median 2.4" in bad.stdout
    good = run(BISECT, "--max", "2.5", "--pattern", r"loss ([0-9.]+)", "--runs", "1",
               "--", sys.executable, str(script))
    assert good.returncode == 0
    skip = run(BISECT, "--min", "1", "--pattern", r"tokens/s: ([0-9.]+)", "--runs", "1",
               "--", sys.executable, str(script))
    assert skip.returncode == 125 and "pattern not found" in skip.stdout
