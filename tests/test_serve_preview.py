"""`make serve` (scripts/serve.py) on a small copy of the book (sitebuild.small_book: the book's
scripts, templates, data and mkdocs.yml, six pages a language): a one-page edit shows up after a
dirty reload, with the page's language switcher, its data table and the whole-site outputs of the
first build (search index, llms.txt, manifest) still in place; a broken link stops the reload.
How fast a reload is on the whole book is measured by `make bench`."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import serve  # noqa: E402
from sitebuild import small_book  # noqa: E402

PAGE = "compute/accelerator/index.md"      # holds a generated data table
URL_PATH = "/ml-engineering/compute/accelerator/"
NAV = """
nav:
  - 首页: index.md
  - 计算:
      - compute/index.md
      - 加速器:
          - compute/accelerator/index.md
  - 网络:
      - 网络故障排查: network/debug.md
  - 资源:
      - 翻译状态: resources/translation-status.md
  - 参与贡献: contributing.md
"""
PAGES = {
    "zh": [("index", "首页", "从[计算](compute/index.md)开始。"),
           ("compute/index", "计算", "[加速器](accelerator/index.md)的算力。"),
           ("compute/accelerator/index", "加速器", "## 各数据类型的算力 {#accelerator-tflops}\n\n"
            "<!-- data-table: accelerator-tflops -->"),
           ("network/debug", "网络故障排查", "先检查链路。")],  # the target of the book's redirects
    "en": [("index", "Home", "Start with [compute](compute/index.md)."),
           ("compute/index", "Compute", "What [accelerators](accelerator/index.md) compute."),
           ("compute/accelerator/index", "Accelerators", "## Throughput per data type {#accelerator-tflops}\n\n"
            "<!-- data-table: accelerator-tflops -->"),
           ("network/debug", "Network debugging", "Check the links first.")],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Preview:
    """scripts/serve.py running on a copy of the book, its log collected line by line."""

    def __init__(self, book: Path):
        self.port = free_port()
        self.tmp = book.parent / "preview-tmp"  # its TMPDIR, where MkDocs keeps the site it serves
        self.tmp.mkdir()
        command = [sys.executable, str(book / "scripts" / "serve.py"), "--port", str(self.port)]
        self.process = subprocess.Popen(command, cwd=book, env={**serve.environment(), "TMPDIR": str(self.tmp)},
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True).start()

    def wait_for(self, text: str, since: int = 0, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines[since:]):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"no {text!r} from make serve; its log ends:\n" + "".join(self.lines[-25:]))

    def get(self, path: str) -> str:
        with urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as response:
            return response.read().decode("utf-8")

    def edit(self, page: Path, text: str) -> int:
        seen = len(self.lines)
        time.sleep(1.1)  # a later mtime than the first build's output, whatever the file system's granularity
        page.write_text(text, encoding="utf-8")
        return seen


@pytest.fixture
def book(tmp_path: Path) -> Path:
    copy = tmp_path / "book"
    small_book(copy, NAV, PAGES)
    return copy


@pytest.mark.site
def test_a_page_edit_reloads_with_everything_around_it(book: Path):
    preview = Preview(book)
    try:
        preview.wait_for("Serving on")
        first = preview.get(URL_PATH)
        index_before = preview.get("/ml-engineering/pagefind/pagefind-entry.json")
        llms_before = preview.get("/ml-engineering/llms.txt")
        assert 'class="data-table"' in first or "data-table" in first
        source = book / "docs" / PAGE
        text = source.read_text(encoding="utf-8")
        marker = "预览重载标记 reload-marker-7d1f"
        seen = preview.edit(source, text.rstrip("\n") + f"\n\n{marker}\n")
        preview.wait_for("Reloading browsers", since=seen)
        assert not any("ERROR" in line for line in preview.lines[seen:]), "".join(preview.lines[seen:])
        page = preview.get(URL_PATH)
        assert marker in page, "the edit is not in the reloaded page"
        assert "data-table" in page, "the reloaded page lost its generated tables"
        assert 'hreflang="en"' in page and "/en/compute/accelerator/" in page, "the language switcher lost its twin"
        # whole-site outputs of the first build are still served after the reload
        # (a reload renders only the edited page: rewriting them would leave one page in each)
        index = json.loads(preview.get("/ml-engineering/pagefind/pagefind-entry.json"))
        assert set(index["languages"]) == {"zh-cn", "en"}, index
        assert index == json.loads(index_before) and index["languages"]["en"]["page_count"] == 6
        assert preview.get("/ml-engineering/llms.txt") == llms_before

        # a broken link stops the reload, naming the file, as make book would
        seen = preview.edit(source, text + "\n[broken](no-such-page.md)\n")
        preview.wait_for("error happened during the rebuild", since=seen)
        log = "".join(preview.lines[seen:])
        assert "no-such-page.md" in log and "compute/accelerator/index.md" in log, log
    finally:
        preview.process.terminate()
        try:
            preview.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            preview.process.kill()
    # SIGTERM stops the preview as Ctrl-C does: cleanly, with its temporary site removed
    assert preview.process.returncode == 0, "".join(preview.lines[-10:])
    assert not list(preview.tmp.iterdir()), "the stopped preview left its site in TMPDIR"
