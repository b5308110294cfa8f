"""Tests for the scripts of the orchestration, training and debugging chapters.

- docs/training/memory_estimator.py: the worked-example numbers of model-memory.md
- docs/debug/make_tiny_model.py: trains on the CPU, loss goes down, reload works
- docs/orchestration/slurm/train-multinode.slurm: `bash -n`, required #SBATCH
  lines, and a dry run with stand-ins for scontrol/srun/torchrun (no SLURM here)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from script_runner import run_python

ROOT = Path(__file__).resolve().parents[2]
ESTIMATOR = ROOT / "docs" / "training" / "memory_estimator.py"
TINY = ROOT / "docs" / "debug" / "make_tiny_model.py"
SLURM = ROOT / "docs" / "orchestration" / "slurm" / "train-multinode.slurm"


def run(script: Path, *args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    return run_python([str(script), *args],
                      capture_output=True, text=True, timeout=timeout)


def field(stdout: str, label: str) -> float:
    """The first number (GB) on the line that starts with `label`."""
    for line in stdout.splitlines():
        if line.strip().startswith(label):
            return float(re.search(r":\s*([\d,.]+)", line).group(1).replace(",", ""))
    raise AssertionError(f"no line {label!r} in:\n{stdout}")


# ------------------------------------------------------------ memory_estimator.py
def test_estimator_help():
    for sub in ([], ["train"], ["kv"], ["count"]):
        result = run(ESTIMATOR, *sub, "--help")
        assert result.returncode == 0, result.stderr
        assert "usage" in result.stdout


def test_estimator_count_llama3_70b_shapes():
    result = run(ESTIMATOR, "count", "--layers", "80", "--hidden", "8192", "--ffn", "28672",
                 "--heads", "64", "--kv-heads", "8", "--vocab", "128256")
    assert result.returncode == 0, result.stderr
    assert "70,553,706,496" in result.stdout


def test_estimator_zero3_worked_example():
    result = run(ESTIMATOR, "train", "--params", "70e9", "--recipe", "mixed-adam",
                 "--zero", "3", "--dp", "64")
    assert result.returncode == 0, result.stderr
    assert "16 bytes/param" in result.stdout
    assert field(result.stdout, "whole model states") == 1120.00
    assert field(result.stdout, "weights") == 2.19
    assert field(result.stdout, "gradients") == 2.19
    assert field(result.stdout, "optimizer states") == 13.12
    assert field(result.stdout, "model states total") == 17.50


def test_estimator_zero1_does_not_fit():
    result = run(ESTIMATOR, "train", "--params", "70B", "--zero", "1", "--dp", "64", "--gpu-mem", "80")
    assert result.returncode == 0, result.stderr
    assert field(result.stdout, "model states total") == 293.12
    assert "does NOT fit" in result.stdout


def test_estimator_3d_parallel_with_activations():
    result = run(ESTIMATOR, "train", "--params", "70e9", "--zero", "1", "--dp", "8", "--tp", "8",
                 "--pp", "4", "--layers", "80", "--hidden", "8192", "--heads", "64", "--seq", "8192",
                 "--micro-batch", "1", "--gpu-mem", "80")
    assert result.returncode == 0, result.stderr
    assert field(result.stdout, "model states total") == 12.03
    assert field(result.stdout, "activations (selective)") == 22.82
    assert field(result.stdout, "estimate total") == 34.85
    assert "-> fits" in result.stdout


def test_estimator_zero3_full_recompute():
    result = run(ESTIMATOR, "train", "--params", "70e9", "--zero", "3", "--dp", "64", "--layers", "80",
                 "--hidden", "8192", "--heads", "64", "--seq", "8192", "--micro-batch", "1",
                 "--recompute", "full")
    assert result.returncode == 0, result.stderr
    assert field(result.stdout, "activations (full)") == 10.74
    assert field(result.stdout, "estimate total") == 28.24


def test_estimator_recipes_bytes_per_param():
    expected = {"mixed-adam": 16, "fp32-adam": 16, "mixed-adam-fp32-grads": 18,
                "bf16-adam": 8, "mixed-adam-8bit": 10, "mixed-sgd-momentum": 12}
    for recipe, nbytes in expected.items():
        result = run(ESTIMATOR, "train", "--params", "1e9", "--recipe", recipe)
        assert result.returncode == 0, result.stderr
        assert f"({nbytes} bytes/param)" in result.stdout
        assert field(result.stdout, "model states total") == float(nbytes)


def test_estimator_kv_worked_example():
    result = run(ESTIMATOR, "kv", "--layers", "80", "--kv-heads", "8", "--head-dim", "128",
                 "--dtype", "bf16", "--tokens", "8192", "--batch", "32")
    assert result.returncode == 0, result.stderr
    assert "327,680 bytes" in result.stdout
    assert field(result.stdout, "per sequence") == 2.68
    assert field(result.stdout, "whole batch") == 85.90
    assert "(    80.00 GiB)" in result.stdout


def page_examples(page: Path) -> list[tuple[list[str], str]]:
    """(arguments, expected output) for each ```bash block running the estimator + the ```text after it."""
    blocks = re.findall(r"```(bash|text)\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)
    examples = []
    for (kind, body), (next_kind, next_body) in zip(blocks, blocks[1:]):
        if kind == "bash" and body.startswith("python docs/training/memory_estimator.py") and next_kind == "text":
            command = body.replace("\\\n", " ").split()
            examples.append((command[2:], next_body))
    return examples


@pytest.mark.parametrize("page", ["model-memory.md", "model-memory.en.md"])
def test_estimator_output_matches_the_page(page):
    examples = page_examples(ESTIMATOR.parent / page)
    assert len(examples) == 4, "the page should show four estimator runs with their output"
    for args, expected in examples:
        result = run(ESTIMATOR, *args)
        assert result.returncode == 0, result.stderr
        assert result.stdout == expected, f"output of {args} differs from {page}"


@pytest.mark.parametrize("args", [
    [],
    ["train"],
    ["train", "--params", "seventy"],
    ["train", "--params", "-5e9"],
    ["train", "--params", "70e9", "--zero", "4"],
    ["train", "--params", "70e9", "--dp", "0"],
    ["train", "--params", "70e9", "--layers", "80"],
    ["train", "--params", "70e9", "--recipe", "adam-magic"],
    ["kv", "--layers", "80", "--kv-heads", "8", "--head-dim", "128", "--tokens", "0"],
    ["kv", "--layers", "80", "--kv-heads", "8", "--head-dim", "128", "--tokens", "10", "--dtype", "fp12"],
    ["count", "--layers", "2", "--hidden", "100", "--ffn", "400", "--heads", "3", "--kv-heads", "1",
     "--vocab", "10"],
])
def test_estimator_bad_input(args):
    result = run(ESTIMATOR, *args)
    assert result.returncode == 2, result.stdout
    assert "error" in result.stderr
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------ make_tiny_model.py
def test_tiny_help():
    result = run(TINY, "--help")
    assert result.returncode == 0
    assert "train" in result.stdout and "generate" in result.stdout


def test_tiny_model_end_to_end(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "tiny"
    result = run(TINY, "train", "--out", str(out), "--steps", "40", "--log-every", "10")
    assert result.returncode == 0, result.stderr
    for name in ("config.json", "model.pt", "tokenizer.json", "train_log.json"):
        assert (out / name).is_file(), name
    config = json.loads((out / "config.json").read_text())
    log = json.loads((out / "train_log.json").read_text())
    losses = log["train_loss"]
    assert len(losses) == 40
    # the first loss is near ln(vocab); the end of training is clearly lower
    assert losses[0] == pytest.approx(__import__("math").log(config["vocab_size"]), abs=0.5)
    assert sum(losses[-10:]) / 10 < losses[0] - 1.0
    assert log["val_loss_end"] < log["val_loss_start"]
    params = re.search(r"([\d,]+) parameters", result.stdout).group(1)
    assert 100_000 < int(params.replace(",", "")) < 1_000_000

    # reload in a fresh process and generate
    gen = run(TINY, "generate", "--model-dir", str(out), "--prompt", "The job ",
              "--max-new-tokens", "40", "--temperature", "0")
    assert gen.returncode == 0, gen.stderr
    text = gen.stdout.rstrip("\n")
    assert text.startswith("The job ")
    assert len(text) == len("The job ") + 40


def test_tiny_model_custom_text_and_reload_in_process(tmp_path):
    torch = pytest.importorskip("torch")
    text_file = tmp_path / "corpus.txt"
    text_file.write_text("abcabcabd " * 200, encoding="utf-8")
    out = tmp_path / "m"
    result = run(TINY, "train", "--out", str(out), "--text-file", str(text_file), "--steps", "30",
                 "--layers", "1", "--hidden", "32", "--heads", "2", "--context", "16")
    assert result.returncode == 0, result.stderr
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_tiny_model", TINY)
    mtm = importlib.util.module_from_spec(spec)
    dont_write, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no __pycache__ in docs/
    try:
        spec.loader.exec_module(mtm)
    finally:
        sys.dont_write_bytecode = dont_write
    model, tok = mtm.load(out)
    assert tok.vocab_size == 4 + 5  # specials + "a b c d ␠"
    assert tok.decode(tok.encode("abcd")) == "abcd"
    assert tok.encode("z") == [tok.unk_id]
    with torch.no_grad():
        logits = model(torch.tensor([tok.encode("abcab")]))
    assert logits.shape == (1, 5, tok.vocab_size)


@pytest.mark.parametrize("args", [
    ["train"],
    ["train", "--out", "{tmp}/o", "--text-file", "{tmp}/missing.txt"],
    ["train", "--out", "{tmp}/o", "--text-file", "{tmp}/short.txt"],
    ["train", "--out", "{tmp}/o", "--hidden", "100", "--heads", "3"],
    ["train", "--out", "{tmp}/o", "--steps", "0"],
    ["train", "--out", "{tmp}/o", "--lr", "-1"],
    ["generate", "--model-dir", "{tmp}/nothing-here"],
])
def test_tiny_bad_input(args, tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "short.txt").write_text("too short", encoding="utf-8")
    result = run(TINY, *[a.format(tmp=tmp_path) for a in args])
    assert result.returncode == 2, result.stdout
    assert "error" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------ train-multinode.slurm
def test_slurm_script_syntax():
    bash = shutil.which("bash")
    assert bash, "bash is required"
    result = subprocess.run([bash, "-n", str(SLURM)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_slurm_script_directives():
    text = SLURM.read_text()
    directives = re.findall(r"^#SBATCH\s+(\S+)", text, flags=re.M)
    for required in ("--nodes=4", "--ntasks-per-node=1", "--gpus-per-node=8", "--exclusive",
                     "--time=24:00:00", "--signal=B:USR1@120"):
        assert required in directives, required
    # all #SBATCH lines come before the first command, or SLURM ignores them
    first_command = next(i for i, line in enumerate(text.splitlines())
                         if line.strip() and not line.startswith("#"))
    last_directive = max(i for i, line in enumerate(text.splitlines()) if line.startswith("#SBATCH"))
    assert last_directive < first_command
    assert 'NODES=$(scontrol show hostnames "$SLURM_JOB_NODELIST")' in text
    commands = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in commands if "| head" in line], "under pipefail, head can end the job with SIGPIPE"
    assert "--kill-on-bad-exit=1" in text
    assert "--rdzv-backend=c10d" in text


FAKE_TOOLS = {
    # prints one host per line, like `scontrol show hostnames node[001-002]`
    "scontrol": '#!/bin/bash\n[ "$1 $2" = "show hostnames" ] || exit 1\nprintf "node001\\nnode002\\n"\n',
    # drop srun's options and run the command, once (one "node")
    "srun": ('#!/bin/bash\necho "srun $*" >> "$FAKE_LOG"\n'
             'while [ "${1#--}" != "$1" ]; do shift; done\nexec "$@"\n'),
    # a training job that saves and exits when the flag file appears
    "torchrun": ('#!/bin/bash\necho "torchrun $*" >> "$FAKE_LOG"\ntouch "$FAKE_STARTED"\n'
                 'for i in $(seq 200); do\n'
                 '  if [ -f "$CKPT_DIR/SAVE_AND_EXIT" ]; then echo saved >> "$FAKE_LOG"; exit 0; fi\n'
                 '  sleep 0.05\ndone\nexit 3\n'),
}


def test_slurm_script_dry_run_with_usr1(tmp_path):
    """Stand-ins for scontrol, srun and torchrun: USR1 must lead to a clean save and exit 0."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    for name, body in FAKE_TOOLS.items():
        (fake_bin / name).write_text(body)
        (fake_bin / name).chmod(0o755)
    env = dict(os.environ,
               PATH=f"{fake_bin}:{os.environ['PATH']}",
               SLURM_JOB_NODELIST="node[001-002]", SLURM_JOB_ID="4242", SLURM_JOB_NAME="dry",
               SLURM_NNODES="2", SLURM_CPUS_PER_TASK="4", SLURM_GPUS_ON_NODE="8",
               REPO=str(tmp_path / "repo"), CKPT_DIR=str(tmp_path / "ckpt"),
               FAKE_LOG=str(tmp_path / "calls.log"), FAKE_STARTED=str(tmp_path / "started"))
    proc = subprocess.Popen(["bash", str(SLURM)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if not (tmp_path / "started").exists():
            proc.kill()
            pytest.fail(f"torchrun stand-in never started (exit {proc.poll()}); the script said:\n"
                        f"{proc.communicate()[0]}")
        proc.send_signal(signal.SIGUSR1)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "rendezvous at node001:24242" in output
    assert "USR1: time limit near" in output
    assert "srun finished with exit code 0" in output
    calls = (tmp_path / "calls.log").read_text()
    assert "--kill-on-bad-exit=1" in calls
    assert "--rdzv-endpoint=node001:24242" in calls
    assert "--nnodes=2" in calls and "--nproc-per-node=8" in calls
    assert "--ckpt-dir " + str(tmp_path / "ckpt") in calls
    assert calls.rstrip().endswith("saved")
