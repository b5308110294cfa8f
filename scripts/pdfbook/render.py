"""Render one chapter to PDF with WeasyPrint, cached by a hash of everything that shapes it.

Runs in a worker process. Besides the PDF it records what the assembler needs
to join chapters without rendering them again: the page count, where every
anchor lies, the chapter's headings for the bookmarks, and the characters no
font could draw.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import weasyprint
from weasyprint.text.fonts import FontConfiguration

CSS_FILE = Path(__file__).with_name("book.css")


@dataclass
class Rendered:
    key: str
    pdf: Path
    pages: int
    # anchor id -> (page index in the chapter, x pt, y pt from the top)
    anchors: dict[str, tuple[int, float, float]]
    # (level, label, page index in the chapter, y pt from the top)
    headings: list[tuple[int, str, int, float]]
    warnings: list[str]
    cached: bool


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def document_html(body: str, lang: str, title: str) -> str:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{title}</title></head><body>{body}</body></html>")


def cache_key(html: str) -> str:
    digest = hashlib.sha256()
    digest.update(weasyprint.__version__.encode())
    digest.update(CSS_FILE.read_bytes())
    digest.update(html.encode("utf-8"))
    return digest.hexdigest()[:32]


def render_chapter(key: str, html: str, base_url: str, cache_dir: Path, stylesheets: tuple[str, ...] = ()) -> Rendered:
    """Render (or reuse) one chapter; html is a complete document."""
    digest = cache_key(html + "".join(stylesheets))
    pdf = cache_dir / f"{key}-{digest}.pdf"
    meta = pdf.with_suffix(".json")
    if pdf.exists() and meta.exists():
        data = json.loads(meta.read_text(encoding="utf-8"))
        return Rendered(key, pdf, data["pages"], {k: tuple(v) for k, v in data["anchors"].items()},
                        [tuple(h) for h in data["headings"]], data["warnings"], cached=True)
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        fonts = FontConfiguration()  # needed for the @font-face rules in stylesheets
        css = [weasyprint.CSS(filename=str(CSS_FILE), font_config=fonts)]
        css += [weasyprint.CSS(string=sheet, font_config=fonts) for sheet in stylesheets]
        document = weasyprint.HTML(string=html, base_url=base_url).render(stylesheets=css, font_config=fonts)
    finally:
        logger.removeHandler(handler)
    px_to_pt = 0.75
    anchors: dict[str, tuple[int, float, float]] = {}
    headings: list[tuple[int, str, int, float]] = []
    for index, page in enumerate(document.pages):
        for name, (x, y, *_) in page.anchors.items():
            anchors.setdefault(name, (index, x * px_to_pt, y * px_to_pt))
        for level, label, (x, y), _state in page.bookmarks:
            headings.append((level, label, index, y * px_to_pt))
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = pdf.with_suffix(".part")
    document.write_pdf(partial, pdf_identifier=digest.encode())
    partial.replace(pdf)
    meta.write_text(json.dumps({"pages": len(document.pages), "anchors": anchors, "headings": headings,
                                "warnings": handler.messages}, ensure_ascii=False), encoding="utf-8")
    return Rendered(key, pdf, len(document.pages), anchors, headings, handler.messages, cached=False)


def render_whole(html: str, stylesheets: tuple[str, ...], cache_dir: Path, name: str) -> bytes:
    """Render a small document (cover and contents, page furniture), reusing an identical earlier render."""
    digest = cache_key(html + "".join(stylesheets))
    pdf = cache_dir / f"{name}-{digest}.pdf"
    if pdf.exists():
        return pdf.read_bytes()
    fonts = FontConfiguration()
    css = [weasyprint.CSS(string=sheet, font_config=fonts) for sheet in stylesheets]
    data = weasyprint.HTML(string=html).render(stylesheets=css, font_config=fonts).write_pdf(
        pdf_identifier=digest.encode())
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = pdf.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(pdf)
    return data
