"""Constants every build step, hook, check and test shares. Import from here; never copy them."""

from __future__ import annotations

from pathlib import Path

# The languages live in data/languages.yaml; scripts/languages.py loads them (the model, and the
# helpers that map pages, files and builds to languages), re-exported here with the other constants.
from languages import DEFAULT_LANGUAGE, LANGUAGES, build_language, language_of, twin_paths  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SITE = ROOT / "site"
MKDOCS_YML = ROOT / "mkdocs.yml"
DOWNLOADS = "pdf"  # the site folder of the PDFs and EPUBs

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


def book_file(lang: str, extension: str) -> str:
    """The file name of the whole book in one language: ml-engineering-zh.pdf, ml-engineering-en.epub."""
    return f"ml-engineering-{lang}.{extension}"


def shown_path(path: Path, root: Path) -> str:
    """A path as a check's messages name it: relative to root (with '/') when inside it, else as given."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
