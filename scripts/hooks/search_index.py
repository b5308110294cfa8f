"""MkDocs hook: the site search index, built by Pagefind once both languages are built.

The reader's browser loads nothing for search until the search dialog opens
(overrides/assets/javascripts/search.js); then Pagefind fetches only the index
chunks a query needs. This hook

* marks each page's article as the only part to index (``data-pagefind-body``),
  so navigation, footers and the page's own table of contents stay out;
* runs Pagefind's extended build over the finished site. It splits the index by
  ``<html lang>`` (zh-cn and en) and cuts Chinese into words with the same
  segmenter at build time and, in the browser, at query time.

A failed index run fails the build (with Pagefind's own message), so the site
is never published with a stale or missing index.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from buildcache import reusing_site_outputs  # noqa: E402
from hookstate import reset_at_site_build  # noqa: E402
from languages import build_language  # noqa: E402

ARTICLE = '<article class="md-content__inner md-typeset">'
# Inside the article, but not words a reader searches for: heading permalinks (¶),
# the stale-translation notice, the "last updated" line and code-copy buttons.
NOT_INDEXED = ".headerlink, .translation-drift, .md-source-file, .md-clipboard, .book-web-only"
BUNDLE = "pagefind"  # the folder under the site root; search.js looks for it there
# Pagefind's ready-made interfaces: the book draws its own dialog, so these are never loaded.
UNUSED = ("pagefind-ui.*", "pagefind-modular-ui.*", "pagefind-component-ui.*", "pagefind-highlight.js")


def on_post_page(output: str, page, config) -> str:
    if ARTICLE not in output:
        return output
    return output.replace(ARTICLE, ARTICLE[:-1] + " data-pagefind-body>", 1)


# Static-i18n builds the other languages nested inside the default language's
# build, from its own on_post_build (priority -100); i18n_site then writes the
# 404 pages and redirects (-200). Only the outermost build, which ends last,
# sees the whole site: index it then. (The theme language cannot tell the
# builds apart: static-i18n leaves the last language's config in place.)
_open_builds: list[str] = []
on_config = reset_at_site_build(_open_builds)


def on_pre_build(config) -> None:
    _open_builds.append(build_language(config))


@event_priority(-300)
def on_post_build(config) -> None:
    if _open_builds:
        _open_builds.pop()
    if not _open_builds and not reusing_site_outputs():  # a `make serve` reload keeps the first index
        write_index(Path(config.site_dir))


def write_index(site: Path) -> None:
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--output-subdir", BUNDLE,
               "--exclude-selectors", NOT_INDEXED, "--silent"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0 or not (site / BUNDLE / "pagefind.js").is_file():
        message = (result.stderr or result.stdout).strip() or "no pagefind.js was written"
        raise PluginError(f"search_index: Pagefind could not index {site}: {message}")
    for pattern in UNUSED:
        for path in (site / BUNDLE).glob(pattern):
            path.unlink()
