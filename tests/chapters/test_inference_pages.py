"""Tests for the inference pages (performance, serving, benchmarking) and the insights page
when-to-upgrade-gpus: the scripts they include and the commands and outputs they quote.

Commands are taken from the English pages, run with this Python, and their output is compared
with the text block that follows them on the page, in both languages. The load-generator test
starts the stand-in server on a free port on 127.0.0.1; both processes stop by themselves.
"""

import json
import math
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from buildcache import dump_yaml, parse_yaml
from script_runner import preloaded_python, run_python

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
KV_CALC = DOCS / "inference" / "kv_calc.py"
UPGRADE = DOCS / "insights" / "upgrade_calc.py"
STUB = DOCS / "inference" / "stream_stub_server.py"
LOADGEN = DOCS / "inference" / "loadgen.py"
TABLE = ROOT / "data" / "accelerators.yaml"

PAGES = {
    "performance": DOCS / "inference" / "performance",
    "serving": DOCS / "inference" / "serving",
    "benchmarking": DOCS / "inference" / "benchmarking",
    "upgrade": DOCS / "insights" / "when-to-upgrade-gpus",
}

FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def page(name: str, lang: str = "en") -> str:
    suffix = ".en.md" if lang == "en" else ".md"
    return PAGES[name].with_name(PAGES[name].name + suffix).read_text(encoding="utf-8")


def blocks(text: str):
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(text)]


def quoted_runs(text: str, script: str):
    """(command, quoted output) for each bash block running `script` followed by a text block."""
    bl = blocks(text)
    runs = []
    for (lang, body), (nlang, nbody) in zip(bl, bl[1:]):
        if lang == "bash" and body.startswith(f"python {script}") and nlang == "text":
            runs.append((body.strip(), nbody.rstrip("\n")))
    return runs


def run_cmd(command: str, timeout: int = 60):
    argv = shlex.split(command)
    assert argv[0] == "python"
    return run_python([*argv[1:]], cwd=ROOT, capture_output=True,
                      text=True, timeout=timeout)


def run(script: Path, *args):
    return run_python([str(script), *map(str, args)], cwd=ROOT,
                      capture_output=True, text=True, timeout=60)


def table_row(key: str) -> dict:
    rows = parse_yaml(TABLE.read_text(encoding="utf-8"))["accelerators"]
    for r in rows:
        if re.sub(r"[^a-z0-9]+", "-", r["model"].lower()).strip("-") == key:
            return r
    raise KeyError(key)


# ---------------------------------------------------------------- quoted commands and outputs

@pytest.mark.parametrize("name, script, count", [
    ("performance", "docs/inference/kv_calc.py", 2),
    ("upgrade", "docs/insights/upgrade_calc.py", 4),
])
def test_quoted_outputs_match_the_scripts(name, script, count):
    runs = quoted_runs(page(name), script)
    assert len(runs) == count, f"expected {count} command/output pairs on {name}.en.md"
    zh = page(name, "zh")
    for command, quoted in runs:
        proc = run_cmd(command)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.rstrip("\n") == quoted, f"stale output for: {command}"
        # The Chinese page shows the same command and the same output.
        assert command in zh and quoted in zh, f"{name}.md differs for: {command}"


@pytest.mark.parametrize("name, include", [
    ("performance", 'inference/kv_calc.py'),
    ("benchmarking", 'inference/stream_stub_server.py'),
    ("benchmarking", 'inference/loadgen.py'),
    ("upgrade", 'insights/upgrade_calc.py'),
])
def test_scripts_are_included_in_both_languages(name, include):
    line = f'--8<-- "{include}"'
    for lang in ("en", "zh"):
        assert line in page(name, lang)


# ---------------------------------------------------------------- kv_calc.py

LLAMA70 = ["--accelerator", "h100-sxm", "--gpus", 8, "--params", "70e9", "--layers", 80,
           "--kv-heads", 8, "--head-dim", 128, "--context", 8192]


def kv_json(*args):
    proc = run(KV_CALC, *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_kv_formula_gqa_and_mla():
    r = kv_json(*LLAMA70)
    assert r["kv_bytes_per_token"] == 2 * 80 * 8 * 128 * 2
    assert r["kv_bytes_per_request"] == 2 * 80 * 8 * 128 * 2 * 8192
    mla = kv_json("--accelerator", "h200", "--params", "671e9", "--gpus", 8, "--weight-bytes", 1,
                  "--layers", 61, "--mla-latent-dim", 576, "--context", 1024)
    assert mla["kv_bytes_per_token"] == 61 * 576 * 2


def test_kv_capacity_and_decode_bound_are_consistent():
    r = kv_json(*LLAMA70)
    row = table_row("h100-sxm")
    # Without --gpu-mem-gib the vendor's "GB" is read as GiB (HBM stacks are binary).
    usable = row["memory_gb"] * 2**30 * 8 * 0.9
    assert r["usable_bytes"] == pytest.approx(usable)
    measured = kv_json(*LLAMA70, "--gpu-mem-gib", 79.6)
    assert measured["usable_bytes"] == pytest.approx(79.6 * 2**30 * 8 * 0.9)
    assert measured["max_requests"] < r["max_requests"]
    budget = usable - 70e9 * 2
    assert r["max_requests"] == int(budget // r["kv_bytes_per_request"])
    bw = row["memory_bw_tbs"] * 1e12 * 8
    b1, bmax = r["decode"]
    # Batch 1 reads the weights once and one request's cache (8 KV heads split over 8 GPUs).
    assert b1["step_ms"] == pytest.approx((70e9 * 2 + r["kv_bytes_per_request"]) / bw * 1e3)
    assert bmax["batch"] == r["max_requests"]
    assert bmax["tokens_per_s_total"] == pytest.approx(bmax["batch"] * bmax["tokens_per_s_per_request"])


def test_kv_fp8_cache_doubles_capacity_per_token():
    bf16 = kv_json(*LLAMA70)
    fp8 = kv_json(*LLAMA70, "--kv-dtype", "fp8")
    assert fp8["kv_bytes_per_token"] * 2 == bf16["kv_bytes_per_token"]
    assert fp8["max_requests"] >= 2 * bf16["max_requests"]


def test_kv_tp_beyond_kv_heads_replicates_cache():
    # 8 KV heads on 16 GPUs: each pair of GPUs holds the same heads, so the cache per
    # request across the group doubles compared with a perfect split.
    eight = kv_json("--accelerator", "h100-sxm", "--gpus", 8, "--params", "8e9", "--layers", 32,
                    "--kv-heads", 8, "--head-dim", 128, "--context", 8192)
    sixteen = kv_json("--accelerator", "h100-sxm", "--gpus", 16, "--params", "8e9", "--layers", 32,
                      "--kv-heads", 8, "--head-dim", 128, "--context", 8192)
    per_req = sixteen["kv_bytes_per_request"]
    assert sixteen["max_requests"] == int(sixteen["kv_budget_bytes"] // (per_req * 2))
    assert eight["max_requests"] == int(eight["kv_budget_bytes"] // per_req)


def test_kv_reads_figures_from_the_table(tmp_path):
    data = parse_yaml(TABLE.read_text(encoding="utf-8"))
    for r in data["accelerators"]:
        if r["model"] == "H100 SXM":
            r["memory_bw_tbs"] = r["memory_bw_tbs"] * 2
    alt = tmp_path / "acc.yaml"
    alt.write_text(dump_yaml(data), encoding="utf-8")
    base = kv_json(*LLAMA70)
    doubled = kv_json(*LLAMA70, "--data", alt)
    assert doubled["decode"][0]["step_ms"] == pytest.approx(base["decode"][0]["step_ms"] / 2)


@pytest.mark.parametrize("change, fragment", [
    (["--accelerator", "h999"], "unknown accelerator"),
    (["--accelerator", "rubin"], "not known"),
    (["--mem-util", "90"], "fraction"),
    (["--context", "0"], "at least 1"),
    (["--params", "seventy"], "cannot read"),
    (["--gpus", "1"], "do not fit"),
    (["--gpu-mem-gib", "0"], "positive"),
    (["--mla-latent-dim", "576"], "not both"),
    (["--active-params", "80e9"], "cannot exceed"),
])
def test_kv_bad_input(change, fragment):
    args = [str(a) for a in LLAMA70]
    flag, value = change
    if flag in args:
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]
    proc = run(KV_CALC, *args)
    assert proc.returncode == 2
    assert fragment in proc.stderr
    assert "Traceback" not in proc.stderr


def test_kv_missing_shape_is_explained():
    proc = run(KV_CALC, "--accelerator", "h100-sxm", "--params", "8e9", "--layers", 32,
               "--context", 1024)
    assert proc.returncode == 2
    assert "--kv-heads" in proc.stderr


# ---------------------------------------------------------------- figures on the pages

def test_ridge_point_table_matches_accelerator_data():
    text = page("performance")
    keys = {"H100 SXM": "h100-sxm", "H200": "h200", "B200": "b200", "MI300X": "mi300x"}
    seen = 0
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 6 and cells[0] in keys:
            row = table_row(keys[cells[0]])
            bf16, fp8, bw = float(cells[1]), float(cells[2]), float(cells[3])
            assert bf16 == row["tflops"]["bf16"] and fp8 == row["tflops"]["fp8"]
            assert bw == row["memory_bw_tbs"]
            assert int(cells[4]) == round(bf16 / bw) and int(cells[5]) == round(fp8 / bw)
            seen += 1
    assert seen == 4


def test_speculative_table_matches_formula():
    for lang in ("en", "zh"):
        rows = [line for line in page("serving", lang).splitlines()
                if re.match(r"^\| 0\.\d \|", line)]
        assert len(rows) == 5
        for line in rows:
            cells = [c.strip() for c in line.strip("|").split("|")]
            a = float(cells[0])
            for k, cell in zip((1, 2, 3, 4, 6), cells[1:6]):
                assert float(cell) == pytest.approx((1 - a ** (k + 1)) / (1 - a), abs=0.006)
            assert float(cells[6]) == pytest.approx(1 / (1 - a), abs=0.006)


# ---------------------------------------------------------------- upgrade_calc.py

TRAIN = ["train", "--params", "70e9", "--old", "h100-sxm", "--old-mfu", "0.40", "--old-price", "2.50",
         "--new", "b200", "--new-mfu", "0.35", "--new-price", "4.50"]


def up_json(*args):
    proc = run(UPGRADE, *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_upgrade_training_maths():
    r = up_json(*TRAIN)
    h100, b200 = table_row("h100-sxm"), table_row("b200")
    old_tps = h100["tflops"]["bf16"] * 1e12 * 0.40 / (6 * 70e9)
    new_tps = b200["tflops"]["bf16"] * 1e12 * 0.35 / (6 * 70e9)
    assert r["old"]["tokens_per_s_per_gpu"] == pytest.approx(old_tps)
    assert r["new"]["tokens_per_s_per_gpu"] == pytest.approx(new_tps)
    assert r["old"]["usd_per_million_tokens"] == pytest.approx(2.50 / (old_tps * 3600) * 1e6)
    assert r["break_even_new_price"] == pytest.approx(2.50 * new_tps / old_tps)
    # At the break-even price the two generations cost the same per token.
    args = list(TRAIN)
    args[args.index("--new-price") + 1] = repr(r["break_even_new_price"])
    even = up_json(*args)
    assert even["cost_ratio_new_over_old"] == pytest.approx(1.0)


def test_upgrade_decode_uses_bandwidth():
    r = up_json("decode", "--params", "70e9", "--gpus", "8", "--batch", "1", "--kv-mib", "0",
                "--bw-efficiency", "1", "--old", "h100-sxm", "--old-price", "2", "--new", "h200",
                "--new-price", "2")
    ratio = table_row("h200")["memory_bw_tbs"] / table_row("h100-sxm")["memory_bw_tbs"]
    assert r["speedup_per_gpu"] == pytest.approx(ratio)


@pytest.mark.parametrize("change, fragment", [
    (["--old-mfu", "40"], "fraction"),
    (["--new-price", "0"], "positive price"),
    (["--old", "h999"], "unknown accelerator"),
    (["--old-dtype", "fp4"], "no hardware support"),
    (["--params", "0"], "positive"),
])
def test_upgrade_bad_input(change, fragment):
    args = list(TRAIN)
    flag, value = change
    if flag in args:
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]
    proc = run(UPGRADE, *args)
    assert proc.returncode == 2
    assert fragment in proc.stderr
    assert "Traceback" not in proc.stderr


def test_upgrade_help_is_fast_and_complete():
    proc = run(UPGRADE, "--help")
    assert proc.returncode == 0
    for flag in ("--old-price", "--new-mfu", "--kv-mib"):
        assert flag in proc.stdout


# ---------------------------------------------------------------- load generator and stub

def stub_and_loadgen_commands():
    runs = []
    for lang, body in blocks(page("benchmarking")):
        lines = body.strip().splitlines()
        if lang == "bash" and len(lines) == 2 and "stream_stub_server.py" in lines[0]:
            runs.append((lines[0], lines[1]))
    return runs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_stub(command: str):
    argv = shlex.split(command.rstrip("&").strip())
    assert argv[:2] == ["python", "docs/inference/stream_stub_server.py"]
    argv[argv.index("--port") + 1] = "0"
    argv[argv.index("--lifetime") + 1] = "40"
    proc = subprocess.Popen([sys.executable, *argv[1:]], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    assert match, line + proc.stderr.read()
    return proc, int(match.group(1))


def start_loadgen(command: str, port: int) -> subprocess.Popen:
    argv = shlex.split(command)
    assert argv[:2] == ["python", "docs/inference/loadgen.py"]
    argv[argv.index("--url") + 1] = f"http://127.0.0.1:{port}"
    return subprocess.Popen([preloaded_python(), *argv[1:], "--json"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def loadgen_result(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, err
    return json.loads(out)


def test_loadgen_measures_the_stub_delays():
    runs = stub_and_loadgen_commands()
    assert len(runs) == 2, "benchmarking.en.md should show two stub + loadgen runs"
    # Both experiments at once: each spends its 5 s waiting on the stub's timers, not computing.
    stubs, loadgens = [], []
    try:
        for stub_command, loadgen_command in runs:
            stub, port = start_stub(stub_command)
            stubs.append(stub)
            loadgens.append(start_loadgen(loadgen_command, port))
        r, s = (loadgen_result(proc) for proc in loadgens)
    finally:
        for proc in stubs + loadgens:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)
    n = int(shlex.split(runs[0][1])[shlex.split(runs[0][1]).index("--num-requests") + 1])
    assert r["completed"] == n and r["failed"] == 0
    # The stub sleeps 40 ms before the first token and 10 ms between tokens: the client
    # cannot see less than that; the upper bounds are loose (a busy 2-core machine).
    assert 40 <= r["ttft"]["p50_ms"] < 540
    assert 10 <= r["itl"]["p50_ms"] < 210
    assert 10 <= r["tpot"]["p50_ms"] < 210
    assert r["output_tokens"] == n * 32

    # Every 8th gap carries an extra 60 ms: the ITL tail sees it, the per-request TPOT averages it.
    assert s["itl"]["p99_ms"] >= 70
    assert s["tpot"]["p50_ms"] >= 15
    assert s["itl"]["p99_ms"] > 2 * s["tpot"]["p99_ms"]


def test_loadgen_reports_unreachable_server():
    proc = run_python([str(LOADGEN), "--url", f"http://127.0.0.1:{free_port()}",
                      "--rate", "50", "--num-requests", "3", "--timeout", "5"],
                      cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "every request failed" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("args, fragment", [
    (["--max-tokens", "1"], "at least 2"),
    (["--rate", "0"], "positive"),
    (["--url", "127.0.0.1:8199"], "--url"),
])
def test_loadgen_bad_input(args, fragment):
    proc = run_python([str(LOADGEN), *args], cwd=ROOT, capture_output=True,
                      text=True, timeout=30)
    assert proc.returncode == 2
    assert fragment in proc.stderr


def test_stub_rejects_bad_requests():
    import urllib.error
    import urllib.request

    stub, port = start_stub("python docs/inference/stream_stub_server.py --port 0 "
                            "--prefill-ms 0 --token-delay-ms 0 --lifetime 20")
    try:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/completions",
                                     data=json.dumps({"prompt": "hi", "max_tokens": 0}).encode(),
                                     headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        assert err.value.code == 400
        ok = urllib.request.Request(f"http://127.0.0.1:{port}/v1/completions",
                                    data=json.dumps({"prompt": "a b c", "max_tokens": 3,
                                                     "stream": True}).encode(),
                                    headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(ok, timeout=10) as resp:
            body = resp.read().decode()
        events = [line[5:].strip() for line in body.splitlines() if line.startswith("data:")]
        assert events[-1] == "[DONE]"
        usage = json.loads(events[-2])["usage"]
        assert usage == {"prompt_tokens": 3, "completion_tokens": 3}
    finally:
        stub.terminate()
        stub.wait(10)
