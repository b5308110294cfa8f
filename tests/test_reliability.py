"""The build under interruption, concurrency, damaged caches and unsafe pages: the previous site and PDFs
survive byte for byte, and the reader of the terminal gets one line, not a traceback."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from script_runner import default_sigint, preloaded_python
from sitebuild import FIXTURE_SITES, ROOT, build_fixture, fixture_config

BUILD_SITE = ROOT / "scripts" / "build_site.py"
BUILD_PDF = ROOT / "scripts" / "build_pdf.py"


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def start_site_build(config: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(BUILD_SITE), "--config", str(config), "--site-dir", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            preexec_fn=default_sigint)


def wait_for_glob(folder: Path, pattern: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not list(folder.glob(pattern)):
        assert process.poll() is None, f"the build ended before {pattern} appeared: {process.communicate()}"
        assert time.monotonic() < deadline, f"no {pattern} in {folder} after {timeout} s"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def built_once(tmp_path_factory) -> Path:
    result, out = build_fixture("good", tmp_path_factory.mktemp("good"))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def built(built_once, tmp_path):
    """The fixture site, built once for the module and copied for each test that may change it:
    (config, site folder, digest of the site)."""
    config = fixture_config(FIXTURE_SITES / "good" / "docs", tmp_path)
    out = tmp_path / "site"
    shutil.copytree(built_once, out, symlinks=True)
    return config, out, tree_digest(out)


def test_site_is_readable_by_everyone(built_once):
    assert stat.S_IMODE(built_once.stat().st_mode) == 0o755


def test_ctrl_c_during_the_site_build_keeps_the_old_site(built):
    config, out, before = built
    build = start_site_build(config, out)
    wait_for_glob(out.parent, ".site-new-*", build)
    time.sleep(0.5)  # MkDocs is at work now
    build.send_signal(signal.SIGINT)
    _, stderr = build.communicate(timeout=60)
    assert build.returncode == 130, stderr
    # MkDocs' own progress lines may come first; the interruption itself is one line, no traceback.
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert "interrupted" in stderr.strip().splitlines()[-1], stderr
    assert tree_digest(out) == before
    assert not list(out.parent.glob(".site-*")), "a temporary site folder was left behind"


def test_a_second_build_of_the_same_site_waits_its_turn(built):
    config, out, _ = built
    first = start_site_build(config, out)
    wait_for_glob(out.parent, ".site-new-*", first)
    second = subprocess.run([preloaded_python(), str(BUILD_SITE), "--config", str(config), "--site-dir", str(out)],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert second.returncode == 75, second.stderr
    assert "another build" in second.stderr and "Traceback" not in second.stderr
    _, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    assert (out / "index.html").is_file()


UNSAFE = {
    "script": ("<script>alert(1)</script>", "raw <script>"),
    "event-handler": ('<img src="x.png" onerror="alert(1)">', "inline event handler"),
    "javascript-url": ("[click](javascript:alert(1))", "javascript: URL"),
    "foreign-iframe": ('<iframe src="https://example.com/embed"></iframe>', "<iframe> from another host"),
}


@pytest.mark.parametrize("form", sorted(UNSAFE))
def test_unsafe_html_stops_the_build_and_keeps_the_old_site(built, tmp_path, form):
    _, out, before = built
    docs = tmp_path / "docs"
    shutil.copytree(FIXTURE_SITES / "good" / "docs", docs)
    page = docs / "guide.md"
    lines = page.read_text(encoding="utf-8").splitlines()
    line_number = len(lines) + 2
    page.write_text("\n".join(lines) + "\n\n" + UNSAFE[form][0] + "\n", encoding="utf-8")
    (tmp_path / "unsafe-config").mkdir()
    config = fixture_config(docs, tmp_path / "unsafe-config")
    result = subprocess.run([preloaded_python(), str(BUILD_SITE), "--config", str(config), "--site-dir", str(out)],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode != 0, f"{form} was published"
    assert f"guide.md:{line_number}: " in result.stderr and UNSAFE[form][1] in result.stderr, result.stderr
    assert tree_digest(out) == before


def test_unsafe_forms_in_code_are_only_text(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    from unsafe_html import unsafe_html

    text = "```html\n<script>x()</script>\n```\n\nUse `onclick=` with care, or `<iframe src=\"https://a\">`.\n"
    assert unsafe_html(text) == []
