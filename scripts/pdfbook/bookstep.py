"""What the PDF and EPUB steps share: options, the manifest's chapters, the cover's facts, and
running the step for every language to publish its files all at once, or none.

build_pdf.py and build_epub.py behave the same under the three things that can go wrong: another build holding the checkout's lock (exit 75), a BookError (exit 1, the
message, the old files kept) and Ctrl-C (exit 130, one line, the old files kept). Each language's
file is written under a hidden temporary name beside the final one; only when every language
succeeded are they moved into place, with Ctrl-C held off for that moment.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from bookconf import LANGUAGES, ROOT, SITE, book_file
from bookmanifest import Manifest, ManifestError, load_manifest
from buildlock import BuildLocked, build_lock, signals_held
from pdfbook.collect import BookError, ChapterJob, chapter_jobs

# The cover's facts, labelled in the book's language (data/languages.yaml, book.*).
COVER_LABELS = ("language", "date", "version", "licence")

# Makes one language's file at the given temporary path.
LanguageBuilder = Callable[[str, Path], None]


def build_date() -> str:
    """Today (UTC), or SOURCE_DATE_EPOCH's day: two builds of one commit then print the same date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return moment.strftime("%Y-%m-%d")


def book_version() -> str:
    result = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=10", "HEAD"],
                            capture_output=True, text=True, check=False)
    return f"commit {result.stdout.strip() or 'unknown'}"


def book_chapters(site: Path, lang: str) -> tuple[Manifest, list[ChapterJob]]:
    """The language's manifest (written by the site build) and one job per chapter, in reading order."""
    try:
        manifest = load_manifest(site, lang)
    except ManifestError as error:
        raise BookError(str(error)) from None
    return manifest, chapter_jobs(site, manifest)


def book_arguments(description: str, workers: str) -> argparse.ArgumentParser:
    """The options both steps take: --lang, --workers, --site, --out."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--lang", choices=sorted(LANGUAGES), action="append",
                        help="only this language (repeatable; default: all)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help=f"{workers} (default: %(default)s)")
    parser.add_argument("--site", type=Path, default=SITE, help="the built site (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: SITE/pdf)")
    return parser


def parse_book_arguments(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parse; fill in --out and --lang; refuse fewer than one worker."""
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    args.out = args.out or args.site / "pdf"
    args.lang = args.lang or list(LANGUAGES)
    return args


def publish_book_files(tool: str, extension: str, site: Path, out: Path, languages: list[str],
                       builder: Callable[[], AbstractContextManager[LanguageBuilder]]) -> int:
    """Build out/<book file>.<extension> for each language with builder() and put them in place.

    builder() is a context manager that sets up what the languages share (worker processes,
    fonts) and yields the function that builds one language; it is torn down before publishing.
    Returns the process exit status and prints what happened, prefixed with `tool`.
    """
    kind = extension.upper()
    written: list[tuple[Path, Path]] = []
    try:
        with build_lock(site):
            try:
                if not (site / "index.html").is_file():
                    raise BookError(f"{site} holds no built site: run `make site` first")
                with builder() as build_one:
                    for lang in languages:
                        final = out / book_file(lang, extension)
                        partial = out / f".{final.name}.part"
                        written.append((partial, final))
                        build_one(lang, partial)
            except BookError as error:
                _discard(written)
                print(f"{tool}: error: {error}", file=sys.stderr)
                print(f"{tool}: the previous {kind}s in {out} were left untouched", file=sys.stderr)
                return 1
            with signals_held():  # every language's file, or none
                for partial, final in written:
                    os.replace(partial, final)
    except BuildLocked as error:
        print(f"{tool}: {error}", file=sys.stderr)
        return 75
    except KeyboardInterrupt:
        _discard(written)
        print(f"{tool}: interrupted; the previous {kind}s in {out} were left untouched", file=sys.stderr)
        return 130
    for _, final in written:
        print(f"{tool}: wrote {final} ({final.stat().st_size / 1e6:.1f} MB)")
    return 0


def _discard(written: list[tuple[Path, Path]]) -> None:
    for partial, _ in written:
        partial.unlink(missing_ok=True)
