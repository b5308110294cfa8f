"""What a reader gets from the built site: languages, parts, switcher, 404s, search, no third-party hosts."""

from __future__ import annotations

import json
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bookconf import LANGUAGES, MKDOCS_YML, PARTS

CJK = re.compile(r"[\u4e00-\u9fff]")


def html_lang(page: Path) -> str:
    match = re.search(r'<html lang="([^"]+)"', page.read_text(encoding="utf-8"))
    assert match, f"{page} has no <html lang>"
    return match.group(1)


def test_home_pages_carry_their_language(site):
    assert html_lang(site / "index.html") == "zh-CN"
    assert html_lang(site / "en" / "index.html") == "en"


@pytest.mark.parametrize("part", PARTS)
def test_every_part_has_a_page_in_both_languages(site, part):
    zh, en = site / part / "index.html", site / "en" / part / "index.html"
    assert zh.exists() and en.exists(), f"missing {zh} or {en}"
    assert html_lang(zh) == "zh-CN" and html_lang(en) == "en"
    assert CJK.search(zh.read_text(encoding="utf-8"))


def switcher_links(page: Path) -> dict[str, str]:
    text = page.read_text(encoding="utf-8")
    return dict((lang, href) for href, lang in re.findall(r'<a href="([^"]*)" hreflang="([^"]+)" class="md-select__link"', text))


def test_language_switcher_stays_on_the_same_page(site):
    """On every page, each entry of the language menu leads to the same page in that language."""
    assert switcher_links(site / "compute" / "index.html")["en"] == "../en/compute/"
    assert switcher_links(site / "en" / "compute" / "index.html")["zh"] == "../../compute/"
    root = "/" + re.search(r"^site_url:\s*https?://[^/]+/(\S*)", MKDOCS_YML.read_text(encoding="utf-8"), re.M).group(1)
    wrong = []
    for page, _ in pages(site):
        folder = page.parent.relative_to(site).as_posix().removeprefix(".")
        common = folder.removeprefix("en").strip("/")  # the page's address below its language's root
        twins = {"zh": common, "en": f"en/{common}"}
        url = posixpath.join(root, folder, "")
        for lang, href in switcher_links(page).items():
            if posixpath.normpath(posixpath.join(url, href)) != posixpath.normpath(posixpath.join(root, twins.get(lang, "?"))):
                wrong.append(f"/{folder}: {lang} -> {href}")
    assert not wrong, "language menu entries that leave the page:\n" + "\n".join(wrong[:20])


def test_one_404_page_per_language(site):
    zh, en = site / "404.html", site / "en" / "404.html"
    assert html_lang(zh) == "zh-CN" and html_lang(en) == "en"
    assert CJK.search(re.sub(r"<nav.*?</nav>", "", zh.read_text(encoding="utf-8"), flags=re.S))
    # Its language menu leads to each language's home page, not to some unrelated page.
    root = "/" + re.search(r"^site_url:\s*https?://[^/]+/(\S*)", MKDOCS_YML.read_text(encoding="utf-8"), re.M).group(1)
    assert switcher_links(en) == {"zh": root, "en": root + "en/"}
    # GitHub Pages serves only the root 404.html: it loads the English one for a missing /en/ address.
    assert "'404.html'" in zh.read_text(encoding="utf-8") and '"en/"' in zh.read_text(encoding="utf-8")


def pages(site: Path):
    """Every built page of the book (redirect stubs and 404 pages aside)."""
    for page in sorted(site.rglob("index.html")):
        text = page.read_text(encoding="utf-8")
        if '<meta http-equiv="refresh"' not in text:
            yield page, text


def test_every_page_links_its_twin_with_hreflang(site):
    """Each page names itself and its twin, with absolute URLs, in <head>."""
    missing = []
    site_url = re.search(r"^site_url:\s*(\S+)", MKDOCS_YML.read_text(encoding="utf-8"), re.M).group(1)
    for page, text in pages(site):
        head = text.split("</head>", 1)[0]
        links = dict((lang, href) for href, lang in re.findall(r'<link rel="alternate" href="([^"]+)" hreflang="([^"]+)">', head))
        wanted = {spec.html_lang for spec in LANGUAGES.values()}
        if set(links) != wanted or not all(href.startswith(site_url) for href in links.values()):
            missing.append(f"{page.relative_to(site)}: {links}")
    assert not missing, "pages without absolute hreflang links to both languages:\n" + "\n".join(missing[:20])
    en = dict((lang, href) for href, lang in re.findall(
        r'<link rel="alternate" href="([^"]+)" hreflang="([^"]+)">', (site / "en" / "network" / "index.html").read_text("utf-8")))
    assert en == {"zh-CN": site_url + "network/", "en": site_url + "en/network/"}


def test_every_page_has_its_own_description(site):
    seen: dict[str, str] = {}
    for page, text in pages(site):
        match = re.search(r'<meta name="description" content="([^"]*)">', text)
        assert match and match.group(1).strip(), f"{page.relative_to(site)} has no description"
        seen.setdefault(match.group(1), str(page.relative_to(site)))
    assert len(seen) > len(list(pages(site))) * 0.9, "many pages share one description"


def test_search_indexes_the_article_of_each_page_in_its_language(site):
    """Pagefind's bundle holds one index per language; each page marks its article as the part to index."""
    bundle = site / "pagefind"
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert set(entry["languages"]) == {spec.html_lang.lower() for spec in LANGUAGES.values()}
    for lang in entry["languages"].values():
        assert lang["page_count"] > 20
    for page, text in pages(site):
        assert text.count("data-pagefind-body") == 1, f"{page.relative_to(site)}: article not marked for the index"
        assert "md-search" not in text, f"{page.relative_to(site)}: Material's search is still in the page"


class ResourceCollector(HTMLParser):
    """Collect every URL a browser would load while showing the page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video") and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            rel = set((attrs.get("rel") or "").split())
            if rel & {"stylesheet", "preload", "icon", "modulepreload", "manifest", "prefetch"}:
                self.urls.append(attrs["href"])


def is_foreign(url: str) -> bool:
    return bool(re.match(r"^(https?:)?//", url))


def test_nothing_is_loaded_from_another_host(site):
    foreign = []
    for page in site.rglob("*.html"):
        collector = ResourceCollector()
        collector.feed(page.read_text(encoding="utf-8"))
        # The 404 pages use absolute URLs on the site's own host (site_url).
        own = "https://ml-engineering-book.github.io/"
        foreign += [f"{page}: {url}" for url in collector.urls if is_foreign(url) and not url.startswith(own)]
        if 'data-md-component="source"' in page.read_text(encoding="utf-8"):
            foreign.append(f"{page}: the repository link would fetch star counts from api.github.com")
    for sheet in site.rglob("*.css"):
        for url in re.findall(r"url\((['\"]?)([^)'\"]+)\1\)", sheet.read_text(encoding="utf-8")):
            if is_foreign(url[1]):
                foreign.append(f"{sheet}: {url[1]}")
    assert not foreign, "\n".join(foreign[:20])


def test_chinese_headings_get_readable_anchors(site):
    bad = [str(page) for page in site.rglob("*.html") if re.search(r'<h[2-6] id="_\d+"', page.read_text("utf-8"))]
    assert not bad, f"headings with '_N' anchors: {bad[:10]}"


def test_edit_link_points_at_the_page_of_that_language(site):
    zh = (site / "compute" / "index.html").read_text(encoding="utf-8")
    en = (site / "en" / "compute" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'href="[^"]*/edit/main/docs/compute/index\.md"', zh)
    assert re.search(r'href="[^"]*/edit/main/docs/compute/index\.en\.md"', en)


def test_nav_titles_are_translated(site):
    en = (site / "en" / "index.html").read_text(encoding="utf-8")
    zh = (site / "index.html").read_text(encoding="utf-8")
    for title in ("Insights", "Compute", "Storage", "Network", "Orchestration", "Debugging"):
        assert f">{title}<" in en or f"{title}\n" in en, title
    assert "洞见" in zh and "网络" in zh


SITE_PATH = "/ml-engineering/"  # the path of site_url in mkdocs.yml
TOOLS = ("compute/accelerator/benchmarks/mamf-finder.py", "network/benchmarks/all_reduce_bench.py",
         "debug/torch-distributed-gpu-test.py")


@pytest.mark.parametrize("tool", TOOLS)
def test_tools_are_served_for_download(site, tool):
    served = site / tool
    assert served.is_file() and served.read_bytes() == (site.parent / "docs" / tool).read_bytes()


class LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src"):
            if tag in ("a", "img", "link", "script") and attrs.get(name):
                self.links.append(attrs[name])


def test_every_relative_link_in_the_built_site_resolves(site):
    broken = []
    for page in site.rglob("*.html"):
        if page.name == "404.html":
            continue  # uses absolute URLs on the deployed host
        collector = LinkCollector()
        collector.feed(page.read_text(encoding="utf-8"))
        for link in collector.links:
            if re.match(r"^([a-z]+:|//|#)", link):
                continue
            path = link.split("#")[0].split("?")[0]
            if path.startswith(SITE_PATH):  # absolute on the deployed host, e.g. the home page's alternates
                target = site / path[len(SITE_PATH):]
            else:
                target = (page.parent / path).resolve()
            if link.split("#")[0].endswith("/") or target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)}: {link}")
    assert not broken, "\n".join(sorted(set(broken))[:30])
