"""The interactive calculators in a real browser: they run, follow typed input, refuse bad input, pass axe.

Each calculator is opened on its page in both languages. The results the page shows are compared
with the book's Python scripts (scripts/calcbook.py), typed through the keyboard. axe-core's passes
are remembered as the sample pages' are (tests/verdicts.py), keyed by this file too, which says
what is typed before axe-core looks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser_support import fetched_files, site_file

import calcbook
from bookconf import LANGUAGES
from verdicts import Verdicts, digest

pytestmark = pytest.mark.browser

# (calculator, the page that embeds it)
CALC_PAGES = [
    ("train-memory", "training/model-memory/"),
    ("train-cost", "insights/ai-battlefield/"),
    ("kv-cache", "inference/performance/"),
    ("checkpoint", "storage/"),
    ("checkpoint", "training/fault-tolerance/"),
]
CASES = [(lang, calc, LANGUAGES[lang].prefix + path) for lang in LANGUAGES for calc, path in CALC_PAGES]
IDS = [f"{lang}:{path}" for lang, _, path in CASES]
GIB = 2**30

# Inputs typed into each calculator, and (result row, Python value, format) checked afterwards.
TYPED = {
    "train-memory": {"params": "8B", "dp": "8", "layers": "32", "hidden": "4096", "heads": "32"},
    "train-cost": {"params": "70B", "tokens": "15T", "gpus": "4096", "mfu": "40", "price": "2.5"},
    "kv-cache": {"gpus": "8", "params": "70B", "layers": "80", "kvHeads": "8", "headDim": "128", "context": "8192"},
    "checkpoint": {"saveSeconds": "224", "mtbfHours": "50", "restartMinutes": "0"},
}


def expected(calc: str) -> list[tuple[str, str]]:
    """(row key, text the row must contain) for the TYPED inputs and the defaults of the other fields."""
    if calc == "train-memory":
        r = calcbook.train_memory(8e9, "mixed-adam", 3, 1, 1, 8, 32, 4096, 32, 8192, 1, "full", "h100-sxm")
        return [("total", f"{r['total'] / GIB:,.2f}"), ("weights", f"{r['weights'] / GIB:,.2f}"),
                ("activations", f"{r['activations'] / GIB:,.2f}")]
    if calc == "train-cost":
        r = calcbook.train_cost(70e9, 15e12, 4096, "h100-sxm", "bf16", 40, 2.5)
        return [("wall_clock_days", f"{r['wall_clock_days']:,.1f}"), ("cost", f"{r['cost']:,.0f}")]
    if calc == "kv-cache":
        r = calcbook.kv_serving("h100-sxm", 8, 70e9, 2, 80, 8, 128, "bf16", 8192)
        return [("max_requests", f"{r['max_requests']:,}"),
                ("kv_bytes_per_token", f"{r['kv_bytes_per_token'] / 1024:,.1f}")]
    r = calcbook.checkpoint(224, 50, 0)
    return [("daly_s", f"{r['daly_s'] / 3600:,.2f}"), ("waste_fraction", f"{r['waste_fraction'] * 100:.1f} %")]


def field(page, name: str):
    return page.locator(f".book-calc__form [name='{name}']")


def row_text(page, key: str) -> str:
    return page.locator(f".book-calc__out tr[data-key='{key}'] td").inner_text()


def open_calc(open_page, path: str, **options):
    page, reader = open_page(**options)
    response = page.goto(path, wait_until="load")
    assert response.status == 200, f"{page.url}: HTTP {response.status}"
    page.locator(".book-calc.book-calc--live .book-calc__form").wait_for()
    return page, reader


@pytest.mark.parametrize(("lang", "calc", "path"), CASES, ids=IDS)
def test_bad_values_are_refused_and_typing_updates_the_results(open_page, calculator_axe, lang, calc, path):
    """On one load of the page: each bad value is refused with a message, and the form in its error
    state passes axe-core (the light scheme; test_calculators_pass_axe checks the dark one); then the
    values a reader types give the results of the book's Python."""
    page, reader = open_calc(open_page, path)
    box = page.locator(f".book-calc[data-calc='{calc}']")
    assert box.count() == 1
    # The static examples (the PDF's copy) give way to the live form.
    assert not box.locator("table.book-calc__examples").is_visible()
    assert box.locator(".book-calc__form").is_visible()

    name = next(iter(TYPED[calc]))
    control = field(page, name)
    error = page.locator(f"#{control.get_attribute('aria-describedby')}")
    for bad in ("-5", "0", "abc", "", "1e30"):
        if bad == "0" and calc == "checkpoint" and name == "restartMinutes":
            continue
        control.fill(bad)
        assert control.get_attribute("aria-invalid") == "true", f"{calc}: {bad!r} accepted in {name}"
        assert error.inner_text().strip(), f"{calc}: no message for {bad!r} in {name}"
        assert "NaN" not in box.inner_text() and "Infinity" not in box.inner_text()
        assert box.locator(".book-calc__problem").inner_text().strip()
    violations = calculator_axe(page, reader, path, "light")
    assert not violations, "\n".join(violations)
    control.fill(TYPED[calc][name])
    assert control.get_attribute("aria-invalid") is None
    assert not error.inner_text().strip()
    assert not box.locator(".book-calc__problem").inner_text().strip()

    for name, text in TYPED[calc].items():
        control = field(page, name)
        control.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(text)  # keystrokes, as a reader types them
    for key, text in expected(calc):
        assert text in row_text(page, key), f"{calc} ({lang}): row {key} shows {row_text(page, key)!r}, expected {text}"
    assert "NaN" not in box.inner_text()
    reader.assert_clean()


def test_weights_that_do_not_fit_are_explained(open_page):
    page, _ = open_calc(open_page, "en/inference/performance/")
    field(page, "gpus").fill("1")
    field(page, "params").fill("405B")
    problem = page.locator(".book-calc__problem").inner_text()
    assert "do not fit" in problem and "GiB" in problem
    assert row_text(page, "max_requests") == "—"


def test_fields_are_labelled_and_reachable_by_keyboard(open_page):
    page, _ = open_calc(open_page, "en/training/model-memory/")
    controls = page.locator(".book-calc__form input, .book-calc__form select")
    ids = [controls.nth(i).get_attribute("id") for i in range(controls.count())]
    assert len(ids) == 13
    for control_id in ids:
        label = page.locator(f"label[for='{control_id}']")
        assert label.count() == 1 and label.inner_text().strip(), f"#{control_id} has no label"
    page.locator(f"#{ids[0]}").focus()
    for control_id in ids[1:]:
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == control_id
    # A select changes with the arrow keys, and the verdict follows.
    accel = page.locator("select[name='accel']")
    accel.focus()
    before = accel.input_value()
    page.keyboard.press("ArrowDown")
    chosen = accel.input_value()
    assert chosen != before
    assert f"{float(calcbook.accelerator(chosen)['memory_gb']):,.2f}" in row_text(page, "capacity")


RUN_AXE = """() => axe.run({include: [['.book-calc']]}, {resultTypes: ['violations']})
    .then(r => r.violations.map(v => v.impact + ': ' + v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"""


@pytest.fixture(scope="module")
def calculator_axe(browser, base_url, built_site, axe_script):
    """check(page, reader, path, scheme): axe-core's violations inside the calculator boxes of the
    open page. A pass is taken from the remembered ones while the page, every file it fetched, this
    test file, axe-core and the browser are the same (tests/verdicts.py)."""
    verdicts = Verdicts("axe-calculators")
    validator = digest(axe_script.read_bytes(), RUN_AXE, browser.version, Path(__file__).read_bytes())

    def check(page, reader, path: str, scheme: str) -> list[str]:
        html = site_file(built_site, base_url, base_url + path)
        key = digest(validator, path, scheme, json.dumps(page.viewport_size, sort_keys=True), html.read_bytes())
        if verdicts.recall(key, built_site) is not None:
            return []
        page.add_script_tag(path=str(axe_script))
        violations = page.evaluate(RUN_AXE)
        if not violations:
            verdicts.remember(key, {"violations": []}, fetched_files(built_site, base_url, reader.urls, path))
        return violations

    return check


# The light scheme is checked by test_bad_values_are_refused_and_typing_updates_the_results on every
# calculator page; the dark scheme (colours only) here, on the English pages.
AXE_CASES = [(lang, calc, path, "dark") for lang, calc, path in CASES if lang == "en"]


@pytest.mark.parametrize(("lang", "calc", "path", "scheme"), AXE_CASES,
                         ids=[f"{lang}:{path}:{scheme}" for lang, _, path, scheme in AXE_CASES])
def test_calculators_pass_axe(open_page, calculator_axe, lang, calc, path, scheme):
    page, reader = open_calc(open_page, path, color_scheme=scheme)
    field(page, next(iter(TYPED[calc]))).fill("abc")  # the error state is checked too
    result = calculator_axe(page, reader, path, scheme)
    assert not result, "\n".join(result)
