"""The PDF book's front matter: the cover and the table of contents with page numbers."""

from __future__ import annotations

import html
import io
from dataclasses import dataclass

import pikepdf

from .collect import BOOK_LINK, Chapter
from .cover import CoverInfo, cover_facts_html
from .render import Rendered, RenderSmall, document_html

TOC_MIN_LAST_ROWS = 8


@dataclass
class BookInfo(CoverInfo):
    labels: dict[str, str]  # the cover's words for language, date, version, licence


def front_matter_html(info: BookInfo, chapters: list[Chapter], starts: dict[str, int], compact: bool = False) -> str:
    """Cover and table of contents; links use book: targets like the chapters.

    A part's landing page, titled like the part, is the part's own row: the
    contents never lists 'Insights' under 'Insights'."""
    rows, part = [], object()
    for chapter in chapters:
        if chapter.part != part and chapter.part is not None:
            rows.append(toc_row("toc-part", chapter.part, chapter.key, starts[chapter.key]))
            part = chapter.part
            if chapter.opens_part:
                continue
        part = chapter.part
        css = "toc-chapter" if chapter.part is not None else "toc-part"
        rows.append(toc_row(css, chapter.title, chapter.key, starts[chapter.key]))
    esc = html.escape
    body = (
        f'<section class="cover"><h1 style="bookmark-level:none">{esc(info.title)}</h1>'
        f'<div class="subtitle">{esc(info.subtitle)}</div>'
        f'{cover_facts_html(info, info.labels)}</section>'
        f'<section class="toc{" compact" if compact else ""}" data-header="{esc(info.toc_title, quote=True)}">'
        f'<h1 style="bookmark-level:none">{esc(info.toc_title)}</h1><ol>{"".join(rows)}</ol></section>'
    )
    return document_html(body, info.lang, info.title)


def toc_row(css: str, title: str, key: str, page: int) -> str:
    return (f'<li class="{css}"><a href="{BOOK_LINK}{key}"><span class="toc-title">{html.escape(title)}</span>'
            f'<span class="toc-page">{page}</span></a></li>')


def render_front(info: BookInfo, chapters: list[Chapter], rendered: dict[str, Rendered],
                 font_css: str, render_small: RenderSmall) -> tuple[bytes, int, dict[str, int]]:
    """Render cover + contents. Chapters are numbered from 1 after the front matter (which has
    roman numbers), so the contents' length never moves them. A contents whose last page would
    hold only a few rows is set tighter, so that it never ends on an almost empty page."""
    starts, page = {}, 1
    for chapter in chapters:
        starts[chapter.key] = page
        page += rendered[chapter.key].pages
    data = render_small(front_matter_html(info, chapters, starts), (font_css,), "front")
    front = pikepdf.open(io.BytesIO(data))
    if len(front.pages) > 2 and len(front.pages[-1].obj.get("/Annots", [])) < TOC_MIN_LAST_ROWS:
        tight = render_small(front_matter_html(info, chapters, starts, compact=True), (font_css,), "front-compact")
        if len(pikepdf.open(io.BytesIO(tight)).pages) < len(front.pages):
            data = tight
    return data, len(pikepdf.open(io.BytesIO(data)).pages), starts
