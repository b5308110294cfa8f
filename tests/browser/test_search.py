"""The search box as a reader uses it: nothing loads until it opens, it finds the right section in
the reader's language, the keyboard works, and the language menu and the 404 pages keep readers on course."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from bookconf import LANGUAGES

pytestmark = pytest.mark.browser

QUERIES = yaml.safe_load((Path(__file__).with_name("search_queries.yaml")).read_text(encoding="utf-8"))
PASS_RATE = 0.9
TOP = 3
CJK = re.compile(r"[\u4e00-\u9fff]")


def open_search(page) -> None:
    """Open the dialog as most readers do, with the header's search button (the "/" and "s" keys
    have tests of their own)."""
    page.locator(".md-header .book-search-open").click()
    page.locator("#book-search[open]").wait_for()


def search(page, query: str, typed: bool = False) -> list[dict]:
    """Put a query into the open dialog, pasted or typed key by key; the first TOP pages as
    {url, sections: [urls]}."""
    box = page.locator(".book-search__input")
    box.fill("")
    if typed:
        box.press_sequentially(query, delay=10)
    else:
        box.fill(query)
    page.wait_for_function("q => document.getElementById('book-search').dataset.shown === q", arg=query)
    return page.locator(".book-search__page").evaluate_all(
        f"""items => items.slice(0, {TOP}).map(item => ({{
            url: item.querySelector('a').href,
            sections: [...item.querySelectorAll('.book-search__sections a')].map(a => a.href),
        }}))"""
    )


def site_path(url: str, root: str) -> str:
    parts = urlsplit(url)
    path = parts.path[len(root):] if parts.path.startswith(root) else parts.path
    return path + (f"#{parts.fragment}" if parts.fragment else "")


def hit(results: list[dict], expected: list[str], root: str) -> bool:
    shown = [site_path(result["url"], root) for result in results]
    shown += [site_path(url, root) for result in results for url in result["sections"]]
    return any(target in shown for target in expected)


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_search_relevance(open_page, base_url, lang):
    page, reader = open_page()
    page.goto(LANGUAGES[lang].prefix)
    open_search(page)
    root = urlsplit(base_url).path + LANGUAGES[lang].prefix
    misses = []
    for case in QUERIES[lang]:
        results = search(page, case["query"])
        if not hit(results, case["expect"], root):
            misses.append(f"{case['query']!r}: top {TOP} {[site_path(r['url'], root) for r in results]}")
    score = 1 - len(misses) / len(QUERIES[lang])
    print(f"search relevance ({lang}): {score:.0%} of {len(QUERIES[lang])} queries; misses: {misses}")
    assert score >= PASS_RATE, f"{lang} search relevance {score:.0%} < {PASS_RATE:.0%}; misses:\n" + "\n".join(misses)
    reader.assert_clean()


def test_queries_cover_both_languages_well():
    assert all(len(QUERIES[lang]) >= 15 for lang in LANGUAGES)
    mixed = [case["query"] for case in QUERIES["zh"] if CJK.search(case["query"]) and re.search("[A-Za-z]", case["query"])]
    assert mixed, "the Chinese queries include none mixing Chinese and Latin words (as readers type 'NCCL 超时')"


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_search_loads_nothing_until_opened_and_stays_in_its_language(open_page, base_url, lang):
    page, reader = open_page(fresh=True)  # a cold cache: every file the page needs is requested
    page.goto(LANGUAGES[lang].prefix, wait_until="networkidle")
    assert not [url for url in reader.urls if "/pagefind/" in url], "search files loaded before the reader searched"
    open_search(page)
    results = search(page, "NCCL")
    assert results, f"the {lang} search for NCCL found nothing"
    assert [url for url in reader.urls if "/pagefind/" in url], "no search files were loaded for a query"
    english = urlsplit(base_url).path + LANGUAGES["en"].prefix
    urls = [urlsplit(r["url"]).path for r in results]
    if lang == "en":
        assert all(url.startswith(english) for url in urls), urls
    else:
        assert not any(url.startswith(english) for url in urls), urls
    titles = page.locator(".book-search__title").all_inner_texts()
    assert bool([t for t in titles if CJK.search(t)]) == (lang == "zh"), titles
    reader.assert_clean()


def test_search_keyboard(open_page, base_url):
    page, _ = open_page()
    page.goto("network/")
    page.keyboard.press("s")
    page.locator("#book-search[open]").wait_for()
    assert page.evaluate("document.activeElement.classList.contains('book-search__input')")
    search(page, "NCCL_DEBUG", typed=True)
    page.keyboard.press("ArrowDown")
    first = page.evaluate("document.activeElement.getAttribute('href')")
    assert first and page.evaluate("document.activeElement.closest('.book-search__results') !== null")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.classList.contains('book-search__input')")
    page.keyboard.press("Escape")
    assert page.locator("#book-search[open]").count() == 0
    # Open again, and follow a section result with the keyboard: the section's heading is the target.
    open_search(page)
    results = search(page, "NCCL_DEBUG")
    section = next((url for r in results for url in r["sections"] if "#" in url), None)
    assert section, f"no section results for NCCL_DEBUG: {results}"
    page.locator(f".book-search__sections a[href='{urlsplit(section).path}#{urlsplit(section).fragment}']").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    anchor = unquote(urlsplit(section).fragment)
    assert unquote(urlsplit(page.url).fragment) == anchor
    assert page.locator(f"[id='{anchor}']").count() == 1


def test_search_dialog_fits_a_phone(open_page):
    page, _ = open_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto("en/")
    page.locator(".book-search-open").first.tap()
    page.locator("#book-search[open]").wait_for()
    search(page, "GPU")
    box = page.locator("#book-search").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 391, box


def test_search_follows_the_dark_scheme(open_page):
    page, _ = open_page(color_scheme="dark")
    page.goto("en/")
    assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
    open_search(page)
    background = page.evaluate("getComputedStyle(document.getElementById('book-search')).backgroundColor")
    channels = [int(c) for c in re.findall(r"\d+", background)[:3]]
    assert sum(channels) < 3 * 100, f"the search dialog is light in the dark scheme: {background}"


SWITCH_PAGES = ["network/#infiniband", "training/#checkpoints", "compute/accelerator/#roofline"]


@pytest.mark.parametrize("target", SWITCH_PAGES)
def test_language_switcher_keeps_the_section(open_page, base_url, target):
    page, reader = open_page()
    path, anchor = target.split("#")
    page.goto(target)
    menu = page.locator(".md-header__option .md-select").filter(has=page.locator("a.md-select__link"))
    menu.hover()
    with page.expect_navigation():
        menu.locator("a.md-select__link[hreflang='en']").click()
    assert page.url == f"{base_url}{LANGUAGES['en'].prefix}{path}#{anchor}"
    assert page.locator(f"[id='{anchor}']").count() == 1
    reader.assert_clean()


def test_english_404_for_a_missing_english_address(open_page, base_url):
    page, _ = open_page()
    response = page.goto(f"{LANGUAGES['en'].prefix}no/such/page/")
    assert response.status == 404
    page.wait_for_function("document.documentElement.lang === 'en'")
    heading = page.locator("article h1").inner_text()
    assert not CJK.search(heading), heading
    assert page.locator("article .book-search-open").count() == 1
    parts = page.locator("article .book-parts a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(parts) >= 10 and all("/en/" in href for href in parts), parts
    # The Chinese 404 stays Chinese.
    page.goto("no/such/page/")
    assert CJK.search(page.locator("article h1").inner_text())
