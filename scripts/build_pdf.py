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

import argparse
import datetime as dt
import functools
import gc
import multiprocessing
import os
import signal
import subprocess
import sys
import re
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bookconf import LANGUAGES, ROOT, SITE  # noqa: E402
from bookmanifest import ManifestError, load_manifest  # noqa: E402
from buildlock import BuildLocked, build_lock, signals_held  # noqa: E402
from pdfbook.assemble import BookInfo, assemble  # noqa: E402
from pdfbook.collect import BookError, ChapterJob, chapter_jobs  # noqa: E402
from pdfbook.fonts import FONTS, check_fonts, covered_codepoints, missing_glyphs, subset_font_faces  # noqa: E402
from pdfbook.sharefonts import candidate_files, tags_of_files  # noqa: E402
from pdfbook.render import cyclic_gc_paused, document_html, render_chapter, render_whole  # noqa: E402

CACHE = ROOT / ".cache" / "pdf"
FONT_CACHE = ROOT / ".cache" / "fonts"  # book-wide font subsets: made once, shared by every build

TEXT = {
    "zh": {"title": "机器学习工程开放手册", "subtitle": "训练与部署大模型的工程手册",
           "toc": "目录", "language": "语言", "date": "构建日期", "version": "版本", "licence": "许可证"},
    "en": {"title": "Machine Learning Engineering Open Book",
           "subtitle": "An engineering handbook for training and serving large models",
           "toc": "Contents", "language": "Language", "date": "Built on", "version": "Version",
           "licence": "Licence"},
}


def build_date() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return moment.strftime("%Y-%m-%d")


def book_version() -> str:
    result = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=10", "HEAD"],
                            capture_output=True, text=True, check=False)
    commit = result.stdout.strip() or "unknown"
    return f"commit {commit}"


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


def _init_worker(covered: set[int], font_css: str) -> None:
    # Ctrl-C is the parent's to handle: it stops the workers and cleans up, in one line.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER.update(covered=covered, font_css=font_css)


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
        return chapter, rendered, None


def build_language(lang: str, site: Path, font_css: str, pool, cache: Path, out: Path,
                   font_files: dict | None = None) -> dict:
    started = time.perf_counter()
    try:
        manifest = load_manifest(site, lang)
    except ManifestError as error:
        raise BookError(str(error)) from None
    jobs = chapter_jobs(site, manifest)
    order = {job.key: index for index, job in enumerate(jobs)}
    # Longest pages first keeps both workers busy to the end; preparing and
    # rendering run in one task, so no worker waits for all pages to be prepared.
    jobs_by_size = sorted(jobs, key=lambda job: -job.size)
    task = functools.partial(_chapter_task, html_lang=LANGUAGES[lang]["html_lang"], cache_dir=str(cache / lang))
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
    text = TEXT[lang]
    info = BookInfo(lang=LANGUAGES[lang]["html_lang"], title=text["title"], subtitle=text["subtitle"],
                    language_name=LANGUAGES[lang]["name"], date=build_date(), version=book_version(),
                    authors=manifest.site_author, toc_title=text["toc"],
                    labels={k: text[k] for k in ("language", "date", "version", "licence")})

    def render_small(html: str, sheets: tuple[str, ...], name: str) -> bytes:
        # In a worker: once Pango runs in this process, workers forked from it can hang.
        job = pool.apply_async(render_whole, (html, sheets, cache / lang, name))
        return wait_for(lambda: job.get(timeout=WORKER_TIMEOUT))

    rendered_at = time.perf_counter()
    stats = assemble(info, chapters, results, out, font_css, render_small, font_files)
    stats.update(render_seconds=rendered_at - started, assemble_seconds=time.perf_counter() - rendered_at,
                 seconds=time.perf_counter() - started, chapters=len(chapters),
                 rendered=sum(not r.cached for r in results.values()), warnings=warnings)
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=sorted(LANGUAGES), action="append",
                        help="only this language (repeatable; default: all)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="render processes (default: %(default)s)")
    parser.add_argument("--site", type=Path, default=SITE, help="the built site (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: SITE/pdf)")
    parser.add_argument("--cache", type=Path, default=CACHE, help="chapter cache (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    out = args.out or args.site / "pdf"
    languages = args.lang or list(LANGUAGES)
    written: list[tuple[Path, Path]] = []
    try:
        with build_lock(args.site):
            return build_all(args, languages, out, written)
    except BuildLocked as error:
        print(f"build_pdf: {error}", file=sys.stderr)
        return 75
    except KeyboardInterrupt:
        for partial, _ in written:
            partial.unlink(missing_ok=True)
        print(f"build_pdf: interrupted; the previous PDFs in {out} were left untouched", file=sys.stderr)
        return 130


def build_all(args, languages: list[str], out: Path, written: list[tuple[Path, Path]]) -> int:
    pool = None
    try:
        if not (args.site / "index.html").is_file():
            raise BookError(f"{args.site} holds no built site: run `make site` first")
        fonts = check_fonts()
        covered = covered_codepoints(fonts)
        font_css = subset_font_faces(FONT_CACHE)
        # The font files the chapters may use, by the tag render.py gives their embedded subsets.
        own = [Path(unquote(urlsplit(url).path)) for url in re.findall(r'url\("([^"]+)"\)', font_css)]
        font_files = tags_of_files(candidate_files(set(FONTS) | {"DejaVu Serif"}, own),
                                   FONT_CACHE / "file-tags.json")
        gc.freeze()  # what the workers inherit is never garbage: keep the collector off it (see gc docs)
        pool = multiprocessing.get_context("fork").Pool(args.workers, _init_worker, (covered, font_css),
                                                        maxtasksperchild=16)
        for lang in languages:
            final = out / f"ml-engineering-{lang}.pdf"
            partial = out / f".ml-engineering-{lang}.pdf.part"
            written.append((partial, final))
            stats = build_language(lang, args.site.resolve(), font_css, pool, args.cache, partial, font_files)
            for warning in stats["warnings"]:
                print(f"build_pdf: warning: {warning}", file=sys.stderr)
            print(f"build_pdf: {lang}: {stats['pages']} pages, {stats['chapters']} chapters "
                  f"({stats['rendered']} rendered, the rest from the cache), {stats['internal_links']} "
                  f"internal links, {stats['seconds']:.1f} s ({stats['render_seconds']:.1f} s collecting and rendering, "
                  f"{stats['assemble_seconds']:.1f} s joining; {stats['chapter_fonts_merged']} chapter fonts "
                  f"merged into {stats['shared_fonts']})")
    except BookError as error:
        for partial, _ in written:
            partial.unlink(missing_ok=True)
        print(f"build_pdf: error: {error}", file=sys.stderr)
        print(f"build_pdf: the previous PDFs in {out} were left untouched", file=sys.stderr)
        return 1
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    with signals_held():  # every language's PDF, or none
        for partial, final in written:
            os.replace(partial, final)
    for _, final in written:
        print(f"build_pdf: wrote {final} ({final.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
