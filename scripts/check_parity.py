#!/usr/bin/env python3
"""Translation parity: every page has its twin, and twins have the same structure.

Structure means: the sequence of explicit heading ids (``{#id}`` on headings of
level 2 and deeper), the number of fenced code blocks, tables and images, and
the data-table/plot markers. Front matter, where present, must be valid YAML
holding a mapping.

Usage: check_parity.py [DOCS_DIR]     (default: the book's docs/)
Prints ``file:line: what is wrong`` for each problem and exits 1 if any.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bookconf import DEFAULT_LANGUAGE, DOCS, LANGUAGES, language_of  # noqa: E402
from buildcache import cached  # noqa: E402
from mdlines import FENCE_OPEN, TEXT, Page, read_file  # noqa: E402

MARKER = re.compile(r"^<!--\s*data-(?:table|plot):\s*([\w-]+)\s*-->\s*$")


@dataclass
class Item:
    """One structural element, with the line it starts on."""

    kind: str
    key: str
    line: int


@dataclass
class PageShape:
    path: Path
    items: list[Item] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Item]:
        return [item for item in self.items if item.kind == kind]


def check_front_matter(path: Path, page: Page, shape: PageShape) -> None:
    """Front matter, where present, must be YAML holding a mapping."""
    if page.front_matter is None:
        return
    try:
        data = yaml.safe_load(page.front_matter)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(err, "problem", None) or str(err).splitlines()[0]
        shape.problems.append(f"{path}:{line}: malformed front matter: {reason}")
        return
    if data is not None and not isinstance(data, dict):
        shape.problems.append(f"{path}:2: front matter must be a mapping of keys to values")


def shown(path: Path) -> Path:
    """A path as a contributor would type it: relative to the current folder when inside it."""
    relative = os.path.relpath(path)
    return Path(relative) if not relative.startswith("..") else path


def page_shape(path: Path) -> PageShape:
    path = shown(path)
    shape = PageShape(path)
    page = read_file(path)
    check_front_matter(path, page, shape)
    for line in page.lines:
        number = line.number
        if line.kind == FENCE_OPEN:
            shape.items.append(Item("code block", str(len(shape.of_kind("code block")) + 1), number))
        if line.kind != TEXT:
            continue
        heading = line.heading
        if heading and heading.level >= 2:
            if heading.id:
                shape.items.append(Item("heading", heading.id, number))
            else:
                shape.problems.append(f"{path}:{number}: heading '{heading.text}' has no explicit {{#id}}")
        if line.table == "header":
            shape.items.append(Item("table", str(len(shape.of_kind("table")) + 1), number))
        for image in line.images:
            shape.items.append(Item("image", image, number))
        marker = MARKER.match(line.text.strip())
        if marker:
            shape.items.append(Item("data marker", marker.group(1), number))
    shape.problems.extend(page.messages(str(path)))
    return shape


def compare(zh: PageShape, other: PageShape) -> list[str]:
    """Name both files and the first difference of each kind."""
    problems: list[str] = []
    for kind in ("heading", "data marker"):
        ours, theirs = zh.of_kind(kind), other.of_kind(kind)
        for position in range(max(len(ours), len(theirs))):
            mine = ours[position] if position < len(ours) else None
            yours = theirs[position] if position < len(theirs) else None
            if mine and yours and mine.key == yours.key:
                continue
            where_zh = f"{zh.path}:{mine.line}" if mine else f"{zh.path}"
            where_other = f"{other.path}:{yours.line}" if yours else f"{other.path}"
            problems.append(
                f"{where_zh}: {kind} #{position + 1} is "
                f"'{mine.key if mine else '(none)'}' but in {where_other} it is "
                f"'{yours.key if yours else '(none)'}'"
            )
            break
    for kind in ("code block", "table", "image"):
        ours, theirs = zh.of_kind(kind), other.of_kind(kind)
        if len(ours) != len(theirs):
            # Point at the first element that has no counterpart.
            extra = ours[len(theirs)] if len(ours) > len(theirs) else theirs[len(ours)]
            extra_path = zh.path if len(ours) > len(theirs) else other.path
            problems.append(
                f"{extra_path}:{extra.line}: {len(ours)} {kind}(s) in {zh.path} but "
                f"{len(theirs)} in {other.path}; first unmatched {kind} here"
            )
    return problems


def check_docs(docs: Path) -> list[str]:
    """Every problem in a docs tree, as 'file:line: message' strings."""
    problems: list[str] = []
    pages = sorted(docs.rglob("*.md"))
    by_stem: dict[Path, dict[str, Path]] = {}
    for page in pages:
        lang = language_of(page)
        suffix = LANGUAGES[lang].suffix + ".md"
        stem = page.with_name(page.name[: -len(suffix)])
        by_stem.setdefault(stem, {})[lang] = page
    for stem, variants in sorted(by_stem.items()):
        # once per version of each file: the build checks every page before each language and reload
        shapes = {lang: cached(path, "page shape", page_shape) for lang, path in variants.items()}
        for shape in shapes.values():
            problems.extend(shape.problems)
        for lang in LANGUAGES:
            if lang not in variants:
                have = next(iter(variants.values()))
                missing = stem.with_name(stem.name + LANGUAGES[lang].suffix + ".md")
                problems.append(f"{shown(have)}:1: missing translation: {shown(missing)} does not exist")
        if DEFAULT_LANGUAGE in shapes:
            for lang, shape in shapes.items():
                if lang != DEFAULT_LANGUAGE:
                    problems.extend(compare(shapes[DEFAULT_LANGUAGE], shape))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("docs", nargs="?", type=Path, default=DOCS, help="docs folder (default: %(default)s)")
    args = parser.parse_args(argv)
    if not args.docs.is_dir():
        print(f"check_parity: {args.docs} is not a folder", file=sys.stderr)
        return 2
    problems = check_docs(args.docs)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check_parity: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check_parity: {len(list(args.docs.rglob('*.md')))} pages, twins match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
