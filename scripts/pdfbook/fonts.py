"""The fonts the PDF is set in: check they are installed, and that they draw every character."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

from .collect import BookError

# family -> Debian package that provides it. Order matters only for messages.
FONTS = {
    "Noto Sans CJK SC": "fonts-noto-cjk",
    "Noto Sans Mono CJK SC": "fonts-noto-cjk",
    "DejaVu Sans": "fonts-dejavu-core",
    "DejaVu Sans Mono": "fonts-dejavu-core",
    "Noto Color Emoji": "fonts-noto-color-emoji",
}


def font_file(family: str) -> tuple[Path, int]:
    """Where fontconfig finds a family, or a BookError naming the package to install."""
    try:
        result = subprocess.run(["fc-match", "-f", "%{family}|%{file}|%{index}", family],
                                capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BookError("fc-match is missing: install Debian's fontconfig") from None
    families, _, rest = result.stdout.partition("|")
    path, _, index = rest.partition("|")
    if family not in families.split(","):
        raise BookError(f"font '{family}' is not installed: install Debian's {FONTS.get(family, 'package for it')}"
                        f" (fontconfig offered '{families or 'nothing'}' instead)")
    return Path(path), int(index or 0)


def check_fonts() -> dict[str, tuple[Path, int]]:
    return {family: font_file(family) for family in FONTS}


def _cmap(path: Path, index: int) -> set[int]:
    if path.suffix.lower() in (".ttc", ".otc"):
        font = TTCollection(str(path), lazy=True)[index]
    else:
        font = TTFont(str(path), lazy=True)
    return set(font.getBestCmap() or {})


def covered_codepoints(fonts: dict[str, tuple[Path, int]]) -> set[int]:
    covered: set[int] = set()
    for path, index in set(fonts.values()):
        covered |= _cmap(path, index)
    return covered


def missing_glyphs(text: str, covered: set[int]) -> list[str]:
    """Characters of text that none of the book's fonts can draw."""
    missing = set()
    for char in text:
        if ord(char) in covered or char.isspace():
            continue
        if unicodedata.category(char) in ("Cc", "Cf", "Mn", "Zs"):  # controls, joiners, variation selectors
            continue
        missing.add(char)
    return sorted(missing)
