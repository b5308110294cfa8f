"""MkDocs hook: replace data-table / data-plot marker lines with generated content.

A page holds a marker on its own line, e.g.

    <!-- data-table: accelerator-tflops -->
    <!-- data-plot: accelerator-roofline -->

and this hook swaps it for the table (Markdown) or a link to the plot (SVG) in the
page's language. Data lives in data/*.yaml (checked by scripts/check_tables.py on every
build); the strings around it are the languages' (data/languages.yaml, ``tables.*``).

Language: from the page's suffix (page.en.md -> en), otherwise the build's, which
mkdocs-static-i18n sets for each language build.
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
for _path in (ROOT, os.path.join(ROOT, "scripts")):  # scripts.tables.* by package, the shared modules by name
    if _path not in sys.path:
        sys.path.insert(0, _path)

from buildcache import cached_files, parse_yaml
from mdlines import TEXT, read
from languages import DEFAULT_LANGUAGE, build_language, language, language_of
from scripts.tables.render import PLOT_NAMES, TABLE_NAMES, render_table
from scripts.tables.schema import LANGS as DATA_LANGUAGES, TableDataError, load_all
from scripts.tables.tablehtml import break_identifiers, link_sources

log = logging.getLogger("mkdocs.hooks.data_tables")

PLOT_DIR = "assets/data-plots"
PLOT_SCHEMES = ("light", "dark")  # Material's default and slate colour schemes
MARKER_RE = re.compile(r"^[ \t]*<!--\s*data-(table|plot):\s*([A-Za-z0-9_.-]+)\s*-->[ \t]*$")

# The checked data of the build, loaded in on_config (every build loads its own), and the
# plots drawn in this process: keyed by the data's hash, they never go stale.
_state: dict = {"data": None, "data_key": None}
_svg_cache: dict = {}


def page_language(src_uri: str, build_lang: str) -> str:
    """The language of a page: its suffix's (page.en.md -> en), otherwise the build's."""
    code = language_of(Path(src_uri))
    return code if code != DEFAULT_LANGUAGE else language(build_lang).code


def data_dir(config) -> str:
    config_path = getattr(config, "config_file_path", None) or ""
    base = os.path.dirname(os.path.abspath(config_path)) if config_path else ROOT
    candidate = os.path.join(base, "data")
    return candidate if os.path.isdir(candidate) else os.path.join(ROOT, "data")


def load_data(directory: str) -> dict:
    try:
        data = load_all(directory)
    except TableDataError as exc:
        raise PluginError("data_tables: invalid data files:\n" + str(exc)) from None
    data["loss_patterns"] = load_loss_patterns(os.path.join(directory, "loss-patterns.yaml"))
    return data


def load_loss_patterns(path: str) -> dict:
    """The synthetic curves of the loss-pattern gallery (docs/training/loss_patterns.py writes them)."""
    if not os.path.exists(path):
        return {"steps": 0, "patterns": []}
    with open(path, encoding="utf-8") as handle:
        raw = parse_yaml(handle.read()) or {}
    steps, patterns = raw.get("steps"), raw.get("loss_patterns")
    if not isinstance(steps, int) or not isinstance(patterns, list):
        raise PluginError(f"data_tables: {path}: needs an integer 'steps' and a list 'loss_patterns'")
    for number, pattern in enumerate(patterns, start=1):
        loss = pattern.get("loss") if isinstance(pattern, dict) else None
        title = pattern.get("title") if isinstance(pattern, dict) else None
        if not (isinstance(loss, list) and len(loss) == steps
                and all(v is None or isinstance(v, (int, float)) for v in loss)):
            raise PluginError(f"data_tables: {path}: pattern {number}: 'loss' must hold {steps} numbers or nulls")
        if not (isinstance(title, dict) and set(DATA_LANGUAGES) <= set(title)):
            raise PluginError(f"data_tables: {path}: pattern {number}: 'title' needs "
                              + " and ".join(repr(code) for code in DATA_LANGUAGES))
    return {"steps": steps, "patterns": patterns}


def on_config(config):
    directory = data_dir(config)
    # parsed and validated once per version of the data files, for both languages and every reload
    _state["data"], _state["data_key"] = cached_files(sorted(Path(directory).glob("*.yaml")), "data tables",
                                                      lambda: keyed(load_data(directory)))
    return config


def keyed(data: dict) -> tuple[dict, str]:
    """The data with a digest of it (part of the plot cache's key)."""
    return data, hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def plotting_code_digest() -> str:
    """A digest of everything a plot's SVG depends on besides the data: the plotting modules and
    the languages' strings (titles, labels)."""
    sources = sorted(Path(ROOT, "scripts", "tables").glob("*.py")) + [Path(ROOT, "data", "languages.yaml")]
    return cached_files(sources, "plot code", lambda: hashlib.sha256(
        b"".join(path.read_bytes() for path in sources)).hexdigest()[:12])


def plot_svg(name: str, lang: str, scheme: str = "light") -> bytes:
    """The plot's SVG: from memory, else from .cache/plots (keyed by the data and the plotting
    code, so `mkdocs serve` reloads and repeated builds skip matplotlib), else rendered."""
    key = (name, lang, scheme, _state["data_key"])
    if key not in _svg_cache:
        code = plotting_code_digest()
        cached = Path(ROOT, ".cache", "plots",
                      f"{name}-{lang}-{scheme}-{_state['data_key'][:16]}-{code}.svg")
        if cached.exists():
            _svg_cache[key] = cached.read_bytes()
        else:
            from scripts.tables.plots import render_plot  # matplotlib is imported only when needed

            _svg_cache[key] = render_plot(name, _state["data"], lang, scheme=scheme)
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.with_suffix(".part").write_bytes(_svg_cache[key])
            cached.with_suffix(".part").replace(cached)
    return _svg_cache[key]


def plot_uri(name: str, lang: str, scheme: str = "light") -> str:
    """assets/data-plots/NAME-LANG.svg for the light scheme, NAME-LANG-dark.svg for the dark one."""
    return f"{PLOT_DIR}/{name}-{lang}{'' if scheme == 'light' else '-' + scheme}.svg"


def plots_on_pages(files) -> list[str]:
    """The plots that this language's pages show: a copy of the book with a few of its pages
    renders only theirs."""
    shown = set()
    for file in files.documentation_pages():
        text = file.content_string
        if "data-plot" not in text:
            continue
        for line in read(text, front_matter=False).lines:
            match = MARKER_RE.match(line.text) if line.kind == TEXT else None
            if match and match.group(1) == "plot":
                shown.add(match.group(2))
    return [name for name in PLOT_NAMES if name in shown]


@event_priority(-200)  # after mkdocs-static-i18n (-100) has rebuilt the file list
def on_files(files, config):
    lang = build_language(config)
    for name in plots_on_pages(files):
        for scheme in PLOT_SCHEMES:
            uri = plot_uri(name, lang, scheme)
            existing = files.get_file_from_path(uri)
            if existing is not None:
                files.remove(existing)
            files.append(File.generated(config, uri, content=plot_svg(name, lang, scheme)))
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
    here = posixpath.dirname(page_uri) or "."
    light = posixpath.relpath(plot_uri(name, lang), here)
    dark = posixpath.relpath(plot_uri(name, lang, "dark"), here)
    enlarge = language(lang).t("tables.plot_enlarge")
    # One image per colour scheme; the stylesheet shows the one matching Material's scheme
    # (the PDF hides the dark one). Each image links to its SVG file: the full-size view.
    figures = " ".join(
        f'[![{alt}]({target}){{loading=lazy}}]({target} "{enlarge}"){{.data-plot__{scheme}}}'
        for scheme, target in (("light", light), ("dark", dark))
    )
    return "\n".join([
        '<div class="data-plot" markdown>', "", figures, "",
        f"*{caption}*{{.book-caption}}", "", "</div>", "",
    ])


def replace_markers(markdown: str, page_uri: str, lang: str) -> str:
    """Replace every marker line outside fenced code; raise PluginError on unknown names."""
    out = []
    for line in read(markdown, front_matter=False).lines:
        match = MARKER_RE.match(line.text) if line.kind == TEXT else None
        if not match:
            out.append(line.text)
            continue
        kind, name = match.groups()
        block = (_table_block if kind == "table" else _plot_block)(name, lang, page_uri)
        out.append(block.rstrip("\n"))
    return "\n".join(out)


SNIPPET_FENCE_RE = re.compile(
    r'^(?P<open>(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*))\n'
    r'(?P<body>(?P=indent)--8<--[ \t]+"(?P<path>[^"\n]+)"[ \t]*\n)'
    r'(?P<close>(?P=indent)(?P=fence)[ \t]*)$',
    re.M,
)


def title_snippet_blocks(markdown: str) -> str:
    """A fenced block that only includes a file (--8<-- "dir/name.py") gets the file's name as
    its title (Material shows it above the code), unless the fence already has a title."""
    def titled(block: re.Match) -> str:
        info = block.group("info")
        if "title=" in info or not info.strip():
            return block.group(0)
        name = posixpath.basename(block.group("path"))
        opening = f'{block.group("open").rstrip()} title="{name}"'
        return opening + "\n" + block.group("body") + block.group("close")
    return SNIPPET_FENCE_RE.sub(titled, markdown) if "--8<--" in markdown else markdown


def on_page_markdown(markdown, page, config, files):
    markdown = title_snippet_blocks(markdown)
    if "data-table:" not in markdown and "data-plot:" not in markdown:
        return markdown
    src_uri = page.file.src_uri
    return replace_markers(markdown, src_uri, page_language(src_uri, build_language(config)))


# The HTML of every page: identifiers in table cells may wrap, data tables link rows and sources.
def on_page_content(html, page, config, files):
    lang = page_language(page.file.src_uri, build_language(config))
    return link_sources(break_identifiers(html), lang)
