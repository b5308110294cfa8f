"""What a reader's browser sees when it opens the book: clean home pages, no third-party hosts, accessibility."""

from __future__ import annotations

import json

import pytest
from browser_support import Reader, fetched_files, site_file

from bookconf import LANGUAGES, PARTS
from verdicts import Verdicts, digest

pytestmark = pytest.mark.browser

# (language, path below the site root) for the home page and one chapter of each part.
HOME_PAGES = [(lang, spec.prefix) for lang, spec in LANGUAGES.items()]
PART_PAGES = [(lang, f"{spec.prefix}{part}/") for lang, spec in LANGUAGES.items() for part in PARTS]
SEVERE = ("serious", "critical")


@pytest.mark.parametrize(("lang", "path"), HOME_PAGES, ids=[lang for lang, _ in HOME_PAGES])
def test_home_page_renders_without_errors(open_page, lang, path):
    page, reader = open_page()
    response = page.goto(path, wait_until="load")
    assert response.status == 200, f"{page.url}: HTTP {response.status}"
    assert page.locator("html").get_attribute("lang") == LANGUAGES[lang].html_lang
    assert page.locator("article.md-content__inner h1").first.is_visible()
    # The stylesheet applied (Material's header is fixed/sticky only when its CSS loaded).
    assert page.locator("header.md-header").evaluate("el => getComputedStyle(el).position") in ("sticky", "fixed")
    reader.assert_clean()


# Pages are checked this many at a time, each in its own tab, so one tab's wait for the network
# overlaps another's axe-core run.
AXE_TABS = 2
# Every page in the light scheme (the default); the dark scheme changes colours only, so the home
# pages and the storage part (code blocks, tables, admonitions) sample it.
COLOUR_SAMPLE = ("", "en/", "storage/", "en/storage/")
AXE_PAGES = [(lang, path, "light") for lang, path in HOME_PAGES + PART_PAGES] + [
    (lang, path, "dark") for lang, path in HOME_PAGES + PART_PAGES if path in COLOUR_SAMPLE
]
# axe-core's colour-contrast rule is two thirds of its time on a long page. The colours come from
# the theme and book.css, not from a chapter's words, so the rule runs on the sample pages, which
# hold every coloured kind of block (code of several languages, tables, admonitions, links, the
# banner), in both schemes; every other rule runs on every page.
AXE_VIEWPORT = {"width": 1280, "height": 900}
START_AXE = """contrast => {
    window.__axeResult = null;
    axe.run(document, {resultTypes: ['violations'], rules: {'color-contrast': {enabled: contrast}}})
        .then(result => { window.__axeResult = {violations: result.violations}; })
        .catch(error => { window.__axeResult = {error: String(error)}; });
}"""


@pytest.fixture(scope="module")
def axe_results(browser, base_url, built_site, axe_script) -> dict[tuple[str, str], dict]:
    """axe-core's findings for every (path, scheme) of AXE_PAGES, run AXE_TABS pages at a time.

    A page whose HTML, fetched files, axe-core, options and browser are all those of a remembered
    pass is not checked again (tests/verdicts.py)."""
    verdicts = Verdicts("axe")
    validator = digest(axe_script.read_bytes(), START_AXE, browser.version, json.dumps(AXE_VIEWPORT))
    results: dict[tuple[str, str], dict] = {}
    keys: dict[tuple[str, str], str] = {}
    for _, path, scheme in AXE_PAGES:
        html = site_file(built_site, base_url, base_url + path)
        keys[(path, scheme)] = digest(validator, scheme, path, str(path in COLOUR_SAMPLE), html.read_bytes())
        remembered = verdicts.recall(keys[(path, scheme)], built_site)
        if remembered is not None:
            results[(path, scheme)] = remembered
    for scheme in ("light", "dark"):
        paths = [path for _, path, page_scheme in AXE_PAGES if page_scheme == scheme and (path, scheme) not in results]
        if not paths:
            continue
        context = browser.new_context(base_url=base_url, color_scheme=scheme, service_workers="block",
                                      viewport=AXE_VIEWPORT)
        context.set_default_timeout(60_000)
        reader = Reader()
        context.on("request", reader.record)
        tabs = [context.new_page() for _ in range(min(AXE_TABS, len(paths)))]
        fetched: dict[object, list[str]] = {tab: [] for tab in tabs}
        for tab in tabs:
            tab.on("request", lambda request, tab=tab: fetched[tab].append(request.url))
        for start in range(0, len(paths), len(tabs)):
            batch = list(zip(tabs, paths[start:start + len(tabs)]))
            for tab, path in batch:
                reader.foreign.clear()
                fetched[tab].clear()
                tab.goto(path, wait_until="load")
                shown = tab.locator("body").get_attribute("data-md-color-scheme")
                tab.add_script_tag(path=str(axe_script))
                tab.evaluate(START_AXE, path in COLOUR_SAMPLE)  # returns at once: the tabs run side by side
                results[(path, scheme)] = {"shown_scheme": shown, "contrast": path in COLOUR_SAMPLE}
            for tab, path in batch:
                tab.wait_for_function("() => window.__axeResult !== null")
                result = results[(path, scheme)]
                result.update(tab.evaluate("() => window.__axeResult"))
                result["foreign"] = list(reader.foreign)
                if axe_passed(result, scheme):
                    verdicts.remember(keys[(path, scheme)], result,
                                      fetched_files(built_site, base_url, fetched[tab], path))
        context.close()
    return results


def severe(result: dict) -> list[dict]:
    return [v for v in result.get("violations", []) if v["impact"] in SEVERE]


def axe_passed(result: dict, scheme: str) -> bool:
    return ("error" not in result and not result["foreign"] and not severe(result)
            and result["shown_scheme"] == {"light": "default", "dark": "slate"}[scheme])


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']}: {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'], ensure_ascii=False)}: {node['failureSummary'][:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize(("lang", "path", "scheme"), AXE_PAGES,
                         ids=[f"{lang}:/{path}:{scheme}" for lang, path, scheme in AXE_PAGES])
def test_no_serious_accessibility_violations(axe_results, lang, path, scheme):
    """axe-core on the home pages and each part's first chapter finds nothing serious or critical."""
    result = axe_results[(path, scheme)]
    assert "error" not in result, f"axe-core failed on /{path}: {result['error']}"
    assert not result["foreign"], f"/{path} asked another host: {result['foreign']}"
    assert result["shown_scheme"] == {"light": "default", "dark": "slate"}[scheme]
    violations = severe(result)
    assert not violations, f"axe-core on /{path} ({scheme}):\n" + describe(violations)


def test_nothing_is_requested_from_another_host(open_page):
    """Home pages, a search and the 404 page ask only 127.0.0.1 (every other test's pages are held
    to the same rule by the open_page fixture)."""
    page, reader = open_page(fresh=True)  # a cold cache: every file is requested
    page.goto(LANGUAGES["en"].prefix, wait_until="load")
    page.goto("", wait_until="load")
    page.keyboard.press("/")
    page.locator(".book-search__input").press_sequentially("GPU")
    page.locator(".book-search__page").first.wait_for()
    page.goto("no-such-page/", wait_until="load")
    assert page.locator("header.md-header").evaluate("el => getComputedStyle(el).position") in ("sticky", "fixed"), \
        "the 404 page loaded without its stylesheet"
    assert any(url.endswith(".pf_fragment") for url in reader.urls), \
        "no search result was fetched: the recording misses the search's requests"
    assert reader.hosts == {"127.0.0.1"} and not reader.foreign, (
        "hosts asked here: " + ", ".join(sorted(reader.hosts)) + "\nrequests to another host:\n"
        + "\n".join(sorted(set(reader.foreign))[:30])
    )
