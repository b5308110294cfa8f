"""Render one chapter to PDF with WeasyPrint, cached by a hash of everything that shapes it.

Runs in a worker process. Besides the PDF it records what the assembler needs
to join chapters without rendering them again: the page count, where every
anchor lies, the chapter's headings for the bookmarks, and the characters no
font could draw.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import html as html_text
import io
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import weasyprint
import weasyprint.pdf
import weasyprint.pdf.fonts
from weasyprint.text.fonts import FontConfiguration

from buildcache import write_atomically

from .sharefonts import content_tag
from .tagtree import flatten_spans

CSS_FILE = Path(__file__).with_name("book.css")
PX_TO_PT = 0.75  # WeasyPrint lays out in CSS px
# Changes whenever the PDF a chapter render writes changes (it is part of the cache key).
RENDER_VERSION = "fonts-tagged-by-file-1+pdf-tags+spans-folded+shared-fonts-left-out"


class _OpenArrayFFI:
    """cffi for WeasyPrint's font subsetting, asking for arrays without their length.

    For every font of every document, WeasyPrint asks cffi for arrays typed
    'hb_codepoint_t[N]' with a new N, and cffi parses each new type string
    with pycparser: about 20 ms a chapter, a third of what embedding its fonts
    costs. Given the items, 'hb_codepoint_t[]' makes the same array and is
    parsed once. Everything else goes to cffi unchanged.
    """

    def __init__(self, ffi) -> None:
        self._ffi = ffi

    def __getattr__(self, name: str):
        return getattr(self._ffi, name)

    def new(self, cdecl, init=None):
        if init is not None and isinstance(cdecl, str) and re.fullmatch(r"\w+\[\d+\]", cdecl):
            cdecl = cdecl[:cdecl.index("[")] + "[]"
        return self._ffi.new(cdecl, init)


if not isinstance(weasyprint.pdf.fonts.ffi, _OpenArrayFFI):
    weasyprint.pdf.fonts.ffi = _OpenArrayFFI(weasyprint.pdf.fonts.ffi)


# The tags of the font files whose glyphs the join replaces with one book-wide subset
# (sharefonts.py). A chapter embeds only the first four bytes of such a file (enough for
# WeasyPrint to tell CFF from TrueType), not a subset of its own that the join would throw
# away: that saves subsetting, compressing and storing some 14 fonts in every chapter.
# Set in each render process by share_font_files(); empty, every font is subset as usual.
SHARED_FONT_TAGS: frozenset[str] = frozenset()


def share_font_files(tags) -> None:
    global SHARED_FONT_TAGS
    SHARED_FONT_TAGS = frozenset(tags)


def _leave_for_the_join(font, to_unicode, hinting) -> None:
    font.file_content = font.file_content[:4]


def _tag_fonts_by_file(build):
    """Name each embedded font after the font file it comes from (see sharefonts.py).

    WeasyPrint's own tag hashes the CSS font description, so one file shows up
    under several names and two chapters cannot tell that their subsets share
    glyph ids. The tag is taken before WeasyPrint subsets the file.
    """
    def build_fonts_dictionary(pdf, fonts, *args, **kwargs):
        tags: dict[int, str] = {}
        for font in fonts.values():
            if font.bitmap:
                continue
            key = id(font.file_content)
            if key not in tags:
                tags[key] = content_tag(font.file_content, font.index)
            rest = font.name.split(b"+", 1)[-1]
            font.name = b"/" + tags[key].encode() + b"+" + rest.lstrip(b"/")
            if tags[key] in SHARED_FONT_TAGS and "fvar" not in font.tables:
                font.clean = functools.partial(_leave_for_the_join, font)
        return build(pdf, fonts, *args, **kwargs)

    build_fonts_dictionary.tags_fonts_by_file = True
    return build_fonts_dictionary


if not getattr(weasyprint.pdf.build_fonts_dictionary, "tags_fonts_by_file", False):
    weasyprint.pdf.build_fonts_dictionary = _tag_fonts_by_file(weasyprint.pdf.build_fonts_dictionary)


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
            f"<title>{html_text.escape(title)}</title></head><body>{body}</body></html>")


# One font configuration and parsed style sheets per worker process, reused by
# every chapter it renders: setting them up again (fontconfig, three @font-face
# fonts copied and registered, the CSS parsed) costs about 60 ms a chapter.
_STYLES: dict[tuple[str, ...], tuple[FontConfiguration, list]] = {}


def styles(extra: tuple[str, ...]) -> tuple[FontConfiguration, list]:
    """book.css and the extra style sheets, parsed once per process."""
    if extra not in _STYLES:
        fonts = FontConfiguration()  # needed for the @font-face rules in the sheets
        css = [weasyprint.CSS(filename=str(CSS_FILE), font_config=fonts)]
        css += [weasyprint.CSS(string=sheet, font_config=fonts) for sheet in extra]
        _STYLES[extra] = (fonts, css)
    return _STYLES[extra]


def cache_key(html: str) -> str:
    digest = hashlib.sha256()
    digest.update(weasyprint.__version__.encode())
    digest.update(RENDER_VERSION.encode())
    digest.update(" ".join(sorted(SHARED_FONT_TAGS)).encode())  # a changed font file changes its glyph ids
    digest.update(CSS_FILE.read_bytes())
    digest.update(html.encode("utf-8"))
    return digest.hexdigest()[:32]


@contextmanager
def cyclic_gc_paused():
    """Run the block without Python's cyclic garbage collector, then collect its garbage once.

    Preparing and laying out a chapter makes millions of short-lived objects,
    and the collector keeps walking them: with it paused for each chapter the
    Chinese book (513 pages, 2 workers) took 70-72 s of CPU instead of 76-77 s.
    One chapter's garbage is small enough to wait for the end of the chapter;
    the peak memory stayed within the noise (600-650 MB for the process tree).
    While the collector is off, every new object stays in the youngest
    generation, so collecting that generation alone frees the block's cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect(0)
        if enabled:
            gc.enable()


def render_chapter(key: str, html: str, base_url: str, cache_dir: Path, stylesheets: tuple[str, ...] = ()) -> Rendered:
    """Render (or reuse) one chapter; html is a complete document, stylesheets come after book.css."""
    digest = cache_key(html + "".join(stylesheets))
    pdf = cache_dir / f"{key}-{digest}.pdf"
    meta = pdf.with_suffix(".json")
    data = cached_entry(pdf, meta)
    if data is not None:
        return Rendered(key, pdf, data["pages"], {k: tuple(v) for k, v in data["anchors"].items()},
                        [tuple(h) for h in data["headings"]], data["warnings"], cached=True)
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        fonts, css = styles(stylesheets)
        document = weasyprint.HTML(string=html, base_url=base_url).render(stylesheets=css, font_config=fonts)
    finally:
        logger.removeHandler(handler)
    anchors: dict[str, tuple[int, float, float]] = {}
    headings: list[tuple[int, str, int, float]] = []
    for index, page in enumerate(document.pages):
        for name, (x, y, *_) in page.anchors.items():
            anchors.setdefault(name, (index, x * PX_TO_PT, y * PX_TO_PT))
        for level, label, (x, y), _state in page.bookmarks:
            headings.append((level, label, index, y * PX_TO_PT))
    write_atomically(pdf, compact_tags(document.write_pdf(pdf_identifier=digest.encode(), pdf_tags=True)))
    write_atomically(meta, json.dumps({"pages": len(document.pages), "anchors": anchors, "headings": headings,
                                       "warnings": handler.messages}, ensure_ascii=False).encode())
    return Rendered(key, pdf, len(document.pages), anchors, headings, handler.messages, cached=False)


# (html, style sheets after book.css, cache name) -> PDF bytes; build_pdf.py runs it in a worker
# process, so that this one never starts Pango (its threads do not survive fork).
RenderSmall = Callable[[str, tuple[str, ...], str], bytes]


def render_whole(html: str, stylesheets: tuple[str, ...], cache_dir: Path, name: str) -> bytes:
    """Render a small document (cover and contents, page-number digits) with book.css and stylesheets,
    reusing an identical earlier render."""
    digest = cache_key(html + "".join(stylesheets))
    pdf = cache_dir / f"{name}-{digest}.pdf"
    if pdf.exists() and complete_pdf(pdf.read_bytes()):
        return pdf.read_bytes()
    fonts, css = styles(stylesheets)
    data = weasyprint.HTML(string=html).render(stylesheets=css, font_config=fonts).write_pdf(
        pdf_identifier=digest.encode(), pdf_tags=True)
    write_atomically(pdf, data)
    return data


def compact_tags(data: bytes) -> bytes:
    """The rendered PDF with its plain /Span elements folded into their parents (tagtree.py)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        flatten_spans(pdf)
        out = io.BytesIO()
        pdf.save(out, compress_streams=True)
        return out.getvalue()


def complete_pdf(data: bytes) -> bool:
    """A whole PDF starts with its header and ends with %%EOF; a cut-off write does not."""
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]


def cached_entry(pdf: Path, meta: Path) -> dict | None:
    """The metadata of a usable cache entry; None (and the entry removed) when it is missing or damaged."""
    if not (pdf.exists() and meta.exists()):
        return None
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
        if complete_pdf(pdf.read_bytes()) and {"pages", "anchors", "headings", "warnings"} <= set(data):
            return data
    except (OSError, ValueError):
        pass
    pdf.unlink(missing_ok=True)
    meta.unlink(missing_ok=True)
    return None


PARTIAL_WRITE = re.compile(r"^\..+\.(\d+)\.[^.]+\.tmp$")


def remove_partial_writes(folder: Path) -> None:
    """Delete the temporary files of write_atomically whose writer has gone: a render worker stopped
    by Ctrl-C (the pool is terminated, with no chance to clean up) can leave one. The files of a
    build still running on the same cache have a live writer and stay."""
    for partial in folder.rglob(".*.tmp"):
        found = PARTIAL_WRITE.match(partial.name)
        if found and not process_alive(int(found.group(1))):
            partial.unlink(missing_ok=True)


@contextmanager
def scratch_folder() -> Iterator[Path]:
    """A temporary folder for the whole PDF build, removed when the build ends, however it ends.

    WeasyPrint copies the @font-face fonts of every FontConfiguration into a folder of its own
    under the system's temporary folder (about 22 MB with the book's CJK subsets) and removes it
    only when the object is collected. The render workers never get there: the pool ends them
    without running finalizers, and each build left one such folder per worker process in /tmp
    (a test run left about 80, 1.5 GB). Inside this block every temporary file of this process and
    of the workers it forks goes into one folder, named after this process; the block removes it,
    and also the folders of earlier builds whose process has gone (killed with SIGKILL)."""
    parent = Path(tempfile.gettempdir())
    for stale in parent.glob("book-pdf-*-*"):
        pid = stale.name.split("-")[2]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=f"book-pdf-{os.getpid()}-", dir=parent))
    previous = tempfile.tempdir
    tempfile.tempdir = str(folder)  # forked workers inherit it
    try:
        yield folder
    finally:
        tempfile.tempdir = previous
        shutil.rmtree(folder, ignore_errors=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
