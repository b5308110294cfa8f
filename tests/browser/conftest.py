"""Fixtures for the browser tests: the built site served on 127.0.0.1, one Chromium, fresh contexts.

The site is served under the path of site_url (``/ml-engineering/``), as GitHub
Pages serves it: the 404 pages load their styles through that absolute path,
and Material maps the language switcher's targets through the sitemap, whose
URLs carry it. ``/`` redirects there; a missing file gets the root 404.html
with status 404, like GitHub Pages.

Every context records the host of each request it makes (workers' included) in a
:class:`Reader`, with console errors, page errors and failed requests. Chromium
resolves no host but 127.0.0.1 (``--host-resolver-rules``), so a request for another
host fails without leaving the machine; it is recorded all the same, and a test whose
pages asked another host fails when it ends, whether or not it looked at its Reader.
No request is routed through Playwright: routing would turn off Chromium's HTTP cache
and make every page load about a third slower.

Tests that open pages with the same options share one tab (:class:`PooledTab`): a fresh
context costs about twice a page load.

``BOOK_BROWSER_SITE=/some/dir`` serves another built site (to try the tests
while site/ is being rebuilt); by default the tests use site/ and fail without it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import sys
import threading
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bookconf import MKDOCS_YML, ROOT
from browser_support import HOST, Reader

# Chromium's headless shell: the same engine without the desktop browser around it, which makes
# the browser tier about a quarter faster. BOOK_CHROMIUM=/usr/bin/chromium tries the full browser.
CHROMIUM = Path(os.environ.get("BOOK_CHROMIUM", "/usr/bin/chromium-headless-shell"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {HOST}",  # nothing leaves the machine
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TIMEOUT_MS = 15_000


def site_prefix() -> str:
    """The path part of site_url in mkdocs.yml, e.g. '/ml-engineering/'."""
    match = re.search(r"^site_url:\s*(\S+)", MKDOCS_YML.read_text(encoding="utf-8"), re.M)
    path = urlsplit(match.group(1)).path if match else "/"
    return "/" + path.strip("/") + "/" if path.strip("/") else "/"


class SiteHandler(SimpleHTTPRequestHandler):
    """Serve a built site under a path prefix, the way GitHub Pages serves a project site."""

    prefix = "/"
    protocol_version = "HTTP/1.1"  # keep-alive: a page's dozen files come over one connection

    def log_message(self, format, *args):  # noqa: A002 - quiet: the tests report what matters
        pass

    def send_head(self):
        path = urlsplit(self.path).path
        if self.prefix != "/" and not path.startswith(self.prefix):
            if path.rstrip("/") + "/" == self.prefix or path == "/":
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", self.prefix)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            return self.send_not_found()
        local = Path(self.translate_path(self.path))
        if local.is_dir() and not (local / "index.html").is_file():
            return self.send_not_found()
        if not local.exists():
            return self.send_not_found()
        return super().send_head()

    def translate_path(self, path: str) -> str:
        parts = urlsplit(path)
        inside = parts.path[len(self.prefix) - 1:] if parts.path.startswith(self.prefix) else parts.path
        return super().translate_path(inside or "/")

    def send_not_found(self):
        page = Path(self.directory) / "404.html"
        body = page.read_bytes() if page.is_file() else b"not found"
        self.send_response(HTTPStatus.NOT_FOUND)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # The browser drops connections it no longer needs (a page left mid-download): not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def built_site(request) -> Path:
    """site/ (failing with 'run make book' when it is not built), or $BOOK_BROWSER_SITE."""
    override = os.environ.get("BOOK_BROWSER_SITE")
    if override:
        path = Path(override).resolve()
        if not (path / "index.html").is_file():
            pytest.fail(f"BOOK_BROWSER_SITE={override} holds no built site (no index.html)")
        return path
    return request.getfixturevalue("site")


@pytest.fixture(scope="session")
def base_url(built_site: Path) -> str:
    """The served site's root, e.g. http://127.0.0.1:41234/ml-engineering/ (ends with '/')."""
    prefix = site_prefix()
    handler = type("BookSiteHandler", (SiteHandler,), {"prefix": prefix})
    server = QuietServer((HOST, 0), functools.partial(handler, directory=str(built_site)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="book-site", daemon=True)
    thread.start()
    yield f"http://{HOST}:{server.server_address[1]}{prefix}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """One Debian Chromium headless shell for the whole session (Playwright never downloads a browser here)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium-headless-shell package (make test does it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed in .venv: run `make test` (or pip install -r requirements/test.txt)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PooledTab:
    """One context and one page kept for the session, for the tests that open a page with the same options.

    A new context costs a new renderer process and a cold cache: about 1 s a page against 0.5 s
    for a page reused. Between tests the tab forgets what a test could have left behind: its
    storage (Material keeps the colour scheme and the dismissed announcement there), cookies,
    the viewport, and the page itself (about:blank stops whatever was still loading). Events and
    requests go to the Reader of the test that holds the tab.
    """

    def __init__(self, browser, base_url: str, options: dict):
        self.options = options
        self.context = browser.new_context(base_url=base_url, service_workers="block", **options)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.reader = Reader()
        self.context.on("request", lambda request: self.reader.record(request))
        self.page = self.context.new_page()
        self.page.on("console", lambda message: self.reader.on_console(message))
        self.page.on("pageerror", lambda error: self.reader.console_errors.append(f"page error: {error}"))
        self.page.on("requestfailed", lambda request: self.reader.on_failed(request))
        self.page.on("response", lambda response: self.reader.on_response(response))

    def lend(self, reader: Reader):
        self.reader = reader
        return self.page, reader

    def give_back(self) -> None:
        self.reader = Reader()  # late events of the test that ends land nowhere
        if self.page.is_closed() or len(self.context.pages) != 1:
            raise RuntimeError("a test closed the shared tab or left another page open: use open_page(fresh=True)")
        if self.page.url.startswith("http"):
            self.page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
        self.page.goto("about:blank")
        self.context.clear_cookies()
        self.page.set_viewport_size(self.options["viewport"])


@pytest.fixture(scope="session")
def tab_pool(browser, base_url):
    tabs: dict[str, PooledTab] = {}
    yield tabs
    for tab in tabs.values():
        tab.context.close()


@pytest.fixture
def open_page(browser, base_url, tab_pool):
    """Factory: open_page(**context_options) -> (page, reader).

    Tests that ask for the same options share one tab for the session (see PooledTab);
    open_page(fresh=True, ...) gives a new context of the test's own, closed afterwards, for a
    test that needs a cold cache or several pages.
    """
    contexts = []
    lent = []
    readers = []

    def factory(fresh: bool = False, **options):
        options.setdefault("color_scheme", "light")
        options.setdefault("viewport", {"width": 1280, "height": 900})
        reader = Reader()
        readers.append(reader)
        if not fresh:
            key = json.dumps(options, sort_keys=True)
            if key not in tab_pool:
                tab_pool[key] = PooledTab(browser, base_url, options)
            if tab_pool[key] not in lent:
                lent.append(tab_pool[key])
            return tab_pool[key].lend(reader)  # asked again in one test: the same tab, a new Reader
        context = browser.new_context(base_url=base_url, service_workers="block", **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        context.on("request", reader.record)
        page = context.new_page()
        reader.watch(page)
        return page, reader

    yield factory
    problems = []
    for tab in lent:
        try:
            tab.give_back()
        except Exception as error:  # noqa: BLE001 - the tab is replaced, not reused, and the error reported
            problems.append(error)
            tab_pool.pop(next(key for key, pooled in tab_pool.items() if pooled is tab), None)
            with contextlib.suppress(Exception):
                tab.context.close()
    for context in contexts:
        context.close()
    if problems:
        raise problems[0]
    # Every test's pages, whether or not the test calls assert_clean, ask only 127.0.0.1.
    foreign = [url for reader in readers for url in reader.foreign]
    if foreign:
        pytest.fail("the pages of this test asked another host than 127.0.0.1:\n" + "\n".join(sorted(set(foreign))[:30]))


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE.is_file():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: run `npm ci` (make test does it)")
    return AXE
