"""Join rendered chapters into one book PDF.

The chapters were rendered on their own (in parallel, and cached), each with
its running header, so this step adds only what needs the whole book: the
cover and the table of contents with page numbers, the page numbers at the
foot of every page, jumps for links between chapters, the bookmark tree and
the document metadata. The joining itself is done by qpdf (through pikepdf),
which copies pages without decoding them.
Each of those has its module (front, pagenumbers, navigation, tagtree,
sharefonts); this one puts them together in order.
"""

from __future__ import annotations

import io
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import weasyprint

from .collect import BookError, Chapter
from .front import BookInfo, render_front
from .navigation import add_outline, anchor_targets, fix_links
from .pagenumbers import number_pages, render_number_sample
from .render import Rendered, RenderSmall
from .sharefonts import share_fonts
from .tagtree import TagTree

__all__ = ["BookInfo", "SmallParts", "assemble", "render_small_parts"]


@dataclass
class SmallParts:
    front: bytes              # cover and contents
    front_count: int          # their pages
    starts: dict[str, int]    # chapter key -> first page, counted from 1 after the front matter
    number_sample: bytes      # the page-number digits


def render_small_parts(info: BookInfo, chapters: list[Chapter], rendered: dict[str, Rendered], font_css: str,
                       render_small: RenderSmall) -> SmallParts:
    """Everything WeasyPrint draws for the join besides the chapters: cover and contents, page-number digits.
    Rendered first, so that the render workers can go before the join needs its memory."""
    front, front_count, starts = render_front(info, chapters, rendered, font_css, render_small)
    return SmallParts(front, front_count, starts, render_number_sample(font_css, render_small))


def assemble(info: BookInfo, chapters: list[Chapter], rendered: dict[str, Rendered], out: Path,
             small: SmallParts, font_files: dict | None = None) -> dict:
    """The book PDF at out, from the rendered chapters and render_small_parts' documents."""
    front_data, front_count, starts = small.front, small.front_count, small.starts
    with ExitStack() as stack:
        book = stack.enter_context(pikepdf.open(io.BytesIO(front_data)))
        tags = TagTree(book)
        for chapter in chapters:
            source = stack.enter_context(pikepdf.open(rendered[chapter.key].pdf))
            first = len(book.pages)
            book.pages.extend(source.pages)
            tags.add(source, first)
        number_pages(book, front_count, small.number_sample)
        fonts = share_fonts(book, font_files or {})
        starts = {key: front_count + page for key, page in starts.items()}  # now 1-based in the file
        targets = anchor_targets(chapters, rendered, starts)
        links, unresolved = fix_links(book, targets)
        if unresolved:
            raise BookError("links to places not in the book: " + ", ".join(sorted(unresolved)[:20]))
        add_outline(book, chapters, rendered, starts)
        tagged = tags.finish()
        book.docinfo = book.make_indirect(pikepdf.Dictionary({
            "/Title": info.title, "/Author": info.authors, "/Subject": info.subtitle,
            "/Creator": "ML Engineering Open Book (scripts/build_pdf.py)",
            "/Producer": f"WeasyPrint {weasyprint.__version__} + pikepdf {pikepdf.__version__}",
            "/CreationDate": pdf_date(info.date), "/ModDate": pdf_date(info.date)}))
        book.Root.Lang = pikepdf.String(info.lang)
        book.Root.PageMode = pikepdf.Name("/UseOutlines")
        out.parent.mkdir(parents=True, exist_ok=True)
        book.save(out, deterministic_id=True, compress_streams=True,
                  object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return {"pages": len(book.pages), "internal_links": links, "front_pages": front_count, "tagged": tagged, **fonts}


def pdf_date(day: str) -> str:
    return "D:" + day.replace("-", "") + "000000Z"
