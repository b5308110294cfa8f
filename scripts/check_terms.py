#!/usr/bin/env python3
"""Terminology check: Chinese pages must use the glossary's term for each concept.

data/glossary.yaml lists, for each concept, the Chinese term the book uses and the variants it
avoids (for example 规约 for reduction, which the book writes 归约). This check reads the Chinese
pages (docs/**/*.md without a language suffix, and CONTRIBUTING.zh.md), skips fenced code, inline
code, link targets and words quoted in “…” (a page may name a variant to reject it), and prints

    file:line: use 归约, not 规约

for every avoided variant it finds. Exit status 1 if there is any, 0 otherwise, 2 on bad input.

Usage:
    check_terms.py                 # the whole book
    check_terms.py FILE...         # only these files
    check_terms.py --glossary G    # another glossary file (the tests use a fixture)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.bookconf import ROOT, language_of, shown_path  # noqa: E402
from scripts.terms import GLOSSARY, QUOTED_RE, GlossaryError, load_glossary, prose_lines, variants  # noqa: E402


def chinese_pages(root: Path) -> list[Path]:
    pages = [p for p in sorted((root / "docs").rglob("*.md")) if language_of(p) == "zh"]
    contributing = root / "CONTRIBUTING.zh.md"
    if contributing.is_file():
        pages.append(contributing)
    return pages


def check_file(path: Path, checks, root: Path) -> list[tuple[str, int, str]]:
    findings = []
    text = path.read_text(encoding="utf-8")
    for number, line in prose_lines(text):
        line = QUOTED_RE.sub(lambda m: " " * len(m.group(0)), line)
        for variant in checks:
            for _match in variant.pattern.finditer(line):
                findings.append((shown_path(path, root), number, f"use {variant.use}, not {variant.text}"))
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="Chinese Markdown files (default: the whole book)")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: %(default)s)")
    parser.add_argument("--glossary", type=Path, default=GLOSSARY, help="glossary data (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        checks = variants(load_glossary(args.glossary))
    except GlossaryError as exc:
        print(f"check_terms: {exc}", file=sys.stderr)
        return 2
    files = args.files or chinese_pages(args.root)
    missing = [path for path in files if not path.is_file()]
    if missing:
        print(f"check_terms: no such file: {missing[0]}", file=sys.stderr)
        return 2
    findings = []
    for path in files:
        findings += check_file(path, checks, args.root)
    for file, line, message in sorted(set(findings), key=lambda f: (f[0], f[1], f[2])):
        print(f"{file}:{line}: {message}")
    if findings:
        print(f"check_terms: {len(findings)} avoided term(s) in {len(files)} file(s); "
              "see data/glossary.yaml", file=sys.stderr)
        return 1
    print(f"check_terms: {len(files)} file(s) pass", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
