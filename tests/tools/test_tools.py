"""CPU tests for the book's three tools: mamf-finder.py, all_reduce_bench.py and
torch-distributed-gpu-test.py. The distributed tools run as two gloo processes
under torchrun; everything uses tiny sizes so the file finishes in about a minute."""

import csv
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from script_runner import default_sigint, preloaded_python, run_python

# The scripts run in subprocesses; collecting these tests must not import torch (seconds per worker).
pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")

ROOT = Path(__file__).resolve().parents[2]
MAMF = ROOT / "docs/compute/accelerator/benchmarks/mamf-finder.py"
ALLREDUCE = ROOT / "docs/network/benchmarks/all_reduce_bench.py"
GPUTEST = ROOT / "docs/debug/torch-distributed-gpu-test.py"
QUICK_CHECK = ROOT / "scripts/gpu_quick_check.sh"

LAUNCH_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
               "MASTER_PORT", "GROUP_RANK", "ROLE_RANK", "TORCHELASTIC_RUN_ID")


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in LAUNCH_VARS and not k.startswith("SLURM_")}
    env.update(PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    env.update(extra)
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, env=None, timeout=90):
    return run_python([*map(str, args)], capture_output=True, text=True,
                      env=env or clean_env(), timeout=timeout, cwd=ROOT)


def torchrun(script, *args, nproc=2):
    return run(["-m", "torch.distributed.run", "--nproc-per-node", nproc,
                "--master-addr", "127.0.0.1", "--master-port", free_port(), script, *args])


def load(path):
    sys.dont_write_bytecode = True      # keep __pycache__ out of docs/
    spec = importlib.util.spec_from_file_location(path.stem.replace("-", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------- all tools

# Every standalone script of the book (argparse + a __main__ block) answers --help without
# importing torch: the house rule that keeps --help fast on a login node.
HELP_PROBE = """
import runpy, sys
path = sys.argv[1]
sys.argv = [path, "--help"]
try:
    runpy.run_path(path, run_name="__main__")
except SystemExit as stop:
    code = stop.code or 0
else:
    code = "no exit"
print(f"\\nPROBE exit={code} torch={'torch' in sys.modules}")
"""


def standalone_scripts():
    scripts = []
    for path in sorted((ROOT / "docs").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "argparse" in text and "__main__" in text:
            scripts.append(pytest.param(path, id=str(path.relative_to(ROOT / "docs"))))
    return scripts


@pytest.mark.parametrize("script", standalone_scripts())
def test_help_does_not_import_torch(script):
    # a real interpreter: a preloaded one has imported torch before the script starts
    r = subprocess.run([sys.executable, "-c", HELP_PROBE, script], capture_output=True, text=True,
                       env=clean_env(), timeout=60, cwd=ROOT)
    assert "usage:" in r.stdout, r.stdout + r.stderr
    assert "PROBE exit=0 torch=False" in r.stdout, r.stdout[-500:] + r.stderr


def page_options(tool: Path) -> set[str]:
    """The --options the pages pass to a tool, in every command that names it (both languages)."""
    options = set()
    for page in (ROOT / "docs").rglob("*.md"):
        text = page.read_text(encoding="utf-8").replace("\\\n", " ")
        for line in text.splitlines():
            if tool.name in line and not line.lstrip().startswith(("--8<--", "[", "#")):
                options |= set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", line.split(tool.name, 1)[1]))
    return options - {"--nproc-per-node", "--nproc_per_node"}


@pytest.mark.parametrize("tool", [MAMF, ALLREDUCE, GPUTEST], ids=lambda p: p.name)
def test_help_lists_every_option_the_pages_use(tool):
    used = page_options(tool)
    assert len(used) >= 2, f"no command with options found for {tool.name} on the pages"
    r = run([tool, "--help"])
    assert r.returncode == 0, r.stderr
    missing = sorted(option for option in used if option not in r.stdout)
    assert not missing, f"the pages use options that {tool.name} --help does not list: {missing}"


@pytest.mark.parametrize("tool,args", [
    (MAMF, ["--m", "0"]),
    (MAMF, ["--k", "512:128:64"]),
    (MAMF, ["--dtype", "int4"]),
    (MAMF, ["--repeats", "0"]),
    (MAMF, ["--output", "results.txt"]),
    (ALLREDUCE, ["--min-bytes", "3Q"]),
    (ALLREDUCE, ["--min-bytes", "1M", "--max-bytes", "1K"]),
    (ALLREDUCE, ["--factor", "1"]),
    (GPUTEST, ["--timeout", "-1"]),
    (GPUTEST, ["--mem-mib", "lots"]),
], ids=lambda x: x.name if isinstance(x, Path) else " ".join(x))
def test_bad_arguments(tool, args):
    r = run([tool, *args])
    assert r.returncode == 2
    assert "error" in r.stderr.lower()
    assert "Traceback" not in r.stderr


# ----------------------------------------------------------------- mamf-finder

def test_mamf_sweep_json(tmp_path):
    out = tmp_path / "mamf.json"
    r = run([MAMF, "--device", "cpu", "--m", "64,128", "--n", "64", "--k", "32:96:32",
             "--dtype", "fp32,bf16,fp8", "--warmup", "1", "--repeats", "3",
             "--cache-bytes", str(2**20), "--output", out])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Skipping fp8" in r.stdout              # no fp8 matmul on a CPU
    assert "torch" in r.stdout and "Best results" in r.stdout
    data = json.loads(out.read_text())
    swept = {(m, 64, k) for m in (64, 128) for k in (32, 64, 96)}
    assert len(data["results"]) == 2 * len(swept)
    for row in data["results"]:
        assert row["tflops_max"] > 0 and row["tflops_median"] > 0 and row["tflops_mean"] > 0
        assert row["tflops_max"] >= row["tflops_median"]
    for dtype in ("fp32", "bf16"):
        for stat in ("max", "median", "mean"):
            best = data["best"][dtype][stat]
            assert (best["m"], best["n"], best["k"]) in swept
            assert best["tflops"] == max(x[f"tflops_{stat}"] for x in data["results"]
                                         if x["dtype"] == dtype)
    assert data["environment"]["torch"].startswith("2.")


def test_mamf_quick_csv_flush(tmp_path):
    out = tmp_path / "mamf.csv"
    r = run([MAMF, "--quick", "--device", "cpu", "--m", "64", "--n", "64,96", "--k", "64",
             "--cache-mode", "flush", "--cache-bytes", str(2**20), "--output", out])
    assert r.returncode == 0, r.stdout + r.stderr
    rows = list(csv.DictReader(out.open()))
    assert [(row["m"], row["n"], row["k"]) for row in rows] == [("64", "64", "64"), ("64", "96", "64")]
    assert all(float(row["tflops_mean"]) > 0 for row in rows)


def test_mamf_one_output_file_per_rank_under_slurm(tmp_path):
    env = clean_env(SLURM_PROCID="1", SLURM_NTASKS="2", SLURM_LOCALID="1")
    r = run([MAMF, "--device", "cpu", "--m", "64", "--n", "64", "--k", "64", "--dtype", "fp32",
             "--warmup", "0", "--repeats", "2", "--output", tmp_path / "mamf.json"], env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads((tmp_path / "mamf-rank1.json").read_text())["results"]


def test_mamf_ctrl_c_prints_best_so_far(tmp_path):
    out = tmp_path / "partial.json"
    cmd = [preloaded_python(), str(MAMF), "--device", "cpu", "--m", "64", "--n", "64",
           "--k", "64:64000:64", "--dtype", "fp32", "--warmup", "0", "--repeats", "5",
           "--cache-mode", "none", "--output", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=clean_env(), cwd=ROOT, preexec_fn=default_sigint)
    deadline = time.time() + 60
    for line in proc.stdout:          # wait until at least one shape is measured
        if line.split()[:1] == ["fp32"]:
            break
        assert time.time() < deadline
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Best so far" in rest and "Traceback" not in err
    data = json.loads(out.read_text())
    assert data["interrupted"] is True and data["results"]


# ----------------------------------------------------------------- launcher env mapping

def test_first_host_parser():
    for tool in (ALLREDUCE, GPUTEST):
        mod = load(tool)
        assert mod.first_host("gpu-[003-005,010],cpu1") == "gpu-003"
        assert mod.first_host("node7") == "node7"
        assert mod.first_host("a100n[12,14]") == "a100n12"


# ----------------------------------------------------------------- all_reduce_bench

def test_all_reduce_two_ranks(tmp_path):
    out = tmp_path / "ar.csv"
    r = torchrun(ALLREDUCE, "--min-bytes", "32K", "--max-bytes", "512K", "--factor", "4",
                 "--warmup", "1", "--iters", "3", "--csv", out, "--plot", tmp_path / "ar.png")
    assert r.returncode == 0, r.stdout + r.stderr
    # the plot is optional: drawn with matplotlib, or a clear message without it
    assert (tmp_path / "ar.png").is_file() or "matplotlib is not installed" in r.stdout
    assert "world size: 2" in r.stdout and "backend: gloo" in r.stdout
    assert r.stdout.count("algbw GB/s") == 1       # only rank 0 prints the table
    rows = list(csv.DictReader(out.open()))
    assert [int(x["bytes"]) for x in rows] == [32 * 2**10, 128 * 2**10, 512 * 2**10]
    for row in rows:
        algbw, busbw = float(row["algbw_GBps"]), float(row["busbw_GBps"])
        assert algbw > 0
        assert busbw == pytest.approx(algbw * 2 * (2 - 1) / 2)
        assert float(row["lat_min_us"]) <= float(row["lat_mean_us"]) <= float(row["lat_max_us"])


def test_all_reduce_under_simulated_slurm():
    env = clean_env(SLURM_PROCID="0", SLURM_NTASKS="1", SLURM_LOCALID="0",
                    SLURM_JOB_NODELIST="localhost", SLURM_JOB_ID="4242")
    r = run([ALLREDUCE, "--min-bytes", "4K", "--max-bytes", "8K", "--iters", "2"], env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "launcher: slurm" in r.stdout
    assert "world size: 1" in r.stdout
    assert "master: localhost:24242" in r.stdout   # port = 20000 + job id % 20000


# ----------------------------------------------------------------- torch-distributed-gpu-test

def test_gpu_test_two_ranks():
    r = torchrun(GPUTEST, "--mem-mib", "16", "--timeout", "60")
    assert r.returncode == 0, r.stdout + r.stderr
    for rank in (0, 1):
        assert f"[rank {rank}/2 on " in r.stdout
    assert r.stdout.count("all_reduce OK (sum 3)") == 2
    assert "local_rank=1 device=cpu" in r.stdout
    assert "OK: all 2 ranks" in r.stdout


def test_gpu_test_under_simulated_slurm():
    env = clean_env(SLURM_PROCID="0", SLURM_NTASKS="1", SLURM_LOCALID="0",
                    SLURM_JOB_NODELIST="localhost", MASTER_PORT=str(free_port()))
    r = run([GPUTEST, "--mem-mib", "4", "--timeout", "30"], env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "launcher: slurm  world size: 1  master: localhost:" in r.stdout
    assert "all_reduce OK (sum 1)" in r.stdout


def test_gpu_test_hang_becomes_clear_timeout():
    # world size 2, but only rank 0 is ever started: init must give up, not hang
    env = clean_env(RANK="0", WORLD_SIZE="2", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1",
                    MASTER_PORT=str(free_port()))
    r = run([GPUTEST, "--timeout", "3"], env=env, timeout=60)   # a hang raises TimeoutExpired
    assert r.returncode == 3, r.stdout + r.stderr
    assert "TIMEOUT" in r.stderr
    for hint in ("NCCL_DEBUG=INFO", "NCCL_SOCKET_IFNAME", "firewall", "MASTER_ADDR"):
        assert hint in r.stderr


def test_gpu_test_unresolvable_master():
    env = clean_env(RANK="0", WORLD_SIZE="1", LOCAL_RANK="0",
                    MASTER_ADDR="no-such-host.invalid", MASTER_PORT="29999")
    r = run([GPUTEST, "--timeout", "10"], env=env)
    assert r.returncode == 1
    assert "does not resolve" in r.stderr


# ----------------------------------------------------------------- GPU quick-check script

def test_gpu_quick_check_script_is_valid_bash():
    r = subprocess.run(["bash", "-n", str(QUICK_CHECK)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "set -euo pipefail" in QUICK_CHECK.read_text()


def test_gpu_quick_check_without_gpu_fails_clearly(tmp_path):
    if shutil.which("nvidia-smi") or shutil.which("rocm-smi"):
        pytest.skip("this machine has GPU tools; the script would really run")
    env = clean_env(PYTHON=sys.executable)
    r = subprocess.run(["bash", str(QUICK_CHECK)], capture_output=True, text=True, env=env,
                       cwd=tmp_path, timeout=60)
    assert r.returncode != 0
    assert "no GPU" in r.stderr
