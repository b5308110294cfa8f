"""MkDocs hook: finish what mkdocs-static-i18n leaves undone for the book's languages.

mkdocs-static-i18n builds the default language (zh) and then, from its own
``on_post_build``, builds every other language into ``site/<lang>/``. This hook
runs once per language build and

* tags Chinese pages ``lang="zh-CN"`` (``zh`` alone lets fonts fall back to
  Japanese glyph forms);
* keeps one 404 page per language (static-i18n writes a single ``404.html``
  in whichever language built last), and makes the root one, the only one
  GitHub Pages serves, show the English page for a missing ``/en/`` address;
* gives every page ``hreflang`` links to itself and its twin in ``<head>``,
  with absolute URLs, and a description of its own (its front matter's
  ``description`` or its first paragraph) instead of the site-wide one;
* repeats mkdocs-redirects' redirects in every other language: the plugin
  writes ``redirect_maps`` once, for the default language, so
  ``network/nccl-debug.md: network/debug.md`` also gives
  ``/en/network/nccl-debug/`` -> ``/en/network/debug/``;
* gives the theme's templates (overrides/) the language of the build:
  ``book_lang`` (scripts/languages.py; ``book_lang.t("site.page_toc")``) and
  ``book_editions``, the PDF and EPUB of every language.
"""

from __future__ import annotations

import json
import logging
import posixpath
import re
import sys
from html import escape, unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bookconf import DOWNLOADS, book_file  # noqa: E402
from hookstate import reset_at_site_build  # noqa: E402
from languages import DEFAULT_LANGUAGE, LANGUAGES, build_language  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402

log = logging.getLogger("mkdocs.hooks.i18n_site")

# The 404 page as each language's build rendered it, keyed by language code.
_not_found_pages: dict[str, str] = {}
# Languages whose build has started and not yet finished (builds nest).
_builds_in_progress: list[str] = []
# The localised file list of each language's build, for the redirects.
_files_of_build: dict[str, object] = {}
on_config = reset_at_site_build(_not_found_pages, _builds_in_progress, _files_of_build)

_HTML_TAG = re.compile(r'<html lang="[^"]*"')
# Material's head links to the page in each language, with relative URLs.
_HEAD_ALTERNATE = re.compile(r'<link rel="alternate" href="([^"]*)" hreflang="([^"]+)">')
# The repository link with this attribute makes Material ask api.github.com for
# star and fork counts: a third-party request on every page.
_REPO_FACTS = ' data-md-component="source"'
_DESCRIPTION_LENGTH = 160


def on_env(env, config, files):
    """What the templates say in the language of the build, and every language's PDF and EPUB."""
    lang = LANGUAGES[build_language(config)]
    env.globals["book_lang"] = lang
    env.globals["book_editions"] = [
        {"html_lang": other.html_lang, "label": lang.name_of("edition", code),
         "pdf": f"{DOWNLOADS}/{book_file(code, 'pdf')}", "epub": f"{DOWNLOADS}/{book_file(code, 'epub')}"}
        for code, other in LANGUAGES.items()
    ]
    return env


def on_post_page(output: str, page, config) -> str:
    html = render_language_page(output, build_language(config))
    return absolute_alternates(html, urljoin(config.site_url or "/", page.url))


def on_page_content(html: str, page, config, files) -> str:
    """Describe the page by its first paragraph unless its front matter says otherwise."""
    if not page.meta.get("description"):
        first = _FIRST_PARAGRAPH.search(html)
        if first:
            text = " ".join(_TAGS.sub("", first.group(1)).split())
            text = unescape(text)
            if len(text) > _DESCRIPTION_LENGTH:
                text = text[:_DESCRIPTION_LENGTH - 1].rstrip() + "…"
            page.meta["description"] = escape(text)  # the theme writes it into an attribute as it is
    return html


_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_TAGS = re.compile(r"<[^>]+>")


def absolute_alternates(html: str, page_url: str) -> str:
    """hreflang links must be absolute URLs (search engines ignore relative ones)."""

    def absolute(match: re.Match) -> str:
        href, hreflang = match.group(1), match.group(2)
        lang = LANGUAGES.get(hreflang)
        html_lang = lang.html_lang if lang else hreflang
        return f'<link rel="alternate" href="{urljoin(page_url, href)}" hreflang="{html_lang}">'

    return _HEAD_ALTERNATE.sub(absolute, html)


def on_post_template(output_content: str, template_name: str, config) -> str:
    if template_name != "404.html":
        return output_content
    lang = build_language(config)
    html = render_language_page(output_content, lang)
    html = _HEAD_ALTERNATE.sub("", html)  # a 404 page has no twin
    html = not_found_switcher(html, config)
    if lang == DEFAULT_LANGUAGE:
        html = html.replace("</head>", not_found_language_script(config) + "</head>", 1)
    _not_found_pages[lang] = html
    return html


_SWITCHER_LINK = re.compile(r'(<a href=")[^"]*(" hreflang="([^"]+)" class="md-select__link">)')


def not_found_switcher(html: str, config) -> str:
    """On a 404 page the language menu leads to each language's home page."""
    root = "/" + urlsplit(config.site_url or "/").path.strip("/")
    root = root.rstrip("/") + "/"
    def home(match: re.Match) -> str:
        lang = LANGUAGES.get(match.group(3))
        return match.group(1) + root + (lang.prefix if lang else "") + match.group(2)

    return _SWITCHER_LINK.sub(home, html)


def not_found_language_script(config) -> str:
    """GitHub Pages answers every missing address with the root 404.html (the default
    language's). For an address under another language's prefix, show that language's 404."""
    root = "/" + urlsplit(config.site_url or "/").path.strip("/")
    root = root.rstrip("/") + "/"
    prefixes = [lang.prefix for lang in LANGUAGES.values() if lang.prefix]
    return ("<script>(function(){var root=" + json.dumps(root) + ",prefixes=" + json.dumps(prefixes)
            + ",path=location.pathname;prefixes.forEach(function(p){"
            "if(path.indexOf(root+p)!==0||document.documentElement.dataset.bookNotFound)return;"
            "document.documentElement.dataset.bookNotFound=p;"
            "fetch(root+p+'404.html').then(function(r){return r.ok?r.text():null}).then(function(t){"
            "if(t){document.open();document.write(t);document.close();}})});})();</script>")


def on_pre_build(config) -> None:
    _builds_in_progress.append(build_language(config))


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
    _not_found_pages.clear()


def render_language_page(html: str, lang: str) -> str:
    """Set the html lang tag and drop requests to other hosts."""
    html = _HTML_TAG.sub(f'<html lang="{LANGUAGES[lang].html_lang}"', html, count=1)
    return html.replace(_REPO_FACTS, "")


def write_not_found_pages(site: Path) -> None:
    for lang, html in _not_found_pages.items():
        target = site / LANGUAGES[lang].prefix / "404.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")


def write_language_redirects(config, lang: str) -> None:
    prefix = LANGUAGES[lang].prefix
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
