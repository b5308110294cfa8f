"""Chinese typography, checked with autocorrect (autocorrect-py, the Python binding of
https://github.com/huacnlee/autocorrect): a space between CJK and Latin letters or digits,
full-width punctuation in Chinese prose, no spaces around full-width punctuation.

Each prose line (fenced code and front matter are skipped) is formatted on its own with
autocorrect's Markdown mode, which leaves inline code, link targets and URLs alone; a line
the tool would change is reported with the change. ``fix`` writes those changes back.

Three autocorrect rules are off because they damage this book's text:
``space-dash`` ("延迟-带宽" is a compound, not a range), ``halfwidth-word`` and
``halfwidth-punctuation`` (they turn "表 3：8B 模型" into "表 3:8B 模型").
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import autocorrect_py

from mdlines import TEXT, read

from .common import Problem, shown

CONFIG = """
rules:
  space-dash: 0
  halfwidth-word: 0
  halfwidth-punctuation: 0
  spellcheck: 0
"""
RULE = "zh-typography"
# Lines that carry no prose: HTML comments (data markers), snippet includes, raw HTML.
SKIP = re.compile(r"^\s*(?:<!--.*-->\s*$|--8<--|<[A-Za-z/])")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

_configured = False


def _configure() -> None:
    global _configured
    if not _configured:
        autocorrect_py.load_config(CONFIG)
        _configured = True


def suggest(text: str) -> str:
    """The line as autocorrect would write it."""
    _configure()
    return autocorrect_py.format_for(text, "page.md")


def describe(old: str, new: str, context: int = 5) -> str:
    """A short 'before' -> 'after' for each changed spot (nearby changes are merged)."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    spots = []
    for group in matcher.get_grouped_opcodes(context):
        i1, j1 = group[0][1], group[0][3]
        i2, j2 = group[-1][2], group[-1][4]
        spots.append(f"'{old[i1:i2]}' -> '{new[j1:j2]}'")
    text = "; ".join(spots[:3])
    if len(spots) > 3:
        text += f"; and {len(spots) - 3} more"
    return text


def prose_lines(path: Path):
    for line in read(path.read_text(encoding="utf-8")).lines:
        if line.kind != TEXT or not line.text.strip() or SKIP.match(line.text) or not CJK.search(line.text):
            continue
        yield line


def check(files: list[Path]) -> list[Problem]:
    problems: list[Problem] = []
    for path in files:
        for line in prose_lines(path):
            fixed = suggest(line.text)
            if fixed != line.text:
                problems.append(Problem(shown(path), line.number, RULE,
                                        "would change " + describe(line.text, fixed)))
    return problems


def fix(files: list[Path]) -> int:
    """Apply autocorrect's changes to prose lines in place; return how many lines changed."""
    changed = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        touched = False
        for line in prose_lines(path):
            fixed = suggest(line.text)
            if fixed != line.text:
                lines[line.number - 1] = fixed
                changed += 1
                touched = True
        if touched:
            path.write_text("\n".join(lines), encoding="utf-8")
    return changed
