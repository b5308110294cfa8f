"""MkDocs hook: record the book as MkDocs built it, for the steps that run after the site (PDF, EPUB).

For each language build it writes ``<site>/.book/manifest-<lang>.json``: the nav
in reading order (top-level parts with their titles in that language, and the
pages under each, nested sections flattened), and for every page its source
file, URL, title, table of contents and rendered article HTML (after every other
hook has run). The PDF and EPUB steps read this file; they never parse
mkdocs.yml or the theme's page chrome, so a nav feature, INHERIT or a theme
update cannot silently change the book. See scripts/bookmanifest.py for the reader.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bookmanifest import manifest_path  # noqa: E402
from buildcache import reusing_site_outputs  # noqa: E402
from hookstate import reset_at_site_build  # noqa: E402
from languages import LANGUAGES, build_language  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402
from mkdocs.structure.nav import Section  # noqa: E402
from mkdocs.structure.pages import Page  # noqa: E402

# Language -> the recording of its build in progress, and the languages whose builds are under
# way, innermost last: static-i18n runs the other languages' builds inside the default one's
# on_post_build, and leaves the last language's config behind, so the language of a finishing
# build is known only from this stack. Both are reset when the outermost build starts, so a
# failed build in `mkdocs serve` leaves nothing stale behind.
_builds: dict[str, dict] = {}
_in_progress: list[str] = []
on_config = reset_at_site_build(_builds, _in_progress)


def on_pre_build(config) -> None:
    _in_progress.append(build_language(config))


@event_priority(-150)  # after mkdocs-static-i18n (-100) has localised the nav and set the language
def on_nav(nav, config, files):
    lang = build_language(config)
    parts = []
    for item in nav.items:
        if isinstance(item, Section):
            parts.append({"title": item.title, "pages": [page.file.src_uri for page in pages_under(item)]})
        elif isinstance(item, Page):
            parts.append({"title": None, "pages": [item.file.src_uri]})
    _builds[lang] = {"parts": parts, "pages": {}}
    return nav


def pages_under(section: Section) -> list[Page]:
    found = []
    for child in section.children:
        if isinstance(child, Section):
            found += pages_under(child)
        elif isinstance(child, Page):
            found.append(child)
    return found


@event_priority(-500)  # last: the article as the reader gets it, after every hook that changes it
def on_page_content(html: str, page, config, files) -> str:
    build = _builds.get(build_language(config))
    if build is not None:
        build["pages"][page.file.src_uri] = {
            "src": page.file.src_uri,
            "url": page.url,
            "title": page.title,
            "toc": [entry for item in page.toc for entry in flatten_toc(item)],
            "html": html,
        }
    return html


def flatten_toc(item) -> list[list]:
    """[level, id, title] for a heading and those under it."""
    entries = [[item.level, item.id, item.title]]
    for child in item.children:
        entries += flatten_toc(child)
    return entries


@event_priority(-250)  # after i18n_site (-200); each language build writes its own manifest
def on_post_build(config) -> None:
    lang = _in_progress.pop() if _in_progress else build_language(config)
    build = _builds.pop(lang, None)
    if build is None or reusing_site_outputs():  # a `make serve` reload saw only the edited pages
        return
    pages = build["pages"]
    manifest = {
        "language": lang,
        "html_lang": LANGUAGES[lang].html_lang,
        "prefix": LANGUAGES[lang].prefix,
        "site_name": config.site_name,
        "site_url": config.site_url or "",
        "site_author": config.site_author or "",
        "repo_url": config.repo_url or "",
        "parts": [{"title": part["title"], "pages": [pages[src] for src in part["pages"] if src in pages]}
                  for part in build["parts"]],
    }
    target = manifest_path(Path(config.site_dir), lang)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")

