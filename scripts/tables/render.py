"""Render the comparison tables as Markdown (Python-Markdown pipe tables) in one language.

Data comes from scripts.tables.schema.load_all(); strings from scripts.tables.strings.
The output is wrapped in <div class="data-table" markdown> so the PDF stylesheet can
shrink it; Material wraps every table in a horizontally scrolling container on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlparse

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
    sep = "：" if lang == "zh" else ": "
    lines += [f"- **{_cell(name)}**{sep}{text}" for name, text in items]
    lines.append("")
    return lines


def _wrap(caption: str, table: list[str], after: list[str]) -> str:
    body = ['<div class="data-table" markdown>', "", f"*{caption}*", ""]
    body += table + [""] + after + ["", "</div>"]
    return "\n".join(body) + "\n"


def render_accelerator_tflops(data: dict, lang: str) -> str:
    s = strings(lang)
    rows = sort_by_bf16(data["accelerators"])
    src = _Sources()
    headers = [s["accelerator"], "FP64", "TF32", "BF16", "FP8", "FP4", s["int8"], s["src"]]
    body = []
    for r in rows:
        cells = [accelerator_label(r, lang)]
        cells += [fmt_number(r["tflops"][d], lang) for d in TFLOPS_COLUMNS]
        cells.append(src.refs(r))
        body.append(cells)
    table = _table(headers, body, ["l"] + ["r"] * 6 + ["l"])
    after = [s["legend_common"], ""]
    after += _notes(rows, lambda r: accelerator_label(r, lang), lang)
    after += src.markdown(lang)
    return _wrap(s["tflops_caption"], table, after)


def render_accelerator_memory(data: dict, lang: str) -> str:
    s = strings(lang)
    rows = sort_by_bf16(data["accelerators"])
    src = _Sources()
    headers = [s["accelerator"], s["mem_gb"], s["mem_type"], s["mem_bw"], s["tdp"],
               s["ridge"], s["per_watt"], s["src"]]
    body = []
    for r in rows:
        body.append([
            accelerator_label(r, lang),
            fmt_number(r["memory_gb"], lang),
            r["memory_type"],
            fmt_number(r["memory_bw_tbs"], lang),
            fmt_number(r["tdp_w"], lang),
            fmt_number(ridge_point(r), lang),
            fmt_number(tflops_per_watt(r), lang),
            src.refs(r),
        ])
    table = _table(headers, body, ["l", "r", "l", "r", "r", "r", "r", "l"])
    after = [s["memory_legend"], "", s["legend_common"], ""] + src.markdown(lang)
    return _wrap(s["memory_caption"], table, after)


def render_hbm(data: dict, lang: str) -> str:
    s = strings(lang)
    rows = sorted(data["hbm"], key=lambda r: r["year"])
    src = _Sources()
    headers = [s["generation"], s["year"], s["pin_rate"], s["bus"], s["height"],
               s["cap_stack"], s["bw_stack"], s["src"]]
    body = []
    for r in rows:
        height = r["max_stack_height"]
        body.append([
            r["generation"],
            str(r["year"]),
            fmt_number(r["data_rate_gbps"], lang),
            fmt_number(r["interface_bits"], lang),
            s["unknown"] if height is None else f"{fmt_number(height, lang)}-Hi",
            fmt_number(r["capacity_per_stack_gb"], lang),
            fmt_number(r["bandwidth_per_stack_gbs"], lang),
            src.refs(r),
        ])
    table = _table(headers, body, ["l", "r", "r", "r", "r", "r", "r", "l"])
    after = [s["hbm_legend"], ""] + _notes(rows, lambda r: r["generation"], lang)
    after += src.markdown(lang)
    return _wrap(s["hbm_caption"], table, after)


def _link_label(row: dict, lang: str) -> str:
    label = row["name"]
    if row.get("availability") == "announced":
        label += " " + strings(lang)["announced_mark"]
    return label


def render_intra_node(data: dict, lang: str) -> str:
    s = strings(lang)
    rows = data["intra_node"]
    src = _Sources()
    headers = [s["link"], s["used_in"], s["per_dir"], s["bidir"], s["src"]]
    body = [[
        _link_label(r, lang),
        r["used_in"][lang],
        fmt_number(r["per_direction_gbs"], lang),
        fmt_number(r["bidirectional_gbs"], lang),
        src.refs(r),
    ] for r in rows]
    table = _table(headers, body, ["l", "l", "r", "r", "l"])
    after = [s["intra_legend"], "", s["legend_common"], ""]
    after += _notes(rows, lambda r: r["name"], lang) + src.markdown(lang)
    return _wrap(s["intra_caption"], table, after)


def render_inter_node(data: dict, lang: str) -> str:
    s = strings(lang)
    rows = data["inter_node"]
    src = _Sources()
    headers = [s["fabric"], s["port"], s["per_accel"], s["node_design"], s["src"]]
    body = [[
        r["name"],
        fmt_number(r["port_gbps"], lang),
        fmt_number(r["per_accelerator_gbps"], lang),
        r["node_design"][lang],
        src.refs(r),
    ] for r in rows]
    table = _table(headers, body, ["l", "r", "r", "l", "l"])
    after = [s["inter_legend"], "", s["legend_unknown"], ""]
    after += _notes(rows, lambda r: r["name"], lang) + src.markdown(lang)
    return _wrap(s["inter_caption"], table, after)


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
