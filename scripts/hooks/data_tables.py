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

import yaml
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
PLOT_SCHEMES = ("light", "dark")  # Material's default and slate colour schemes
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
        raw = yaml.safe_load(handle) or {}
    steps, patterns = raw.get("steps"), raw.get("loss_patterns")
    if not isinstance(steps, int) or not isinstance(patterns, list):
        raise PluginError(f"data_tables: {path}: needs an integer 'steps' and a list 'loss_patterns'")
    for number, pattern in enumerate(patterns, start=1):
        loss = pattern.get("loss") if isinstance(pattern, dict) else None
        title = pattern.get("title") if isinstance(pattern, dict) else None
        if not (isinstance(loss, list) and len(loss) == steps
                and all(v is None or isinstance(v, (int, float)) for v in loss)):
            raise PluginError(f"data_tables: {path}: pattern {number}: 'loss' must hold {steps} numbers or nulls")
        if not (isinstance(title, dict) and {"en", "zh"} <= set(title)):
            raise PluginError(f"data_tables: {path}: pattern {number}: 'title' needs 'en' and 'zh'")
    return {"steps": steps, "patterns": patterns}


@event_priority(-150)  # after mkdocs-static-i18n (-100) has set theme.language
def on_config(config):
    _state["lang"] = normalize_lang(config.theme.get("language") if config.theme else "zh")
    _state["data"] = load_data(data_dir(config))
    _state["data_key"] = hashlib.sha256(
        json.dumps(_state["data"], sort_keys=True, default=str).encode()
    ).hexdigest()
    return config


def plot_svg(name: str, lang: str, scheme: str = "light") -> bytes:
    """The plot's SVG: from memory, else from .cache/plots (keyed by the data and the plotting
    code, so `mkdocs serve` reloads and repeated builds skip matplotlib), else rendered."""
    key = (name, lang, scheme, _state["data_key"])
    if key not in _svg_cache:
        code = hashlib.sha256(Path(ROOT, "scripts", "tables", "plots.py").read_bytes()).hexdigest()[:12]
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


@event_priority(-200)  # after mkdocs-static-i18n (-100) has rebuilt the file list
def on_files(files, config):
    lang = normalize_lang(config.theme.get("language") if config.theme else _state["lang"])
    for name in PLOT_NAMES:
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
    enlarge = "打开原尺寸矢量图" if lang == "zh" else "Open the full-size vector image"
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
    lang = page_language(src_uri, config.theme.get("language") if config.theme else _state["lang"])
    return replace_markers(markdown, src_uri, lang)


# ---------------------------------------------------------------- HTML of every page
# Identifiers in table cells (NCCL_DEBUG_SUBSYS, torch.distributed.init_process_group,
# /etc/nccl.conf) may wrap only after a separator: a <wbr> after each run of _ . / - that
# sits between letters or digits; the stylesheets stop any other break inside a word.
CELL_RE = re.compile(r"(<t[dh]\b[^>]*>)(.*?)(</t[dh]>)", re.S)
CELL_CODE_RE = re.compile(r"(<code\b[^>]*>)([^<]+)(</code>)")
SEPARATOR_RE = re.compile(r"(?<=[A-Za-z0-9])([_./-]+)(?=[A-Za-z0-9])")
MIN_BREAKABLE = 12  # shorter code never needs a break


def _breakable(code: re.Match) -> str:
    text = code.group(2)
    if len(text) < MIN_BREAKABLE:
        return code.group(0)
    return code.group(1) + SEPARATOR_RE.sub(r"\1<wbr>", text) + code.group(3)


def break_identifiers(html: str) -> str:
    """Add <wbr> after separators inside inline code in table cells."""
    if "<code" not in html or "<t" not in html:
        return html
    return CELL_RE.sub(lambda cell: cell.group(1) + CELL_CODE_RE.sub(_breakable, cell.group(2))
                       + cell.group(3), html)


DATA_TABLE_RE = re.compile(r'<div class="data-table">(.*?)</div>', re.S)


def _source_labels() -> tuple[set[str], set[str]]:
    from scripts.tables.strings import strings

    return ({strings(lang)["src"] for lang in ("en", "zh")},
            {strings(lang)["sources_title"] for lang in ("en", "zh")})


def link_sources(html: str, lang: str) -> str:
    """In each generated data table, make the numbers of the source column links to the
    numbered source under the table, and give each source a link back to the first row that
    cites it (footnote style). Ids: data-table-K, data-table-K-src-N, data-table-K-ref-N."""
    if 'class="data-table"' not in html:
        return html
    from bs4 import BeautifulSoup

    src_headers, source_titles = _source_labels()
    back_label = "回到表格中引用处" if lang == "zh" else "Back to the table"
    counter = iter(range(1, 1000))

    def one(block: re.Match) -> str:
        k = next(counter)
        soup = BeautifulSoup(block.group(1), "html.parser")
        table = soup.find("table")
        headers = table.find_all("th") if table else []
        lists = [p.find_next_sibling("ol") for p in soup.find_all("p")
                 if p.get_text(strip=True) in source_titles]
        if not headers or headers[-1].get_text(strip=True) not in src_headers or not lists[-1:]:
            return block.group(0)
        items = lists[-1].find_all("li", recursive=False)
        first_ref: dict[int, str] = {}
        for row in table.select("tbody tr"):
            cell = row.find_all("td")[-1]
            numbers = [n.strip() for n in cell.get_text().split(",")]
            if not all(n.isdigit() and 1 <= int(n) <= len(items) for n in numbers):
                continue
            cell.clear()
            for i, n in enumerate(numbers):
                if i:
                    cell.append(", ")
                link = soup.new_tag("a", href=f"#data-table-{k}-src-{n}")
                link.string = n
                if int(n) not in first_ref:
                    first_ref[int(n)] = link["id"] = f"data-table-{k}-ref-{n}"
                cell.append(link)
        for n, item in enumerate(items, 1):
            item["id"] = f"data-table-{k}-src-{n}"
            if n in first_ref:
                back = soup.new_tag("a", href=f"#{first_ref[n]}", title=back_label)
                back["class"] = "data-table__back"
                back["aria-label"] = back_label
                back.string = "↩"
                item.append(" ")
                item.append(back)
        return f'<div class="data-table" id="data-table-{k}">{soup.decode(formatter="minimal")}</div>'

    return DATA_TABLE_RE.sub(one, html)


def on_page_content(html, page, config, files):
    lang = page_language(page.file.src_uri,
                         config.theme.get("language") if config.theme else _state["lang"])
    return link_sources(break_identifiers(html), lang)
