"""What every style rule shares: the problem record and a fenced-code-aware line reader."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

# An opening or closing fence: up to any indentation (admonitions and lists indent them),
# three or more backticks or tildes, then the info string.
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.message}"


def shown(path: Path) -> str:
    """A path as a contributor would type it: relative to the current folder when inside it."""
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else str(path)


@dataclass
class Line:
    number: int       # 1-based
    text: str         # without the newline
    in_code: bool     # inside a fenced code block, or a fence line itself
    fence_open: bool  # this line opens a fenced code block
    fence_info: str   # the info string of an opening fence ("" when none)


def read_lines(text: str) -> list[Line]:
    """Split a Markdown file into lines, marking fenced code and YAML front matter as code."""
    raw = text.split("\n")
    lines: list[Line] = []
    start = 0
    if raw and raw[0].strip() == "---":
        for end in range(1, len(raw)):
            if raw[end].strip() in ("---", "..."):
                start = end + 1
                break
        for number in range(start):
            lines.append(Line(number + 1, raw[number], True, False, ""))
    fence: str | None = None
    for index in range(start, len(raw)):
        line = raw[index]
        match = FENCE.match(line)
        if fence is not None:
            closes = (match is not None and match.group("fence")[0] == fence[0]
                      and len(match.group("fence")) >= len(fence) and not match.group("info").strip())
            lines.append(Line(index + 1, line, True, False, ""))
            if closes:
                fence = None
            continue
        if match is not None:
            fence = match.group("fence")
            lines.append(Line(index + 1, line, True, True, match.group("info").strip()))
            continue
        lines.append(Line(index + 1, line, False, False, ""))
    return lines
