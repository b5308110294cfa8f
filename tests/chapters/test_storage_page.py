"""The storage page's fio commands and quoted output agree with a real run of docs/storage/fio-ml.fio."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JOBFILE = ROOT / "docs" / "storage" / "fio-ml.fio"
PAGES = [ROOT / "docs" / "storage" / "index.en.md", ROOT / "docs" / "storage" / "index.md"]

pytestmark = pytest.mark.skipif(shutil.which("fio") is None, reason="fio is not installed")


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
    if not _o_direct_ok(data_dir):            # tmpfs has no O_DIRECT
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


def _o_direct_ok(directory):
    flag = getattr(os, "O_DIRECT", None)
    if flag is None:
        return False
    probe = directory / ".probe"
    try:
        fd = os.open(probe, os.O_CREAT | os.O_WRONLY | flag, 0o600)
    except OSError:
        return False
    os.close(fd)
    probe.unlink()
    return True


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_quoted_output_matches_real_run(page, tmp_path):
    stdout = run_page_commands(page_command_block(page), tmp_path)
    real_header, real_rows = parse_table(stdout)
    quoted_header, quoted_rows = parse_table(quoted_output(page))
    assert quoted_header == real_header
    # same jobs, directions and block sizes, in the same order; the figures depend on the machine
    assert [r[:3] for r in quoted_rows] == [r[:3] for r in real_rows]
    for row in quoted_rows + real_rows:
        assert len(row) == 7
        assert all(float(cell) > 0 for cell in row[3:])


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
