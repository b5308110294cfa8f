"""Translation drift from the git history: the newest commit of every page, read with one git call.

"Newer" means later in ``git log --topo-order`` (a commit is listed before its parents), so
commits made within the same second still compare correctly. A commit whose message has the line
``Translation: synced`` counts as a change of the pages it touches, but never makes their twins
stale. Without usable history (git missing, not a repository, no commits, or a shallow clone
whose history cannot be fetched) History.reason says why. A shallow clone with a remote is first
deepened with ``git fetch --unshallow`` (set BOOK_DRIFT_FETCH=0 to skip that).
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

# The hook's logger: MkDocs shows the messages of loggers under "mkdocs." only.
log = logging.getLogger("mkdocs.hooks.translation_drift")

SYNCED = re.compile(r"^translation:\s*synced\s*$", re.IGNORECASE | re.MULTILINE)
GIT_TIMEOUT_S = 60
FETCH_TIMEOUT_S = 120
# Why there is no history, for the build log (the pages say it in their own language).
REASONS = {
    "no-git": "the git command was not found",
    "not-repo": "the sources are not in a git repository",
    "no-commits": "the repository has no commits yet",
    "shallow": "the repository is a shallow clone whose history could not be fetched: {detail}",
    "git-failed": "reading the git history failed: {detail}",
}


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

    def describe(self) -> str:
        """Why there is no history, in English, for the build log."""
        return REASONS[self.reason].format(detail=self.detail) if self.reason else "history read"


# Histories by (repository, docs folder, HEAD): a history is read once per HEAD in a process, so
# static-i18n's other language builds and `mkdocs serve` rebuilds of the same commit reuse it.
_histories: dict[tuple[str, str, str], History] = {}


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
    key = (str(top), str(docs), head_result.stdout.strip())
    if key not in _histories:
        _histories[key] = read_log(top, docs)
    return _histories[key]


def read_log(top: Path, docs: Path) -> History:
    """The history of the docs folder in the repository at top (deepened first if shallow)."""
    if git(["rev-parse", "--is-shallow-repository"], top).stdout.strip() == "true":
        failure = deepen(top)
        if failure is not None:
            return History("shallow", failure)
    prefix = docs.relative_to(top).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    result = git(["log", "--topo-order", "--no-renames", "--name-only",
                  "--format=%x1e%H%x1f%h%x1f%at%x1f%B%x1f", "--", prefix or "."], top)
    if result.returncode != 0:
        return History("git-failed", first_line(result.stderr))
    last, source = parse_log(result.stdout, prefix)
    head_log = git(["log", "-1", "--format=%H%x1f%h%x1f%at"], top).stdout.strip().split("\x1f")
    head = Commit(-1, head_log[0], head_log[1], int(head_log[2]), False)
    return History(None, "", head, last, source)


def behind(history: History, page: str, twin: str) -> Commit | None:
    """The twin's commit that the page has not caught up with, if there is one."""
    if not history.ok:
        return None
    mine, theirs = history.last.get(page), history.source.get(twin)
    if mine is None or theirs is None:
        return None
    return theirs if theirs.order < mine.order else None
