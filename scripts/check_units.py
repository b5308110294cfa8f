#!/usr/bin/env python3
"""Units check (warnings only): binary units for memory sizes, decimal units for bandwidth.

The book's rule (CONTRIBUTING.md, "Units"):

- memory capacities computed from powers of two are written in GiB / MiB (80 GiB of HBM,
  2 bytes x 70e9 = 130.4 GiB), which is also what nvidia-smi and PyTorch report;
- bandwidths and rates are decimal: GB/s, Gb/s, TB/s (a 400 Gb/s NIC moves 50 GB/s).

Two low-noise rules, on every page outside fenced code, inline code and link targets:

    binary-bandwidth   "GiB/s", "MiB/s", "TiB/s", "KiB/s": write decimal GB/s (10^9 bytes/s)
    decimal-capacity   "<power of two> GB" (16 GB, 512 GB) within 24 characters of a word that
                       names memory (memory, HBM, RAM, DRAM, VRAM, 显存, 内存): probably a binary
                       size; write GiB

Prints ``file:line: warning: units: message`` and always exits 0 (the check informs, it does not
fail the build); exit 2 only on a missing file.

Usage:
    check_units.py                 # every page in docs/ plus CONTRIBUTING*.md
    check_units.py FILE...         # only these files
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.bookconf import ROOT, shown_path  # noqa: E402
from scripts.terms import prose_lines  # noqa: E402

BINARY_BANDWIDTH = re.compile(r"\b(\d[\d,.]*)?\s?([KMGT])iB/s\b")
DECIMAL_GB = re.compile(r"(?<![\d.,])(\d+)\s?GB\b(?!/s)")
MEMORY_WORDS = re.compile(r"\b(?:memory|HBM\d?e?|RAM|DRAM|VRAM)\b|显存|内存", re.IGNORECASE)
POWERS_OF_TWO = {2 ** k for k in range(0, 13)}
NEAR = 24  # characters on each side of the number in which a memory word counts


def pages(root: Path) -> list[Path]:
    files = sorted((root / "docs").rglob("*.md"))
    files += sorted(p for p in root.glob("CONTRIBUTING*.md") if p.is_file())
    return files


def check_text(text: str) -> list[tuple[int, str]]:
    warnings = []
    for number, line in prose_lines(text):
        for match in BINARY_BANDWIDTH.finditer(line):
            unit = match.group(2)
            warnings.append((number, f"binary-bandwidth: write {unit}B/s (decimal), not {unit}iB/s"))
        for match in DECIMAL_GB.finditer(line):
            value = int(match.group(1))
            window = line[max(0, match.start() - NEAR):match.end() + NEAR]
            if value in POWERS_OF_TWO and value >= 2 and MEMORY_WORDS.search(window):
                warnings.append((number, f"decimal-capacity: {value} GB next to a memory word; "
                                         f"if it is a power-of-two size, write {value} GiB"))
    return warnings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="Markdown files (default: the whole book)")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: %(default)s)")
    args = parser.parse_args(argv)
    files = args.files or pages(args.root)
    missing = [path for path in files if not path.is_file()]
    if missing:
        print(f"check_units: no such file: {missing[0]}", file=sys.stderr)
        return 2
    count = 0
    for path in files:
        for number, message in check_text(path.read_text(encoding="utf-8")):
            print(f"{shown_path(path, args.root)}:{number}: warning: units: {message}")
            count += 1
    print(f"check_units: {count} warning(s) in {len(files)} file(s) (warnings do not fail the check)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
