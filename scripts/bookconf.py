"""Constants every build step, hook, check and test shares. Import from here; never copy them."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SITE = ROOT / "site"
MKDOCS_YML = ROOT / "mkdocs.yml"

DEFAULT_LANGUAGE = "zh"

# code -> how the language appears in files, URLs and HTML.
#   suffix:    the page file suffix before ".md" ("" for the default language)
#   prefix:    the URL/site folder of the language ("" = site root)
#   html_lang: the <html lang> value; zh-CN makes CJK fonts pick Simplified Chinese glyphs
LANGUAGES: dict[str, dict[str, str]] = {
    "zh": {"suffix": "", "prefix": "", "html_lang": "zh-CN", "name": "简体中文"},
    "en": {"suffix": ".en", "prefix": "en/", "html_lang": "en", "name": "English"},
}

# The ten parts of the book, in reading order; each has docs/<part>/index.md and its twin.
PARTS = (
    "insights",
    "compute",
    "storage",
    "network",
    "orchestration",
    "training",
    "inference",
    "debug",
    "testing",
    "resources",
)


def twin_paths(zh_page: Path) -> dict[str, Path]:
    """Map each language to its file for a page given by its Chinese (default) file."""
    stem = zh_page.with_suffix("")
    return {lang: stem.with_name(stem.name + spec["suffix"] + ".md") for lang, spec in LANGUAGES.items()}


def language_of(path: Path) -> str:
    """The language of a page file, from its suffix layout name."""
    name = path.name
    for lang, spec in LANGUAGES.items():
        if spec["suffix"] and name.endswith(spec["suffix"] + ".md"):
            return lang
    return DEFAULT_LANGUAGE


def build_language(config) -> str:
    """The language of the MkDocs build in progress: static-i18n sets the theme language per build."""
    lang = config.theme.get("language", DEFAULT_LANGUAGE)
    if lang not in LANGUAGES:
        raise ValueError(f"theme language {lang!r} is not one of {sorted(LANGUAGES)}")
    return lang
