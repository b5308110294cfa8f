"""Write the book as an EPUB 3 file from the chapters prepared for print (collect.py).

The EPUB container is a zip with a fixed layout (the 'mimetype' entry first and
stored, then META-INF/container.xml and the package), so a small writer does
the job: each chapter becomes one XHTML document, its images are copied in,
links between chapters (the ``book:`` targets collect.py made) become links
between the documents, and a navigation document lists the parts, chapters
and their sections. No font is embedded: reading systems have Latin and
Chinese fonts of their own. With SOURCE_DATE_EPOCH set, two builds of one
commit are byte-identical.
"""

from __future__ import annotations

import hashlib
import html
import re
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.etree
import lxml.html

from .collect import BOOK_LINK, BookError, Chapter
from .cover import CoverInfo

XHTML_NS = "http://www.w3.org/1999/xhtml"
SVG_NS = "http://www.w3.org/2000/svg"
CSS_FILE = Path(__file__).with_name("epub.css")
MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".webp": "image/webp"}
# Attributes of the site's HTML that EPUB's XHTML schema does not allow.
DROP_ATTRIBUTES = {"tabindex", "onclick", "align", "border", "valign", "width", "height", "frame", "rules"}


@dataclass
class EpubInfo(CoverInfo):
    identifier_seed: str           # the package's uuid5 is made from it: one per language and site
    cover_labels: dict[str, str]   # the cover's words for language, date, version, licence, cover
    cover_wrap: tuple[int, int]    # characters per line of the cover image's title and subtitle


def xhtml_document(lang: str, title: str, body: str, epub_type: str = "") -> bytes:
    body_attrs = f' epub:type="{epub_type}"' if epub_type else ""
    text = ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
            f'<html xmlns="{XHTML_NS}" xmlns:epub="http://www.idpf.org/2007/ops" lang="{lang}" xml:lang="{lang}">'
            f'<head><meta charset="utf-8"/><title>{html.escape(title)}</title>'
            '<link rel="stylesheet" type="text/css" href="../book.css"/></head>'
            f"<body{body_attrs}>{body}</body></html>")
    lxml.etree.fromstring(text.encode())  # well-formed, or an error here rather than in a reader
    return text.encode()


class Images:
    """The images the chapters use, copied into the book once each."""

    def __init__(self) -> None:
        self.items: dict[Path, str] = {}  # site file -> its name in the book
        self.files: dict[str, bytes] = {}  # name in the book -> its bytes (one copy of equal images)

    def add(self, path: Path) -> str:
        if path not in self.items:
            suffix = path.suffix.lower()
            if suffix not in MEDIA_TYPES:
                raise BookError(f"{path}: images of type {suffix or '(none)'} cannot go into the EPUB")
            # Named by content, not by where the site was built: the same sources give the same EPUB
            # in any checkout.
            data = image_bytes(path)
            digest = hashlib.sha256(data).hexdigest()[:10]
            self.items[path] = f"images/{re.sub(r'[^A-Za-z0-9_-]', '-', path.stem)[:40]}-{digest}{suffix}"
            self.files[self.items[path]] = data
        return self.items[path]


def chapter_body(chapter: Chapter, ids: dict[str, set[str]], images: Images) -> str:
    """A chapter's prepared HTML as XHTML body content with links and images for the EPUB."""
    # libxml2's HTML parser does not know <wbr> is empty and would nest the text after it:
    # a zero-width space is the same break opportunity.
    source = re.sub(r"<wbr\s*/?>(</wbr>)?", "\u200b", chapter.html)
    root = lxml.html.fragment_fromstring(source, create_parent="section")
    for dark in root.find_class("data-plot__dark"):  # the website's dark-theme copy of a plot
        dark.getparent().remove(dark)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name in list(element.attrib):
            if name == "xlink:href":
                element.attrib["href"] = element.attrib.pop(name)
            elif name in DROP_ATTRIBUTES or name.startswith("on") or ":" in name:
                del element.attrib[name]
        if element.tag == "a" and "href" in element.attrib:
            element.attrib["href"] = epub_href(element.attrib["href"], ids)
        if element.tag == "img" and "src" in element.attrib:
            source = urlsplit(element.attrib["src"])
            if source.scheme != "file":
                raise BookError(f"docs/{chapter.src}: image {element.attrib['src']} is not a file of the book")
            element.attrib["src"] = "../" + images.add(Path(unquote(source.path)))
            if "alt" not in element.attrib:
                element.attrib["alt"] = ""
        if element.tag in ("table", "td", "th", "col") and "style" in element.attrib:
            del element.attrib["style"]
    body = lxml.html.tostring(root, encoding="unicode", method="xml")
    return '<section class="chapter" epub:type="chapter"' + body[len("<section"):]


def epub_href(href: str, ids: dict[str, set[str]]) -> str:
    if not href.startswith(BOOK_LINK):
        return href
    target = href[len(BOOK_LINK):]
    key, _, _ = target.partition("--")
    if key not in ids:
        raise BookError(f"a link goes to {target}, which is not in the book")
    if target == key or target not in ids[key]:
        return f"{key}.xhtml"
    return f"{key}.xhtml#{target}"


def element_ids(chapter: Chapter) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', chapter.html))


def nav_document(info: EpubInfo, chapters: list[Chapter], sections: dict[str, list[tuple[str, str]]]) -> bytes:
    """The navigation document: parts, their chapters and the chapters' sections (## headings)."""
    esc = html.escape
    items, part, open_part = [], object(), False

    def chapter_item(chapter: Chapter, label: str) -> str:
        subs = "".join(f'<li><a href="text/{chapter.key}.xhtml#{anchor}">{esc(title)}</a></li>'
                       for anchor, title in sections.get(chapter.key, []))
        return (f'<a href="text/{chapter.key}.xhtml">{esc(label)}</a>' + (f"<ol>{subs}</ol>" if subs else ""))

    for chapter in chapters:
        if chapter.part != part:
            if open_part:
                items.append("</ol></li>")
                open_part = False
            part = chapter.part
            if chapter.part is not None:
                if chapter.opens_part:
                    head = f'<a href="text/{chapter.key}.xhtml">{esc(chapter.part)}</a>'
                    items.append(f"<li>{head}<ol>")
                    for anchor, title in sections.get(chapter.key, []):
                        items.append(f'<li><a href="text/{chapter.key}.xhtml#{anchor}">{esc(title)}</a></li>')
                    open_part = True
                    continue
                items.append(f'<li><a href="text/{chapter.key}.xhtml">{esc(chapter.part)}</a><ol>')
                open_part = True
        items.append(f"<li>{chapter_item(chapter, chapter.title)}</li>")
    if open_part:
        items.append("</ol></li>")
    first = chapters[0].key
    cover_name = info.cover_labels["cover"]
    body = (f'<nav epub:type="toc" id="toc"><h1>{esc(info.toc_title)}</h1><ol>'
            f'<li><a href="text/cover.xhtml">{esc(cover_name)}</a></li>{"".join(items)}</ol></nav>'
            '<nav epub:type="landmarks" hidden="hidden"><ol>'
            f'<li><a epub:type="cover" href="text/cover.xhtml">{esc(cover_name)}</a></li>'
            f'<li><a epub:type="toc" href="nav.xhtml">{esc(info.toc_title)}</a></li>'
            f'<li><a epub:type="bodymatter" href="text/{first}.xhtml">{esc(chapters[0].title)}</a></li>'
            "</ol></nav>")
    return xhtml_document(info.lang, info.toc_title, body).replace(b'href="../book.css"', b'href="book.css"')


def cover_svg(info: EpubInfo) -> bytes:
    """A plain typographic cover: the title, subtitle and edition on a coloured panel."""
    esc = html.escape
    words = wrap(info.title, info.cover_wrap[0])
    sub = wrap(info.subtitle, info.cover_wrap[1])
    lines = "".join(f'<text x="80" y="{330 + 78 * i}" font-size="64" font-weight="700" fill="#ffffff">{esc(w)}</text>'
                    for i, w in enumerate(words))
    top = 330 + 78 * len(words) + 40
    lines += "".join(f'<text x="80" y="{top + 44 * i}" font-size="34" fill="#c5cae9">{esc(w)}</text>'
                     for i, w in enumerate(sub))
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<svg xmlns="{SVG_NS}" viewBox="0 0 1200 1600" '
            'width="1200" height="1600" font-family="sans-serif">'
            '<rect width="1200" height="1600" fill="#1a237e"/><rect x="0" y="1380" width="1200" height="220" fill="#283593"/>'
            f"{lines}"
            f'<text x="80" y="1480" font-size="30" fill="#e8eaf6">{esc(info.date)} · {esc(info.version)}</text>'
            "</svg>").encode()


def wrap(text: str, width: int) -> list[str]:
    if " " not in text:
        return [text[i:i + width] for i in range(0, len(text), width)] or [""]
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line]


def cover_page(info: EpubInfo) -> bytes:
    esc = html.escape
    labels = info.cover_labels
    body = (f'<section class="cover" epub:type="cover"><img src="../images/cover.svg" alt="{esc(info.title)}"/>'
            f'<h1>{esc(info.title)}</h1><p class="subtitle">{esc(info.subtitle)}</p><dl>'
            f'<dt>{esc(labels["language"])}</dt><dd>{esc(info.language_name)}</dd>'
            f'<dt>{esc(labels["date"])}</dt><dd>{esc(info.date)}</dd>'
            f'<dt>{esc(labels["version"])}</dt><dd>{esc(info.version)}</dd>'
            f'<dt>{esc(labels["licence"])}</dt><dd>CC BY-SA 4.0</dd></dl></section>')
    return xhtml_document(info.lang, info.title, body)


def package_document(info: EpubInfo, chapters: list[Chapter], images: Images, svg_pages: set[str]) -> bytes:
    esc = html.escape
    identifier = uuid.uuid5(uuid.NAMESPACE_URL, info.identifier_seed)
    modified = f"{info.date}T00:00:00Z"
    items = ['<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>',
             '<item id="css" href="book.css" media-type="text/css"/>',
             '<item id="cover-image" href="images/cover.svg" media-type="image/svg+xml" properties="cover-image"/>',
             '<item id="cover" href="text/cover.xhtml" media-type="application/xhtml+xml"/>']
    for chapter in chapters:
        props = ' properties="svg"' if chapter.key in svg_pages else ""
        items.append(f'<item id="c-{chapter.key}" href="text/{chapter.key}.xhtml" '
                     f'media-type="application/xhtml+xml"{props}/>')
    for index, href in enumerate(sorted(images.files)):
        items.append(f'<item id="img{index}" href="{href}" media-type="{MEDIA_TYPES[Path(href).suffix]}"/>')
    spine = ['<itemref idref="cover" linear="yes"/>', '<itemref idref="nav" linear="yes"/>']
    spine += [f'<itemref idref="c-{chapter.key}"/>' for chapter in chapters]
    text = ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="book-id" '
            f'xml:lang="{info.lang}">'
            '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<dc:identifier id="book-id">urn:uuid:{identifier}</dc:identifier>'
            f"<dc:title>{esc(info.title)}</dc:title><dc:language>{info.lang}</dc:language>"
            f"<dc:creator>{esc(info.authors)}</dc:creator><dc:description>{esc(info.subtitle)}</dc:description>"
            f"<dc:date>{info.date}</dc:date><dc:rights>CC BY-SA 4.0</dc:rights>"
            f'<meta property="dcterms:modified">{modified}</meta>'
            '<meta name="cover" content="cover-image"/>'
            f'</metadata><manifest>{"".join(items)}</manifest><spine>{"".join(spine)}</spine></package>')
    lxml.etree.fromstring(text.encode())
    return text.encode()


def image_bytes(path: Path) -> bytes:
    """An image as the EPUB takes it. SVG files from matplotlib name the SVG 1.1 DTD (EPUB 3 allows no
    external DTD) and draw the space glyph as a <path> without 'd' (the SVG schema requires one)."""
    data = path.read_bytes()
    if path.suffix.lower() != ".svg":
        return data
    text = data.decode("utf-8")
    text = re.sub(r"<!DOCTYPE[^>\[]*(\[[^\]]*\])?\s*>", "", text, count=1)
    text = re.sub(r"<path(?![^>]*\sd=)", '<path d="M0 0"', text)
    return text.encode("utf-8")


CONTAINER = (b'<?xml version="1.0" encoding="utf-8"?>\n<container version="1.0" '
             b'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
             b'<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
             b"</rootfiles></container>")


def write_epub(info: EpubInfo, chapters: list[Chapter], out: Path) -> dict:
    """Write the EPUB to out; returns figures for the build's summary."""
    ids = {chapter.key: element_ids(chapter) | {chapter.key} for chapter in chapters}
    images = Images()
    documents, svg_pages, sections = {}, set(), {}
    for chapter in chapters:
        body = chapter_body(chapter, ids, images)
        if "<svg" in body:
            svg_pages.add(chapter.key)
        documents[f"OEBPS/text/{chapter.key}.xhtml"] = xhtml_document(info.lang, chapter.title, body)
        sections[chapter.key] = [(anchor, re.sub(r"<[^>]+>", "", html.unescape(title)).strip())
                                 for anchor, title in re.findall(r'<h2[^>]*\sid="([^"]+)"[^>]*>(.*?)</h2>',
                                                                 chapter.html, re.S)]
    stamp = (1980, 1, 1, 0, 0, 0)
    entries = [("mimetype", b"application/epub+zip"), ("META-INF/container.xml", CONTAINER),
               ("OEBPS/content.opf", package_document(info, chapters, images, svg_pages)),
               ("OEBPS/nav.xhtml", nav_document(info, chapters, sections)),
               ("OEBPS/book.css", CSS_FILE.read_bytes()),
               ("OEBPS/images/cover.svg", cover_svg(info)),
               ("OEBPS/text/cover.xhtml", cover_page(info))]
    entries += sorted(documents.items())
    entries += sorted((f"OEBPS/{href}", data) for href, data in images.files.items())
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries:
            entry = zipfile.ZipInfo(name, stamp)
            entry.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data, compresslevel=9 if name != "mimetype" else None)
    return {"chapters": len(chapters), "images": len(images.files), "bytes": out.stat().st_size}

