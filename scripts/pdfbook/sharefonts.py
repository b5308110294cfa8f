"""One embedded subset per font for the whole book, made when the chapters are joined.

Every chapter is rendered on its own (in parallel, and cached), so WeasyPrint
embeds its own subset of every font in every chapter: 11 fonts became 173
subsets in the Chinese book. Two things make merging them cheap:

- WeasyPrint subsets with HarfBuzz's RETAIN_GIDS: a glyph keeps the id it has
  in the font file, so the glyph codes in every chapter's content streams are
  the same for one font file, whichever chapter drew them;
- render.py names each embedded font after a hash of the font file it came
  from (``font_tag``), not after the CSS description, so the joiner knows which
  embedded fonts come from one file, and which file that is.

``share_fonts`` then gathers, per font file, the glyph ids every chapter used
(the keys of its /W widths), subsets the file once to their union with
HarfBuzz (glyph ids kept; harfbuzz.py), and points every page at one font dictionary per file, with the union
of the widths and of the ToUnicode maps. The page content streams are not
touched.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pikepdf

from .collect import BookError
from .harfbuzz import subset_font

TAG_LETTERS = 6
FONT_FILE_KEYS = ("/FontFile", "/FontFile2", "/FontFile3")


def font_tag(digest) -> str:
    """Six capital letters naming a font file and face index (the PDF subset tag)."""
    return "".join(chr(65 + byte % 26) for byte in digest.digest()[:TAG_LETTERS])


def content_tag(content: bytes, index: int) -> str:
    digest = hashlib.sha256(content)
    digest.update(index.to_bytes(4, "big"))
    return font_tag(digest)


def candidate_files(families: set[str], extra: list[Path]) -> list[tuple[Path, int]]:
    """The installed files (and face indexes) of the given families, plus the book's own subsets."""
    result = subprocess.run(["fc-list", "--format", "%{family}|%{file}|%{index}\n"],
                            capture_output=True, text=True, check=False)
    found = {(path, 0) for path in extra}
    for line in result.stdout.splitlines():
        names, _, rest = line.partition("|")
        path, _, index = rest.partition("|")
        if families & set(names.split(",")):
            found.add((Path(path), int(index or 0)))
    return sorted(found)


def tags_of_files(files: list[tuple[Path, int]], memo: Path | None) -> dict[str, tuple[Path, int]]:
    """tag -> (file, index) for the candidate files; file digests are remembered by size and mtime."""
    saved = {}
    if memo is not None and memo.exists():
        try:
            saved = json.loads(memo.read_text())
        except ValueError:
            saved = {}
    tags, digests, changed = {}, {}, False
    for path, index in files:
        stat = path.stat()
        key = f"{path}|{index}|{stat.st_size}|{stat.st_mtime_ns}"
        if key not in saved:
            if path not in digests:
                digests[path] = hashlib.sha256(path.read_bytes())
            digest = digests[path].copy()
            digest.update(index.to_bytes(4, "big"))
            saved[key] = font_tag(digest)
            changed = True
        tags[saved[key]] = (path, index)
    if changed and memo is not None:
        memo.parent.mkdir(parents=True, exist_ok=True)
        partial = memo.with_suffix(".part")
        partial.write_text(json.dumps(saved, indent=0, sort_keys=True))
        partial.replace(memo)
    return tags


def _walk_font_dicts(book: pikepdf.Pdf):
    """Every /Font resource dictionary of the book's pages and of the forms they draw."""
    seen, stack = set(), [page.obj.get("/Resources") for page in book.pages]
    while stack:
        resources = stack.pop()
        if resources is None or not isinstance(resources, pikepdf.Dictionary):
            continue
        if resources.is_indirect:
            if resources.objgen in seen:
                continue
            seen.add(resources.objgen)
        fonts = resources.get("/Font")
        if fonts is not None:
            yield fonts
        for kind in ("/XObject", "/Pattern"):
            for item in (resources.get(kind) or {}).values():
                stack.append(item.get("/Resources"))


def parse_to_unicode(stream) -> dict[int, str]:
    data = stream.read_bytes().decode("latin-1")
    mapping = {}
    for glyph, text in re.findall(r"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]*)>", data):
        mapping[int(glyph, 16)] = bytes.fromhex(text).decode("utf-16-be", "replace")
    return mapping


def to_unicode_stream(book: pikepdf.Pdf, mapping: dict[int, str]) -> pikepdf.Stream:
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
             b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
    items = sorted(mapping.items())
    for start in range(0, len(items), 100):
        batch = items[start:start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [f"<{glyph:04x}> <{text.encode('utf-16-be').hex()}>".encode() for glyph, text in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return book.make_stream(b"\n".join(lines))


def widths_array(widths: dict[int, float]) -> pikepdf.Array:
    array, run = [], None
    for glyph in sorted(widths):
        if run is None or glyph - 1 not in widths:
            run = []
            array += [glyph, run]
        value = widths[glyph]
        run.append(int(value) if float(value).is_integer() else round(value, 3))
    return pikepdf.Array([item if not isinstance(item, list) else pikepdf.Array(item) for item in array])


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


def share_fonts(book: pikepdf.Pdf, files: dict[str, tuple[Path, int]]) -> dict:
    """Replace every chapter's subset of a known font file with one book-wide font; returns figures."""
    groups: dict[str, list] = {}
    for fonts in _walk_font_dicts(book):
        for name, font in fonts.items():
            if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
                continue
            descriptor = font.DescendantFonts[0].FontDescriptor
            tag = str(descriptor.FontName)[1:].split("+")[0]
            if tag in files:
                groups.setdefault(tag, []).append((fonts, name, font))
            elif any(len(descriptor[key].read_raw_bytes()) < 16 for key in FONT_FILE_KEYS if key in descriptor):
                # render.py left this font out for the join, which has no file for its tag
                raise BookError(f"font {descriptor.FontName} was left out of a chapter, but no installed "
                                 "font file has its tag: was a font package changed during the build?")
    shared, from_chapters = 0, 0
    collected = []
    for tag, uses in sorted(groups.items()):
        merged: dict[tuple[int, int], pikepdf.Object] = {}
        widths: dict[int, float] = {}
        unicode: dict[int, str] = {}
        bbox = None
        for _, _, font in uses:
            if font.objgen in merged:
                continue
            merged[font.objgen] = font
            cid = font.DescendantFonts[0]
            widths.update(glyph_widths(cid.W))
            if "/ToUnicode" in font:
                for glyph, text in parse_to_unicode(font.ToUnicode).items():
                    unicode.setdefault(glyph, text)
            box = [float(v) for v in cid.FontDescriptor.FontBBox]
            bbox = box if bbox is None else [min(bbox[0], box[0]), min(bbox[1], box[1]),
                                             max(bbox[2], box[2]), max(bbox[3], box[3])]
        from_chapters += len(merged)
        collected.append((uses, widths, unicode, bbox))
    for tag, (uses, widths, unicode, bbox) in zip(sorted(groups), collected):
        data = subset_font(*files[tag], set(widths))
        cff = data[:4] == b"OTTO"
        first = uses[0][2]
        first_cid = first.DescendantFonts[0]
        descriptor = pikepdf.Dictionary({key: value for key, value in first_cid.FontDescriptor.items()
                                         if key not in (*FONT_FILE_KEYS, "/CIDSet")})
        descriptor.FontBBox = pikepdf.Array(bbox)
        if cff:
            descriptor.FontFile3 = book.make_stream(data, Subtype=pikepdf.Name("/OpenType"))
        else:
            descriptor.FontFile2 = book.make_stream(data, Length1=len(data))
        cid = pikepdf.Dictionary({key: value for key, value in first_cid.items()
                                  if key not in ("/W", "/FontDescriptor")})
        cid.W = widths_array(widths)
        cid.Subtype = pikepdf.Name("/CIDFontType0" if cff else "/CIDFontType2")
        cid.FontDescriptor = book.make_indirect(descriptor)
        font = book.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name("/Font"), Subtype=pikepdf.Name("/Type0"), BaseFont=first.BaseFont,
            Encoding=pikepdf.Name("/Identity-H"), DescendantFonts=pikepdf.Array([book.make_indirect(cid)]),
            ToUnicode=to_unicode_stream(book, unicode)))
        for fonts, name, _ in uses:
            fonts[name] = font
        shared += 1
    return {"shared_fonts": shared, "chapter_fonts_merged": from_chapters}
