"""The fonts the PDF is set in: check they are installed, and that they draw every character."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path


from .collect import BookError
from .harfbuzz import unicodes

# family -> Debian package that provides it. Order matters only for messages.
FONTS = {
    "Noto Serif": "fonts-noto-core",
    "Noto Sans": "fonts-noto-core",
    "Noto Serif CJK SC": "fonts-noto-cjk",
    "Noto Sans CJK SC": "fonts-noto-cjk",
    "Noto Sans Mono CJK SC": "fonts-noto-cjk",
    "DejaVu Sans": "fonts-dejavu-core",
    "DejaVu Sans Mono": "fonts-dejavu-core",
    "Noto Color Emoji": "fonts-noto-color-emoji",
}


def font_file(pattern: str, family: str | None = None) -> tuple[Path, int]:
    """Where fontconfig finds a font pattern, or a BookError naming the package to install."""
    family = family or pattern
    try:
        result = subprocess.run(["fc-match", "-f", "%{family}|%{file}|%{index}", pattern],
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
    """Every font the book uses, or one BookError that names each missing font and its package."""
    found, missing = {}, []
    for family in FONTS:
        try:
            found[family] = font_file(family)
        except BookError as error:
            missing.append(str(error))
    if missing:
        raise BookError("; ".join(missing))
    return found


def covered_codepoints(fonts: dict[str, tuple[Path, int]]) -> set[int]:
    covered: set[int] = set()
    for path, index in set(fonts.values()):
        covered |= unicodes(path, index)
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


# Faces that get a book-wide subset: the CJK fonts are collections of some
# 65,000 glyphs, and WeasyPrint keeps glyph ids when it subsets, so every
# chapter would carry tables sized for all of them. A fixed subset (the
# characters of GB 2312 plus Latin, punctuation and symbols) shrinks the ids
# to a few thousand once, the same for every build, so chapters stay cached.
SUBSET_FACES = (("Noto Serif CJK SC", 400), ("Noto Serif CJK SC", 700), ("Noto Sans CJK SC", 400),
                ("Noto Sans CJK SC", 700), ("Noto Sans Mono CJK SC", 400))
SUBSET_VERSION = "gb2312-v1"


def stable_character_set() -> set[int]:
    codepoints = set(range(0x20, 0x250)) | set(range(0x2000, 0x2BFF)) | set(range(0x3000, 0x303F))
    codepoints |= set(range(0xFF00, 0xFFEF))
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                codepoints.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return codepoints


def subset_font_faces(cache: Path) -> str:
    """Write the book-wide subsets (once, cached) and return the @font-face rules that use them."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection, TTFont

    rules = []
    characters = None
    for family, weight in SUBSET_FACES:
        path, index = font_file(f"{family}:weight={weight}" if weight != 400 else family, family)
        stat = path.stat()
        target = cache.resolve() / f"{family.replace(' ', '')}-{weight}-{SUBSET_VERSION}-{stat.st_size}-{index}.otf"
        if not target.exists():
            characters = characters or stable_character_set()
            font = TTCollection(str(path))[index] if path.suffix.lower() in (".ttc", ".otc") else TTFont(str(path))
            options = subset.Options()
            options.name_IDs = ["*"]
            options.notdef_outline = True
            options.layout_features = ["*"]
            options.desubroutinize = True
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=characters)
            subsetter.subset(font)
            cache.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".part")
            font.save(str(partial))
            partial.replace(target)
        rules.append(f'@font-face {{ font-family: "{family} Subset"; font-weight: {weight}; '
                     f'src: url("{target.as_uri()}"); }}')
    return "\n".join(rules)
