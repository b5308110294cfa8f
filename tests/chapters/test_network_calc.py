"""Tests for docs/network/allreduce_time.py (the ring all-reduce calculator)."""

import subprocess
import sys
from pathlib import Path
from script_runner import run_python

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "network" / "allreduce_time.py"


def run(*args):
    return run_python([str(SCRIPT), *args],
                      capture_output=True, text=True, timeout=60)


def test_help():
    res = run("--help")
    assert res.returncode == 0
    assert "--bandwidth" in res.stdout
    assert "--unit" in res.stdout


def test_worked_example_one_nic_per_gpu_rate():
    # 8B params, bf16, 64 ranks, 400 Gb/s = 50 GB/s -> 31.5 GB / 50 GB/s = 0.630 s
    res = run("--params", "8e9", "--bytes-per-elem", "2", "--ranks", "64",
              "--bandwidth", "400", "--unit", "Gbps")
    assert res.returncode == 0, res.stderr
    assert "31.500 GB" in res.stdout
    assert "0.630 s" in res.stdout


def test_worked_example_full_node_rate():
    # 3.2 Tb/s per node = 400 GB/s of bus bandwidth -> 78.8 ms
    res = run("--params", "8e9", "--bytes-per-elem", "2", "--ranks", "64",
              "--bandwidth", "400", "--unit", "GBps", "--compute-s", "0.5")
    assert res.returncode == 0, res.stderr
    assert "78.8 ms" in res.stdout
    assert "comm / compute       : 0.16" in res.stdout


def test_units_agree():
    gbit = run("--params", "1e9", "--ranks", "8", "--bandwidth", "800", "--unit", "Gbps")
    gbyte = run("--params", "1e9", "--ranks", "8", "--bandwidth", "100", "--unit", "GBps")
    line = [l for l in gbit.stdout.splitlines() if "all-reduce time" in l]
    assert line and line == [l for l in gbyte.stdout.splitlines() if "all-reduce time" in l]


def test_latency_term_adds_time():
    base = run("--params", "1e3", "--ranks", "4", "--bandwidth", "100", "--unit", "GBps")
    lat = run("--params", "1e3", "--ranks", "4", "--bandwidth", "100", "--unit", "GBps",
              "--latency-us", "1000")
    assert "0.000 s" in base.stdout
    assert "0.006 s" in lat.stdout  # 2*(4-1) hops * 1 ms


def test_single_rank_is_free():
    res = run("--params", "8e9", "--ranks", "1", "--bandwidth", "400")
    assert res.returncode == 0
    assert "0.000 s" in res.stdout


def test_bad_inputs_exit_nonzero():
    bad = [
        ("--params", "abc", "--ranks", "8", "--bandwidth", "400"),
        ("--params", "-1", "--ranks", "8", "--bandwidth", "400"),
        ("--params", "8e9", "--ranks", "0", "--bandwidth", "400"),
        ("--params", "8e9", "--ranks", "8", "--bandwidth", "0"),
        ("--params", "8e9", "--ranks", "8", "--bandwidth", "400", "--unit", "MBps"),
        ("--params", "8e9", "--ranks", "8", "--bandwidth", "400", "--efficiency", "1.5"),
        ("--params", "8e9", "--ranks", "8"),
    ]
    for args in bad:
        res = run(*args)
        assert res.returncode != 0, args
        assert "error" in res.stderr.lower(), args
