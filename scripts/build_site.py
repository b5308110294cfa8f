#!/usr/bin/env python3
"""Build the site into a fresh folder and swap it into place only when the build succeeded.

A failed build (broken link, missing translation, bad front matter, bad data
file...) prints MkDocs' own error, exits non-zero and leaves the previous
site/ exactly as it was. PDFs already in site/pdf/ are carried over into the
new site, so rebuilding the site alone never drops them.

Usage: build_site.py [--config mkdocs.yml] [--site-dir site]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bookconf import LANGUAGES, MKDOCS_YML, SITE  # noqa: E402


def build(config: Path, site: Path) -> int:
    site = site.resolve()
    site.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{site.name}-new-", dir=site.parent))
    started = time.perf_counter()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean",
               "--config-file", str(config), "--site-dir", str(fresh)]
    result = subprocess.run(command, env=env)
    if result.returncode != 0:
        shutil.rmtree(fresh, ignore_errors=True)
        print(f"build_site: the build failed; {site} was left untouched", file=sys.stderr)
        return result.returncode
    elapsed = time.perf_counter() - started
    old_pdfs = site / "pdf"
    if old_pdfs.is_dir() and not (fresh / "pdf").exists():
        shutil.copytree(old_pdfs, fresh / "pdf")
    swap_into_place(fresh, site)
    report(site, elapsed)
    return 0


def swap_into_place(fresh: Path, site: Path) -> None:
    """Replace site with fresh using renames, so a reader never sees half a site."""
    retired = None
    if site.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{site.name}-old-", dir=site.parent))
        retired.rmdir()
        site.rename(retired)
    fresh.rename(site)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def report(site: Path, elapsed: float) -> None:
    pages = sum(1 for _ in site.rglob("*.html"))
    sizes = []
    for lang, spec in LANGUAGES.items():
        index = site / spec["prefix"] / "search" / "search_index.json"
        if index.exists():
            docs = len(json.loads(index.read_text(encoding="utf-8"))["docs"])
            sizes.append(f"{lang} {index.stat().st_size / 1024:.0f} KiB ({docs} entries)")
    print(f"build_site: built {site} in {elapsed:.1f} s: {pages} HTML files; "
          f"search index {', '.join(sizes)}")


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
