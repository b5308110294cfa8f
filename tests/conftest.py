"""Shared test fixtures: where the book's built site lives (fixture sites: sitebuild.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from bookconf import SITE  # noqa: E402


@pytest.fixture(scope="session")
def site() -> Path:
    """The site that `make book` built; the tests that read it fail (not skip) without it."""
    if not (SITE / "index.html").exists():
        pytest.fail(f"{SITE} is not built: run `make book` (make test does it first)")
    return SITE
