"""How a reader moves around: the language switcher, the colour scheme, a phone screen (search: test_search.py)."""

from __future__ import annotations

import re

import pytest

from bookconf import LANGUAGES, PARTS

pytestmark = pytest.mark.browser

EN = LANGUAGES["en"].prefix  # "en/"
CJK = re.compile(r"[\u4e00-\u9fff]")


def pick_language(page, hreflang: str) -> None:
    """Open the header's language menu (it opens on hover) and click one language."""
    menu = page.locator(".md-header__option .md-select").filter(has=page.locator("a.md-select__link"))
    menu.hover()
    menu.locator(f"a.md-select__link[hreflang='{hreflang}']").click()


# test_site.py checks every page's language menu in the built HTML; here a reader uses the menu
# (it opens on hover) on a part page and on a chapter below one.
@pytest.mark.parametrize("where", [PARTS[0], "training/model-memory"])
def test_language_switcher_round_trip(open_page, base_url, where):
    page, _ = open_page()
    start = f"{base_url}{where}/"
    page.goto(start, wait_until="domcontentloaded")
    with page.expect_navigation(wait_until="domcontentloaded"):
        pick_language(page, "en")
    assert page.url == f"{base_url}{EN}{where}/", f"English entry on /{where}/ led to {page.url}"
    assert page.locator("html").get_attribute("lang") == LANGUAGES["en"].html_lang
    with page.expect_navigation(wait_until="domcontentloaded"):
        pick_language(page, "zh")
    assert page.url == start, f"Chinese entry on /{EN}{where}/ led to {page.url}"
    assert page.locator("html").get_attribute("lang") == LANGUAGES["zh"].html_lang


def color_scheme(page) -> str:
    return page.locator("body").get_attribute("data-md-color-scheme")


def stored_palette(page) -> str:
    """The scheme Material saved in localStorage (its key ends with '__palette')."""
    return page.evaluate(
        """() => {
            const key = Object.keys(localStorage).find(k => k.endsWith('__palette'));
            return key ? JSON.parse(localStorage.getItem(key)).color.scheme : null;
        }"""
    )


def toggle_palette(page) -> None:
    page.locator("form[data-md-component='palette'] label:not([hidden])").click()


def test_colour_scheme_choice_persists_across_pages(open_page):
    page, _ = open_page(color_scheme="light")
    page.goto("")
    assert color_scheme(page) == "default"
    toggle_palette(page)
    assert color_scheme(page) == "slate"
    assert stored_palette(page) == "slate"
    for path in (f"{PARTS[1]}/", f"{EN}{PARTS[1]}/", EN):
        page.goto(path)
        assert color_scheme(page) == "slate", f"/{path} forgot the dark scheme"
    toggle_palette(page)
    assert color_scheme(page) == "default"
    page.goto(f"{PARTS[0]}/")
    assert color_scheme(page) == "default", "the switch back to light was not kept"
    assert stored_palette(page) == "default"


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}


def test_phone_opens_the_navigation_drawer(open_page):
    page, _ = open_page(**PHONE)
    page.goto(f"{EN}{PARTS[1]}/")
    drawer = page.locator(".md-sidebar--primary")
    assert not in_view(drawer.bounding_box(), 390), "the drawer shows before it is opened"
    page.locator("label.md-header__button[for='__drawer']").tap()
    assert page.locator("#__drawer").is_checked()
    page.wait_for_function(
        "() => { const r = document.querySelector('.md-sidebar--primary').getBoundingClientRect();"
        " return r.left >= 0 && r.right <= window.innerWidth + 1; }"
    )
    links = page.locator(".md-sidebar--primary .md-nav__link")
    assert links.first.is_visible()


def in_view(box, width: int) -> bool:
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1


def test_phone_scrolls_a_wide_table_sideways(open_page):
    page, _ = open_page(**PHONE)
    page.goto("compute/accelerator/")
    wraps = page.locator(".md-typeset__scrollwrap")
    widths = wraps.evaluate_all("els => els.map(e => [e.scrollWidth, e.clientWidth])")
    wide = [i for i, (scroll, client) in enumerate(widths) if scroll > client + 20]
    assert wide, f"no table on /compute/accelerator/ is wider than the phone screen: {widths}"
    # The page itself must not scroll sideways: only the table does.
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    table = wraps.nth(wide[0])
    # A table may be taller than the screen: bring its middle to the middle of the screen and swipe there.
    table.evaluate("el => el.scrollIntoView({block: 'center'})")
    box = table.bounding_box()
    swipe_left(page, x=int(box["x"] + box["width"] * 0.8), y=PHONE["viewport"]["height"] // 2, distance=240)
    moved = table.evaluate("el => new Promise(done => setTimeout(() => done(el.scrollLeft), 500))")
    assert moved > 0, "a sideways swipe on the wide table did not scroll it"
    assert page.evaluate("() => window.scrollX") == 0, "the swipe scrolled the page instead of the table"


def swipe_left(page, x: int, y: int, distance: int, steps: int = 12) -> None:
    """A finger swipe from right to left, as raw touch events (synthesized gestures do not scroll headless)."""
    session = page.context.new_cdp_session(page)
    session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, steps + 1):
        point = {"x": x - distance * step // steps, "y": y}
        session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    session.detach()
