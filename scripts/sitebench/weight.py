"""bench_site.py's page weight: the files a page's first load and first search query fetch."""

from __future__ import annotations

import functools
import gzip
import re
import sys
import threading
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from bookconf import LANGUAGES

from .builds import site_prefix

CHROMIUM = "/usr/bin/chromium-headless-shell"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


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
    languages = {spec.prefix: lang for lang, spec in LANGUAGES.items()}
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
