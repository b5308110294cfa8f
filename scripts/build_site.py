#!/usr/bin/env python3
"""Build the site into a fresh folder and swap it into place only when the build succeeded.

A failed build (broken link, missing translation, bad front matter, bad data
file...) prints MkDocs' own error, exits non-zero and leaves the previous
site/ exactly as it was; so does Ctrl-C (one line, exit 130). The new site
replaces the old one in a single rename (no moment without a site), readable by
all (0755). A second build of the same site while one runs stops at once (exit
75). PDFs already in site/pdf/ are carried over into the new site, so
rebuilding the site alone never drops them.

Usage: build_site.py [--config mkdocs.yml] [--site-dir site]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bookconf import MKDOCS_YML, SITE  # noqa: E402
from buildlock import BuildLocked, build_lock, signals_held  # noqa: E402


def build(config: Path, site: Path) -> int:
    site = site.resolve()
    site.parent.mkdir(parents=True, exist_ok=True)
    try:
        with build_lock(site):
            return build_locked(config, site)
    except BuildLocked as error:
        print(f"build_site: {error}", file=sys.stderr)
        return 75


def build_locked(config: Path, site: Path) -> int:
    remove_leftovers(site)
    fresh = Path(tempfile.mkdtemp(prefix=f".{site.name}-new-", dir=site.parent))
    started = time.perf_counter()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean",
               "--config-file", str(config), "--site-dir", str(fresh)]
    # MkDocs runs in a session of its own, so Ctrl-C reaches this process alone, which stops it
    # and cleans up (MkDocs would print a traceback of its own).
    builder = None
    swapped = False
    try:
        builder = subprocess.Popen(command, env=env, start_new_session=True)
        returncode = builder.wait()
        if returncode != 0:
            shutil.rmtree(fresh, ignore_errors=True)
            print(f"build_site: the build failed; {site} was left untouched", file=sys.stderr)
            return returncode
        elapsed = time.perf_counter() - started
        fresh.chmod(0o755)  # mkdtemp made it 0700: a web server running as another user could not read it
        old_pdfs = site / "pdf"
        if old_pdfs.is_dir() and not (fresh / "pdf").exists():
            shutil.copytree(old_pdfs, fresh / "pdf")
        with signals_held():
            swap_into_place(fresh, site)
            swapped = True
    except KeyboardInterrupt:
        if swapped:
            print(f"build_site: interrupted; the new {site} was already in place", file=sys.stderr)
            return 130
        if builder is not None and builder.poll() is None:
            builder.terminate()
            builder.wait()
        shutil.rmtree(fresh, ignore_errors=True)
        print(f"build_site: interrupted; {site} was left as it was", file=sys.stderr)
        return 130
    report(site, elapsed)
    return 0


def remove_leftovers(site: Path) -> None:
    """Folders of a build that was killed before it could clean up (we hold the lock: none is in use)."""
    for pattern in (f".{site.name}-new-*", f".{site.name}-old-*"):
        for leftover in site.parent.glob(pattern):
            shutil.rmtree(leftover, ignore_errors=True)


def exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where that is not possible."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0


def swap_into_place(fresh: Path, site: Path) -> None:
    """Replace site with fresh so that a reader never sees half a site, nor none."""
    if not site.exists():
        fresh.rename(site)
        return
    if exchange(fresh, site):
        shutil.rmtree(fresh, ignore_errors=True)  # it holds the old site now
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{site.name}-old-", dir=site.parent))
    retired.rmdir()
    site.rename(retired)
    fresh.rename(site)
    shutil.rmtree(retired, ignore_errors=True)


def report(site: Path, elapsed: float) -> None:
    pages = sum(1 for _ in site.rglob("*.html"))
    search = sum(path.stat().st_size for path in (site / "pagefind").rglob("*") if path.is_file())
    print(f"build_site: built {site} in {elapsed:.1f} s: {pages} HTML files; "
          f"search bundle {search / 1024:.0f} KiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=MKDOCS_YML, help="mkdocs.yml (default: %(default)s)")
    parser.add_argument("--site-dir", type=Path, default=SITE, help="output folder (default: %(default)s)")
    args = parser.parse_args(argv)
    if not args.config.is_file():
        print(f"build_site: {args.config} does not exist", file=sys.stderr)
        return 2
    return build(args.config, args.site_dir)


if __name__ == "__main__":
    sys.exit(main())
