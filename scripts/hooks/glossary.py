"""MkDocs hook: render the glossary table from data/glossary.yaml in the page's language.

A page holds the marker on its own line (outside fenced code):

    <!-- glossary-table -->

and this hook replaces it with a Markdown table (English, Chinese, variants avoided in Chinese,
definition) in the language of the page (page.en.md -> English, otherwise the build's language),
its headers from data/languages.yaml (glossary.*).
data/glossary.yaml is the single source: scripts/check_terms.py reads the same file to flag the
avoided variants in Chinese pages. An invalid glossary stops the build with the problems listed.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for _path in (ROOT, os.path.join(ROOT, "scripts")):  # scripts.tables.* by package, the shared modules by name
    if _path not in sys.path:
        sys.path.insert(0, _path)

from languages import DEFAULT_LANGUAGE, build_language, language_of  # noqa: E402
from mdlines import TEXT, read  # noqa: E402
from scripts.terms import GlossaryError, load_glossary, render_table  # noqa: E402

MARKER_RE = re.compile(r"^[ \t]*<!--\s*glossary-table\s*-->[ \t]*$")

# The glossary of the build, loaded in on_config: every build loads its own.
_state: dict = {"terms": None}


def glossary_path(config) -> str:
    config_path = getattr(config, "config_file_path", None) or ""
    base = os.path.dirname(os.path.abspath(config_path)) if config_path else ROOT
    candidate = os.path.join(base, "data", "glossary.yaml")
    return candidate if os.path.isfile(candidate) else os.path.join(ROOT, "data", "glossary.yaml")


def on_config(config):
    try:
        _state["terms"] = load_glossary(glossary_path(config))
    except GlossaryError as exc:
        raise PluginError(f"glossary: invalid data/glossary.yaml:\n{exc}") from None
    return config


def replace_marker(markdown: str, lang: str) -> str:
    out = []
    for line in read(markdown, front_matter=False).lines:
        if line.kind == TEXT and MARKER_RE.match(line.text):
            out.append(render_table(_state["terms"], lang).rstrip("\n"))
        else:
            out.append(line.text)
    return "\n".join(out)


def on_page_markdown(markdown, page, config, files):
    if "glossary-table" not in markdown:
        return markdown
    lang = language_of(Path(page.file.src_uri))
    return replace_marker(markdown, lang if lang != DEFAULT_LANGUAGE else build_language(config))
