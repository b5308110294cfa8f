"""Render the comparison tables as Markdown (Python-Markdown pipe tables) in one language.

Data comes from scripts.tables.schema.load_all(); strings from scripts.tables.strings.
The output is wrapped in <div class="data-table" markdown> so the PDF stylesheet can
shrink it; Material wraps every table in a horizontally scrolling container on screen.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlparse

from languages import language

from .schema import UNSUPPORTED
from .strings import strings

TABLE_NAMES = (
    "accelerator-tflops",
    "accelerator-memory",
    "hbm-generations",
    "intra-node",
    "inter-node",
)
PLOT_NAMES = ("accelerator-roofline", "intra-node-bandwidth", "inter-node-bandwidth", "loss-patterns")

TFLOPS_COLUMNS = ("fp64", "tf32", "bf16", "fp8", "fp4", "int8")


def fmt_number(value, lang: str) -> str:
    """Compact number: 3 significant digits for small values, thousands separators."""
    s = strings(lang)
    if value is None:
        return s["unknown"]
    if value == UNSUPPORTED:
        return s["unsupported"]
    v = float(value)
    if v >= 100:
        return f"{round(v):,}"
    if v >= 10:
        text = f"{v:.1f}"
    elif v >= 1:
        text = f"{v:.2f}"
    else:
        text = f"{v:.3f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _num(value) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def accelerator_label(row: dict, lang: str) -> str:
    label = row["model"]  # model names are unique across vendors and keep the column narrow
    if row.get("availability") == "announced":
        label += " " + strings(lang)["announced_mark"]
    return label


def sort_by_bf16(rows: list[dict]) -> list[dict]:
    """Descending BF16 TFLOPS; unknown BF16 last, ties kept in file order."""
    def key(item):
        index, row = item
        bf16 = _num(row.get("tflops", {}).get("bf16"))
        return (bf16 is None, -(bf16 or 0.0), index)
    return [row for _, row in sorted(enumerate(rows), key=key)]


def ridge_point(row: dict) -> float | None:
    """BF16 FLOPs per byte of memory bandwidth (TFLOPS / (TB/s))."""
    bf16 = _num(row.get("tflops", {}).get("bf16"))
    bw = _num(row.get("memory_bw_tbs"))
    if bf16 is None or not bw:
        return None
    return bf16 / bw


def tflops_per_watt(row: dict) -> float | None:
    bf16 = _num(row.get("tflops", {}).get("bf16"))
    tdp = _num(row.get("tdp_w"))
    if bf16 is None or not tdp:
        return None
    return round(bf16 / tdp, 2)


class _Sources:
    """Numbers the source URLs of one table in order of first use."""

    def __init__(self):
        self.urls: list[str] = []

    def refs(self, row: dict) -> str:
        numbers = []
        for item in row.get("sources", []):
            url = item if isinstance(item, str) else item["url"]
            if url not in self.urls:
                self.urls.append(url)
            n = self.urls.index(url) + 1
            if n not in numbers:
                numbers.append(n)
        return ", ".join(str(n) for n in numbers)

    def markdown(self, lang: str) -> list[str]:
        lines = [f"**{strings(lang)['sources_title']}**", ""]
        for n, url in enumerate(self.urls, 1):
            parsed = urlparse(url)
            text = (parsed.netloc + parsed.path).rstrip("/")
            if len(text) > 70:
                text = text[:67] + "..."
            lines.append(f"{n}. [{text}]({url})")
        return lines


def _table(headers: list[str], rows: list[list[str]], align: list[str]) -> list[str]:
    marks = {"l": ":---", "r": "---:", "c": ":---:"}
    out = ["| " + " | ".join(_cell(h) for h in headers) + " |",
           "| " + " | ".join(marks[a] for a in align) + " |"]
    for r in rows:
        out.append("| " + " | ".join(_cell(c) for c in r) + " |")
    return out


def _notes(rows: list[dict], label: Callable[[dict], str], lang: str) -> list[str]:
    items = [(label(r), r["notes"][lang]) for r in rows if r.get("notes")]
    if not items:
        return []
    lines = [f"**{strings(lang)['notes_title']}**", ""]
    sep = language(lang).t("colon")
    lines += [f"- **{_cell(name)}**{sep}{text}" for name, text in items]
    lines.append("")
    return lines


def _wrap(caption: str, table: list[str], after: list[str]) -> str:
    body = ['<div class="data-table" markdown>', "", f"*{caption}*", ""]
    body += table + [""] + after + ["", "</div>"]
    return "\n".join(body) + "\n"


# A column: its header, its alignment ("l", "r" or "c") and the cell text of a row.
Column = tuple[str, str, Callable[[dict], str]]


def _number(field: str, lang: str) -> Callable[[dict], str]:
    return lambda row: fmt_number(row[field], lang)


def _sourced_table(lang: str, caption: str, rows: list[dict], columns: list[Column],
                   legends: tuple[str, ...], notes_label: Callable[[dict], str] | None = None) -> str:
    """A table whose last column numbers each row's sources, followed by the legends (string keys),
    the rows' notes (when notes_label names them) and the numbered source list."""
    s = strings(lang)
    src = _Sources()
    body = [[cell(row) for _, _, cell in columns] + [src.refs(row)] for row in rows]
    headers = [head for head, _, _ in columns] + [s["src"]]
    table = _table(headers, body, [align for _, align, _ in columns] + ["l"])
    after = [line for key in legends for line in (s[key], "")]
    if notes_label is not None:
        after += _notes(rows, notes_label, lang)
    return _wrap(s[caption], table, after + src.markdown(lang))


def render_accelerator_tflops(data: dict, lang: str) -> str:
    s = strings(lang)
    heads = ("FP64", "TF32", "BF16", "FP8", "FP4", s["int8"])
    label = functools.partial(accelerator_label, lang=lang)
    columns = [(s["accelerator"], "l", label)]
    columns += [(head, "r", lambda row, d=d: fmt_number(row["tflops"][d], lang))
                for head, d in zip(heads, TFLOPS_COLUMNS)]
    return _sourced_table(lang, "tflops_caption", sort_by_bf16(data["accelerators"]), columns,
                          ("legend_common",), label)


def render_accelerator_memory(data: dict, lang: str) -> str:
    s = strings(lang)
    columns = [
        (s["accelerator"], "l", functools.partial(accelerator_label, lang=lang)),
        (s["mem_gb"], "r", _number("memory_gb", lang)),
        (s["mem_type"], "l", lambda row: row["memory_type"]),
        (s["mem_bw"], "r", _number("memory_bw_tbs", lang)),
        (s["tdp"], "r", _number("tdp_w", lang)),
        (s["ridge"], "r", lambda row: fmt_number(ridge_point(row), lang)),
        (s["per_watt"], "r", lambda row: fmt_number(tflops_per_watt(row), lang)),
    ]
    return _sourced_table(lang, "memory_caption", sort_by_bf16(data["accelerators"]), columns,
                          ("memory_legend", "legend_common"))


def render_hbm(data: dict, lang: str) -> str:
    s = strings(lang)

    def height(row: dict) -> str:
        value = row["max_stack_height"]
        return s["unknown"] if value is None else f"{fmt_number(value, lang)}-Hi"

    columns = [
        (s["generation"], "l", lambda row: row["generation"]),
        (s["year"], "r", lambda row: str(row["year"])),
        (s["pin_rate"], "r", _number("data_rate_gbps", lang)),
        (s["bus"], "r", _number("interface_bits", lang)),
        (s["height"], "r", height),
        (s["cap_stack"], "r", _number("capacity_per_stack_gb", lang)),
        (s["bw_stack"], "r", _number("bandwidth_per_stack_gbs", lang)),
    ]
    rows = sorted(data["hbm"], key=lambda row: row["year"])
    return _sourced_table(lang, "hbm_caption", rows, columns, ("hbm_legend",), lambda row: row["generation"])


def _link_label(row: dict, lang: str) -> str:
    label = row["name"]
    if row.get("availability") == "announced":
        label += " " + strings(lang)["announced_mark"]
    return label


def render_intra_node(data: dict, lang: str) -> str:
    s = strings(lang)
    columns = [
        (s["link"], "l", lambda row: _link_label(row, lang)),
        (s["used_in"], "l", lambda row: row["used_in"][lang]),
        (s["per_dir"], "r", _number("per_direction_gbs", lang)),
        (s["bidir"], "r", _number("bidirectional_gbs", lang)),
    ]
    return _sourced_table(lang, "intra_caption", data["intra_node"], columns,
                          ("intra_legend", "legend_common"), lambda row: row["name"])


def render_inter_node(data: dict, lang: str) -> str:
    s = strings(lang)
    columns = [
        (s["fabric"], "l", lambda row: row["name"]),
        (s["port"], "r", _number("port_gbps", lang)),
        (s["per_accel"], "r", _number("per_accelerator_gbps", lang)),
        (s["node_design"], "l", lambda row: row["node_design"][lang]),
    ]
    return _sourced_table(lang, "inter_caption", data["inter_node"], columns,
                          ("inter_legend", "legend_unknown"), lambda row: row["name"])


RENDERERS = {
    "accelerator-tflops": render_accelerator_tflops,
    "accelerator-memory": render_accelerator_memory,
    "hbm-generations": render_hbm,
    "intra-node": render_intra_node,
    "inter-node": render_inter_node,
}


def render_table(name: str, data: dict, lang: str) -> str:
    """Markdown for table NAME in LANG ('en' or 'zh'); KeyError for an unknown name."""
    return RENDERERS[name](data, lang)
