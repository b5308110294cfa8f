#!/usr/bin/env python3
"""Style checks for the book's text: English spelling, Chinese typography, Markdown rules.

Rules (one module each under scripts/style/):

    spelling           codespell over English pages (docs/**/*.en.md), README, CONTRIBUTING*,
                       the pull-request template; project words in .codespell-words.txt
    zh-typography      autocorrect over Chinese pages (docs/**/*.md without .en) and
                       CONTRIBUTING.zh.md: CJK/Latin spacing, full-width punctuation
    list-blank-line    a list directly after a paragraph line (renders as text)
    fence-language     a fenced code block without a language
    no-script          a raw <script> in a page

Usage:
    check_style.py                 # the whole book
    check_style.py FILE...         # only these files (what pre-commit passes)
    check_style.py --fix [FILE...] # also rewrite what zh-typography would change

Prints ``file:line: rule: message`` for every problem and exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bookconf import DEFAULT_LANGUAGE, ROOT, language_of  # noqa: E402
from style import markdown_rules, spelling, typography  # noqa: E402
from style.common import Problem  # noqa: E402

WORD_LIST = ROOT / ".codespell-words.txt"
# English files outside docs/ that the spelling check reads.
ROOT_ENGLISH = ("README.md", "CONTRIBUTING.md", ".github/pull_request_template.md")
ROOT_CHINESE = ("CONTRIBUTING.zh.md",)


def language(path: Path, root: Path) -> str:
    """'zh' or 'en' for a Markdown file of the repository rooted at root."""
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        relative = path
    if relative.parts and relative.parts[0] == "docs":
        return language_of(path)
    if path.name.endswith(".zh.md"):
        return "zh"
    return "en"


def default_files(root: Path) -> list[Path]:
    files = sorted((root / "docs").rglob("*.md"))
    for name in ROOT_ENGLISH + ROOT_CHINESE:
        if (root / name).is_file():
            files.append(root / name)
    return files


def in_site(path: Path, root: Path) -> bool:
    """Markdown that Python-Markdown renders: pages, and the CONTRIBUTING files they include."""
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        return True
    return relative.parts[0] == "docs" or path.name.startswith("CONTRIBUTING")


def run(files: list[Path], root: Path, words: Path | None, fix: bool) -> list[Problem]:
    markdown = [path for path in files if path.suffix == ".md"]
    chinese = [path for path in markdown if language(path, root) == DEFAULT_LANGUAGE]
    english = [path for path in markdown if language(path, root) != DEFAULT_LANGUAGE]
    if fix:
        changed = typography.fix(chinese)
        if changed:
            print(f"check_style: rewrote {changed} line(s) as autocorrect suggests", file=sys.stderr)
    problems = spelling.check(english, words)
    problems += typography.check(chinese)
    problems += markdown_rules.check([path for path in markdown if in_site(path, root)])
    return sorted(problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="files to check (default: the whole book)")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: %(default)s)")
    parser.add_argument("--words", type=Path, default=WORD_LIST,
                        help="codespell ignore-words list (default: %(default)s)")
    parser.add_argument("--fix", action="store_true", help="apply the Chinese typography changes")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    files = args.files or default_files(args.root)
    missing = [path for path in files if not path.is_file()]
    if missing:
        print(f"check_style: no such file: {missing[0]}", file=sys.stderr)
        return 2
    problems = run(files, args.root, args.words, args.fix)
    for problem in problems:
        print(problem)
    elapsed = time.perf_counter() - started
    if problems:
        print(f"check_style: {len(problems)} problem(s) in {len(files)} file(s) ({elapsed:.1f} s)",
              file=sys.stderr)
        return 1
    print(f"check_style: {len(files)} file(s) pass ({elapsed:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
