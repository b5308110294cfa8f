"""Tests for the scripts and manifests of the orchestration pages.

- docs/orchestration/slurm/launch-*.slurm: `bash -n`, #SBATCH directives parse, and a
  dry run with stand-in scontrol/srun/torchrun/accelerate/python commands that records
  the rank variables every process would receive (no SLURM here)
- docs/orchestration/slurm/gpu-healthcheck.sh: drains and resumes with stand-in
  nvidia-smi and scontrol
- docs/orchestration/slurm/affinity-report.sh: reports the CPUs the process may use
- docs/orchestration/k8s/*.yaml: parse, apiVersion/kind match the table on
  kubernetes.md / kubernetes.en.md, and the manifests agree with each other
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SLURM_DIR = DOCS / "orchestration" / "slurm"
K8S_DIR = DOCS / "orchestration" / "k8s"
LAUNCHERS = sorted(SLURM_DIR.glob("launch-*.slurm"))
HEALTHCHECK = SLURM_DIR / "gpu-healthcheck.sh"
AFFINITY = SLURM_DIR / "affinity-report.sh"
MANIFESTS = sorted(K8S_DIR.glob("*.yaml"))
BASH = shutil.which("bash")

# sbatch options used by the scripts: the long names from `man sbatch`
KNOWN_SBATCH = {
    "job-name", "nodes", "ntasks", "ntasks-per-node", "gpus-per-node", "gpus-per-task", "gpus",
    "cpus-per-task", "mem", "exclusive", "time", "output", "error", "signal", "hint", "partition",
    "qos", "account", "gres", "segment", "switches", "constraint",
}
VALUELESS = {"exclusive"}


def page(name: str) -> str:
    return (DOCS / "orchestration" / name).read_text(encoding="utf-8")


# ------------------------------------------------------------------ the files exist
def test_four_launchers_exist():
    names = {p.name for p in LAUNCHERS}
    assert names == {"launch-torchrun.slurm", "launch-srun.slurm", "launch-accelerate.slurm",
                     "launch-lightning.slurm"}


@pytest.mark.parametrize("name,files", [
    ("slurm/launchers", [p.name for p in LAUNCHERS]),
    ("slurm/admin", [HEALTHCHECK.name]),
    ("slurm/performance", [AFFINITY.name]),
    ("kubernetes", [p.name for p in MANIFESTS]),
])
def test_pages_include_their_files(name, files):
    for suffix in (".md", ".en.md"):
        text = page(name + suffix)
        included = re.findall(r'^--8<-- "([^"]+)"$', text, flags=re.M)
        for f in files:
            sub = "k8s" if f.endswith(".yaml") else "slurm"
            assert f"orchestration/{sub}/{f}" in included, f"{f} not included on {name}{suffix}"


# ------------------------------------------------------------------ launch-*.slurm: static checks
@pytest.mark.parametrize("script", LAUNCHERS + [HEALTHCHECK, AFFINITY], ids=lambda p: p.name)
def test_bash_syntax(script):
    assert BASH, "bash is required"
    result = subprocess.run([BASH, "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def sbatch_directives(script: Path) -> dict[str, str | None]:
    lines = script.read_text().splitlines()
    first_command = next(i for i, line in enumerate(lines) if line.strip() and not line.startswith("#"))
    directives = {}
    for i, line in enumerate(lines):
        if not line.startswith("#SBATCH"):
            continue
        assert i < first_command, f"{script.name}: #SBATCH after the first command is ignored: {line}"
        m = re.fullmatch(r"#SBATCH\s+--([a-z][a-z-]*)(?:(?:=|\s+)(\S+))?\s*", line)
        assert m, f"{script.name}: cannot parse {line!r}"
        key, value = m.group(1), m.group(2)
        assert key in KNOWN_SBATCH, f"{script.name}: unknown sbatch option --{key}"
        assert (value is None) == (key in VALUELESS), f"{script.name}: --{key} needs a value"
        directives[key] = value
    return directives


@pytest.mark.parametrize("script", LAUNCHERS, ids=lambda p: p.name)
def test_sbatch_directives(script):
    d = sbatch_directives(script)
    for required in ("nodes", "ntasks-per-node", "gpus-per-node", "cpus-per-task", "time", "output"):
        assert required in d, f"{script.name}: missing --{required}"
    assert re.fullmatch(r"\d+(-\d+)?:\d\d:\d\d|\d+-\d+", d["time"])
    per_gpu = script.name in ("launch-srun.slurm", "launch-lightning.slurm")
    # one task per GPU, or one task per node running a launcher that forks the GPU workers
    assert d["ntasks-per-node"] == (d["gpus-per-node"] if per_gpu else "1")


@pytest.mark.parametrize("script", LAUNCHERS, ids=lambda p: p.name)
def test_launcher_conventions(script):
    text = script.read_text()
    commands = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in commands if "| head" in line], "under pipefail, head can end the job with SIGPIPE"
    assert "set -euo pipefail" in text
    assert 'NODES=$(scontrol show hostnames "$SLURM_JOB_NODELIST")' in text
    assert "MASTER_PORT=$((20000 + SLURM_JOB_ID % 20000))" in text
    assert '--cpus-per-task="$SLURM_CPUS_PER_TASK"' in text, "srun does not inherit --cpus-per-task"
    assert "--kill-on-bad-exit=1" in text


def test_launchers_page_variable_table_matches_srun_script():
    """The mapping table on the page is what launch-srun.slurm does."""
    text = (SLURM_DIR / "launch-srun.slurm").read_text()
    for name in ("launchers.md", "launchers.en.md"):
        rows = re.findall(r"^\| `([A-Z_]+)` \| `(SLURM_[A-Z_]+)` \|", (SLURM_DIR / name).read_text(), flags=re.M)
        assert len(rows) == 4, f"{name}: expected 4 torch <- SLURM rows, got {rows}"
        for torch_var, slurm_var in rows:
            assert f"{torch_var}=${slurm_var}" in text, f"{torch_var}=${slurm_var} missing in launch-srun.slurm"


# ------------------------------------------------------------------ launch-*.slurm: dry runs
NODES, TASKS_PER_NODE, JOB_ID = 2, 4, 4242
PORT = 20000 + JOB_ID % 20000

RECORDER = """#!{python}
# stand-in for {name}: record argv and the rank-related environment as one JSON line
import json, os, sys
keys = [k for k in os.environ if k.startswith("SLURM_") or k in (
    "RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK", "MASTER_ADDR",
    "MASTER_PORT", "OMP_NUM_THREADS", "NUM_PROCESSES")]
with open(os.environ["FAKE_LOG"], "a") as f:
    f.write(json.dumps({{"tool": "{name}", "argv": sys.argv[1:],
                        "env": {{k: os.environ[k] for k in keys}}}}) + "\\n")
"""

FAKE_SRUN = """#!{python}
# stand-in for srun: run the command once per task with per-task SLURM variables
import json, os, subprocess, sys
args = sys.argv[1:]
opts = []
while args and args[0].startswith("--"):
    opts.append(args.pop(0))
with open(os.environ["FAKE_LOG"], "a") as f:
    f.write(json.dumps({{"tool": "srun", "argv": opts}}) + "\\n")
per_node = int(os.environ.get("SLURM_NTASKS_PER_NODE", "1"))
for o in opts:
    if o.startswith("--ntasks-per-node="):
        per_node = int(o.split("=", 1)[1])
nodes = int(os.environ["SLURM_NNODES"])
rc = 0
for node in range(nodes):
    for local in range(per_node):
        env = dict(os.environ, SLURM_NODEID=str(node), SLURM_LOCALID=str(local),
                   SLURM_PROCID=str(node * per_node + local), SLURM_NTASKS=str(nodes * per_node),
                   SLURM_STEP_NUM_TASKS=str(nodes * per_node), SLURMD_NODENAME="node%03d" % (node + 1))
        rc = max(rc, subprocess.call(args, env=env))
sys.exit(rc)
"""

FAKE_SCONTROL = """#!/bin/bash
[ "$1 $2" = "show hostnames" ] || exit 1
printf "node001\\nnode002\\n"
"""


def dry_run(script: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess, list[dict]]:
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    tools = {"srun": FAKE_SRUN.format(python=sys.executable), "scontrol": FAKE_SCONTROL}
    for name in ("torchrun", "accelerate", "python"):
        tools[name] = RECORDER.format(python=sys.executable, name=name)
    for name, body in tools.items():
        (fake_bin / name).write_text(body)
        (fake_bin / name).chmod(0o755)
    log = tmp_path / "calls.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    env.update(PATH=f"{fake_bin}:{os.environ['PATH']}", HOME=str(tmp_path), FAKE_LOG=str(log),
               SLURM_JOB_NODELIST="node[001-002]", SLURM_JOB_ID=str(JOB_ID), SLURM_JOB_NAME="dry",
               SLURM_NNODES=str(NODES), SLURM_CPUS_PER_TASK="16", SLURM_GPUS_ON_NODE=str(TASKS_PER_NODE),
               SLURM_NTASKS_PER_NODE=str(TASKS_PER_NODE), TRAIN="/repo/train.py")
    result = subprocess.run([BASH, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=60)
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return result, calls


def option(argv: list[str], name: str) -> str:
    """Value of --name=value or --name value in an argv list."""
    for i, a in enumerate(argv):
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
        if a == name:
            return argv[i + 1]
    raise AssertionError(f"{name} not in {argv}")


def test_dry_run_torchrun(tmp_path):
    result, calls = dry_run(SLURM_DIR / "launch-torchrun.slurm", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"store at node001:{PORT}" in result.stdout
    (srun,) = [c for c in calls if c["tool"] == "srun"]
    assert "--ntasks-per-node=1" in srun["argv"] and "--cpus-per-task=16" in srun["argv"]
    agents = [c for c in calls if c["tool"] == "torchrun"]
    assert len(agents) == NODES, "one torchrun agent per node"
    assert sorted(c["env"]["SLURM_NODEID"] for c in agents) == ["0", "1"]
    for c in agents:
        argv = c["argv"]
        assert option(argv, "--nnodes") == str(NODES)
        assert option(argv, "--nproc-per-node") == str(TASKS_PER_NODE)
        assert option(argv, "--rdzv-backend") == "c10d"
        assert option(argv, "--rdzv-endpoint") == f"node001:{PORT}"
        assert option(argv, "--rdzv-id") == str(JOB_ID)
        assert argv[-1] == "/repo/train.py"
        assert c["env"]["OMP_NUM_THREADS"] == str(16 // TASKS_PER_NODE)


def test_dry_run_srun_one_task_per_gpu(tmp_path):
    result, calls = dry_run(SLURM_DIR / "launch-srun.slurm", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    (srun,) = [c for c in calls if c["tool"] == "srun"]
    assert f"--ntasks-per-node={TASKS_PER_NODE}" in srun["argv"]
    assert "--cpu-bind=cores" in srun["argv"]
    procs = [c for c in calls if c["tool"] == "python"]
    world = NODES * TASKS_PER_NODE
    assert len(procs) == world
    assert sorted(int(c["env"]["RANK"]) for c in procs) == list(range(world))
    for c in procs:
        e = c["env"]
        rank = int(e["RANK"])
        assert int(e["LOCAL_RANK"]) == rank % TASKS_PER_NODE
        assert int(e["GROUP_RANK"]) == rank // TASKS_PER_NODE
        assert e["WORLD_SIZE"] == str(world)
        assert e["LOCAL_WORLD_SIZE"] == str(TASKS_PER_NODE)
        assert e["MASTER_ADDR"] == "node001" and e["MASTER_PORT"] == str(PORT)
        assert c["argv"] == ["-u", "/repo/train.py"]


def test_dry_run_accelerate(tmp_path):
    result, calls = dry_run(SLURM_DIR / "launch-accelerate.slurm", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    agents = [c for c in calls if c["tool"] == "accelerate"]
    assert len(agents) == NODES
    ranks = []
    for c in agents:
        argv = c["argv"]
        assert argv[0] == "launch" and "--multi_gpu" in argv
        assert option(argv, "--num_machines") == str(NODES)
        # the total over all machines, not per node
        assert option(argv, "--num_processes") == str(NODES * TASKS_PER_NODE)
        assert option(argv, "--main_process_ip") == "node001"
        assert option(argv, "--main_process_port") == str(PORT)
        ranks.append(option(argv, "--machine_rank"))
        assert option(argv, "--machine_rank") == c["env"]["SLURM_NODEID"]
        assert argv[-1] == "/repo/train.py"
    assert sorted(ranks) == ["0", "1"], "machine rank must be expanded on each node"


def test_dry_run_lightning(tmp_path):
    result, calls = dry_run(SLURM_DIR / "launch-lightning.slurm", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    procs = [c for c in calls if c["tool"] == "python"]
    assert len(procs) == NODES * TASKS_PER_NODE
    for c in procs:
        argv = c["argv"]
        # Trainer(num_nodes=..., devices=...) must match the allocation
        assert option(argv, "--num-nodes") == str(NODES)
        assert option(argv, "--devices") == str(TASKS_PER_NODE)
        assert c["env"]["MASTER_ADDR"] == "node001" and c["env"]["MASTER_PORT"] == str(PORT)
    assert sorted(int(c["env"]["SLURM_PROCID"]) for c in procs) == list(range(NODES * TASKS_PER_NODE))


# ------------------------------------------------------------------ gpu-healthcheck.sh
HEALTHY = "\n".join(f"{i}, 00000000:{0x18 + i:02X}:00.0, 0, No, No" for i in range(8))


def healthcheck(tmp_path: Path, smi_out: str, reason: str = "", smi_rc: int = 0, expected: int = 8):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir(exist_ok=True)
    # The stand-in answers the GPU query and the remapped-rows query from one table of
    # "index, bus, ecc, pending, failure" rows, split the way the real tool splits them.
    (fake_bin / "nvidia-smi").write_text(
        '#!/bin/bash\necho "$*" >> "$FAKE_DIR/smi-args"\n'
        'case "$*" in\n'
        '  *--query-remapped-rows=*) cat "$FAKE_DIR/smi-remap-out" ;;\n'
        '  *) cat "$FAKE_DIR/smi-out" ;;\n'
        'esac\nexit "$FAKE_SMI_RC"\n')
    (fake_bin / "scontrol").write_text(
        '#!/bin/bash\nif [ "$1 $2" = "show node" ]; then\n'
        '  echo "NodeName=$3 State=IDLE+DRAIN"\n  echo "   Reason=$FAKE_REASON"\n  exit 0\nfi\n'
        'echo "$*" >> "$FAKE_DIR/scontrol-calls"\n')
    for tool in ("nvidia-smi", "scontrol"):
        (fake_bin / tool).chmod(0o755)
    rows = [[f.strip() for f in line.split(",")] for line in smi_out.splitlines()]
    if all(len(r) == 5 for r in rows):
        gpu = "\n".join(", ".join(r[:3]) for r in rows)
        remap = "\n".join(", ".join(r[1:2] + r[3:]) for r in rows)
    else:  # an error message: both queries print it
        gpu = remap = smi_out
    (tmp_path / "smi-out").write_text(gpu + "\n")
    (tmp_path / "smi-remap-out").write_text(remap + "\n")
    args = tmp_path / "smi-args"
    if args.exists():
        args.unlink()
    calls = tmp_path / "scontrol-calls"
    if calls.exists():
        calls.unlink()
    env = dict(os.environ, PATH=f"{fake_bin}:{os.environ['PATH']}", FAKE_DIR=str(tmp_path),
               FAKE_REASON=reason, FAKE_SMI_RC=str(smi_rc), NODE="gpu017", EXPECTED_GPUS=str(expected))
    result = subprocess.run([BASH, str(HEALTHCHECK)], env=env, capture_output=True, text=True, timeout=60)
    return result, (calls.read_text() if calls.exists() else "")


def test_healthcheck_healthy_node_is_left_alone(tmp_path):
    result, calls = healthcheck(tmp_path, HEALTHY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: 8 GPUs healthy" in result.stdout
    assert calls == ""
    queried = (tmp_path / "smi-args").read_text()
    assert "--query-gpu=" in queried and "ecc.errors.uncorrected.volatile.total" in queried
    assert "--query-remapped-rows=" in queried and "remapped_rows.pending" in queried


@pytest.mark.parametrize("smi_out,expected_reason", [
    ("\n".join(HEALTHY.splitlines()[:7]), "found 7 GPUs, expected 8"),
    (HEALTHY.replace("3, 00000000:1B:00.0, 0,", "3, 00000000:1B:00.0, 2,"), "GPU 3 (00000000:1B:00.0) has 2 uncorrectable ECC errors"),
    (HEALTHY.replace("5, 00000000:1D:00.0, 0, No, No", "5, 00000000:1D:00.0, 0, Yes, No"), "GPU 5 (00000000:1D:00.0) has a pending row remap"),
    (HEALTHY.replace("6, 00000000:1E:00.0, 0, No, No", "6, 00000000:1E:00.0, 0, No, Yes"), "GPU 6 (00000000:1E:00.0) row remapping failed"),
])
def test_healthcheck_drains_with_reason(tmp_path, smi_out, expected_reason):
    result, calls = healthcheck(tmp_path, smi_out)
    assert result.returncode == 1
    assert calls.startswith("update nodename=gpu017 state=drain reason=gpuhc: "), calls
    assert expected_reason in calls
    assert calls.count("\n") == 1, "exactly one scontrol update"


def test_healthcheck_drains_when_nvidia_smi_fails(tmp_path):
    result, calls = healthcheck(tmp_path, "NVIDIA-SMI has failed", smi_rc=9)
    assert result.returncode == 1
    assert "state=drain reason=gpuhc: nvidia-smi failed" in calls


def test_healthcheck_na_ecc_counts_as_zero(tmp_path):
    result, calls = healthcheck(tmp_path, HEALTHY.replace(", 0, No, No", ", [N/A], No, No"))
    assert result.returncode == 0, result.stdout
    assert calls == ""


def test_healthcheck_resumes_only_its_own_drain(tmp_path):
    result, calls = healthcheck(tmp_path, HEALTHY, reason="gpuhc: found 7 GPUs, expected 8 [root@2026-12-01T10:00:00]")
    assert result.returncode == 0
    assert calls.strip() == "update nodename=gpu017 state=resume"
    result, calls = healthcheck(tmp_path, HEALTHY, reason="ops: GPU3 XID 79, ticket 4121 [alice@2026-12-01T10:00:00]")
    assert result.returncode == 0
    assert calls == "", "a drain set by a person must not be undone"


def test_admin_page_slurm_conf_lines_match_script():
    script = HEALTHCHECK.read_text()
    for name in ("admin.md", "admin.en.md"):
        text = (SLURM_DIR / name).read_text()
        for line in ("HealthCheckInterval=300", "HealthCheckNodeState=ANY,CYCLE"):
            assert line in text and line in script, line


# ------------------------------------------------------------------ affinity-report.sh
def parse_report(out: str) -> dict[str, str]:
    return dict(field.split("=", 1) for field in out.split())


def test_affinity_report_fields():
    env = dict(os.environ, SLURM_PROCID="5", SLURM_LOCALID="1", CUDA_VISIBLE_DEVICES="1")
    result = subprocess.run([BASH, str(AFFINITY)], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    r = parse_report(result.stdout)
    assert (r["rank"], r["local"], r["gpus"]) == ("5", "1", "1")
    assert int(r["ncpus"]) == len(os.sched_getaffinity(0))
    assert r["numa"] != "?"


def test_affinity_report_sees_a_restricted_mask():
    taskset = shutil.which("taskset")
    if not taskset:
        pytest.skip("taskset not installed")
    cpu = min(os.sched_getaffinity(0))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_") and k != "CUDA_VISIBLE_DEVICES"}
    result = subprocess.run([taskset, "-c", str(cpu), BASH, str(AFFINITY)], env=env, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    r = parse_report(result.stdout)
    assert (r["rank"], r["cpus"], r["ncpus"], r["gpus"]) == ("-", str(cpu), "1", "all")


# ------------------------------------------------------------------ Kubernetes manifests
def documents(path: Path) -> list[dict]:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert docs, f"{path.name} is empty"
    return docs


ALL_DOCS = [(p.name, d) for p in MANIFESTS for d in documents(p)]


def version_table(name: str) -> dict[tuple[str, str], str]:
    """(kind, apiVersion) -> 'needs at least' cell, from the table under the api-versions heading."""
    text = page(name)
    section = text.split("{#api-versions}", 1)[1]
    rows = {}
    for line in section.splitlines()[1:]:
        if rows and not line.startswith("|"):
            break
        m = re.match(r"\|\s*([A-Za-z]+)\s*\|\s*([a-z0-9./-]+)\s*\|\s*(.+?)\s*\|$", line)
        if m and m.group(1) != "Kind":
            rows[(m.group(1), m.group(2))] = m.group(3)
    return rows


@pytest.mark.parametrize("name", ["kubernetes.md", "kubernetes.en.md"])
def test_manifests_match_version_table(name):
    table = version_table(name)
    assert len(table) >= 8, table
    used = set()
    for fname, doc in ALL_DOCS:
        key = (doc.get("kind"), doc.get("apiVersion"))
        assert all(key), f"{fname}: apiVersion and kind are required"
        assert key in table, f"{fname}: {key} is not in the API version table of {name}"
        assert doc.get("metadata", {}).get("name"), f"{fname}: {key} has no metadata.name"
        used.add(key)
    assert set(table) == used, f"rows on {name} with no manifest: {set(table) - used}"


def test_version_tables_agree_between_languages():
    zh, en = version_table("kubernetes.md"), version_table("kubernetes.en.md")
    assert zh.keys() == en.keys()
    for key in zh:
        assert re.findall(r"\d+\.\d+", zh[key]) == re.findall(r"\d+\.\d+", en[key]), key


def by_kind(kind: str) -> list[dict]:
    return [d for _, d in ALL_DOCS if d["kind"] == kind]


def test_kueue_objects_reference_each_other():
    (topology,) = by_kind("Topology")
    (flavor,) = by_kind("ResourceFlavor")
    (cq,) = by_kind("ClusterQueue")
    (lq,) = by_kind("LocalQueue")
    levels = [lvl["nodeLabel"] for lvl in topology["spec"]["levels"]]
    assert levels[-1] == "kubernetes.io/hostname", "the last TAS level is the node"
    assert flavor["spec"]["topologyName"] == topology["metadata"]["name"]
    assert lq["spec"]["clusterQueue"] == cq["metadata"]["name"]
    for group in cq["spec"]["resourceGroups"]:
        for fl in group["flavors"]:
            assert fl["name"] == flavor["metadata"]["name"]
            assert [r["name"] for r in fl["resources"]] == group["coveredResources"]
    # submitted workloads name the LocalQueue, in its namespace, and a real topology level
    for kind in ("JobSet", "TrainJob"):
        (job,) = by_kind(kind)
        assert job["metadata"]["labels"]["kueue.x-k8s.io/queue-name"] == lq["metadata"]["name"]
        assert job["metadata"]["namespace"] == lq["metadata"]["namespace"]
    (jobset,) = by_kind("JobSet")
    pod_meta = jobset["spec"]["replicatedJobs"][0]["template"]["spec"]["template"]["metadata"]
    assert pod_meta["annotations"]["kueue.x-k8s.io/podset-required-topology"] in levels


def test_jobset_torchrun_shape():
    (js,) = by_kind("JobSet")
    (rjob,) = js["spec"]["replicatedJobs"]
    spec = rjob["template"]["spec"]
    args = " ".join(spec["template"]["spec"]["containers"][0]["args"])
    nnodes = int(re.search(r"--nnodes=(\d+)", args).group(1))
    assert spec["parallelism"] == spec["completions"] == nnodes * rjob["replicas"]
    assert spec["completionMode"] == "Indexed" and spec["backoffLimit"] == 0
    gpus = spec["template"]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"]
    assert f"--nproc-per-node={gpus}" in args
    name = js["metadata"]["name"]
    assert f"--master-addr={name}-{rjob['name']}-0-0.{name}" in args, "rank 0's pod DNS name"
    assert "${JOB_COMPLETION_INDEX}" in args


def test_lws_group_matches_parallelism():
    (lws,) = by_kind("LeaderWorkerSet")
    tmpl = lws["spec"]["leaderWorkerTemplate"]
    leader = tmpl["leaderTemplate"]["spec"]["containers"][0]
    args = " ".join(leader["args"])
    tp = int(re.search(r"--tensor-parallel-size (\d+)", args).group(1))
    pp = int(re.search(r"--pipeline-parallel-size (\d+)", args).group(1))
    gpus = leader["resources"]["limits"]["nvidia.com/gpu"]
    assert tmpl["size"] * gpus == tp * pp, "one group holds exactly one model copy"
    assert "LWS_LEADER_ADDRESS" in " ".join(tmpl["workerTemplate"]["spec"]["containers"][0]["args"])
    # a readiness-gated start would deadlock: the leader needs its workers to become ready
    assert lws["spec"].get("startupPolicy", "LeaderCreated") == "LeaderCreated"


def test_dra_pod_uses_its_claim_template():
    (tmpl,) = by_kind("ResourceClaimTemplate")
    pods = [d for f, d in ALL_DOCS if d["kind"] == "Pod" and f == "dra-gpu-claim.yaml"]
    (pod,) = pods
    (claim,) = pod["spec"]["resourceClaims"]
    assert claim["resourceClaimTemplateName"] == tmpl["metadata"]["name"]
    used = [c["name"] for c in pod["spec"]["containers"][0]["resources"]["claims"]]
    assert used == [claim["name"]]
    (request,) = tmpl["spec"]["spec"]["devices"]["requests"]
    assert "exactly" in request, "resource.k8s.io/v1 nests the request under `exactly`"


def test_device_plugin_pod_requests_whole_gpus():
    pods = [d for f, d in ALL_DOCS if d["kind"] == "Pod" and f == "gpu-pod.yaml"]
    (pod,) = pods
    limits = pod["spec"]["containers"][0]["resources"]["limits"]
    assert isinstance(limits["nvidia.com/gpu"], int) and limits["nvidia.com/gpu"] >= 1


def test_trainjob_fields():
    (tj,) = by_kind("TrainJob")
    spec = tj["spec"]
    assert spec["runtimeRef"]["name"]
    assert spec["trainer"]["numNodes"] >= 1
    assert "nvidia.com/gpu" in spec["trainer"]["resourcesPerNode"]["limits"]
