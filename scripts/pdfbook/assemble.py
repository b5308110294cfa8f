"""Join rendered chapters into one book PDF.

The chapters were rendered on their own (in parallel, and cached), so this
step adds what needs the whole book: the cover and the table of contents
with page numbers, running headers and page numbers on every page, jumps
for links between chapters, the bookmark tree, and the document metadata.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from pathlib import Path

import weasyprint
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject, NullObject,
                           TextStringObject)

from .collect import BOOK_LINK, BookError, Chapter
from .render import CSS_FILE, Rendered, render_whole

FURNITURE_CSS = """
@page { size: A4; margin: 12mm 18mm 10mm 18mm;
  @top-right { content: string(header); font-size: 7.5pt; color: #5f6368; }
  @bottom-center { content: counter(page); font-size: 8pt; color: #5f6368; } }
@page:first { @top-right { content: none; } @bottom-center { content: none; } }
html { font-family: "Noto Sans CJK SC Subset", "Noto Sans CJK SC", sans-serif; }
div { height: 1px; break-after: page; string-set: header attr(data-header); }
div:last-child { break-after: auto; }
"""


@dataclass
class BookInfo:
    lang: str          # html lang, e.g. zh-CN
    title: str
    subtitle: str
    language_name: str
    date: str          # YYYY-MM-DD
    version: str
    authors: str
    toc_title: str
    labels: dict[str, str]


def front_matter_html(info: BookInfo, chapters: list[Chapter], starts: dict[str, int]) -> str:
    """Cover and table of contents; links use book: targets like the chapters."""
    rows, part = [], object()
    for chapter in chapters:
        if chapter.part != part and chapter.part is not None:
            rows.append(toc_row("toc-part", chapter.part, chapter.key, starts[chapter.key]))
        part = chapter.part
        css = "toc-chapter" if chapter.part is not None else "toc-part"
        rows.append(toc_row(css, chapter.title, chapter.key, starts[chapter.key]))
    esc = html.escape
    return (
        f'<!DOCTYPE html><html lang="{info.lang}"><head><meta charset="utf-8"><title>{esc(info.title)}</title>'
        f'</head><body><section class="cover"><h1 style="bookmark-level:none">{esc(info.title)}</h1>'
        f'<div class="subtitle">{esc(info.subtitle)}</div><dl>'
        f'<dt>{esc(info.labels["language"])}</dt><dd>{esc(info.language_name)}</dd>'
        f'<dt>{esc(info.labels["date"])}</dt><dd>{esc(info.date)}</dd>'
        f'<dt>{esc(info.labels["version"])}</dt><dd>{esc(info.version)}</dd>'
        f'<dt>{esc(info.labels["licence"])}</dt><dd>CC BY-SA 4.0</dd></dl></section>'
        f'<section class="toc"><h1 style="bookmark-level:none">{esc(info.toc_title)}</h1><ol>{"".join(rows)}</ol>'
        f"</section></body></html>"
    )


def toc_row(css: str, title: str, key: str, page: int) -> str:
    return (f'<li class="{css}"><a href="{BOOK_LINK}{key}"><span class="toc-title">{html.escape(title)}</span>'
            f'<span class="toc-dots"></span><span class="toc-page">{page}</span></a></li>')


def render_front(info: BookInfo, chapters: list[Chapter], rendered: dict[str, Rendered],
                 font_css: str, cache: Path) -> tuple[PdfReader, dict]:
    """Render cover + contents, iterating until the number of contents pages is stable."""
    front_pages = 2
    for _ in range(4):
        starts, page = {}, front_pages + 1
        for chapter in chapters:
            starts[chapter.key] = page
            page += rendered[chapter.key].pages
        sheets = (CSS_FILE.read_text(encoding="utf-8"), font_css)
        front = PdfReader(io.BytesIO(render_whole(front_matter_html(info, chapters, starts), sheets, cache, "front")))
        if len(front.pages) == front_pages:
            return front, starts
        front_pages = len(front.pages)
    raise BookError("the table of contents did not settle on a page count")


def furniture_pdf(headers: list[str], font_css: str, cache: Path) -> PdfReader:
    """One page per book page with only its running header and page number."""
    body = "".join(f'<div data-header="{html.escape(h, quote=True)}"></div>' for h in headers)
    data = render_whole(f"<!DOCTYPE html><html><body>{body}</body></html>", (FURNITURE_CSS, font_css),
                        cache, "furniture")
    furniture = PdfReader(io.BytesIO(data))
    if len(furniture.pages) != len(headers):
        raise BookError(f"page furniture: expected {len(headers)} pages, got {len(furniture.pages)}")
    return furniture


def assemble(info: BookInfo, chapters: list[Chapter], rendered: dict[str, Rendered], out: Path,
             font_css: str, cache: Path) -> dict:
    front, starts = render_front(info, chapters, rendered, font_css, cache)
    writer = PdfWriter()
    writer.append(front, import_outline=False)
    front_count = len(writer.pages)
    headers = [""] + [info.toc_title] * (front_count - 1)
    for chapter in chapters:
        writer.append(PdfReader(rendered[chapter.key].pdf), import_outline=False)
        headers += [f"{chapter.part} · {chapter.title}" if chapter.part else chapter.title] * rendered[chapter.key].pages
    furniture = furniture_pdf(headers, font_css, cache)
    stamp_furniture(writer, furniture)
    targets = anchor_targets(chapters, rendered, starts)
    links, unresolved = fix_links(writer, targets)
    if unresolved:
        raise BookError("links to places not in the book: " + ", ".join(sorted(unresolved)[:20]))
    add_outline(writer, chapters, rendered, starts)
    writer.add_metadata({"/Title": info.title, "/Author": info.authors, "/Subject": info.subtitle,
                         "/Creator": "ML Engineering Open Book (scripts/build_pdf.py)",
                         "/Producer": f"WeasyPrint {weasyprint.__version__} + pypdf",
                         "/CreationDate": pdf_date(info.date), "/ModDate": pdf_date(info.date)})
    writer._root_object[NameObject("/Lang")] = TextStringObject(info.lang)
    writer._root_object[NameObject("/PageMode")] = NameObject("/UseOutlines")
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        writer.write(handle)
    return {"pages": len(writer.pages), "internal_links": links}


def _stream(writer: PdfWriter, data: bytes, extra: dict | None = None):
    stream = DecodedStreamObject()
    stream.set_data(data)
    stream.update(extra or {})
    return writer._add_object(stream.flate_encode())


def stamp_furniture(writer: PdfWriter, furniture: PdfReader) -> None:
    """Draw each furniture page over the book page of the same number, as a form XObject.

    Cheaper than pypdf's merge_page, which parses and rewrites every content
    stream: the page's own streams stay as they are, wrapped in q ... Q.
    """
    save = _stream(writer, b"q\n")
    restore_and_draw = _stream(writer, b"\nQ q /BookFurniture Do Q\n")
    for index in range(1, len(writer.pages)):
        page, sheet = writer.pages[index], furniture.pages[index]
        form = _stream(writer, sheet.get_contents().get_data(), {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(FloatObject(v) for v in sheet.mediabox),
            NameObject("/Resources"): sheet["/Resources"].get_object().clone(writer),
        })
        resources = DictionaryObject(page["/Resources"].get_object())
        xobjects = DictionaryObject(resources["/XObject"].get_object()) if "/XObject" in resources else DictionaryObject()
        xobjects[NameObject("/BookFurniture")] = form
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
        contents = page["/Contents"]
        streams = list(contents) if isinstance(contents.get_object(), ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([save, *streams, restore_and_draw])


def pdf_date(day: str) -> str:
    return "D:" + day.replace("-", "") + "000000Z"


def anchor_targets(chapters, rendered, starts) -> dict[str, tuple[int, float, float]]:
    """book: target -> (0-based page in the book, x pt, y pt from the top)."""
    targets = {}
    for chapter in chapters:
        first = starts[chapter.key] - 1
        for name, (page, x, y) in rendered[chapter.key].anchors.items():
            targets[name] = (first + page, x, y)
        targets.setdefault(chapter.key, (first, 0.0, 0.0))
    return targets


def fix_links(writer: PdfWriter, targets: dict) -> tuple[int, set[str]]:
    fixed, unresolved = 0, set()
    for page in writer.pages:
        for ref in page.get("/Annots", []) or []:
            annotation = ref.get_object()
            action = annotation.get("/A")
            if not action or not str(action.get("/URI", "")).startswith(BOOK_LINK):
                continue
            name = str(action["/URI"])[len(BOOK_LINK):]
            if name not in targets:
                unresolved.add(name)
                continue
            index, x, y = targets[name]
            target = writer.pages[index]
            top = float(target.mediabox.height) - y
            annotation[NameObject("/A")] = DictionaryObject({
                NameObject("/S"): NameObject("/GoTo"),
                NameObject("/D"): ArrayObject([target.indirect_reference, NameObject("/XYZ"), FloatObject(x),
                                               FloatObject(top), NullObject()]),
            })
            fixed += 1
    return fixed, unresolved


def add_outline(writer: PdfWriter, chapters, rendered, starts) -> None:
    part_item, part = None, object()
    for chapter in chapters:
        first = starts[chapter.key] - 1
        if chapter.part != part:
            part_item = writer.add_outline_item(chapter.part, first) if chapter.part else None
            part = chapter.part
        chapter_item = writer.add_outline_item(chapter.title, first, parent=part_item)
        for level, label, page, _y in rendered[chapter.key].headings:
            if level == 2:
                writer.add_outline_item(label, first + page, parent=chapter_item)
