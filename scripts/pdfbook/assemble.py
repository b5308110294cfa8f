"""Join rendered chapters into one book PDF.

The chapters were rendered on their own (in parallel, and cached), each with
its running header, so this step adds only what needs the whole book: the
cover and the table of contents with page numbers, the page numbers at the
foot of every page, jumps for links between chapters, the bookmark tree and
the document metadata. The joining itself is done by qpdf (through pikepdf),
which copies pages without decoding them.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pikepdf
import weasyprint

from .collect import BOOK_LINK, BookError, Chapter
from .render import Rendered, document_html
from .sharefonts import share_fonts

# (html, style sheets after book.css, cache name) -> PDF bytes; build_pdf.py runs it in a worker
# process, so that this one never starts Pango (its threads do not survive fork).
RenderSmall = Callable[[str, tuple[str, ...], str], bytes]

# Page numbers sit where WeasyPrint would put @bottom-center; NUMBER_SAMPLE
# shows it the digits once, and number_stamps() reuses that text for every page.
NUMBER_STYLE = "font-size: 8pt; color: #5f6368;"
NUMBER_GLYPHS = "0123456789ivxlc"  # arabic numbers for the chapters, roman for the front matter
NUMBER_SAMPLE_CSS = f'@page {{ @bottom-center {{ content: "{NUMBER_GLYPHS}"; {NUMBER_STYLE} }} }}'
NUMBER_FONT = pikepdf.Name("/BookPageNumber")


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
        f'<div class="subtitle">{esc(info.subtitle)}</div><dl>'
        f'<dt>{esc(info.labels["language"])}</dt><dd>{esc(info.language_name)}</dd>'
        f'<dt>{esc(info.labels["date"])}</dt><dd>{esc(info.date)}</dd>'
        f'<dt>{esc(info.labels["version"])}</dt><dd>{esc(info.version)}</dd>'
        f'<dt>{esc(info.labels["licence"])}</dt><dd>CC BY-SA 4.0</dd></dl></section>'
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


TOC_MIN_LAST_ROWS = 8


def roman(number: int) -> str:
    result = ""
    for value, letters in ((100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"),
                           (5, "v"), (4, "iv"), (1, "i")):
        while number >= value:
            result += letters
            number -= value
    return result


class NumberStamps:
    """Draws page numbers as text in the font and place of a WeasyPrint sample page.

    The sample is one empty page whose @bottom-center holds the ten digits:
    its content stream gives the font, size, colour, baseline and centre, its
    font gives each digit's glyph and width. A page number is then a copy of
    that text with the digits of the number, centred on the same point.
    """

    KEEP = ("cm", "q", "Q", "rg", "BT", "Tm", "Tf", "TJ", "Tj", "ET")

    def __init__(self, book: pikepdf.Pdf, font_css: str, render_small: RenderSmall):
        data = render_small(document_html("", "en", "page numbers"), (font_css, NUMBER_SAMPLE_CSS), "page-numbers")
        # Kept open until the book is saved: qpdf copies the font's stream from it then.
        self.sample = pikepdf.open(io.BytesIO(data))
        page = self.sample.pages[0]
        self.ops = [(list(operands), str(op)) for operands, op in pikepdf.parse_content_stream(page)
                    if str(op) in self.KEEP]
        names = [op for _, op in self.ops]
        if names.count("Tm") != 1 or names.count("Tf") != 1 or names.count("TJ") + names.count("Tj") != 1:
            raise BookError("page numbers: WeasyPrint drew the digit sample in an unexpected way")
        self.at = {op: index for index, (_, op) in enumerate(self.ops)}
        self.show = self.at.get("TJ", self.at.get("Tj"))
        shown = self.ops[self.show][0][0]
        raw = b"".join(bytes(item) for item in shown if isinstance(item, pikepdf.String)) \
            if isinstance(shown, pikepdf.Array) else bytes(shown)
        if len(raw) != 2 * len(NUMBER_GLYPHS):
            raise BookError(f"page numbers: expected {len(NUMBER_GLYPHS)} two-byte glyphs in the sample, "
                            f"got {len(raw)} bytes")
        self.glyphs = {char: raw[2 * i:2 * i + 2] for i, char in enumerate(NUMBER_GLYPHS)}
        font_operands = self.ops[self.at["Tf"]][0]
        font = page.Resources.Font[font_operands[0]]
        widths = glyph_widths(font.DescendantFonts[0].W)
        size = float(font_operands[1])
        self.widths = {d: widths[int.from_bytes(g, "big")] * size / 1000 for d, g in self.glyphs.items()}
        self.centre = float(self.ops[self.at["Tm"]][0][4]) + sum(self.widths.values()) / 2
        font_operands[0] = NUMBER_FONT
        self.font = book.copy_foreign(font)
        self.save = book.make_stream(b"q\n")

    def stamp(self, book: pikepdf.Pdf, index: int, number: int | str) -> None:
        digits = str(number)
        ops = [(list(operands), op) for operands, op in self.ops]
        ops[self.at["Tm"]][0][4] = Decimal(f"{self.centre - sum(self.widths[d] for d in digits) / 2:.4f}")
        ops[self.show] = ([pikepdf.String(b"".join(self.glyphs[d] for d in digits))], "Tj")
        text = pikepdf.unparse_content_stream([(operands, pikepdf.Operator(op)) for operands, op in ops])
        page = book.pages[index].obj
        if "/Resources" not in page:
            page.Resources = pikepdf.Dictionary()
        if "/Font" not in page.Resources:
            page.Resources.Font = pikepdf.Dictionary()
        page.Resources.Font[NUMBER_FONT] = self.font
        # The page's own streams run inside q ... Q, so the number starts from a clean graphics state.
        streams = list(page.Contents) if isinstance(page.Contents, pikepdf.Array) else [page.Contents]
        # The number is page furniture, not content: marked as an artifact for tagged PDF readers.
        page.Contents = pikepdf.Array([self.save, *streams, book.make_stream(
            b"\nQ\n/Artifact BMC\n" + text + b"\nEMC\n")])


def glyph_widths(array) -> dict[int, float]:
    """A CID font's /W array as {glyph id: width}: runs of 'c [w1 w2 ...]' and 'first last w'."""
    items, widths, i = list(array), {}, 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            for offset, width in enumerate(items[i + 1]):
                widths[first + offset] = float(width)
            i += 2
        else:
            for glyph in range(first, int(items[i + 1]) + 1):
                widths[glyph] = float(items[i + 2])
            i += 3
    return widths


def assemble(info: BookInfo, chapters: list[Chapter], rendered: dict[str, Rendered], out: Path,
             font_css: str, render_small: RenderSmall, font_files: dict | None = None) -> dict:
    front_data, front_count, starts = render_front(info, chapters, rendered, font_css, render_small)
    with ExitStack() as stack:
        book = stack.enter_context(pikepdf.open(io.BytesIO(front_data)))
        tags = TagTree(book)
        for chapter in chapters:
            source = stack.enter_context(pikepdf.open(rendered[chapter.key].pdf))
            first = len(book.pages)
            book.pages.extend(source.pages)
            tags.add(source, first)
        numbers = NumberStamps(book, font_css, render_small)
        for index in range(1, front_count):
            numbers.stamp(book, index, roman(index + 1))
        for index in range(front_count, len(book.pages)):
            numbers.stamp(book, index, index - front_count + 1)
        # The reader's page box shows what is printed: i, ii, ... for the front matter, then 1, 2, ...
        book.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array([
            0, pikepdf.Dictionary(S=pikepdf.Name("/r")), front_count, pikepdf.Dictionary(S=pikepdf.Name("/D"))]))
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


class TagTree:
    """Joins the chapters' structure trees (WeasyPrint's pdf_tags) into one tagged book.

    Each rendered PDF has a StructTreeRoot holding one /Document element, and a
    ParentTree numbered from 0 (its pages' /StructParents, then its link
    annotations' /StructParent). The book gets one /Document whose kids are the
    front matter's and every chapter's elements (each chapter's own /Document
    becomes a /Part), and one ParentTree with every chapter's numbers moved past
    the previous ones. Struct elements point at pages with /Pg: qpdf copies an
    object of a source file once, so they land on the pages already joined.
    """

    def __init__(self, book: pikepdf.Pdf) -> None:
        self.book = book
        self.nums: list = []
        self.next = 0
        self.ok = "/StructTreeRoot" in book.Root
        self.document = book.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name("/StructElem"),
                                                              S=pikepdf.Name("/Document"), K=pikepdf.Array()))
        if self.ok:
            self._join(book.Root.StructTreeRoot, 0, len(book.pages))

    def add(self, source: pikepdf.Pdf, first: int) -> None:
        if not self.ok or "/StructTreeRoot" not in source.Root:
            self.ok = False
            return
        root = self.book.copy_foreign(source.Root.StructTreeRoot)
        self._join(root, first, len(source.pages))

    def _join(self, root, first: int, count: int) -> None:
        offset = self.next
        for element in root.K if isinstance(root.K, pikepdf.Array) else [root.K]:
            element.S = pikepdf.Name("/Part")
            element.P = self.document
            self.document.K.append(element)
        items = list(root.ParentTree.Nums)
        for key, value in zip(items[0::2], items[1::2]):
            self.nums += [int(key) + offset, value]
            self.next = max(self.next, int(key) + offset + 1)
        for index in range(first, first + count):
            page = self.book.pages[index].obj
            if "/StructParents" in page:
                page.StructParents = int(page.StructParents) + offset
            for annotation in page.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset

    def finish(self) -> bool:
        """Install the joined tree; False (and no tree) when a part came untagged."""
        if not self.ok:
            for key in ("/StructTreeRoot", "/MarkInfo"):
                if key in self.book.Root:
                    del self.book.Root[key]
            return False
        root = self.book.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name("/StructTreeRoot"), K=pikepdf.Array([self.document]),
            ParentTree=self.book.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(self.nums))),
            ParentTreeNextKey=self.next))
        self.document.P = root
        self.book.Root.StructTreeRoot = root
        self.book.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
        return True


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


def destination(book: pikepdf.Pdf, index: int, x: float, y: float) -> pikepdf.Array:
    page = book.pages[index]
    top = float(page.mediabox[3]) - y
    return pikepdf.Array([page.obj, pikepdf.Name("/XYZ"), round(x, 2), round(top, 2), None])


def fix_links(book: pikepdf.Pdf, targets: dict) -> tuple[int, set[str]]:
    fixed, unresolved = 0, set()
    for page in book.pages:
        for annotation in page.obj.get("/Annots", []):
            action = annotation.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if not uri.startswith(BOOK_LINK):
                continue
            name = uri[len(BOOK_LINK):]
            if name not in targets:
                unresolved.add(name)
                continue
            annotation.A = pikepdf.Dictionary(S=pikepdf.Name("/GoTo"), D=destination(book, *targets[name]))
            fixed += 1
    return fixed, unresolved


def add_outline(book: pikepdf.Pdf, chapters, rendered, starts) -> None:
    with book.open_outline() as outline:
        part_item, part = None, object()
        for chapter in chapters:
            first = starts[chapter.key] - 1
            if chapter.part != part:
                part_item = pikepdf.OutlineItem(chapter.part, first) if chapter.part else None
                if part_item is not None:
                    outline.root.append(part_item)
                part = chapter.part
            if chapter.opens_part and part_item is not None and not part_item.children:
                chapter_item = part_item  # the part's landing page: its sections hang under the part
            else:
                chapter_item = pikepdf.OutlineItem(chapter.title, first)
                (part_item.children if part_item is not None else outline.root).append(chapter_item)
            for level, label, page, y in rendered[chapter.key].headings:
                if level == 2:
                    section = pikepdf.OutlineItem(label)
                    section.destination = destination(book, first + page, 0, y)
                    chapter_item.children.append(section)
