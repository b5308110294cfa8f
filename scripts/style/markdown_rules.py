"""Markdown rules whose violation changes what Python-Markdown renders.

* ``list-blank-line``: a list item line directly after a paragraph line is glued to the
  paragraph (GitHub starts a list there, Python-Markdown does not).
* ``fence-language``: every fenced code block names its language, so it is highlighted
  and the copy button and PDF treat it as code of that language.
* ``no-script``: no raw ``<script>``; nothing runs in the reader's browser from a page.
"""

from __future__ import annotations

import re
from pathlib import Path

from mdlines import FENCE_OPEN, TEXT, read

from .common import Problem, shown

LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+\S")
# Lines that end a paragraph by themselves: after these a list may start directly.
NOT_PARAGRAPH = re.compile(
    r"^\s*(?:#{1,6}\s|\||<|!!!|\?\?\?|===\s|---+\s*$|\*\*\*+\s*$|--8<--|\[[^\]]+\]:\s|\*\[[^\]]+\]:)"
)
SCRIPT = re.compile(r"<\s*script\b", re.IGNORECASE)
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")


def check_file(path: Path) -> list[Problem]:
    problems: list[Problem] = []
    where = shown(path)
    lines = read(path.read_text(encoding="utf-8")).lines
    # Per block (lines between blank lines): does it hold a list item yet?
    list_in_block = False
    previous = None
    for line in lines:
        if line.kind == FENCE_OPEN and not line.info:
            problems.append(Problem(where, line.number, "fence-language",
                                    "fenced code block without a language "
                                    "(write ```text for plain output)"))
        if line.kind != TEXT:  # fenced code, front matter
            previous = None
            list_in_block = False
            continue
        text = line.text
        if SCRIPT.search(INLINE_CODE.sub("", text)):
            problems.append(Problem(where, line.number, "no-script",
                                    "raw <script> in a page; the book runs no page scripts"))
        if not text.strip():
            list_in_block = False
            previous = None
            continue
        if LIST_ITEM.match(text):
            if (previous is not None and not list_in_block
                    and not NOT_PARAGRAPH.match(previous.text)):
                problems.append(Problem(where, line.number, "list-blank-line",
                                        "list starts right after a paragraph line; "
                                        "add a blank line before it or it renders as text"))
            list_in_block = True
        previous = line
    return problems


def check(files: list[Path]) -> list[Problem]:
    problems: list[Problem] = []
    for path in files:
        problems.extend(check_file(path))
    return problems
