"""Remembered passes of the two slow validators, axe-core and EPUBCheck, keyed by what they read.

A validator's verdict is a function of the bytes it is given and of the validator itself. A pass
is written to .cache/test-verdicts/<kind>/ under a key made of those bytes (the page or the EPUB,
the validator's own files, its options, the browser's version); a later run with the same key
takes the pass without running the validator again. An entry also lists the files a page fetched
while it was checked (stylesheets, scripts, fonts, images) with their digests, and it counts only
while every one of them is unchanged. Failures are never remembered: a failing check always runs,
and prints its own, fresh report.

BOOK_TESTS_VERDICTS=0 runs every validator (nothing is read or written). An entry no run has used
for KEEP_DAYS days is deleted when a new one is written, so the folder (which CI keeps between
workflow runs) holds what recent versions of the book need, not every page ever checked.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from bookconf import ROOT
from buildcache import write_atomically

CACHE = ROOT / ".cache" / "test-verdicts"
KEEP_DAYS = 30


def enabled() -> bool:
    return os.environ.get("BOOK_TESTS_VERDICTS", "1") != "0"


def digest(*parts: bytes | str) -> str:
    """sha256 over the parts, each prefixed by its length (so ("ab", "c") and ("a", "bc") differ)."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


def file_digest(path: Path) -> str:
    try:
        return digest(path.read_bytes())
    except FileNotFoundError:
        return "missing"
    except IsADirectoryError:
        return "folder"


class Verdicts:
    """The remembered passes of one validator (kind: 'axe', 'epubcheck')."""

    def __init__(self, kind: str):
        self.folder = CACHE / kind

    def recall(self, key: str, root: Path = ROOT) -> dict | None:
        """The result remembered under key, if every file it read (below root) is still the same; else None."""
        if not enabled():
            return None
        try:
            entry = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            files, result = entry["files"], entry["result"]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent, or damaged: the validator runs
        if any(file_digest(root / path) != known for path, known in files.items()):
            return None
        used(self.folder / f"{key}.json")
        return result

    def remember(self, key: str, result: dict, files: dict[str, str] | None = None) -> None:
        """Keep a passing result; files: {path relative to recall's root: file_digest} it depended on
        besides the key."""
        if not enabled():
            return
        entry = json.dumps({"files": files or {}, "result": result}, ensure_ascii=False)
        write_atomically(self.folder / f"{key}.json", entry.encode("utf-8"))  # a reader sees old or new
        prune(self.folder)


def used(path: Path) -> None:
    """Mark a cache file as used now (its modification time), so that prune keeps it."""
    try:
        os.utime(path)
    except OSError:
        pass


def prune(folder: Path, days: int = KEEP_DAYS) -> None:
    """Delete the files of a cache folder that no run has used for `days` days."""
    oldest = time.time() - days * 86400
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < oldest:
                path.unlink()
        except OSError:
            pass  # another worker pruned it first
