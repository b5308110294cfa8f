#!/usr/bin/env python3
"""Build the book as one PDF per language from the built site: site/pdf/ml-engineering-<lang>.pdf.

The book's parts, pages and their rendered articles come from the manifest the
site build wrote (site/.book/manifest-<lang>.json, scripts/bookmanifest.py).

Each chapter is prepared and rendered by WeasyPrint in a worker process (one
task per chapter) and cached by a hash of its input (.cache/pdf/); qpdf (via
pikepdf) then joins the chapters behind a cover and a table of contents and
adds page numbers, bookmarks and in-PDF links. All WeasyPrint work, the small
documents included, runs in the workers. Both PDFs
are written to temporary files first and replace the old ones only when every
language succeeded. With SOURCE_DATE_EPOCH set, two builds of one commit are
byte-identical.

Usage: build_pdf.py [--lang zh|en] [--workers N] [--site site] [--out site/pdf] [--cache DIR]
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import multiprocessing
import signal
import sys
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bookconf import LANGUAGES, ROOT  # noqa: E402
from pdfbook.assemble import BookInfo, assemble, render_small_parts  # noqa: E402
from pdfbook.collect import BookError, ChapterJob, compile_selectors  # noqa: E402
from pdfbook.bookstep import (COVER_LABELS, LanguageBuilder, book_arguments, book_chapters, book_version,  # noqa: E402
                              build_date, parse_book_arguments, publish_book_files)  # noqa: E402
from pdfbook.fonts import FONTS, check_fonts, covered_codepoints, missing_glyphs, subset_font_faces  # noqa: E402
from pdfbook.sharefonts import candidate_files, tags_of_files  # noqa: E402
from pdfbook.render import (  # noqa: E402
    cyclic_gc_paused, document_html, remove_partial_writes, render_chapter, render_whole, scratch_folder,
    share_font_files, styles)

CACHE = ROOT / ".cache" / "pdf"
FONT_CACHE = ROOT / ".cache" / "fonts"  # book-wide font subsets: made once, shared by every build

# Set in each worker process by the pool initializer (inherited, not pickled).
_WORKER: dict = {}
# No chapter takes minutes; a worker that stays silent this long is stuck, and
# the build stops saying so instead of hanging CI until its time limit.
WORKER_TIMEOUT = 600


def wait_for(result):
    try:
        return result()
    except multiprocessing.TimeoutError:
        raise BookError(f"a render worker gave no result in {WORKER_TIMEOUT} s; it is stuck") from None


def _init_worker(covered: set[int], font_css: str, shared_fonts: frozenset[str]) -> None:
    # Ctrl-C is the parent's to handle: it stops the workers and cleans up, in one line.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER.update(covered=covered, font_css=font_css)
    share_font_files(shared_fonts)


def _chapter_task(job: ChapterJob, html_lang: str, cache_dir: str):
    """Prepare one chapter and render it (or take it from the cache): (chapter, rendered or None, problem)."""
    with cyclic_gc_paused():
        chapter = job.chapter()
        missing = missing_glyphs(chapter.text, _WORKER["covered"])
        if missing:
            return chapter, None, (f"docs/{chapter.src}: no font draws {' '.join(missing)} "
                                   f"({', '.join(f'U+{ord(c):04X}' for c in missing)})")
        html = document_html(chapter.as_section(), html_lang, chapter.title)
        rendered = render_chapter(chapter.key, html, job.site.as_uri() + "/", Path(cache_dir),
                                  (_WORKER["font_css"],))
        # The joiner needs the chapter's name and place, not its text: keep the build process small.
        return dataclasses.replace(chapter, html="", text=""), rendered, None


def build_language(lang: str, site: Path, font_css: str, workers, cache: Path, out: Path,
                   font_files: dict | None = None) -> dict:
    """One language's PDF at out; workers() starts the render workers (a context manager giving the pool).
    They render every chapter, then the cover, contents and page-number digits, and stop before the
    join, so that their memory is free while the book is put together."""
    started = time.perf_counter()
    with workers() as pool:
        info, chapters, results, warnings, small = render_parts(lang, site, font_css, pool, cache)
    rendered_at = time.perf_counter()
    stats = assemble(info, chapters, results, out, small, font_files)
    stats.update(render_seconds=rendered_at - started, assemble_seconds=time.perf_counter() - rendered_at,
                 seconds=time.perf_counter() - started, chapters=len(chapters),
                 rendered=sum(not r.cached for r in results.values()), warnings=warnings)
    return stats


def render_parts(lang: str, site: Path, font_css: str, pool, cache: Path):
    """Every chapter and small document of one language, rendered (or taken from the cache) by the pool."""
    manifest, jobs = book_chapters(site, lang)
    order = {job.key: index for index, job in enumerate(jobs)}
    # Longest pages first keeps both workers busy to the end; preparing and
    # rendering run in one task, so no worker waits for all pages to be prepared.
    jobs_by_size = sorted(jobs, key=lambda job: -job.size)
    task = functools.partial(_chapter_task, html_lang=LANGUAGES[lang].html_lang, cache_dir=str(cache / lang))
    chapters, results, text_problems = [], {}, []
    finished = pool.imap_unordered(task, jobs_by_size)
    for _ in jobs:
        chapter, rendered, problem = wait_for(lambda: finished.next(timeout=WORKER_TIMEOUT))
        chapters.append(chapter)
        if problem:
            text_problems.append(problem)
        else:
            results[chapter.key] = rendered
    if text_problems:
        raise BookError("missing glyphs:\n" + "\n".join(sorted(text_problems)))
    chapters.sort(key=lambda chapter: order[chapter.key])
    warnings = [f"{key}: {w}" for key, r in results.items() for w in r.warnings]
    image_failures = [w for w in warnings if "image" in w.lower() or "font" in w.lower() or "glyph" in w.lower()]
    if image_failures:
        raise BookError("WeasyPrint could not draw everything:\n" + "\n".join(image_failures))
    language = LANGUAGES[lang]
    info = BookInfo(lang=language.html_lang, title=language.t("book.title"), subtitle=language.t("book.subtitle"),
                    language_name=language.name, date=build_date(), version=book_version(),
                    authors=manifest.site_author, toc_title=language.t("book.toc"),
                    labels={k: language.t(f"book.{k}") for k in COVER_LABELS})

    def render_small(html: str, sheets: tuple[str, ...], name: str) -> bytes:
        # In a worker: once Pango runs in this process, workers forked from it can hang.
        job = pool.apply_async(render_whole, (html, sheets, cache / lang, name))
        return wait_for(lambda: job.get(timeout=WORKER_TIMEOUT))

    small = render_small_parts(info, chapters, results, font_css, render_small)
    return info, chapters, results, warnings, small


def main(argv: list[str] | None = None) -> int:
    parser = book_arguments(__doc__.splitlines()[0], "render processes")
    parser.add_argument("--cache", type=Path, default=CACHE, help="chapter cache (default: %(default)s)")
    args = parse_book_arguments(parser, argv)
    return publish_book_files("build_pdf", "pdf", args.site, args.out, args.lang, lambda: pdf_builder(args))


@contextlib.contextmanager
def pdf_builder(args) -> Iterator[LanguageBuilder]:
    """Check the fonts, start the render workers, and yield the function that builds one language."""
    with scratch_folder():  # WeasyPrint's font copies, the workers' included, go there and go with it
        yield from _pdf_builder(args)


def _pdf_builder(args) -> Iterator[LanguageBuilder]:
    fonts = check_fonts()
    covered = covered_codepoints(fonts)
    font_css = subset_font_faces(FONT_CACHE)
    # The font files the chapters may use, by the tag render.py gives their embedded subsets.
    own = [Path(unquote(urlsplit(url).path)) for url in re.findall(r'url\("([^"]+)"\)', font_css)]
    font_files = tags_of_files(candidate_files(set(FONTS) | {"DejaVu Serif"}, own), FONT_CACHE / "file-tags.json")
    # Work every render worker would repeat, done once here for them to inherit: the style sheets
    # parsed with their fonts registered, and the selectors that take a page's web-only parts out.
    styles((font_css,))
    compile_selectors()
    gc.freeze()  # what the workers inherit is never garbage: keep the collector off it (see gc docs)

    @contextlib.contextmanager
    def workers():
        pool = multiprocessing.get_context("fork").Pool(args.workers, _init_worker,
                                                        (covered, font_css, frozenset(font_files)), maxtasksperchild=16)
        try:
            yield pool
        finally:
            pool.terminate()
            pool.join()
            remove_partial_writes(args.cache)

    def build_one(lang: str, partial: Path) -> None:
        stats = build_language(lang, args.site.resolve(), font_css, workers, args.cache, partial, font_files)
        for warning in stats["warnings"]:
            print(f"build_pdf: warning: {warning}", file=sys.stderr)
        print(f"build_pdf: {lang}: {stats['pages']} pages, {stats['chapters']} chapters "
              f"({stats['rendered']} rendered, the rest from the cache), {stats['internal_links']} "
              f"internal links, {stats['seconds']:.1f} s ({stats['render_seconds']:.1f} s collecting and rendering, "
              f"{stats['assemble_seconds']:.1f} s joining; {stats['chapter_fonts_merged']} chapter fonts "
              f"merged into {stats['shared_fonts']})")

    yield build_one


if __name__ == "__main__":
    sys.exit(main())
