"""The whole-book PDF links in the header bar (overrides/main.html) lead to real PDFs."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit
from urllib.request import urlopen

import pytest

from bookconf import LANGUAGES, PARTS

pytestmark = [pytest.mark.browser, pytest.mark.pdf]


def local_file(site, base_url: str, url: str):
    """The file in the built site that a served URL points at."""
    root = urlsplit(base_url).path
    path = unquote(urlsplit(url).path)
    assert path.startswith(root), f"{url} is outside the site"
    return site.joinpath(*[part for part in path[len(root):].split("/") if part])


@pytest.mark.parametrize("path", [LANGUAGES["zh"].prefix, f"{LANGUAGES['en'].prefix}{PARTS[-1]}/"])
def test_header_pdf_links_download_pdfs(open_page, built_site, base_url, path):
    page, _ = open_page()
    page.goto(path)
    links = page.locator(".md-banner a[href$='.pdf']")
    hrefs = links.evaluate_all("links => links.map(a => a.href)")
    assert len(hrefs) == len(LANGUAGES), f"expected one PDF link per language in the header bar, got {hrefs}"
    missing = [str(local_file(built_site, base_url, href)) for href in hrefs
               if not local_file(built_site, base_url, href).is_file()]
    if missing:
        pytest.skip("the PDFs are not built (" + ", ".join(missing) + "); `make book` builds them")
    assert links.first.is_visible()
    for href in hrefs:
        # Read the headers and the first bytes only: the PDFs are tens of MB.
        with urlopen(href, timeout=30) as response:
            assert response.status == 200, f"{href}: HTTP {response.status}"
            content_type = response.headers.get("Content-Type", "")
            assert content_type.startswith("application/pdf"), f"{href}: Content-Type {content_type}"
            assert response.read(5) == b"%PDF-", f"{href} does not start with %PDF-"
