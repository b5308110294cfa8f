"""Jumps for the links between chapters, and the bookmark tree of parts, chapters and sections."""

from __future__ import annotations

import pikepdf

from .collect import BOOK_LINK


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
