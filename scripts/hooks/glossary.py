"""MkDocs hook: render the glossary table from data/glossary.yaml in the page's language.

A page holds the marker on its own line (outside fenced code):

    <!-- glossary-table -->

and this hook replaces it with a Markdown table (English, Chinese, variants avoided in Chinese,
definition) in the language of the page (page.en.md -> English, otherwise the build's language).
data/glossary.yaml is the single source: scripts/check_terms.py reads the same file to flag the
avoided variants in Chinese pages. An invalid glossary stops the build with the problems listed.
"""

from __future__ import annotations

import os
import re
import sys

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from scripts.terms import FENCE_RE, GlossaryError, load_glossary, render_table  # noqa: E402

MARKER_RE = re.compile(r"^[ \t]*<!--\s*glossary-table\s*-->[ \t]*$")
SUFFIX_RE = re.compile(r"\.([a-z]{2})(?:[_-][A-Za-z]+)?\.md$")

_state: dict = {"terms": None, "lang": "zh"}


def _lang(value) -> str:
    return "en" if str(value or "").lower().startswith("en") else "zh"


def glossary_path(config) -> str:
    config_path = getattr(config, "config_file_path", None) or ""
    base = os.path.dirname(os.path.abspath(config_path)) if config_path else ROOT
    candidate = os.path.join(base, "data", "glossary.yaml")
    return candidate if os.path.isfile(candidate) else os.path.join(ROOT, "data", "glossary.yaml")


@event_priority(-150)  # after mkdocs-static-i18n (-100) has set theme.language
def on_config(config):
    _state["lang"] = _lang(config.theme.get("language") if config.theme else "zh")
    try:
        _state["terms"] = load_glossary(glossary_path(config))
    except GlossaryError as exc:
        raise PluginError(f"glossary: invalid data/glossary.yaml:\n{exc}") from None
    return config


def replace_marker(markdown: str, lang: str) -> str:
    out = []
    fence = None
    for line in markdown.split("\n"):
        match = FENCE_RE.match(line)
        if match:
            token = match.group(1)
            if fence is None:
                fence = token[0] * len(token)
            elif token.startswith(fence):
                fence = None
        if fence is None and MARKER_RE.match(line):
            out.append(render_table(_state["terms"], lang).rstrip("\n"))
        else:
            out.append(line)
    return "\n".join(out)


def on_page_markdown(markdown, page, config, files):
    if "glossary-table" not in markdown:
        return markdown
    match = SUFFIX_RE.search(page.file.src_uri)
    lang = _lang(match.group(1)) if match else _lang(config.theme.get("language") if config.theme else _state["lang"])
    return replace_marker(markdown, lang)
