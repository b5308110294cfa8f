"""tests/verdicts.py: a remembered pass counts only for the same key and unchanged files."""

from __future__ import annotations

import os
import time

import pytest
from verdicts import Verdicts, digest, file_digest, prune


@pytest.fixture
def verdicts(tmp_path, monkeypatch):
    monkeypatch.delenv("BOOK_TESTS_VERDICTS", raising=False)
    store = Verdicts("axe")
    store.folder = tmp_path / "cache"
    return store


def test_a_pass_is_recalled_while_its_files_are_unchanged(verdicts, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "main.css").write_text("a { color: #1a5fb4 }")
    key = digest("page html", "light")
    verdicts.remember(key, {"violations": []}, {"main.css": file_digest(site / "main.css")})
    assert verdicts.recall(key, site) == {"violations": []}
    assert verdicts.recall(digest("page html", "dark"), site) is None, "another key"
    (site / "main.css").write_text("a { color: #dddddd }")
    assert verdicts.recall(key, site) is None, "a file the page fetched changed"
    (site / "main.css").unlink()
    assert verdicts.recall(key, site) is None, "a file the page fetched is gone"


def test_nothing_is_recalled_or_kept_when_turned_off(verdicts, tmp_path, monkeypatch):
    key = digest("epub bytes")
    verdicts.remember(key, {"stdout": ""})
    monkeypatch.setenv("BOOK_TESTS_VERDICTS", "0")
    assert verdicts.recall(key) is None
    verdicts.remember(digest("other"), {"stdout": ""})
    assert len(list(verdicts.folder.iterdir())) == 1


def test_a_damaged_entry_means_the_validator_runs(verdicts):
    key = digest("page")
    verdicts.remember(key, {"violations": []})
    (verdicts.folder / f"{key}.json").write_text('{"files": {}, "res')
    assert verdicts.recall(key) is None


def test_entries_unused_for_a_month_are_pruned_and_a_recall_counts_as_use(verdicts):
    old, recalled = digest("old"), digest("recalled")
    verdicts.remember(old, {})
    verdicts.remember(recalled, {})
    month_ago = time.time() - 31 * 86400
    for key in (old, recalled):
        os.utime(verdicts.folder / f"{key}.json", (month_ago, month_ago))
    assert verdicts.recall(recalled) == {}
    prune(verdicts.folder)
    assert sorted(p.stem for p in verdicts.folder.iterdir()) == [recalled]


def test_digest_keeps_parts_apart():
    assert digest("ab", "c") != digest("a", "bc")
    assert digest(b"x") == digest("x")
