"""Shared test fixtures: where the book's built site lives (fixture sites: sitebuild.py).

Every test gets one tier marker from where it lives, so `pytest -m unit` (seconds) or
`pytest -m "not browser and not pdf"` select tiers without any test file naming its tier:

    browser  tests/browser/                 drives Chromium over the built site
    pdf      tests/test_pdf.py              reads the built PDFs, builds small fixture PDFs
    tools    tests/tools/, tests/chapters/  runs the book's scripts and the commands on its pages
    site     any other test that uses the `site` fixture (needs make book)
    unit     everything else: checkers, hooks and tables on fixtures (no build needed)

A test marked with a tier (`@pytest.mark.site`) keeps it.

Under pytest-xdist, `make test` runs `-n <cores + 1> --dist loadfile`: each file stays on one worker, so a
module's shared fixtures (a fixture PDF book, axe-core over every page) are made once. (Not
`--dist loadgroup`: with pytest 9.2 and pytest-xdist 3.8 it silently stops grouping, because
the group travels in a node id that pytest no longer lets a plugin change; pytest-xdist#1386.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from bookconf import SITE  # noqa: E402
from script_runner import share_preloaders  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # pytest's main process, before any xdist worker starts
        share_preloaders()
    # make test runs with PYTHONDONTWRITEBYTECODE, so that the scripts it starts leave no __pycache__
    # beside the pages. pytest's own processes keep the bytecode of what they import (git ignores
    # those folders, and mkdocs.yml's exclude_docs leaves them out of the site): otherwise every
    # worker rewrites and compiles every test module again, 1.5 of its 3.4 CPU-s of collecting.
    sys.dont_write_bytecode = False


TIERS = ("unit", "site", "browser", "pdf", "tools")
# pytest-timeout's limit covers a test's fixtures too. These tiers have module- and session-scoped
# fixtures that do a whole tier's work at once (axe over every page, fixture PDF books); on a loaded
# 2-core machine axe alone took 302 s. Everything else keeps the default of pyproject.toml (300 s).
TIER_TIMEOUTS = {"browser": 900, "pdf": 900}


def tier_of(item: pytest.Item) -> str:
    for tier in TIERS:
        if item.get_closest_marker(tier):  # a test may name its tier (a slow one that needs no build)
            return tier
    path = Path(str(item.path))
    if not path.is_relative_to(ROOT / "tests"):
        return "tools"  # e.g. the example tests under docs/ when named on the command line
    parts = path.relative_to(ROOT / "tests").parts
    if parts[0] == "browser":
        return "browser"
    if parts[0] == "test_pdf.py":
        return "pdf"
    if parts[0] in ("tools", "chapters"):
        return "tools"
    if "site" in getattr(item, "fixturenames", ()):
        return "site"
    return "unit"


@pytest.hookimpl(tryfirst=True)  # the tiers are marked before `-m` selects by them
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        tier = tier_of(item)
        item.add_marker(getattr(pytest.mark, tier))
        if tier in TIER_TIMEOUTS and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(TIER_TIMEOUTS[tier]))
        if tier != "site" and "site" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.site)  # `-m "not site"` leaves out every test that needs make book


@pytest.fixture(scope="session")
def site() -> Path:
    """The site that `make book` built; the tests that read it fail (not skip) without it."""
    if not (SITE / "index.html").exists():
        pytest.fail(f"{SITE} is not built: run `make book` (make test does it first)")
    return SITE
