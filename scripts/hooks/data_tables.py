"""MkDocs hook: replace data-table / data-plot marker lines with generated content.

A page holds a marker on its own line, e.g.

    <!-- data-table: accelerator-tflops -->
    <!-- data-plot: accelerator-roofline -->

and this hook swaps it for the table (Markdown) or a link to the plot (SVG) in the
page's language. Data lives in data/*.yaml (checked by scripts/check_tables.py on every
build); strings for both languages live in scripts/tables/strings.py.

Language: from the page's suffix (page.en.md -> en), otherwise from
config.theme.language, which mkdocs-static-i18n sets for each language build.
Plots are rendered with matplotlib at build time and added to the build's Files as
generated files (assets/data-plots/NAME-LANG.svg); nothing is written into docs/.
An unknown marker name stops the build with an error naming the page.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import posixpath
import re
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from scripts.tables.render import PLOT_NAMES, TABLE_NAMES, render_table
from scripts.tables.schema import TableDataError, load_all

log = logging.getLogger("mkdocs.hooks.data_tables")

PLOT_DIR = "assets/data-plots"
MARKER_RE = re.compile(r"^[ \t]*<!--\s*data-(table|plot):\s*([A-Za-z0-9_.-]+)\s*-->[ \t]*$")
FENCE_RE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
SUFFIX_RE = re.compile(r"\.([a-z]{2})(?:[_-][A-Za-z]+)?\.md$")

_state: dict = {"data": None, "data_key": None, "lang": "zh"}
_svg_cache: dict = {}


def normalize_lang(value) -> str:
    text = str(value or "").lower()
    return "en" if text.startswith("en") else "zh"


def page_language(src_uri: str, build_lang: str) -> str:
    match = SUFFIX_RE.search(src_uri)
    if match:
        return normalize_lang(match.group(1))
    return normalize_lang(build_lang)


def data_dir(config) -> str:
    config_path = getattr(config, "config_file_path", None) or ""
    base = os.path.dirname(os.path.abspath(config_path)) if config_path else ROOT
    candidate = os.path.join(base, "data")
    return candidate if os.path.isdir(candidate) else os.path.join(ROOT, "data")


def load_data(directory: str) -> dict:
    try:
        return load_all(directory)
    except TableDataError as exc:
        raise PluginError("data_tables: invalid data files:\n" + str(exc)) from None


@event_priority(-150)  # after mkdocs-static-i18n (-100) has set theme.language
def on_config(config):
    _state["lang"] = normalize_lang(config.theme.get("language") if config.theme else "zh")
    _state["data"] = load_data(data_dir(config))
    _state["data_key"] = hashlib.sha256(
        json.dumps(_state["data"], sort_keys=True, default=str).encode()
    ).hexdigest()
    return config


def plot_svg(name: str, lang: str) -> bytes:
    """The plot's SVG: from memory, else from .cache/plots (keyed by the data and the plotting
    code, so `mkdocs serve` reloads and repeated builds skip matplotlib), else rendered."""
    key = (name, lang, _state["data_key"])
    if key not in _svg_cache:
        code = hashlib.sha256(Path(ROOT, "scripts", "tables", "plots.py").read_bytes()).hexdigest()[:12]
        cached = Path(ROOT, ".cache", "plots", f"{name}-{lang}-{_state['data_key'][:16]}-{code}.svg")
        if cached.exists():
            _svg_cache[key] = cached.read_bytes()
        else:
            from scripts.tables.plots import render_plot  # matplotlib is imported only when needed

            _svg_cache[key] = render_plot(name, _state["data"], lang)
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.with_suffix(".part").write_bytes(_svg_cache[key])
            cached.with_suffix(".part").replace(cached)
    return _svg_cache[key]


def plot_uri(name: str, lang: str) -> str:
    return f"{PLOT_DIR}/{name}-{lang}.svg"


@event_priority(-200)  # after mkdocs-static-i18n (-100) has rebuilt the file list
def on_files(files, config):
    lang = normalize_lang(config.theme.get("language") if config.theme else _state["lang"])
    for name in PLOT_NAMES:
        uri = plot_uri(name, lang)
        existing = files.get_file_from_path(uri)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, uri, content=plot_svg(name, lang)))
    return files


def _table_block(name: str, lang: str, page_uri: str) -> str:
    if name not in TABLE_NAMES:
        raise PluginError(
            f"data_tables: {page_uri}: unknown data-table marker '{name}' "
            f"(known: {', '.join(TABLE_NAMES)})"
        )
    return render_table(name, _state["data"], lang)


def _plot_block(name: str, lang: str, page_uri: str) -> str:
    from scripts.tables.strings import plot_meta  # no matplotlib import for a cached plot

    if name not in PLOT_NAMES:
        raise PluginError(
            f"data_tables: {page_uri}: unknown data-plot marker '{name}' "
            f"(known: {', '.join(PLOT_NAMES)})"
        )
    alt, caption = plot_meta(name, lang)
    target = posixpath.relpath(plot_uri(name, lang), posixpath.dirname(page_uri) or ".")
    return "\n".join([
        '<div class="data-plot" markdown>', "", f"![{alt}]({target})", "", f"*{caption}*", "",
        "</div>", "",
    ])


def replace_markers(markdown: str, page_uri: str, lang: str) -> str:
    """Replace every marker line outside fenced code; raise PluginError on unknown names."""
    out = []
    fence = None
    for line in markdown.split("\n"):
        fence_match = FENCE_RE.match(line)
        if fence_match:
            token = fence_match.group(1)
            if fence is None:
                fence = token[0] * len(token)
            elif token.startswith(fence):
                fence = None
            out.append(line)
            continue
        match = MARKER_RE.match(line) if fence is None else None
        if not match:
            out.append(line)
            continue
        kind, name = match.groups()
        block = (_table_block if kind == "table" else _plot_block)(name, lang, page_uri)
        out.append(block.rstrip("\n"))
    return "\n".join(out)


def on_page_markdown(markdown, page, config, files):
    if "data-table:" not in markdown and "data-plot:" not in markdown:
        return markdown
    src_uri = page.file.src_uri
    lang = page_language(src_uri, config.theme.get("language") if config.theme else _state["lang"])
    return replace_markers(markdown, src_uri, lang)
