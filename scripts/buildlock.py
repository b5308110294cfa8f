#!/usr/bin/env python3
"""One build at a time per site folder: the lock every build step takes, and a runner that holds it.

(Also here: signals_held(), for the moments of a build step that Ctrl-C must not cut in two.)

Each step (build_site.py, build_pdf.py) takes the lock of its site folder (a
file in .cache/locks/ named by the folder's path) for as long as it runs; a second build in the same
checkout stops at once with one line instead of corrupting the first. `make book`
holds the lock over both steps with

    buildlock.py SITE_DIR COMMAND [ARG ...]

and the steps it runs see that their lock is already held (through the
environment) and go on.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

HELD = "BOOK_BUILD_LOCK_HELD"


class BuildLocked(Exception):
    """Another build holds the lock."""


LOCKS = Path(__file__).resolve().parents[1] / ".cache" / "locks"


def lock_path(site: Path) -> Path:
    key = hashlib.sha256(str(site.resolve()).encode()).hexdigest()[:16]
    return LOCKS / f"{site.resolve().name}-{key}.lock"


@contextmanager
def build_lock(site: Path):
    """Hold the build lock of `site` (or go on when a parent process holds it already)."""
    path = lock_path(site)
    if os.environ.get(HELD) == str(path):
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(f"another build of {site} is running in this checkout; "
                              "wait for it to finish, then run again") from None
        os.environ[HELD] = str(path)  # the steps this process starts see the lock as theirs
        try:
            yield
        finally:
            os.environ.pop(HELD, None)


@contextmanager
def signals_held():
    """Hold Ctrl-C (and SIGTERM) back for the few moments that must not be cut short."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: buildlock.py SITE_DIR COMMAND [ARG ...]", file=sys.stderr)
        return 2
    # Ctrl-C reaches the steps, which clean up and say so in one line; this process only waits for them.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with build_lock(Path(argv[0])):
            return subprocess.call(argv[1:], preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    except BuildLocked as error:
        print(f"make book: {error}", file=sys.stderr)
        return 75


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
