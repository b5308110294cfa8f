"""Tests for the scripts shown in the Compute part (docs/compute/*.py)."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from script_runner import run_python

DOCS = Path(__file__).resolve().parents[2] / "docs" / "compute"
TOPO = DOCS / "cpu_topology.py"
BUDGET = DOCS / "host_memory_budget.py"


def run(script, *args):
    return run_python([str(script), *args],
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
# Every command in a ```bash block of the CPU pages, in both languages, is taken from the page
# and run here, so a typo, a flag that does not exist or a path that is wrong fails the test.
# Blocks right after a "Needs a GPU" / "需要 GPU" (or cluster, root) note are not run.

import os

PAGES = ["cpu.en.md", "cpu.md", "cpu-memory.en.md", "cpu-memory.md"]
NEEDS = re.compile(r'^!!! note "(Needs|需要)')


def page_commands(page):
    """The runnable command lines of a page: (line number, command), comments and `\\` joins resolved."""
    lines = (DOCS / page).read_text(encoding="utf-8").splitlines()
    commands, index = [], 0
    while index < len(lines):
        if lines[index] != "```bash":
            index += 1
            continue
        back = index - 1
        while back >= 0 and (not lines[back].strip() or lines[back].startswith("    ")):
            back -= 1
        skip = back >= 0 and NEEDS.match(lines[back])
        index += 1
        current, first = "", 0
        while lines[index] != "```":
            line = lines[index]
            if not skip and line.strip() and not line.lstrip().startswith("#"):
                first = first or index + 1
                current += line.rstrip("\\").rstrip() + " " if line.endswith("\\") else line
                if not line.endswith("\\"):
                    commands.append((first, current))
                    current, first = "", 0
            index += 1
        index += 1
    return commands


def test_pages_show_the_same_runnable_commands_in_both_languages():
    strip = lambda cmds: [re.sub(r"\s+#.*$", "", c) for _, c in cmds]  # noqa: E731
    for zh, en in (("cpu.md", "cpu.en.md"), ("cpu-memory.md", "cpu-memory.en.md")):
        assert strip(page_commands(zh)) == strip(page_commands(en)), (zh, en)
        assert page_commands(en), f"{en}: no runnable bash block found"


def unique_commands():
    seen = {}
    for page in PAGES:
        for number, command in page_commands(page):
            seen.setdefault(re.sub(r"\s+#.*$", "", command), f"{page}:{number}")
    return seen


@pytest.mark.parametrize("command,where", [pytest.param(c, w, id=w) for c, w in unique_commands().items()])
def test_cmd_shown_on_the_page_runs(command, where):
    """The command runs as a reader would paste it; `python` is the tests' Python (it has psutil)."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "LC_ALL": "C"}
    r = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True,
                       timeout=60, cwd=DOCS, env=env)
    assert r.returncode == 0, f"{where}: {command}\n{r.stderr}"
    assert not re.search(r"command not found|invalid option|unrecognized option|No such file|usage:",
                         r.stderr, re.I), f"{where}: {command}\n{r.stderr}"


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
