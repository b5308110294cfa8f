"""MkDocs hook: finish what mkdocs-static-i18n leaves undone for a two-language site.

mkdocs-static-i18n builds the default language (zh) and then, from its own
``on_post_build``, builds every other language into ``site/<lang>/``. This hook
runs once per language build and

* tags Chinese pages ``lang="zh-CN"`` (``zh`` alone lets fonts fall back to
  Japanese glyph forms);
* keeps one 404 page per language (static-i18n writes a single ``404.html``
  in whichever language built last);
* splits the one mixed search index into one index per language, and points
  the search of each language's pages at its own index;
* repeats mkdocs-redirects' redirects in every other language: the plugin
  writes ``redirect_maps`` once, for the default language, so
  ``network/nccl-debug.md: network/debug.md`` also gives
  ``/en/network/nccl-debug/`` -> ``/en/network/debug/``.
"""

from __future__ import annotations

import json
import logging
import posixpath
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bookconf import DEFAULT_LANGUAGE, LANGUAGES, build_language  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402

log = logging.getLogger("mkdocs.hooks.i18n_site")

# The 404 page as each language's build rendered it, keyed by language code.
_not_found_pages: dict[str, str] = {}
# Languages whose build has started and not yet finished (builds nest).
_builds_in_progress: list[str] = []

_HTML_TAG = re.compile(r'<html lang="[^"]*"')
# Head links to the page in the other language: Material's JavaScript fetches a
# sitemap.xml beside each (404s on every page); the sitemap keeps the pairs.
_HEAD_ALTERNATES = re.compile(r'\s*<link rel="alternate" href="[^"]*" hreflang="[^"]+">')
# The repository link with this attribute makes Material ask api.github.com for
# star and fork counts: a third-party request on every page.
_REPO_FACTS = ' data-md-component="source"'
_CONFIG_SCRIPT = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S)


def on_post_page(output: str, page, config) -> str:
    return render_language_page(output, build_language(config))


def on_post_template(output_content: str, template_name: str, config) -> str:
    if template_name != "404.html":
        return output_content
    lang = build_language(config)
    html = render_language_page(output_content, lang)
    _not_found_pages[lang] = html
    return html


def on_pre_build(config) -> None:
    _builds_in_progress.append(build_language(config))


# The localised file list of each language's build, for the redirects.
_files_of_build: dict[str, object] = {}


@event_priority(-150)  # after static-i18n (-100) has localised the file list
def on_files(files, config):
    _files_of_build[build_language(config)] = files
    return files


# After static-i18n (priority -100), whose on_post_build runs the builds of the
# other languages nested inside the default one. Only the outermost build,
# which ends last, sees the whole site.
@event_priority(-200)
def on_post_build(config) -> None:
    write_language_redirects(config, _builds_in_progress.pop())
    if _builds_in_progress:
        return
    site = Path(config.site_dir)
    write_not_found_pages(site)
    split_search_index(site)
    _not_found_pages.clear()


def render_language_page(html: str, lang: str) -> str:
    """Set the html lang tag, drop requests to other hosts and, for non-default languages, set the search base."""
    html = _HTML_TAG.sub(f'<html lang="{LANGUAGES[lang]["html_lang"]}"', html, count=1)
    html = _HEAD_ALTERNATES.sub("", html).replace(_REPO_FACTS, "")
    prefix = LANGUAGES[lang]["prefix"]
    if not prefix:
        return html

    def rebase(match: re.Match) -> str:
        data = json.loads(match.group(2))
        base = data["base"].rstrip("/")
        # Material looks for search/search_index.json under "base".
        data["base"] = f"{base}/{prefix}"  # keep the trailing slash: URLs resolve against it
        return match.group(1) + json.dumps(data, ensure_ascii=False) + match.group(3)

    return _CONFIG_SCRIPT.sub(rebase, html, count=1)


def write_not_found_pages(site: Path) -> None:
    for lang, html in _not_found_pages.items():
        target = site / LANGUAGES[lang]["prefix"] / "404.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")


def split_search_index(site: Path) -> None:
    """Write one search index per language from the mixed one the build wrote."""
    mixed_path = site / "search" / "search_index.json"
    if not mixed_path.exists():
        raise FileNotFoundError(f"i18n_site: {mixed_path} was not written; is the search plugin on?")
    mixed = json.loads(mixed_path.read_text(encoding="utf-8"))
    by_lang: dict[str, list] = {lang: [] for lang in LANGUAGES}
    prefixes = sorted(
        ((spec["prefix"], lang) for lang, spec in LANGUAGES.items() if spec["prefix"]),
        key=lambda item: -len(item[0]),
    )
    for doc in mixed["docs"]:
        location = doc["location"]
        for prefix, lang in prefixes:
            if location.startswith(prefix):
                by_lang[lang].append({**doc, "location": location[len(prefix):]})
                break
        else:
            by_lang[DEFAULT_LANGUAGE].append(doc)
    for lang, docs in by_lang.items():
        target = site / LANGUAGES[lang]["prefix"] / "search" / "search_index.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        index = {**mixed, "docs": docs}
        target.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def write_language_redirects(config, lang: str) -> None:
    prefix = LANGUAGES[lang]["prefix"]
    plugin = config.plugins.get("redirects")
    files = _files_of_build.get(lang)
    if not prefix or plugin is None or files is None:
        return
    from mkdocs_redirects.plugin import get_html_path, write_html

    for old, new in (plugin.config.get("redirect_maps") or {}).items():
        new = str(new)
        old_html = prefix + get_html_path(old, config.use_directory_urls)
        if new.lower().startswith(("http://", "https://")):
            write_html(config.site_dir, old_html, new)
            continue
        target, hash_mark, anchor = new.partition("#")
        file = files.get_file_from_path(target)
        if file is None or getattr(file, "locale", lang) != lang:
            log.info("i18n_site: no %s page for redirect target %s; not redirected", lang, new)
            continue
        relative = posixpath.relpath(file.url or ".", posixpath.dirname(old_html))
        if config.use_directory_urls and not relative.endswith("/"):
            relative += "/"
        write_html(config.site_dir, old_html, relative + hash_mark + anchor)
