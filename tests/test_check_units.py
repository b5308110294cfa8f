"""scripts/check_units.py: unit warnings with file:line, never a failing exit status."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "check_units.py"
FIXTURE = ROOT / "tests" / "fixtures" / "units" / "bad.md"


def test_fixture_warnings():
    result = subprocess.run([sys.executable, str(SCRIPT), str(FIXTURE)], capture_output=True,
                            text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    shown = "tests/fixtures/units/bad.md"
    assert lines == [
        f"{shown}:3: warning: units: binary-bandwidth: write GB/s (decimal), not GiB/s",
        f"{shown}:5: warning: units: decimal-capacity: 16 GB next to a memory word; "
        "if it is a power-of-two size, write 16 GiB",
        f"{shown}:5: warning: units: decimal-capacity: 512 GB next to a memory word; "
        "if it is a power-of-two size, write 512 GiB",
        f"{shown}:7: warning: units: decimal-capacity: 32 GB next to a memory word; "
        "if it is a power-of-two size, write 32 GiB",
    ]
    assert "4 warning(s)" in result.stderr


def test_missing_file_is_an_error(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "nope.md")],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2


def test_a_file_outside_the_root_is_named_as_given(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("Reads at 2 GiB/s.\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(SCRIPT), str(page)], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.stdout.splitlines() == [
        f"{page}:1: warning: units: binary-bandwidth: write GB/s (decimal), not GiB/s"]
