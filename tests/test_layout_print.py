"""The print rules of issue 19 in scripts/pdfbook/book.css, rendered with WeasyPrint on small
documents shaped like the site's HTML: web-only blocks and the dark plot are left out, Chinese
emphasis is upright, and identifiers in table cells wrap only after a separator (the <wbr>
that scripts/hooks/data_tables.py inserts). tests/test_pdf.py checks the whole book's PDFs;
test_web_only_text_is_not_in_the_book checks them for the web-only sentences when they exist.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bookconf import ROOT
from pdftext import pdf_text as book_text

BOOK_CSS = ROOT / "scripts" / "pdfbook" / "book.css"
CJK = re.compile(r"[\u3400-\u9fff]")

sys.path.insert(0, str(ROOT))
from scripts.hooks.data_tables import break_identifiers  # noqa: E402


def render(body: str, lang: str):
    from weasyprint import CSS, HTML

    page = f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"></head><body>{body}</body></html>'
    return HTML(string=page, base_url=str(ROOT)).render(stylesheets=[CSS(filename=str(BOOK_CSS))])


def pdf_text(document, tmp_path: Path) -> str:
    out = tmp_path / "print.pdf"
    document.write_pdf(out)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout


def text_boxes(document):
    """(text, computed style) of every text box of the laid-out pages."""
    def walk(box):
        if hasattr(box, "text"):
            yield box.text, box.style
        for child in getattr(box, "children", []):
            yield from walk(child)
    for page in document.pages:
        yield from walk(page._page_box)


def line_texts(document, marker: str) -> list[str]:
    """The text of each line box inside the table cell whose text contains MARKER."""
    def walk(box, inside=False):
        name = type(box).__name__
        inside = inside or (name == "TableCellBox"
                            and marker in "".join(t for t, _ in _texts(box)).replace("\u200b", ""))
        if inside and name == "LineBox":
            yield "".join(t for t, _ in _texts(box))
            return
        for child in getattr(box, "children", []):
            yield from walk(child, inside)
    lines = []
    for page in document.pages:
        lines += list(walk(page._page_box))
    return lines


def _texts(box):
    if hasattr(box, "text"):
        yield box.text, box.style
    for child in getattr(box, "children", []):
        yield from _texts(child)


def test_web_only_blocks_are_left_out_of_the_pdf(tmp_path):
    body = (
        "<h1>Home</h1><p>Kept paragraph. <span class=\"book-web-only\">The language switcher "
        "keeps you on the same page.</span></p>"
        '<div class="book-web-only"><h2 id="pdf">PDF downloads</h2><ul><li>English PDF</li></ul></div>'
        "<h2>After</h2><p>Kept after.</p>"
        '<div class="data-plot"><p><a class="data-plot__light" href="x.svg">LIGHTPLOT</a> '
        '<a class="data-plot__dark" href="x-dark.svg">DARKPLOT</a></p></div>'
    )
    text = pdf_text(render(body, "en"), tmp_path)
    assert "Kept paragraph." in text and "Kept after." in text and "LIGHTPLOT" in text
    for gone in ("language switcher", "PDF downloads", "English PDF", "DARKPLOT"):
        assert gone not in text, gone


def test_chinese_emphasis_and_captions_are_upright():
    body = ('<p>检查点<em>之后</em>再保存。</p>'
            '<div class="data-table"><p><em>单 GPU 的稠密峰值，单位 TFLOPS。</em></p></div>')
    boxes = [(t, s) for t, s in text_boxes(render(body, "zh")) if CJK.search(t)]
    assert any("之后" in t for t, _ in boxes)
    slanted = [t for t, s in boxes if s["font_style"] != "normal"]
    assert not slanted, slanted
    emphasis = [s for t, s in boxes if t == "之后"]
    assert emphasis and emphasis[0]["font_weight"] >= 700  # still set apart from the text


def test_latin_emphasis_keeps_its_italics():
    boxes = list(text_boxes(render("<p>Save <em>after</em> the step.</p>", "en")))
    assert [s["font_style"] for t, s in boxes if t == "after"] == ["italic"]


def test_identifiers_in_table_cells_wrap_only_at_separators():
    names = ["TORCH_NCCL_ASYNC_ERROR_HANDLING", "torch.distributed.init_process_group",
             "NCCL_DEBUG_SUBSYS"]
    cells = "".join(f"<tr><td>{i}</td><td><code>{n}</code></td><td>a setting that explains the variable</td></tr>"
                    for i, n in enumerate(names))
    html = break_identifiers(f'<table style="width: 60mm">{cells}</table>')
    assert html.count("<wbr>") >= 8
    document = render(html, "en")
    wrapped = 0
    for name in names:
        lines = [line.replace("\u200b", "") for line in line_texts(document, name[:6])]
        assert "".join(lines) == name, lines
        for line in lines[:-1]:
            assert line[-1] in "_./-", f"{name} breaks inside a word: {lines}"
        wrapped += len(lines) > 1
    assert wrapped >= 2, "the cells are wide enough for every name: the test saw no wrap to judge"


WEB_ONLY = {
    "zh": ["右上角的语言切换会停留在同一页", "整本书每周重新生成一次 PDF"],
    "en": ["language switcher in the header", "The whole book is rebuilt as a PDF every week"],
}
HOME = {"zh": "可以核对来源的数字", "en": "numbers you can trace to a source"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_web_only_text_is_not_in_the_book(request, lang):
    """The built PDFs (site/pdf/ after `make book`, or $BOOK_PDF_DIR) hold the home page's
    text but not its web-only sentences."""
    folder = os.environ.get("BOOK_PDF_DIR")
    folder = Path(folder) if folder else request.getfixturevalue("site") / "pdf"
    path = folder / f"ml-engineering-{lang}.pdf"
    if not path.exists():
        pytest.fail(f"{path} is not built: run `make book`")
    flat = re.sub(r"\s+", "", book_text(path))
    assert HOME[lang].replace(" ", "") in flat, "the home page is missing from the PDF"
    for sentence in WEB_ONLY[lang]:
        assert re.sub(r"\s+", "", sentence) not in flat, sentence
