"""MkDocs hook: stale-translation notices and the translation status page.

Every page lives once per language (``page.md`` Chinese, ``page.en.md`` English). When one twin
gets a commit after another twin's last commit, that other twin may be out of date. From the
history scripts/gitdrift.py reads (one ``git log`` per HEAD and process, so static-i18n's other
language builds and ``mkdocs serve`` rebuilds reuse it), this hook

* puts a notice at the top of a stale page, in the page's own language, linking to the
  newer twin (``/x/`` <-> ``/en/x/``) and to the status page;
* fills the status page (the page whose source holds ``<!-- translation-status -->``)
  with a table: every page, its last commit per language (date, short hash), stale
  ones marked.

A commit whose message has the line ``Translation: synced`` never makes the twins of the pages it
touches stale. Without usable history nothing is marked: the status page says so plainly and the
build log says it at INFO level (a WARNING would fail ``mkdocs build --strict``). The words are
the languages' (data/languages.yaml, ``drift.*``).
"""

from __future__ import annotations

import html
import logging
import posixpath
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.utils import get_relative_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gitdrift import Commit, History, behind, read_history  # noqa: E402
from hookstate import reset_at_site_build  # noqa: E402
from languages import DEFAULT_LANGUAGE, LANGUAGES, build_language, language_of, twin_paths  # noqa: E402

log = logging.getLogger("mkdocs.hooks.translation_drift")

STATUS_MARKER = "<!-- translation-status -->"


# ---------------------------------------------------------------- pages and twins


@dataclass
class Book:
    """What one build needs: the history, the twin pairs and where the status page is."""

    docs: Path
    history: History
    pairs: list[dict[str, str]]       # one dict per page: language -> docs-relative source
    status_page: str | None           # docs-relative source (default language) of the status page
    nav: dict[str, str | None] = field(default_factory=dict)  # default source -> nav title, nav order


# Per language: what its build needs; and the histories already announced in the build log.
_book: dict[str, Book] = {}
_announced: set[tuple] = set()
on_config = reset_at_site_build(_book, _announced)


def default_source(src_uri: str) -> str:
    """The default-language source of a page given any of its twins' sources."""
    suffix = LANGUAGES[language_of(Path(src_uri))].suffix
    return src_uri[: -len(suffix + ".md")] + ".md" if suffix else src_uri


def scan(docs: Path) -> tuple[list[dict[str, str]], str | None]:
    pairs, status_page = [], None
    for page in sorted(docs.rglob("*.md")):
        if language_of(page) != DEFAULT_LANGUAGE:
            continue
        twins = {lang: path.relative_to(docs).as_posix() for lang, path in twin_paths(page).items()}
        pairs.append(twins)
        if status_page is None and STATUS_MARKER in page.read_text(encoding="utf-8"):
            status_page = twins[DEFAULT_LANGUAGE]
    return pairs, status_page


def stale_against(book: Book, src_uri: str) -> tuple[str, Commit] | None:
    """(twin language, its newer commit) for a stale page; the newest if several."""
    pair = twin_paths(Path(default_source(src_uri)))
    found = None
    for lang, twin in pair.items():
        twin = twin.as_posix()
        if twin == src_uri:
            continue
        commit = behind(book.history, src_uri, twin)
        if commit is not None and (found is None or commit.order < found[1].order):
            found = (lang, commit)
    return found


def on_pre_build(config) -> None:
    docs = Path(config.docs_dir)
    history = read_history(docs)
    pairs, status_page = scan(docs)
    _book[build_language(config)] = Book(docs, history, pairs, status_page)
    announce(history, docs)


def announce(history: History, docs: Path) -> None:
    key = (str(docs), history.reason, history.head.sha if history.head else "")
    if key in _announced:
        return
    _announced.add(key)
    if history.ok:
        log.info("translation_drift: read the history of %s up to %s", docs, history.head.short)
    else:
        # INFO, not WARNING: a warning would fail `mkdocs build --strict` on every shallow clone.
        log.info("translation_drift: translation drift could not be computed: %s", history.describe())


# ---------------------------------------------------------------- the notice on stale pages


def commit_html(commit: Commit, repo_url: str | None) -> str:
    code = f"<code>{html.escape(commit.short)}</code>"
    if repo_url:
        href = f"{repo_url.rstrip('/')}/commit/{commit.sha}"
        return f'<a href="{html.escape(href)}">{code}</a>'
    return code


def twin_url(page_url: str, page_lang: str, twin_lang: str) -> str:
    """The site URL of a page's twin: strip one language's folder, add the other's."""
    own = LANGUAGES[page_lang].prefix
    base = page_url[len(own):] if own and page_url.startswith(own) else page_url
    return LANGUAGES[twin_lang].prefix + base


def notice_html(page, files, book: Book, twin_lang: str, commit: Commit, repo_url: str | None) -> str:
    lang = LANGUAGES[language_of(Path(page.file.src_uri))]
    twin_name = lang.name_of("version", twin_lang)
    href = get_relative_url(twin_url(page.url, lang.code, twin_lang), page.url)
    twin_link = f'<a href="{html.escape(href)}" hreflang="{twin_lang}">{html.escape(twin_name)}</a>'
    status_link = html.escape(lang.t("drift.status"))
    if book.status_page is not None:
        status_file = files.get_file_from_path(book.status_page)
        if status_file is not None:
            status_href = get_relative_url(status_file.url, page.url)
            status_link = f'<a href="{html.escape(status_href)}">{status_link}</a>'
    body = lang.t("drift.notice", twin=html.escape(twin_name), date=commit.date,
                  commit=commit_html(commit, repo_url), twin_link=twin_link, status_link=status_link)
    return (f'<div class="admonition warning translation-drift">'
            f'<p class="admonition-title">{html.escape(lang.t("drift.notice_title"))}</p>'
            f"<p>{body}</p></div>")


def on_page_content(content: str, page, config, files) -> str:
    book = _book.get(build_language(config))
    if book is None or not book.history.ok:
        return content
    stale = stale_against(book, page.file.src_uri)
    if stale is None:
        return content
    notice = notice_html(page, files, book, stale[0], stale[1], config.repo_url)
    heading_end = content.find("</h1>")
    if heading_end < 0:
        return notice + content
    heading_end += len("</h1>")
    return content[:heading_end] + notice + content[heading_end:]


# ---------------------------------------------------------------- the status page


def page_title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return re.sub(r"\s*\{[^}]*\}\s*$", "", line[2:]).strip()
    return path.stem


def cell(history: History, path: str, repo_url: str | None, uncommitted: str) -> str:
    if not history.ok:
        return "—"
    commit = history.last.get(path)
    if commit is None:
        return uncommitted
    if repo_url:
        return f"{commit.date} · [`{commit.short}`]({repo_url.rstrip('/')}/commit/{commit.sha})"
    return f"{commit.date} · `{commit.short}`"


def nav_order(book: Book) -> list[dict[str, str]]:
    """The pairs in the order the nav lists them, then the pages the nav leaves out."""
    position = {source: index for index, source in enumerate(book.nav)}
    return sorted(book.pairs, key=lambda pair: (position.get(pair[DEFAULT_LANGUAGE], len(position)),
                                                pair[DEFAULT_LANGUAGE]))


def status_markdown(book: Book, page_src: str, code: str, repo_url: str | None) -> str:
    lang = LANGUAGES[code]
    history = book.history
    order = [code, *(other for other in LANGUAGES if other != code)]
    lines = []
    stale_count = 0
    rows = []
    for pair in nav_order(book):
        source = pair[code] if (book.docs / pair[code]).is_file() else pair[DEFAULT_LANGUAGE]
        title = book.nav.get(pair[DEFAULT_LANGUAGE]) or page_title(book.docs / source)
        title = title.replace("|", "\\|")
        link = posixpath.relpath(pair[DEFAULT_LANGUAGE], posixpath.dirname(page_src) or ".")
        marks = []
        for one in order:
            for other in order:
                if one != other and behind(history, pair[one], pair[other]) is not None:
                    marks.append(lang.t("drift.behind", name=lang.name_of("version", one)))
                    break
        if marks:
            stale_count += 1
        if not history.ok:
            state = lang.t("drift.unknown")
        elif any(history.last.get(pair[one]) is None for one in order):
            state = lang.t("drift.uncommitted")
        else:
            state = "; ".join(marks) or lang.t("drift.in_sync")
        cells = [f"[{title}]({link})", *(cell(history, pair[one], repo_url, lang.t("drift.uncommitted"))
                                         for one in order), state]
        rows.append("| " + " | ".join(cells) + " |")
    if history.ok:
        lines.append(lang.t("drift.summary", pages=len(book.pairs), stale=stale_count,
                            head=f"`{history.head.short}`", date=history.head.date))
    else:
        reason = lang.t(f"drift.reasons.{history.reason}", detail=history.detail)
        lines += [f'!!! warning "{lang.t("drift.no_history_title")}"', "",
                  "    " + lang.t("drift.no_history", reason=reason)]
    header = [lang.t("drift.page"), *(lang.t("drift.last", name=lang.name_of("version", one)) for one in order),
              lang.t("drift.state")]
    lines += ["", "| " + " | ".join(header) + " |", "|" + "---|" * len(header), *rows, ""]
    return "\n".join(lines)


def on_page_markdown(markdown: str, page, config, files) -> str:
    if STATUS_MARKER not in markdown:
        return markdown
    book = _book.get(build_language(config))
    if book is None:
        return markdown
    lang = language_of(Path(page.file.src_uri))
    table = status_markdown(book, page.file.src_uri, lang, config.repo_url)
    return markdown.replace(STATUS_MARKER, table, 1)


@event_priority(-150)  # after static-i18n (-100) has translated the nav titles
def on_nav(nav, config, files):
    book = _book.get(build_language(config))
    if book is None:
        return nav

    def walk(items) -> None:
        for item in items:
            if getattr(item, "is_page", False):
                # Before rendering, a page's title is the one the nav gives it, or None.
                book.nav.setdefault(default_source(item.file.src_uri), item.title)
            walk(getattr(item, "children", None) or [])

    walk(nav.items)
    return nav
