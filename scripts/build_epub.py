#!/usr/bin/env python3
"""Build the book as one EPUB 3 per language from the built site: site/pdf/ml-engineering-<lang>.epub.

The chapters come from the manifest the site build wrote and are prepared by
the same code as the PDF's (pdfbook/collect.py: the same parts, pages, links,
web-only blocks left out, long listings shortened); pdfbook/epub.py writes
them as XHTML into the EPUB container. Like the PDFs, both EPUBs are written to
temporary files and replace the old ones only when every language succeeded.

Usage: build_epub.py [--lang zh|en] [--workers N] [--site site] [--out site/pdf]
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bookconf import LANGUAGES  # noqa: E402
from pdfbook.collect import ChapterJob  # noqa: E402
from pdfbook.epub import EpubInfo, write_epub  # noqa: E402
from pdfbook.bookstep import (COVER_LABELS, LanguageBuilder, book_arguments, book_chapters, book_version,  # noqa: E402
                              build_date, parse_book_arguments, publish_book_files)  # noqa: E402


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _prepare(job: ChapterJob):
    return job.chapter(for_print=False)


def build_language(lang: str, site: Path, pool, out: Path) -> dict:
    started = time.perf_counter()
    manifest, jobs = book_chapters(site, lang)
    chapters = pool.map(_prepare, jobs, chunksize=4) if pool is not None else [_prepare(job) for job in jobs]
    language = LANGUAGES[lang]
    info = EpubInfo(lang=language.html_lang, title=language.t("book.title"), subtitle=language.t("book.subtitle"),
                    authors=manifest.site_author, date=build_date(), version=book_version(),
                    identifier_seed=f"{manifest.site_url}#epub-{lang}", toc_title=language.t("book.toc"),
                    cover_labels={k: language.t(f"book.{k}") for k in (*COVER_LABELS, "cover")},
                    language_name=language.name, cover_wrap=language.cover_wrap)
    stats = write_epub(info, chapters, out)
    stats["seconds"] = time.perf_counter() - started
    return stats


def main(argv: list[str] | None = None) -> int:
    args = parse_book_arguments(book_arguments(__doc__.splitlines()[0], "processes"), argv)
    return publish_book_files("build_epub", "epub", args.site, args.out, args.lang, lambda: epub_builder(args))


@contextlib.contextmanager
def epub_builder(args) -> Iterator[LanguageBuilder]:
    """Start the workers (with more than one) and yield the function that builds one language."""
    pool = multiprocessing.get_context("fork").Pool(args.workers, _ignore_sigint) if args.workers > 1 else None

    def build_one(lang: str, partial: Path) -> None:
        stats = build_language(lang, args.site.resolve(), pool, partial)
        print(f"build_epub: {lang}: {stats['chapters']} chapters, {stats['images']} images, {stats['seconds']:.1f} s")

    try:
        yield build_one
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


if __name__ == "__main__":
    sys.exit(main())
