"""What the browser tests record about each browser context (imported by conftest.py and the tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from verdicts import file_digest

HOST = "127.0.0.1"

NETWORK_SCHEMES = ("http", "https", "ws", "wss")


@dataclass
class Reader:
    """What one browser context saw: every host it asked for, errors, failed requests."""

    hosts: set[str] = field(default_factory=set)
    foreign: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    def record(self, request) -> None:
        self.urls.append(request.url)
        parts = urlsplit(request.url)
        self.hosts.add(parts.hostname or parts.scheme)
        if parts.scheme in NETWORK_SCHEMES and parts.hostname != HOST:
            self.foreign.append(request.url)

    def watch(self, page) -> None:
        page.on("console", lambda msg: self.on_console(msg))
        page.on("pageerror", lambda error: self.console_errors.append(f"page error: {error}"))
        page.on("requestfailed", self.on_failed)
        page.on("response", self.on_response)

    def on_response(self, response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.url}: HTTP {response.status}")

    def on_failed(self, request) -> None:
        # A request still in flight when the test navigates away is cancelled by the browser
        # (net::ERR_ABORTED); a file that is really missing shows up as an HTTP 404 response instead.
        if request.failure != "net::ERR_ABORTED":
            self.failed.append(f"{request.url}: {request.failure}")

    def on_console(self, message) -> None:
        if message.type == "error":
            location = message.location or {}
            self.console_errors.append(f"{message.text} ({location.get('url', '')}:{location.get('lineNumber', '')})")

    def assert_clean(self) -> None:
        problems = (
            [f"request to another host: {url}" for url in self.foreign]
            + [f"console error: {text}" for text in self.console_errors]
            + [f"failed request: {text}" for text in self.failed]
        )
        assert not problems, "\n".join(problems)


def site_file(built_site: Path, base_url: str, url: str) -> Path | None:
    """The file of the built site that a URL of the served site stands for (None: not on the site)."""
    base, parts = urlsplit(base_url), urlsplit(url)
    if parts.netloc != base.netloc or not parts.path.startswith(base.path):
        return None
    relative = unquote(parts.path[len(base.path):])
    return built_site / (relative + "index.html" if relative == "" or relative.endswith("/") else relative)


def fetched_files(built_site: Path, base_url: str, urls: list[str], page_path: str) -> dict[str, str]:
    """{path below built_site: file_digest} of the site's files a page fetched, the page's own HTML
    left out: what a remembered axe-core pass of the page depends on besides its key (tests/verdicts.py).
    Request events include the files taken from the memory cache."""
    html = site_file(built_site, base_url, base_url + page_path)
    files = {site_file(built_site, base_url, url) for url in urls} - {None, html}
    return {str(f.relative_to(built_site)): file_digest(f) for f in sorted(files)}
