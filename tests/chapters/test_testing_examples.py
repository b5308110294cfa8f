"""Runs the pytest examples included on testing/index (docs/testing/examples/)
with the commands shown on the page, and checks that they can fail."""

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import importlib.util

import pytest
from script_runner import run_python

# The scripts run in subprocesses; collecting these tests must not import torch (seconds per worker).
pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "testing" / "examples"
PAGES = [ROOT / "docs" / "testing" / "index.md", ROOT / "docs" / "testing" / "index.en.md"]
INCLUDE = re.compile(r'^--8<-- "testing/examples/(\S+)"$', re.M)
BASH = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)


def pytest_run(args, cwd=ROOT):
    proc = run_python(["-m", "pytest", *args, "-p", "no:cacheprovider"],
                      cwd=cwd, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def page_commands():
    cmds = []
    for block in BASH.findall(PAGES[1].read_text(encoding="utf-8")):
        for line in block.splitlines():
            if line.startswith("pytest docs/testing/examples"):
                cmds.append(line)
    return cmds


def test_every_example_is_included_in_both_languages():
    files = sorted(p.name for p in EXAMPLES.glob("*.py"))
    for page in PAGES:
        included = sorted(INCLUDE.findall(page.read_text(encoding="utf-8")))
        assert included == files, page.name


def _page_commands_or_placeholder():
    cmds = page_commands()
    return cmds or ["<no pytest command on the page>"]


def test_page_shows_the_commands():
    cmds = page_commands()
    assert any('-m "not slow"' in c for c in cmds), cmds
    assert any("-rs" in c for c in cmds), cmds


@pytest.mark.parametrize("cmd", _page_commands_or_placeholder())
def test_page_command_runs_and_passes(cmd):
    """Run one pytest command shown on the page (the xdist one only if installed)."""
    import torch

    assert cmd.startswith("pytest "), cmd
    if " -n " in cmd and not _has_xdist():
        pytest.skip("the pytest-xdist line needs the plugin")
    code, out = pytest_run(shlex.split(cmd)[1:])
    assert code == 0, f"{cmd}\n{out[-3000:]}"
    if '-m "not slow"' in cmd:
        # the fast selection really leaves the two slow tests out
        assert "2 deselected" in out, out[-500:]
        assert re.search(r"\b8 passed", out), out[-500:]
    if "-rs" in cmd and not torch.cuda.is_available():
        # gpu parameters are skipped with their reason, not failed
        assert "no CUDA device" in out, out[-500:]
        assert re.search(r"\b10 passed", out), out[-500:]


def _has_xdist():
    try:
        import xdist  # noqa: F401
    except ImportError:
        return False
    return True


def test_examples_reject_broken_code(tmp_path):
    """Plant two bugs the examples exist to catch; both must make tests fail."""
    numerics = (EXAMPLES / "test_numerics.py").read_text()
    # forget the square root in the RMS norm
    broken_numerics = numerics.replace(
        "torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)",
        "1.0 / (xf.pow(2).mean(-1, keepdim=True) + eps)")
    sharding = (EXAMPLES / "test_sharding_fake_pg.py").read_text()
    # expect an even split, ignoring FSDP2's padding of dim 0
    broken_sharding = sharding.replace("(3 if fake_world < 3 else 1)", "(10 // 4)")
    assert broken_numerics != numerics and broken_sharding != sharding
    shutil.copy(EXAMPLES / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_numerics.py").write_text(broken_numerics)
    (tmp_path / "test_sharding_fake_pg.py").write_text(broken_sharding)
    code, out = pytest_run([str(tmp_path), "-q", "-k", "(float32 and cpu) or fully_shard"],
                           cwd=tmp_path)
    assert code == 1, out[-3000:]
    # float32/cpu RMSNorm fails once, fully_shard fails for rank 0 and rank 3
    assert "3 failed" in out, out[-1500:]
