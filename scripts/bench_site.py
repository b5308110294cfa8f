#!/usr/bin/env python3
"""Print the site's build, reload and page-weight figures beside their budgets (never fails on a budget).

One run measures, side by side:

* the full build (`mkdocs build` with mkdocs.yml) against a plain Material build
  of the same pages: a generated config that is mkdocs.yml without `hooks:`
  (same docs, theme, i18n and search plugins, markdown extensions; data-table
  markers then stay HTML comments), as the median of N runs of each, taken in turn;
* `mkdocs serve`: the time from touching one page to the server's
  "Reloading browsers" line (the rebuild finished);
* the home page's first load in each language: every file Chromium fetches
  until the network is idle (HTML, CSS, JS, images, fonts), raw and
  gzip-compressed (level 6, what static hosts typically send);
* what the reader's first query then adds: the search dialog's Pagefind files
  (its script, WebAssembly, the language's index and the result fragments);
* the Pagefind bundle on disk, per language.

Budgets: full build <= 1.0 x the plain build; reload <= 2 s; first load <= 120 KB
(1 KB = 1000 bytes) gzip. A figure over its budget is marked "over budget".

Usage: bench_site.py [--runs 3] [--no-serve] [--no-browser]
Exit status: 0 when the figures were measured (whatever they are), 1 when a build failed.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bookconf import DOCS, LANGUAGES, MKDOCS_YML, ROOT  # noqa: E402

BUDGET_BUILD_RATIO = 1.0
BUDGET_RELOAD_S = 2.0
BUDGET_FIRST_LOAD_GZIP = 120_000
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONDONTWRITEBYTECODE": "1"}


# ------------------------------------------------------------------ configs and builds

def plain_config(target: Path) -> Path:
    """mkdocs.yml without its hooks: section, with absolute paths, written into target."""
    text = MKDOCS_YML.read_text(encoding="utf-8")
    # Drop the top-level `hooks:` key and its indented list (the file holds !!python tags, so no YAML round trip).
    text, removed = re.subn(r"^hooks:[^\n]*\n(?:(?:[ \t]+[^\n]*|[ \t]*)\n)*", "", text, flags=re.M)
    if not removed:
        print("bench_site: note: mkdocs.yml has no hooks: section; both builds are the same", file=sys.stderr)
    text = re.sub(r"^docs_dir:.*$", f"docs_dir: {DOCS}", text, flags=re.M)
    text = re.sub(r"^(\s+custom_dir:)\s*(\S+)", lambda m: f"{m.group(1)} {ROOT / m.group(2)}", text, flags=re.M)
    config = target / "mkdocs-plain.yml"
    config.write_text(text, encoding="utf-8")
    return config


def build(config: Path, site: Path, strict: bool) -> float:
    command = [sys.executable, "-m", "mkdocs", "build", "--quiet", "--clean",
               "--config-file", str(config), "--site-dir", str(site)]
    if not strict:
        command.append("--no-strict")  # the plain build misses what the hooks generate (plots): warnings only
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"bench_site: the build with {config} failed")
    return elapsed


# ------------------------------------------------------------------ serve / reload

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_prefix() -> str:
    match = re.search(r"^site_url:\s*(\S+)", MKDOCS_YML.read_text(encoding="utf-8"), re.M)
    path = urlsplit(match.group(1)).path.strip("/") if match else ""
    return f"/{path}/" if path else "/"


def measure_reload(page: Path, timeout: float = 300.0) -> tuple[float, float]:
    """(seconds to the first build, seconds from touching page to 'Reloading browsers')."""
    port = free_port()
    command = [sys.executable, "-m", "mkdocs", "serve", "--config-file", str(MKDOCS_YML),
               "--dev-addr", f"127.0.0.1:{port}", "--livereload"]
    lines: list[tuple[float, str]] = []
    started = time.perf_counter()
    server = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, bufsize=1)

    def read() -> None:
        for line in server.stdout:
            lines.append((time.perf_counter(), line.rstrip()))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    url = f"http://127.0.0.1:{port}{site_prefix()}"
    try:
        first_build = None
        while time.perf_counter() - started < timeout:
            if server.poll() is not None:
                raise SystemExit("bench_site: mkdocs serve stopped:\n" + "\n".join(text for _, text in lines[-20:]))
            try:
                with urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        first_build = time.perf_counter() - started
                        break
            except OSError:
                time.sleep(0.2)
        if first_build is None:
            raise SystemExit(f"bench_site: mkdocs serve did not answer on {url} within {timeout:.0f} s")
        time.sleep(1.0)  # let the watcher settle
        seen = len(lines)
        touched = time.perf_counter()
        os.utime(page)  # a touch: the page's text is unchanged
        while time.perf_counter() - touched < timeout:
            done = [at for at, text in lines[seen:] if "Reloading browsers" in text]
            if done:
                return first_build, done[0] - touched
            errors = [text for _, text in lines[seen:] if "ERROR" in text]
            if errors:
                raise SystemExit("bench_site: the rebuild failed: " + errors[0])
            time.sleep(0.05)
        raise SystemExit(f"bench_site: no rebuild within {timeout:.0f} s of touching {page}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


# ------------------------------------------------------------------ page weight

class PrefixHandler(SimpleHTTPRequestHandler):
    """Serve a built site under site_url's path, as GitHub Pages does."""

    prefix = "/"

    def log_message(self, format, *args):  # noqa: A002
        pass

    def translate_path(self, path: str) -> str:
        path = urlsplit(path).path
        if path.startswith(self.prefix):
            path = "/" + path[len(self.prefix):]
        return super().translate_path(path)

    def send_head(self):
        if not urlsplit(self.path).path.startswith(self.prefix):
            self.send_error(HTTPStatus.NOT_FOUND)
            return None
        return super().send_head()


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def local_path(site: Path, prefix: str, url: str) -> Path | None:
    path = urlsplit(url).path
    if not path.startswith(prefix):
        return None
    relative = path[len(prefix):]
    target = site / relative
    if relative == "" or relative.endswith("/"):
        target = target / "index.html"
    return target if target.is_file() else None


FIRST_QUERY = {"zh": "检查点", "en": "checkpoint"}


def first_load_with_chromium(site: Path, pages: list[str]) -> tuple[dict[str, list[Path]], dict[str, list[Path]]]:
    """The files of each page's first load, and the files its first search query adds."""
    from playwright.sync_api import sync_playwright

    prefix = site_prefix()
    handler = type("Handler", (PrefixHandler,), {"prefix": prefix})
    server = QuietServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    loaded: dict[str, list[Path]] = {}
    queried: dict[str, list[Path]] = {}
    languages = {spec["prefix"]: lang for lang, spec in LANGUAGES.items()}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for page_path in pages:
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                urls: list[str] = []
                context.on("requestfinished", lambda request, urls=urls: urls.append(request.url))
                context.route(re.compile(r"^(?!http://127\.0\.0\.1[:/])"), lambda route: route.abort())
                page = context.new_page()
                page.goto(base + page_path, wait_until="networkidle")
                files = [local_path(site, prefix, url) for url in dict.fromkeys(urls)]
                loaded[page_path] = [path for path in files if path is not None]
                before = len(urls)
                query = FIRST_QUERY.get(languages.get(page_path, ""), "GPU")
                page.keyboard.press("/")
                page.locator(".book-search__input").press_sequentially(query)
                page.wait_for_function("q => document.getElementById('book-search').dataset.shown === q", arg=query)
                page.wait_for_load_state("networkidle")
                files = [local_path(site, prefix, url) for url in dict.fromkeys(urls[before:])]
                queried[page_path] = [path for path in files if path is not None and path not in loaded[page_path]]
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return loaded, queried


class AssetCollector:
    """Fallback without Chromium: the files a page's HTML names (stylesheets, scripts, images, icons)."""

    PATTERN = re.compile(r'<(?:link|script|img)\b[^>]*?\b(?:href|src)="([^"]+)"[^>]*>', re.I)

    @classmethod
    def files(cls, site: Path, page_path: str) -> list[Path]:
        html_file = site / page_path / "index.html"
        found = [html_file]
        for tag in re.finditer(r"<(?:link|script|img)\b[^>]*>", html_file.read_text(encoding="utf-8"), re.I):
            text = tag.group(0)
            if text.lower().startswith("<link") and not re.search(r'rel="[^"]*(stylesheet|icon|preload)', text):
                continue
            match = re.search(r'\b(?:href|src)="([^"]+)"', text)
            if not match or re.match(r"^(https?:)?//|^data:", match.group(1)):
                continue
            target = (html_file.parent / match.group(1).split("#")[0].split("?")[0]).resolve()
            if target.is_file():
                found.append(target)
        return list(dict.fromkeys(found))


# ------------------------------------------------------------------ report

def kb(size: int) -> str:
    return f"{size / 1000:,.1f} KB"


def verdict(over: bool) -> str:
    return "over budget" if over else "within budget"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="builds of each kind; the median counts (default 3)")
    parser.add_argument("--no-serve", action="store_true", help="skip the mkdocs serve reload figure")
    parser.add_argument("--no-browser", action="store_true",
                        help="list the home page's files from its HTML instead of from Chromium")
    parser.add_argument("--touch", type=Path, default=DOCS / "index.md",
                        help="the page to touch for the reload figure (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        tmp_path = Path(tmp)
        plain = plain_config(tmp_path)
        full_site, plain_site = tmp_path / "full", tmp_path / "plain"
        full_times, plain_times = [], []
        for run in range(1, args.runs + 1):
            full_times.append(build(MKDOCS_YML, full_site, strict=True))
            plain_times.append(build(plain, plain_site, strict=False))
            print(f"bench_site: run {run}/{args.runs}: full {full_times[-1]:.1f} s, plain {plain_times[-1]:.1f} s",
                  file=sys.stderr, flush=True)
        full, plain_median = statistics.median(full_times), statistics.median(plain_times)
        ratio = full / plain_median
        rows.append(("full build (mkdocs.yml), median", f"{full:.2f} s",
                     f"<= {BUDGET_BUILD_RATIO:.1f} x plain", verdict(ratio > BUDGET_BUILD_RATIO)))
        rows.append(("plain Material build (no hooks), median", f"{plain_median:.2f} s", "reference", ""))
        rows.append(("full / plain", f"{ratio:.2f} x", f"<= {BUDGET_BUILD_RATIO:.1f} x",
                     verdict(ratio > BUDGET_BUILD_RATIO)))

        if args.no_serve:
            rows.append(("mkdocs serve reload after a touch", "skipped (--no-serve)", f"<= {BUDGET_RELOAD_S:.0f} s", ""))
        else:
            first, reload = measure_reload(args.touch)
            rows.append(("mkdocs serve first build", f"{first:.2f} s", "", ""))
            rows.append((f"mkdocs serve reload after touching {args.touch.relative_to(ROOT)}", f"{reload:.2f} s",
                         f"<= {BUDGET_RELOAD_S:.0f} s", verdict(reload > BUDGET_RELOAD_S)))

        home_pages = [spec["prefix"] for spec in LANGUAGES.values()]
        source = "HTML"
        queried: dict[str, list[Path]] = {}
        if not args.no_browser and Path(CHROMIUM).exists():
            try:
                loaded, queried = first_load_with_chromium(full_site, home_pages)
                source = "Chromium"
            except ImportError:
                loaded = {page: AssetCollector.files(full_site, page) for page in home_pages}
        else:
            loaded = {page: AssetCollector.files(full_site, page) for page in home_pages}
        for page_path, files in loaded.items():
            raw = sum(path.stat().st_size for path in files)
            packed = sum(gzip_size(path.read_bytes()) for path in files)
            name = f"/{page_path}" if page_path else "/"
            rows.append((f"home {name} first load: {len(files)} files ({source})",
                         f"{kb(raw)} raw, {kb(packed)} gzip", f"<= {kb(BUDGET_FIRST_LOAD_GZIP)} gzip",
                         verdict(packed > BUDGET_FIRST_LOAD_GZIP)))
            if page_path in queried:
                added = queried[page_path]
                rows.append((f"    its first search query adds: {len(added)} files",
                             f"{kb(sum(p.stat().st_size for p in added))} raw, "
                             f"{kb(sum(gzip_size(p.read_bytes()) for p in added))} gzip", "", ""))
        bundle = [p for p in (full_site / "pagefind").rglob("*") if p.is_file()]
        rows.append(("search bundle pagefind/ (both languages; fetched a chunk at a time)",
                     f"{len(bundle)} files, {kb(sum(p.stat().st_size for p in bundle))}", "", ""))
        first_load_files = {page: [str(path.relative_to(full_site)) for path in files] for page, files in loaded.items()}

    widths = [max(len(row[i]) for row in rows + [("figure", "value", "budget", "verdict")]) for i in range(4)]
    header = ("figure", "value", "budget", "verdict")
    print()
    for row in [header, tuple("-" * w for w in widths)] + rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print()
    for page, files in first_load_files.items():
        print(f"first load of /{page}: " + ", ".join(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
