"""Read a Markdown file line by line: front matter, fenced code, headings, table rows, images.

Every check and hook that skips code or looks for structure reads pages through this module, so
they all agree on where a fenced code block starts and ends.

Fences follow CommonMark: ``` or ~~~, three or more; a backtick fence's info string holds no
backtick; a closing fence uses the opening character, at least as many of them, and nothing but
spaces after, so a "```python" line inside an open ``` block is code, not its end.
Unlike CommonMark, a fence counts at any indentation: the book is built with
pymdownx.superfences, which finds fences inside admonitions (``!!! note`` bodies indented four
spaces), content tabs and list items, where CommonMark would see indented code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# What a line is: Line.kind holds one of these.
FRONT_MATTER, FENCE_OPEN, FENCE_CLOSE, CODE, TEXT = ("front matter", "fence open", "fence close",
                                                     "code", "text")

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
# ATX headings only, at the start of the line: the book writes no setext (underlined) headings.
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
HEADING_ID = re.compile(r"\{[^}]*#([A-Za-z0-9_:.\-]+)[^}]*\}\s*$")
TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str       # as written after the #s, {#id} included
    id: str | None  # the explicit {#id}, if any


@dataclass
class Line:
    number: int       # 1-based
    text: str         # without the newline
    kind: str         # FRONT_MATTER, FENCE_OPEN, FENCE_CLOSE, CODE or TEXT
    indent: int = 0   # fence lines: characters before the fence
    fence: str = ""   # fence lines: the run of backticks or tildes
    info: str = ""    # opening fence: the info string (language, options), stripped
    table: str = ""   # lines of a pipe table: "header", "delimiter" or "row"

    @property
    def in_code(self) -> bool:
        """A fence line or a line inside fenced code."""
        return self.kind in (FENCE_OPEN, CODE, FENCE_CLOSE)

    @property
    def heading(self) -> Heading | None:
        """The ATX heading (``## Title {#id}``) this line is, if any."""
        match = HEADING.match(self.text) if self.kind == TEXT else None
        if match is None:
            return None
        found = HEADING_ID.search(match.group(2))
        return Heading(len(match.group(1)), match.group(2), found.group(1) if found else None)

    @property
    def images(self) -> list[str]:
        """Targets of the images (``![alt](target)``) on this line."""
        return IMAGE.findall(self.text) if self.kind == TEXT else []


@dataclass
class Page:
    lines: list[Line]
    front_matter: str | None = None  # the YAML between the --- lines, when there are any
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)

    def messages(self, where: str) -> list[str]:
        """The problems as 'where:line: message'."""
        return [f"{where}:{number}: {message}" for number, message in self.problems]


def _opening(text: str) -> re.Match | None:
    match = FENCE.match(text)
    if match and match.group("fence")[0] == "`" and "`" in match.group("info"):
        return None  # ```x``` is inline code, not a fence
    return match


def _closes(match: re.Match | None, fence: str) -> bool:
    return (match is not None and match.group("fence")[0] == fence[0]
            and len(match.group("fence")) >= len(fence) and not match.group("info").strip())


def _fence_line(number: int, match: re.Match, kind: str) -> Line:
    return Line(number, match.string, kind, len(match.group("indent")), match.group("fence"),
                match.group("info").strip())


def _front_matter(raw: list[str], page: Page) -> int:
    """Mark the front matter lines; return the index of the first body line."""
    if not raw or raw[0].strip() != "---":
        return 0
    for end in range(1, len(raw)):
        if raw[end].strip() in ("---", "..."):
            page.front_matter = "\n".join(raw[1:end]) + "\n"
            page.lines = [Line(n + 1, raw[n], FRONT_MATTER) for n in range(end + 1)]
            return end + 1
    # MkDocs reads such a page as having no front matter: so does this reader.
    page.problems.append((1, "front matter opened with '---' is never closed"))
    return 0


def _mark_tables(lines: list[Line]) -> None:
    """A delimiter row (|---|---|) right under a line with a pipe starts a table; rows follow."""
    in_table = False
    for previous, line in zip([None, *lines], lines):
        if line.kind != TEXT or "|" not in line.text:
            in_table = False
        elif in_table:
            line.table = "row"
        elif (previous is not None and previous.kind == TEXT and "|" in previous.text
              and TABLE_DELIMITER.match(line.text)):
            previous.table, line.table, in_table = "header", "delimiter", True


def read(text: str, front_matter: bool = True) -> Page:
    """Classify every line of a Markdown text. front_matter=False for text MkDocs already
    stripped of it (what hooks get), where a first '---' line is a rule."""
    raw = text.split("\n")
    page = Page([])
    start = _front_matter(raw, page) if front_matter else 0
    fence: Line | None = None
    for index in range(start, len(raw)):
        number, line = index + 1, raw[index]
        if fence is not None:
            match = FENCE.match(line)
            if _closes(match, fence.fence):
                page.lines.append(_fence_line(number, match, FENCE_CLOSE))
                fence = None
            else:
                page.lines.append(Line(number, line, CODE))
            continue
        match = _opening(line)
        if match is None:
            page.lines.append(Line(number, line, TEXT))
            continue
        fence = _fence_line(number, match, FENCE_OPEN)
        page.lines.append(fence)
    if fence is not None:
        page.problems.append((fence.number, f"a fenced code block is never closed "
                                            f"(the {fence.fence} on this line opens it)"))
    _mark_tables(page.lines)
    return page


def read_file(path: Path) -> Page:
    return read(Path(path).read_text(encoding="utf-8"))
