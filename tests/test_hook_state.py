"""The hooks keep per-build state in module globals, and `mkdocs serve` keeps the hook modules
between rebuilds: after a failed build, the next build in the same process must come out whole
(every hook resets its state when the default language's build starts; scripts/hookstate.py)."""

from __future__ import annotations

import json
import shutil

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from sitebuild import FIXTURE_SITES, ROOT, fixture_config

HOOKS = ROOT / "scripts" / "hooks"
FAILING_HOOK = '''
from pathlib import Path

from mkdocs.exceptions import PluginError


def on_post_build(config):
    # Before the book's hooks finish the English build (they run at lower priorities).
    if config.theme["language"] == "en" and Path(__file__).with_name("FAIL").exists():
        raise PluginError("planned failure of the English build")
'''


def test_a_build_after_a_failed_one_in_the_same_process_is_whole(tmp_path):
    shutil.copytree(FIXTURE_SITES / "good" / "docs", tmp_path / "docs")
    failing = tmp_path / "fail_en.py"
    failing.write_text(FAILING_HOOK, encoding="utf-8")
    config_file = fixture_config(tmp_path / "docs", tmp_path, hooks=(
        HOOKS / "translation_drift.py", HOOKS / "search_index.py", failing))
    site = tmp_path / "site"

    (tmp_path / "FAIL").touch()
    with pytest.raises(Abort):
        build(load_config(str(config_file), site_dir=str(site)))

    (tmp_path / "FAIL").unlink()
    shutil.rmtree(site)
    build(load_config(str(config_file), site_dir=str(site)))  # as `mkdocs serve` rebuilds: a fresh config

    root_404, en_404 = (site / "404.html").read_text("utf-8"), (site / "en" / "404.html").read_text("utf-8")
    assert '<html lang="zh-CN"' in root_404 and "bookNotFound" in root_404  # i18n_site wrote both pages
    assert '<html lang="en"' in en_404
    for lang in ("zh", "en"):                                                 # book_manifest wrote both
        manifest = json.loads((site / ".book" / f"manifest-{lang}.json").read_text("utf-8"))
        assert manifest["language"] == lang and manifest["parts"]
    assert (site / "pagefind" / "pagefind.js").is_file()                     # search_index ran at the end
