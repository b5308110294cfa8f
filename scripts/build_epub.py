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

import argparse
import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bookconf import LANGUAGES, SITE  # noqa: E402
from bookmanifest import ManifestError, load_manifest  # noqa: E402
from buildlock import BuildLocked, build_lock, signals_held  # noqa: E402
from pdfbook.collect import BookError, ChapterJob, chapter_jobs  # noqa: E402
from pdfbook.epub import EpubInfo, write_epub  # noqa: E402

def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _prepare(job: ChapterJob):
    return job.chapter(for_print=False)


def build_language(lang: str, site: Path, pool, out: Path) -> dict:
    # The cover's words, date and version: one definition, the PDF's.
    from build_pdf import TEXT, book_version, build_date  # noqa: PLC0415 (loads WeasyPrint: only when building)

    started = time.perf_counter()
    try:
        manifest = load_manifest(site, lang)
    except ManifestError as error:
        raise BookError(str(error)) from None
    jobs = chapter_jobs(site, manifest)
    chapters = pool.map(_prepare, jobs, chunksize=4) if pool is not None else [_prepare(job) for job in jobs]
    text = TEXT[lang]
    info = EpubInfo(lang=LANGUAGES[lang]["html_lang"], title=text["title"], subtitle=text["subtitle"],
                    authors=manifest.site_author, date=build_date(), version=book_version(),
                    identifier_seed=f"{manifest.site_url}#epub-{lang}", toc_title=text["toc"],
                    cover_labels={k: text[k] for k in ("language", "date", "version", "licence")},
                    language_name=LANGUAGES[lang]["name"])
    stats = write_epub(info, chapters, out)
    stats["seconds"] = time.perf_counter() - started
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=sorted(LANGUAGES), action="append",
                        help="only this language (repeatable; default: all)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: %(default)s)")
    parser.add_argument("--site", type=Path, default=SITE, help="the built site (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: SITE/pdf)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    out = args.out or args.site / "pdf"
    written: list[tuple[Path, Path]] = []
    try:
        with build_lock(args.site):
            return build_all(args, args.lang or list(LANGUAGES), out, written)
    except BuildLocked as error:
        print(f"build_epub: {error}", file=sys.stderr)
        return 75
    except KeyboardInterrupt:
        for partial, _ in written:
            partial.unlink(missing_ok=True)
        print(f"build_epub: interrupted; the previous EPUBs in {out} were left untouched", file=sys.stderr)
        return 130


def build_all(args, languages: list[str], out: Path, written: list[tuple[Path, Path]]) -> int:
    pool = None
    try:
        if not (args.site / "index.html").is_file():
            raise BookError(f"{args.site} holds no built site: run `make site` first")
        if args.workers > 1:
            pool = multiprocessing.get_context("fork").Pool(args.workers, _ignore_sigint)
        for lang in languages:
            final = out / f"ml-engineering-{lang}.epub"
            partial = out / f".ml-engineering-{lang}.epub.part"
            written.append((partial, final))
            stats = build_language(lang, args.site.resolve(), pool, partial)
            print(f"build_epub: {lang}: {stats['chapters']} chapters, {stats['images']} images, "
                  f"{stats['seconds']:.1f} s")
    except BookError as error:
        for partial, _ in written:
            partial.unlink(missing_ok=True)
        print(f"build_epub: error: {error}", file=sys.stderr)
        print(f"build_epub: the previous EPUBs in {out} were left untouched", file=sys.stderr)
        return 1
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    with signals_held():  # every language's EPUB, or none
        for partial, final in written:
            os.replace(partial, final)
    for _, final in written:
        print(f"build_epub: wrote {final} ({final.stat().st_size / 1e6:.1f} MB)")
    return 0

if __name__ == "__main__":
    sys.exit(main())
