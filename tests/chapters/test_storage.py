"""Tests for the storage chapter: docs/storage/fio_summary.py, fio-ml.fio and the commands the page shows."""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from script_runner import run_python

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = ROOT / "docs" / "storage" / "fio_summary.py"
JOBFILE = ROOT / "docs" / "storage" / "fio-ml.fio"
FIXTURES = ROOT / "tests" / "fixtures" / "fio"


def summarize(*args, stdin=None):
    return run_python(
        [str(SUMMARY), *args],
        input=stdin, capture_output=True, text=True, timeout=60,
    )


def table_rows(stdout):
    """Parse the printed table into {(job, rw): [cells...]} (skips header lines)."""
    rows = {}
    for line in stdout.strip().splitlines()[2:]:
        cells = line.split()
        rows[(cells[0], cells[1])] = cells[2:]
    return rows


def test_help():
    result = summarize("--help")
    assert result.returncode == 0
    assert "fio JSON" in result.stdout


def test_fixture_numbers():
    result = summarize(str(FIXTURES / "sample.json"))
    assert result.returncode == 0, result.stderr
    rows = table_rows(result.stdout)
    # bs, MB/s, IOPS, mean lat (us), p99 lat (us)
    assert rows[("ckpt-write", "write")] == ["1m", "2500.0", "2384", "3355.4", "5013.5"]
    assert rows[("shard-read", "read")] == ["1m", "5000.0", "4768", "1677.7", "2801.7"]
    # lat_percentiles=1: p99 comes from total latency (610.3), not clat (602.1)
    assert rows[("rand-read-4k", "read")] == ["4k", "409.6", "100000", "318.4", "610.3"]
    assert rows[("mixed-70-30", "read")] == ["16k", "73.4", "4480", "1234.6", "3014.7"]
    assert rows[("mixed-70-30", "write")] == ["16k", "31.5", "1920", "2345.7", "4046.8"]
    # directions with no I/O are not printed
    assert ("ckpt-write", "read") not in rows
    assert len(rows) == 5


def test_stdin_and_leading_note():
    text = (FIXTURES / "sample.json").read_text()
    result = summarize("-", stdin="note: both iodepth >= 1 and synchronous I/O engine are selected\n" + text)
    assert result.returncode == 0, result.stderr
    assert ("shard-read", "read") in table_rows(result.stdout)


def test_old_fio_without_bw_bytes():
    report = json.loads((FIXTURES / "sample.json").read_text())
    stats = report["jobs"][0]["write"]
    del stats["bw_bytes"]
    stats["bw"] = 1000000  # KiB/s -> 1024.0 MB/s
    result = summarize(stdin=json.dumps(report))
    assert result.returncode == 0, result.stderr
    assert table_rows(result.stdout)[("ckpt-write", "write")][1] == "1024.0"


def test_bad_json_fails():
    result = summarize(str(FIXTURES / "truncated.json"))
    assert result.returncode != 0
    assert "not valid JSON" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("{}", "no \"jobs\""),
    ("[1, 2]", "not a JSON object"),
])
def test_wrong_shapes_fail(text, message):
    result = summarize(stdin=text)
    assert result.returncode == 2
    assert message in result.stderr


def test_missing_file_fails(tmp_path):
    result = summarize(str(tmp_path / "nope.json"))
    assert result.returncode == 2
    assert "cannot read" in result.stderr


def test_job_error_exits_one():
    report = json.loads((FIXTURES / "sample.json").read_text())
    report["jobs"][1]["error"] = 5
    result = summarize(stdin=json.dumps(report))
    assert result.returncode == 1
    assert "shard-read" in result.stderr


# ---------------------------------------------------------------- the page's fio commands
# The storage page's fio commands and quoted output agree with a real run of fio-ml.fio.

PAGES = [ROOT / "docs" / "storage" / "index.en.md", ROOT / "docs" / "storage" / "index.md"]
needs_fio = pytest.mark.skipif(shutil.which("fio") is None, reason="fio is not installed")


def fenced_blocks(text, lang):
    return re.findall(r"^```" + lang + r"\n(.*?)^```", text, flags=re.S | re.M)


def page_command_block(page):
    """The bash block that runs fio-ml.fio and fio_summary.py on /tmp/fio-test."""
    for block in fenced_blocks(page.read_text(), "bash"):
        if "FIO_DIR=/tmp/fio-test" in block:
            return block
    raise AssertionError(f"{page}: no fio smoke-test command block")


def quoted_output(page):
    for block in fenced_blocks(page.read_text(), "text"):
        if block.startswith("job ") and "p99 lat" in block:
            return block
    raise AssertionError(f"{page}: no quoted fio_summary output")


def parse_table(text):
    lines = text.strip().splitlines()
    header = re.split(r"\s{2,}", lines[0].strip())
    rows = [line.split() for line in lines[2:]]
    return header, rows


def run_page_commands(block, workdir):
    """Run the page's fio and summary lines with the repository's paths; return the summary stdout."""
    fio_line = next(l for l in block.splitlines() if " fio " in f" {l} ")
    summary_line = next(l for l in block.splitlines() if "fio_summary.py" in l)
    words = shlex.split(fio_line)
    env = dict(os.environ)
    while "=" in words[0]:
        key, value = words.pop(0).split("=", 1)
        env[key] = value
    data_dir = workdir / "data"
    data_dir.mkdir()
    env["FIO_DIR"] = str(data_dir)           # the page's /tmp/fio-test, kept inside tmp_path
    assert env.get("FIO_SIZE") == "16m", "the smoke-test command must set FIO_SIZE=16m"
    jobfile = JOBFILE
    if not supports_o_direct(data_dir):            # tmpfs has no O_DIRECT
        jobfile = workdir / "fio-ml-buffered.fio"
        jobfile.write_text(JOBFILE.read_text().replace("direct=1", "direct=0"))
    words = [str(jobfile) if w == "docs/storage/fio-ml.fio" else w for w in words]
    run = subprocess.run(words, env=env, cwd=workdir, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    summary = [sys.executable if w == "python3" else w for w in shlex.split(summary_line)]
    summary = [str(ROOT / w) if w.startswith("docs/") else w for w in summary]
    result = subprocess.run(summary, cwd=workdir, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def supports_o_direct(directory):
    flag = getattr(os, "O_DIRECT", None)
    if flag is None:
        return False
    probe = directory / ".odirect-probe"
    try:
        fd = os.open(probe, os.O_CREAT | os.O_WRONLY | flag, 0o600)
    except OSError:
        return False
    os.close(fd)
    probe.unlink()
    return True


@needs_fio
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_quoted_output_matches_real_run(page, tmp_path):
    """The page's own command (fio-ml.fio, then fio_summary.py) run for real: the jobs the page
    quotes, in its order, each with positive figures; the last job's unlink=1 removes the data."""
    text = JOBFILE.read_text()
    assert "directory=${FIO_DIR}" in text
    stdout = run_page_commands(page_command_block(page), tmp_path)
    assert set(table_rows(stdout)) == {("seq-write-1m", "write"), ("seq-read-1m", "read"), ("rand-read-4k", "read")}
    assert not (tmp_path / "data" / "fio-ml.dat").exists()
    real_header, real_rows = parse_table(stdout)
    quoted_header, quoted_rows = parse_table(quoted_output(page))
    assert quoted_header == real_header
    # same jobs, directions and block sizes, in the same order; the figures depend on the machine
    assert [r[:3] for r in quoted_rows] == [r[:3] for r in real_rows]
    for row in quoted_rows + real_rows:
        assert len(row) == 7
        assert all(float(cell) > 0 for cell in row[3:])


@needs_fio
def test_size_comes_from_the_environment(tmp_path):
    text = JOBFILE.read_text()
    assert re.search(r"^size=\$\{FIO_SIZE\}$", text, flags=re.M)
    env = dict(os.environ, FIO_DIR=str(tmp_path))
    env.pop("FIO_SIZE", None)
    run = subprocess.run(["fio", "--parse-only", str(JOBFILE)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    env["FIO_SIZE"] = "3m"
    run = subprocess.run(["fio", "--showcmd", str(JOBFILE)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "--size=3m" in run.stdout


@needs_fio
def test_jobfile_needs_fio_dir(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "FIO_DIR"}
    env["FIO_SIZE"] = "16m"
    run = subprocess.run(
        ["fio", "--output-format=json", str(JOBFILE)],
        env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert run.returncode != 0


PACK = ROOT / "docs" / "storage" / "pack_shards.py"
INODE_CHECK = ROOT / "docs" / "storage" / "inode-check.sh"


def make_samples(src, n=60):
    for i in range(n):
        klass = "cat" if i % 2 else "dog"
        (src / klass).mkdir(parents=True, exist_ok=True)
        (src / klass / f"{i:04d}.jpg").write_bytes(os.urandom(3000 + 37 * i))
        (src / klass / f"{i:04d}.cls.txt").write_text(klass)


def test_pack_shards(tmp_path):
    import tarfile

    src, out = tmp_path / "src", tmp_path / "out"
    make_samples(src)
    run = run_python(
        [str(PACK), str(src), str(out), "--shard-mb", "0.05", "--shuffle", "1"],
        capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "120 files in 60 samples" in run.stdout
    shards = sorted(out.glob("shard-*.tar"))
    assert len(shards) > 1
    seen = []
    for shard in shards:
        with tarfile.open(shard) as tar:
            names = tar.getnames()
        keys = [n.split(".", 1)[0] for n in names]
        # the two files of a sample are adjacent and never split across shards
        assert len(keys) % 2 == 0
        assert all(keys[i] == keys[i + 1] for i in range(0, len(keys), 2))
        seen.extend(names)
    expected = sorted(p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file())
    assert sorted(seen) == expected


def test_pack_shards_rejects_bad_args(tmp_path):
    run = run_python([str(PACK), str(tmp_path / "missing"), str(tmp_path / "o")],
                     capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "not a directory" in run.stderr


def test_inode_check(tmp_path):
    make_samples(tmp_path, n=10)
    run = subprocess.run(["bash", str(INODE_CHECK), str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "IUse%" in run.stdout
    assert "files:           20" in run.stdout
    assert "< 4 KiB:         20 (100%)" in run.stdout
    bad = subprocess.run(["bash", str(INODE_CHECK)], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
