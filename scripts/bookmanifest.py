"""Read the book manifest that scripts/hooks/book_manifest.py writes into each built site.

The steps that run after the site (PDF, EPUB) take the book from here: parts and
pages in reading order, with each page's rendered article HTML, in one language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

MANIFEST_DIR = ".book"  # inside the built site; the deploy workflows leave it out of what they publish


def manifest_path(site: Path, lang: str) -> Path:
    return site / MANIFEST_DIR / f"manifest-{lang}.json"


class ManifestError(Exception):
    """The site holds no usable manifest for a language."""


@dataclass(frozen=True)
class ManifestPage:
    src: str          # the page's source, relative to docs/ (the language's own file)
    url: str          # its URL relative to the site root, e.g. "en/training/"
    title: str
    html: str         # the rendered article
    toc: tuple        # ((level, id, title), ...)
    part: str | None  # the title of the top-level part it belongs to, in the manifest's language


@dataclass(frozen=True)
class Manifest:
    language: str
    html_lang: str
    site_name: str
    site_url: str
    site_author: str
    repo_url: str
    pages: tuple[ManifestPage, ...]


def load_manifest(site: Path, lang: str) -> Manifest:
    path = manifest_path(site, lang)
    if not path.is_file():
        raise ManifestError(f"{path} is missing: build the site first (make site)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pages = tuple(
            ManifestPage(page["src"], page["url"], page["title"], page["html"],
                         tuple(tuple(entry) for entry in page["toc"]), part["title"])
            for part in data["parts"] for page in part["pages"]
        )
        return Manifest(data["language"], data["html_lang"], data["site_name"], data["site_url"],
                        data["site_author"], data["repo_url"], pages)
    except (ValueError, KeyError, TypeError) as error:
        raise ManifestError(f"{path} is damaged ({error}): build the site again (make site)") from None
