"""Spelling of the English text with codespell (https://github.com/codespell-project/codespell).

Fenced code, inline code, URLs and link targets are blanked out first (line numbers are
kept), so identifiers and paths are not read as words; the project's word list
(``.codespell-words.txt``, one lowercase word a line) names legitimate terms that
codespell would otherwise "correct".
"""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from pathlib import Path

from codespell_lib import main as codespell_main

from mdlines import TEXT, read

from .common import Problem, shown

RULE = "spelling"
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
LINK_TARGET = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
URL = re.compile(r"(?:https?|ftp)://[^\s)>\]]+|<[^>\s]+@[^>\s]+>")
HEADING_ID = re.compile(r"\{[^}]*#[^}]*\}")
REPORT = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<what>.+)$")


def prose_only(text: str) -> str:
    """The file's text with code, URLs and link targets replaced by spaces."""
    out = []
    for line in read(text).lines:
        if line.kind != TEXT:
            out.append("")
            continue
        masked = line.text
        for pattern in (INLINE_CODE, LINK_TARGET, URL, HEADING_ID):
            masked = pattern.sub(lambda match: " " * len(match.group(0)), masked)
        out.append(masked)
    return "\n".join(out)


def check(files: list[Path], words: Path | None) -> list[Problem]:
    if not files:
        return []
    with tempfile.TemporaryDirectory(prefix="check-style-") as tmp:
        copies: dict[str, Path] = {}
        for number, path in enumerate(files):
            copy = Path(tmp) / f"f{number}" / path.name.lstrip(".")
            copy.parent.mkdir()
            copy.write_text(prose_only(path.read_text(encoding="utf-8")), encoding="utf-8")
            copies[str(copy)] = path
        args: list[str] = []
        if words is not None and words.is_file():
            args += ["--ignore-words", str(words)]
        output = io.StringIO()
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(io.StringIO()):
            codespell_main(*args, *copies)
    problems: list[Problem] = []
    for report in output.getvalue().splitlines():
        match = REPORT.match(report.strip())
        if not match or match.group("file") not in copies:
            continue
        original = copies[match.group("file")]
        problems.append(Problem(shown(original), int(match.group("line")), RULE, match.group("what")))
    return problems
