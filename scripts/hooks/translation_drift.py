"""MkDocs hook: translation drift from the git history.

Translation drift
-----------------
Every page lives twice (``page.md`` Chinese, ``page.en.md`` English). When one twin gets
a commit after the other twin's last commit, the other twin may be out of date. This hook

* reads the whole docs tree's history with ONE ``git log --name-only`` call per build
  process (cached by HEAD, so static-i18n's second language build and ``mkdocs serve``
  rebuilds reuse it);
* puts a notice at the top of a stale page, in the page's own language, linking to the
  newer twin (``/x/`` <-> ``/en/x/``) and to the status page;
* fills the status page (the page whose source holds ``<!-- translation-status -->``)
  with a table: every page, its last commit per language (date, short hash), stale
  ones marked.

"Newer" means later in ``git log --topo-order`` (a commit is listed before its parents),
so commits made within the same second still compare correctly. A commit whose message
has the line ``Translation: synced`` counts as a change of the pages it touches, but never
makes their twins stale: use it for a commit that brings a translation up to date, or for
a typo fix that needs no translation.

Without usable history (git missing, not a repository, no commits, or a shallow clone
whose history cannot be fetched) nothing is marked: the status page says so plainly and
the build log says it at INFO level (a WARNING would fail ``mkdocs build --strict``).
A shallow clone with a remote is first deepened with ``git fetch --unshallow``
(set BOOK_DRIFT_FETCH=0 to skip that).
"""

from __future__ import annotations

import html
import logging
import os
import posixpath
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.utils import get_relative_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bookconf import DEFAULT_LANGUAGE, LANGUAGES, build_language, language_of, twin_paths  # noqa: E402

log = logging.getLogger("mkdocs.hooks.translation_drift")

STATUS_MARKER = "<!-- translation-status -->"
SYNCED = re.compile(r"^translation:\s*synced\s*$", re.IGNORECASE | re.MULTILINE)
GIT_TIMEOUT_S = 60
FETCH_TIMEOUT_S = 120

TEXT = {
    "zh": {
        "notice_title": "译文可能已过时",
        "notice": "本页的{twin}在 {date}（提交 {commit}）有更新，而本页在那之后还没有同步。"
                  "以{twin_link}为准；各页的同步情况见{status_link}。",
        "status": "翻译状态",
        "names": {"zh": "中文版", "en": "英文版"},
        "page": "页面",
        "last": "{name}最后修改",
        "state": "状态",
        "in_sync": "已同步",
        "behind": "**{name}落后**",
        "uncommitted": "未提交",
        "unknown": "未知",
        "summary": "共 {pages} 个页面，其中 {stale} 个页面的译文落后于另一种语言。"
                   "依据的是提交 {head}（{date}）为止的 git 历史；"
                   "只改一种语言、又不需要翻译的提交（例如修正错字），"
                   "可以在提交说明里单独写一行 `Translation: synced`。",
        "no_history_title": "无法计算翻译状态",
        "no_history": "{reason}，所以本次构建无法根据 git 历史判断哪些译文落后；"
                      "下表只列出页面，不作标记。请在完整的 git 克隆中构建"
                      "（`git clone` 不加 `--depth`；GitHub Actions 中设置 `fetch-depth: 0`）。",
        "reasons": {
            "no-git": "找不到 git 命令",
            "not-repo": "本次构建的源文件不在 git 仓库中",
            "no-commits": "仓库里还没有任何提交",
            "shallow": "仓库是浅克隆（shallow clone），补全历史失败：{detail}",
            "git-failed": "读取 git 历史失败：{detail}",
        },
    },
    "en": {
        "notice_title": "This translation may be out of date",
        "notice": "The {twin} of this page changed on {date} (commit {commit}), after this page "
                  "was last updated. When they disagree, the {twin_link} is right; "
                  "{status_link} lists every page.",
        "status": "Translation status",
        "names": {"zh": "Chinese version", "en": "English version"},
        "page": "Page",
        "last": "{name}: last change",
        "state": "Status",
        "in_sync": "in sync",
        "behind": "**{name} behind**",
        "uncommitted": "not committed",
        "unknown": "unknown",
        "summary": "{pages} pages, {stale} of them behind their twin in the other language. "
                   "Computed from the git history up to commit {head} ({date}); a commit that "
                   "changes one language only and needs no translation (a typo fix, say) can "
                   "say so with a line `Translation: synced` in its message.",
        "no_history_title": "Translation status could not be computed",
        "no_history": "{reason}, so this build cannot tell from the git history which "
                      "translations are behind; the table below lists the pages without marking "
                      "any. Build from a full clone (`git clone` without `--depth`; "
                      "`fetch-depth: 0` on GitHub Actions).",
        "reasons": {
            "no-git": "The git command was not found",
            "not-repo": "The sources of this build are not in a git repository",
            "no-commits": "The repository has no commits yet",
            "shallow": "The repository is a shallow clone and its history could not be fetched: {detail}",
            "git-failed": "Reading the git history failed: {detail}",
        },
    },
}


# ---------------------------------------------------------------- git history


@dataclass(frozen=True)
class Commit:
    order: int          # position in `git log --topo-order`: 0 is the newest
    sha: str
    short: str
    timestamp: int      # author date, seconds since the epoch
    synced: bool        # its message says "Translation: synced"

    @property
    def date(self) -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(self.timestamp))


@dataclass
class History:
    reason: str | None = None                               # why there is no history; None if there is
    detail: str = ""
    head: Commit | None = None
    last: dict[str, Commit] = field(default_factory=dict)    # docs-relative path -> newest commit
    source: dict[str, Commit] = field(default_factory=dict)  # newest commit not marked synced

    @property
    def ok(self) -> bool:
        return self.reason is None


_histories: dict[tuple, History] = {}
_announced: set[tuple] = set()


def git(args: list[str], cwd: Path, timeout: int = GIT_TIMEOUT_S) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-c", "core.quotepath=off", *args], cwd=cwd, capture_output=True,
        encoding="utf-8", errors="replace", timeout=timeout,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
    )


def first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def deepen(top: Path) -> str | None:
    """Try to turn a shallow clone into a full one; return why it failed, or None."""
    if os.environ.get("BOOK_DRIFT_FETCH", "1") == "0":
        return "fetching is switched off (BOOK_DRIFT_FETCH=0)"
    remotes = git(["remote"], top).stdout.split()
    if not remotes:
        return "the clone has no remote to fetch from"
    remote = "origin" if "origin" in remotes else remotes[0]
    log.info("translation_drift: shallow clone; running git fetch --unshallow %s", remote)
    try:
        result = git(["fetch", "--unshallow", "--quiet", remote], top, timeout=FETCH_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"git fetch --unshallow {remote} took longer than {FETCH_TIMEOUT_S} s"
    if result.returncode != 0:
        return f"git fetch --unshallow {remote}: {first_line(result.stderr)}"
    return None


def parse_log(output: str, docs_prefix: str) -> tuple[dict[str, Commit], dict[str, Commit]]:
    """Newest commit, and newest commit not marked synced, for each docs-relative path."""
    last: dict[str, Commit] = {}
    source: dict[str, Commit] = {}
    for order, record in enumerate(output.split("\x1e")[1:]):
        sha, short, stamp, message, names = record.split("\x1f", 4)
        commit = Commit(order, sha, short, int(stamp), bool(SYNCED.search(message)))
        for name in names.splitlines():
            name = name.strip()
            if not name.startswith(docs_prefix):
                continue
            path = name[len(docs_prefix):]
            last.setdefault(path, commit)
            if not commit.synced:
                source.setdefault(path, commit)
    return last, source


def read_history(docs: Path) -> History:
    docs = docs.resolve()
    try:
        top_result = git(["rev-parse", "--show-toplevel"], docs)
    except FileNotFoundError:
        return History("no-git")
    if top_result.returncode != 0:
        return History("not-repo", first_line(top_result.stderr))
    top = Path(top_result.stdout.strip()).resolve()
    head_result = git(["rev-parse", "--verify", "--quiet", "HEAD"], top)
    if head_result.returncode != 0:
        return History("no-commits")
    head_sha = head_result.stdout.strip()
    key = (str(top), str(docs), head_sha)
    if key in _histories:
        return _histories[key]
    if git(["rev-parse", "--is-shallow-repository"], top).stdout.strip() == "true":
        failure = deepen(top)
        if failure is not None:
            history = _histories[key] = History("shallow", failure)
            return history
    prefix = docs.relative_to(top).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    result = git(["log", "--topo-order", "--no-renames", "--name-only",
                  "--format=%x1e%H%x1f%h%x1f%at%x1f%B%x1f", "--", prefix or "."], top)
    if result.returncode != 0:
        history = _histories[key] = History("git-failed", first_line(result.stderr))
        return history
    last, source = parse_log(result.stdout, prefix)
    head_log = git(["log", "-1", "--format=%H%x1f%h%x1f%at"], top).stdout.strip().split("\x1f")
    head = Commit(-1, head_log[0], head_log[1], int(head_log[2]), False)
    history = _histories[key] = History(None, "", head, last, source)
    return history


# ---------------------------------------------------------------- pages and twins


@dataclass
class Book:
    """What one build needs: the history, the twin pairs and where the status page is."""

    docs: Path
    history: History
    pairs: list[dict[str, str]]       # one dict per page: language -> docs-relative source
    status_page: str | None           # docs-relative source (default language) of the status page
    nav: dict[str, str | None] = field(default_factory=dict)  # default source -> nav title, nav order


_book: dict[str, Book] = {}


def default_source(src_uri: str) -> str:
    """The default-language source of a page given any of its twins' sources."""
    suffix = LANGUAGES[language_of(Path(src_uri))]["suffix"]
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


def behind(history: History, page: str, twin: str) -> Commit | None:
    """The twin's commit that the page has not caught up with, if there is one."""
    if not history.ok:
        return None
    mine, theirs = history.last.get(page), history.source.get(twin)
    if mine is None or theirs is None:
        return None
    return theirs if theirs.order < mine.order else None


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
        reason = TEXT["en"]["reasons"][history.reason].format(detail=history.detail)
        # INFO, not WARNING: a warning would fail `mkdocs build --strict` on every shallow clone.
        log.info("translation_drift: translation drift could not be computed: %s", reason)


# ---------------------------------------------------------------- the notice on stale pages


def commit_html(commit: Commit, repo_url: str | None) -> str:
    code = f"<code>{html.escape(commit.short)}</code>"
    if repo_url:
        href = f"{repo_url.rstrip('/')}/commit/{commit.sha}"
        return f'<a href="{html.escape(href)}">{code}</a>'
    return code


def twin_url(page_url: str, page_lang: str, twin_lang: str) -> str:
    """The site URL of a page's twin: strip one language's folder, add the other's."""
    own = LANGUAGES[page_lang]["prefix"]
    base = page_url[len(own):] if own and page_url.startswith(own) else page_url
    return LANGUAGES[twin_lang]["prefix"] + base


def notice_html(page, files, book: Book, twin_lang: str, commit: Commit, repo_url: str | None) -> str:
    lang = language_of(Path(page.file.src_uri))
    text = TEXT[lang]
    twin_name = text["names"][twin_lang]
    href = get_relative_url(twin_url(page.url, lang, twin_lang), page.url)
    twin_link = f'<a href="{html.escape(href)}" hreflang="{twin_lang}">{html.escape(twin_name)}</a>'
    status_link = html.escape(text["status"])
    if book.status_page is not None:
        status_file = files.get_file_from_path(book.status_page)
        if status_file is not None:
            status_href = get_relative_url(status_file.url, page.url)
            status_link = f'<a href="{html.escape(status_href)}">{status_link}</a>'
    body = text["notice"].format(twin=html.escape(twin_name), date=commit.date,
                                 commit=commit_html(commit, repo_url), twin_link=twin_link,
                                 status_link=status_link)
    return (f'<div class="admonition warning translation-drift">'
            f'<p class="admonition-title">{html.escape(text["notice_title"])}</p>'
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


def cell(history: History, path: str, repo_url: str | None, text: dict) -> str:
    if not history.ok:
        return "—"
    commit = history.last.get(path)
    if commit is None:
        return text["uncommitted"]
    if repo_url:
        return f"{commit.date} · [`{commit.short}`]({repo_url.rstrip('/')}/commit/{commit.sha})"
    return f"{commit.date} · `{commit.short}`"


def nav_order(book: Book) -> list[dict[str, str]]:
    """The pairs in the order the nav lists them, then the pages the nav leaves out."""
    position = {source: index for index, source in enumerate(book.nav)}
    return sorted(book.pairs, key=lambda pair: (position.get(pair[DEFAULT_LANGUAGE], len(position)),
                                                pair[DEFAULT_LANGUAGE]))


def status_markdown(book: Book, page_src: str, lang: str, repo_url: str | None) -> str:
    text = TEXT[lang]
    history = book.history
    others = [other for other in LANGUAGES if other != lang]
    order = [lang, *others]
    lines = []
    stale_count = 0
    rows = []
    for pair in nav_order(book):
        source = pair[lang] if (book.docs / pair[lang]).is_file() else pair[DEFAULT_LANGUAGE]
        title = book.nav.get(pair[DEFAULT_LANGUAGE]) or page_title(book.docs / source)
        title = title.replace("|", "\\|")
        link = posixpath.relpath(pair[DEFAULT_LANGUAGE], posixpath.dirname(page_src) or ".")
        marks = []
        for one in order:
            for other in order:
                if one != other and behind(history, pair[one], pair[other]) is not None:
                    marks.append(text["behind"].format(name=text["names"][one]))
                    break
        if marks:
            stale_count += 1
        if not history.ok:
            state = text["unknown"]
        elif any(history.last.get(pair[one]) is None for one in order):
            state = text["uncommitted"]
        else:
            state = "; ".join(marks) or text["in_sync"]
        cells = [f"[{title}]({link})", *(cell(history, pair[one], repo_url, text) for one in order), state]
        rows.append("| " + " | ".join(cells) + " |")
    if history.ok:
        lines.append(text["summary"].format(pages=len(book.pairs), stale=stale_count,
                                            head=f"`{history.head.short}`", date=history.head.date))
    else:
        reason = text["reasons"][history.reason].format(detail=history.detail)
        lines += [f'!!! warning "{text["no_history_title"]}"', "",
                  "    " + text["no_history"].format(reason=reason)]
    header = [text["page"], *(text["last"].format(name=text["names"][one]) for one in order), text["state"]]
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
