"""Rendered tables: numbers, units, sorting, translations and source notes in both languages."""

from __future__ import annotations

import re

import pytest
from table_helpers import get_data

from scripts.tables.render import (
    TABLE_NAMES,
    fmt_number,
    render_table,
    ridge_point,
    sort_by_bf16,
)


def table_rows(markdown: str) -> list[list[str]]:
    rows = []
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith("| :") and not line.startswith("| -"):
            rows.append([c.strip() for c in line.strip().strip("|").split(" | ")])
    return rows


def row_for(markdown: str, label: str) -> list[str]:
    matches = [r for r in table_rows(markdown) if r[0] == label]
    assert len(matches) == 1, (label, matches)
    return matches[0]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_h100_sxm_tflops_row(lang):
    data = get_data()
    md = render_table("accelerator-tflops", data, lang)
    header = table_rows(md)[0]
    row = dict(zip(header, row_for(md, "H100 SXM")))
    assert row["BF16"] == "989"
    assert row["FP8"] == "1,979"
    assert row["FP4"] == "—"  # not supported by Hopper


@pytest.mark.parametrize("lang,mem,bw,ridge", [
    ("en", "Memory (GB)", "Bandwidth (TB/s)", "BF16 FLOPs/byte"),
    ("zh", "显存（GB）", "显存带宽（TB/s）", "BF16 FLOPs/字节"),
])
def test_h100_sxm_memory_row(lang, mem, bw, ridge):
    data = get_data()
    md = render_table("accelerator-memory", data, lang)
    header = table_rows(md)[0]
    row = dict(zip(header, row_for(md, "H100 SXM")))
    assert row[mem] == "80"
    assert row[bw] == "3.35"
    assert row[ridge] == "295"  # 989.4 TFLOPS / 3.35 TB/s


def test_headers_and_legends_are_translated():
    data = get_data()
    en = render_table("accelerator-tflops", data, "en")
    zh = render_table("accelerator-tflops", data, "zh")
    assert table_rows(en)[0][0] == "Accelerator" and table_rows(zh)[0][0] == "加速器"
    assert "unknown" in en and "未知" in zh and "unknown" not in zh
    assert "not supported" in en and "不支持" in zh
    assert "**Sources**" in en and "**来源**" in zh


def test_sorted_by_bf16_descending():
    data = get_data()
    values = [r["tflops"]["bf16"] for r in sort_by_bf16(data["accelerators"])]
    known = [v for v in values if isinstance(v, (int, float))]
    assert known == sorted(known, reverse=True)
    assert all(not isinstance(v, (int, float)) for v in values[len(known):])


@pytest.mark.parametrize("name", TABLE_NAMES)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_table_renders_with_numbered_sources(name, lang):
    data = get_data()
    md = render_table(name, data, lang)
    assert md.startswith('<div class="data-table" markdown>\n\n')
    assert md.rstrip().endswith("</div>")
    rows = table_rows(md)
    assert len(rows) > 3
    width = len(rows[0])
    assert all(len(r) == width for r in rows), "ragged table"
    assert width <= 8
    refs = {int(n) for r in rows[1:] for n in r[-1].split(", ")}
    links = re.findall(r"^(\d+)\. \[[^\]]+\]\((https?://[^)]+)\)$", md, re.MULTILINE)
    assert {int(n) for n, _ in links} == refs
    assert "None" not in md and "nan" not in md


def test_number_format():
    assert fmt_number(989.4, "en") == "989"
    assert fmt_number(1978.9, "en") == "1,979"
    assert fmt_number(3.35, "en") == "3.35"
    assert fmt_number(19.5, "en") == "19.5"
    assert fmt_number(0.864, "en") == "0.864"
    assert fmt_number(None, "zh") == "未知"
    assert fmt_number("unsupported", "en") == "—"


def test_ridge_point():
    data = get_data()
    row = next(r for r in data["accelerators"] if r["model"] == "H100 SXM")
    assert round(ridge_point(row)) == 295
