"""MkDocs hook: the interactive calculators' build-time half.

A page embeds a calculator with one line of raw HTML (md_in_html is on):

    <div class="book-calc" data-calc="train-memory"></div>

Names: train-memory, train-cost, kv-cache, checkpoint (scripts/calcbook.py). This hook

* fills each marker with a table of worked examples computed by the book's Python scripts (the
  PDF and EPUB keep the table; on the web, overrides/assets/javascripts/calc.js builds the form
  and overrides/assets/stylesheets/calc.css hides the table once the form runs);
* gives each marker ``data-src``, the page-relative address of ``assets/calc/book-calc.json``;
* writes that JSON (accelerator figures from data/accelerators.yaml, optimizer recipes and KV
  dtype sizes from the scripts) into the site, once per language build.

An unknown calculator name is a warning, so ``mkdocs build --strict`` fails on it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bookconf import build_language  # noqa: E402
from mkdocs.utils import get_relative_url  # noqa: E402

import calcbook  # noqa: E402

log = logging.getLogger("mkdocs.hooks.calculators")

DATA_PATH = "assets/calc/book-calc.json"
MARKER = re.compile(r'<div class="book-calc" data-calc="([^"]*)">\s*</div>')


def on_page_content(html: str, page, config, files) -> str:
    lang = build_language(config)

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in calcbook.CALCULATORS:
            log.warning("%s: unknown calculator %r (known: %s)", page.file.src_uri, name,
                        ", ".join(calcbook.CALCULATORS))
            return match.group(0)
        src = get_relative_url(DATA_PATH, page.url)
        return (f'<div class="book-calc" data-calc="{name}" data-src="{src}">'
                f"{calcbook.examples_html(name, lang)}</div>")

    return MARKER.sub(fill, html)


def on_post_build(config) -> None:
    target = Path(config.site_dir) / DATA_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(calcbook.calc_data(), ensure_ascii=False, separators=(",", ":")),
                      encoding="utf-8")
