"""Tests for the scripts shown in the Compute part (docs/compute/*.py)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "compute"
TOPO = DOCS / "cpu_topology.py"
BUDGET = DOCS / "host_memory_budget.py"


def run(script, *args):
    return subprocess.run([sys.executable, str(script), *args],
                          capture_output=True, text=True, timeout=60)


# ---------------------------------------------------------------- cpu_topology.py

def make_fake_sysfs(root, nodes):
    """nodes: {node_id: (cpulist, mem_total_kib)}"""
    base = root / "devices" / "system" / "node"
    base.mkdir(parents=True)
    for nid, (cpulist, kib) in nodes.items():
        d = base / f"node{nid}"
        d.mkdir()
        (d / "cpulist").write_text(cpulist + "\n")
        (d / "meminfo").write_text(
            f"Node {nid} MemTotal:       {kib} kB\n"
            f"Node {nid} MemFree:        {kib // 2} kB\n"
            f"Node {nid} MemUsed:        {kib - kib // 2} kB\n")
    # a non-node entry that must be ignored
    (base / "possible").write_text("0-1\n")
    return root


def test_topology_help():
    r = run(TOPO, "--help")
    assert r.returncode == 0
    assert "--sysfs-root" in r.stdout and "NUMA" in r.stdout


def test_topology_fake_two_sockets(tmp_path):
    root = make_fake_sysfs(tmp_path, {0: ("0-47,96-143", 1056 * 2**20),
                                      1: ("48-95,144-191", 1056 * 2**20)})
    r = run(TOPO, "--sysfs-root", str(root), "--json")
    assert r.returncode == 0, r.stderr
    nodes = json.loads(r.stdout)
    assert [n["node"] for n in nodes] == [0, 1]
    assert len(nodes[0]["cpus"]) == 96
    assert nodes[1]["cpus"][0] == 48 and nodes[1]["cpus"][-1] == 191
    assert nodes[0]["mem_total_kib"] == 1056 * 2**20

    table = run(TOPO, "--sysfs-root", str(root))
    assert table.returncode == 0
    assert "0-47,96-143" in table.stdout
    assert "1056.0" in table.stdout
    assert "2 NUMA node(s), 192 logical CPU(s)" in table.stdout


def test_topology_node_order_is_numeric(tmp_path):
    nodes = {i: (str(i), 1024) for i in range(12)}
    root = make_fake_sysfs(tmp_path, nodes)
    r = run(TOPO, "--sysfs-root", str(root), "--json")
    assert [n["node"] for n in json.loads(r.stdout)] == list(range(12))


def test_topology_missing_root_fails(tmp_path):
    r = run(TOPO, "--sysfs-root", str(tmp_path / "nope"))
    assert r.returncode == 1
    assert "error:" in r.stderr and "does not exist" in r.stderr


def test_topology_bad_cpulist_fails(tmp_path):
    root = make_fake_sysfs(tmp_path, {0: ("0-3,x", 1024)})
    r = run(TOPO, "--sysfs-root", str(root))
    assert r.returncode == 1
    assert "bad CPU list" in r.stderr


@pytest.mark.skipif(not Path("/sys/devices/system/node/node0").exists(),
                    reason="host has no NUMA sysfs")
def test_topology_real_host():
    r = run(TOPO, "--json")
    assert r.returncode == 0, r.stderr
    nodes = json.loads(r.stdout)
    assert sum(len(n["cpus"]) for n in nodes) >= 1


# ---------------------------------------------------------------- host_memory_budget.py

def test_budget_help():
    r = run(BUDGET, "--help")
    assert r.returncode == 0
    assert "--params-b" in r.stdout and "--offload" in r.stdout


def test_budget_worked_example_from_page():
    # The numbers quoted in docs/compute/cpu-memory.md
    r = run(BUDGET, "--params-b", "70", "--nodes", "4", "--offload", "optimizer",
            "--checkpoint", "sharded", "--node-ram-gib", "1024", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    items = {i["item"].split(" (")[0]: i["gib"] for i in out["items"]}
    assert items["offload 'optimizer'"] == pytest.approx(260.8, abs=0.1)
    assert items["checkpoint 'sharded'"] == pytest.approx(228.2, abs=0.1)
    assert items["data-loader workers"] == pytest.approx(64.0)
    assert out["total_gib"] == pytest.approx(687.4, abs=0.1)
    assert out["fits"] is True


def test_budget_does_not_fit_exits_1():
    r = run(BUDGET, "--params-b", "70", "--nodes", "4", "--offload", "optimizer",
            "--checkpoint", "sharded", "--node-ram-gib", "512")
    assert r.returncode == 1
    assert "DOES NOT FIT" in r.stdout
    assert "exceeds 512 GiB" in r.stderr


def test_budget_no_offload_small_model():
    r = run(BUDGET, "--params-b", "8", "--margin", "0", "--json")
    assert r.returncode == 0
    out = json.loads(r.stdout)
    # 16 OS + 8*5 ranks + 8*4*2 workers + 8*2 pinned = 136 GiB, nothing else
    assert out["total_gib"] == pytest.approx(136.0)


def test_budget_consolidated_checkpoint_not_divided_by_nodes():
    a = json.loads(run(BUDGET, "--params-b", "10", "--nodes", "1", "--checkpoint",
                       "consolidated", "--json").stdout)
    b = json.loads(run(BUDGET, "--params-b", "10", "--nodes", "8", "--checkpoint",
                       "consolidated", "--json").stdout)
    assert a["total_gib"] == b["total_gib"]
    ck = [i["gib"] for i in a["items"] if i["item"].startswith("checkpoint")][0]
    assert ck == pytest.approx(10e9 * 2 / 2**30, abs=0.1)


@pytest.mark.parametrize("args", [
    ["--params-b", "-1"],
    ["--params-b", "abc"],
    ["--params-b", "8", "--nodes", "0"],
    ["--params-b", "8", "--offload", "everything"],
    [],
])
def test_budget_bad_arguments_exit_2(args):
    r = run(BUDGET, *args)
    assert r.returncode == 2
    assert "error" in r.stderr


# ---------------------------------------------------------------- shell commands shown on the pages
# The CPU-only commands printed in docs/compute/cpu*.md are run here, so that a typo or a
# flag that does not exist shows up as a failing test. Commands marked "Needs a GPU" or
# "Needs root" on the pages are not run.

import shutil


def sh(cmd):
    return subprocess.run(["bash", "-o", "pipefail", "-c", cmd],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(shutil.which("lscpu") is None, reason="lscpu not installed")
def test_cmd_lscpu_grep():
    r = sh("lscpu | grep -E '^(Socket|Core|Thread|NUMA node)'")
    assert r.returncode == 0, r.stderr
    assert "Thread(s) per core" in r.stdout or "NUMA node" in r.stdout


def test_cmd_nproc_and_allowed_list():
    r = sh("nproc && grep Cpus_allowed_list /proc/self/status")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert int(lines[0]) >= 1
    assert lines[1].startswith("Cpus_allowed_list:")


@pytest.mark.skipif(shutil.which("vmstat") is None, reason="vmstat not installed")
def test_cmd_vmstat_and_top():
    r = sh("vmstat 1 2")
    assert r.returncode == 0 and " si " in r.stdout.replace("\n", " ")
    r = sh("top -b -n 1 -H | head -n 25")
    assert r.returncode == 0, r.stderr
    assert "PID" in r.stdout


def test_cmd_ulimit_memlock():
    r = sh("ulimit -l")
    assert r.returncode == 0
    out = r.stdout.strip()
    assert out == "unlimited" or out.isdigit()


def test_cmd_cgroup_limit_and_oom_score():
    r = sh("cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes")
    if r.returncode != 0:
        pytest.skip("no memory cgroup mounted on this host")
    assert r.stdout.strip() == "max" or r.stdout.strip().isdigit()
    r = sh("cat /proc/self/oom_score /proc/self/oom_score_adj")
    assert r.returncode == 0
    score, adj = r.stdout.split()
    assert int(score) >= 0 and -1000 <= int(adj) <= 1000


def test_cmd_swap_free_vmstat():
    if shutil.which("swapon") is None:
        pytest.skip("swapon not installed")
    r = sh("swapon --show && free -h && vmstat 1 2")
    assert r.returncode == 0, r.stderr
    assert "Mem:" in r.stdout


def test_cmd_meminfo_and_shm():
    r = sh("grep -E '^(MemTotal|MemAvailable|Cached|Shmem|SwapTotal|SwapFree):' /proc/meminfo")
    assert r.returncode == 0
    keys = {line.split(":")[0] for line in r.stdout.splitlines()}
    assert {"MemTotal", "MemAvailable", "Shmem"} <= keys
    r = sh("df -h /dev/shm")
    assert r.returncode == 0 or "No such file" in r.stderr


@pytest.mark.skipif(not Path("/usr/bin/time").exists(), reason="GNU time not installed")
def test_cmd_peak_rss_gnu_time():
    r = sh(f"/usr/bin/time -v {sys.executable} -c \"x = bytearray(500 * 2**20)\" 2>&1 | grep 'Maximum resident'")
    assert r.returncode == 0, r.stdout + r.stderr
    kib = int(r.stdout.rsplit(":", 1)[1])
    assert kib >= 500 * 1024


def test_cmd_peak_rss_getrusage():
    r = sh(f"{sys.executable} -c \"import resource; b = bytearray(300 * 2**20); "
           f"print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, 'MiB peak')\"")
    assert r.returncode == 0, r.stderr
    assert int(r.stdout.split()[0]) >= 300


def test_cmd_psutil():
    pytest.importorskip("psutil")
    r = sh(f"{sys.executable} -c \"import psutil; p = psutil.Process(); "
           f"print(p.memory_info().rss // 2**20, 'MiB RSS'); "
           f"print(psutil.virtual_memory().available // 2**30, 'GiB available')\"")
    assert r.returncode == 0, r.stderr
    assert "MiB RSS" in r.stdout and "GiB available" in r.stdout


def test_cpu_page_sample_output_matches_script(tmp_path):
    """The sample table printed on docs/compute/cpu.md is the script's real output."""
    root = make_fake_sysfs(tmp_path, {0: ("0-47,96-143", 1056 * 2**20),
                                      1: ("48-95,144-191", 1056 * 2**20)})
    out = run(TOPO, "--sysfs-root", str(root)).stdout
    for page in ("cpu.md", "cpu.en.md"):
        assert out.strip() in (DOCS / page).read_text(), page


def test_cpu_memory_page_sample_output_matches_script():
    out = run(BUDGET, "--params-b", "70", "--nodes", "4", "--offload", "optimizer",
              "--checkpoint", "sharded", "--node-ram-gib", "1024").stdout
    for page in ("cpu-memory.md", "cpu-memory.en.md"):
        assert out.strip() in (DOCS / page).read_text(), page
