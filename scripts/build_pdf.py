#!/usr/bin/env python3
"""Build the book as one PDF per language from the built site: site/pdf/ml-engineering-<lang>.pdf.

Chapters are rendered by WeasyPrint in parallel worker processes and cached by
a hash of their input (.cache/pdf/), then joined with a cover, a table of
contents, running headers, page numbers, bookmarks and in-PDF links. Both PDFs
are written to temporary files first and replace the old ones only when every
language succeeded. With SOURCE_DATE_EPOCH set, two builds of one commit are
byte-identical.

Usage: build_pdf.py [--lang zh|en] [--workers N] [--site site] [--out site/pdf]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bookconf import LANGUAGES, MKDOCS_YML, ROOT, SITE  # noqa: E402
from pdfbook.assemble import BookInfo, assemble  # noqa: E402
from pdfbook.collect import BookError, collect, read_config  # noqa: E402
from pdfbook.fonts import check_fonts, covered_codepoints, missing_glyphs, subset_font_faces  # noqa: E402
from pdfbook.render import document_html, render_chapter  # noqa: E402

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


def _render_task(task):
    key, html, base_url, cache_dir, font_css = task
    return render_chapter(key, html, base_url, Path(cache_dir), (font_css,))


def build_language(lang: str, site: Path, config: dict, covered: set[int], font_css: str, pool,
                   cache: Path, out: Path) -> dict:
    started = time.perf_counter()
    chapters = collect(site, Path(config["docs_dir"]), config, lang, config.get("repo_url", ""),
                       config.get("site_url", ""), starmap=pool.starmap)
    text_problems = []
    for chapter in chapters:
        missing = missing_glyphs(chapter.text, covered)
        if missing:
            text_problems.append(f"docs/{chapter.src}: no font draws {' '.join(missing)} "
                                 f"({', '.join(f'U+{ord(c):04X}' for c in missing)})")
    if text_problems:
        raise BookError("missing glyphs:\n" + "\n".join(text_problems))
    html_lang = LANGUAGES[lang]["html_lang"]
    tasks = [(c.key, document_html(c.as_section(), html_lang, c.title), site.as_uri() + "/", str(cache / lang), font_css)
             for c in chapters]
    tasks.sort(key=lambda task: -len(task[1]))  # longest first keeps both workers busy to the end
    results = {r.key: r for r in pool.imap_unordered(_render_task, tasks)}
    warnings = [f"{key}: {w}" for key, r in results.items() for w in r.warnings]
    image_failures = [w for w in warnings if "image" in w.lower() or "font" in w.lower() or "glyph" in w.lower()]
    if image_failures:
        raise BookError("WeasyPrint could not draw everything:\n" + "\n".join(image_failures))
    text = TEXT[lang]
    info = BookInfo(lang=html_lang, title=text["title"], subtitle=text["subtitle"],
                    language_name=LANGUAGES[lang]["name"], date=build_date(), version=book_version(),
                    authors=config.get("site_author", ""), toc_title=text["toc"],
                    labels={k: text[k] for k in ("language", "date", "version", "licence")})
    rendered_at = time.perf_counter()
    stats = assemble(info, chapters, results, out, font_css, cache / lang)
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
    parser.add_argument("--config", type=Path, default=MKDOCS_YML, help="mkdocs.yml (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    out = args.out or args.site / "pdf"
    languages = args.lang or list(LANGUAGES)
    written: list[tuple[Path, Path]] = []
    pool = None
    try:
        if not (args.site / "index.html").is_file():
            raise BookError(f"{args.site} holds no built site: run `make site` first")
        fonts = check_fonts()
        covered = covered_codepoints(fonts)
        font_css = subset_font_faces(FONT_CACHE)
        config = read_config(args.config)
        pool = multiprocessing.get_context("fork").Pool(args.workers, maxtasksperchild=8)
        for lang in languages:
            final = out / f"ml-engineering-{lang}.pdf"
            partial = out / f".ml-engineering-{lang}.pdf.part"
            stats = build_language(lang, args.site.resolve(), config, covered, font_css, pool, args.cache, partial)
            written.append((partial, final))
            for warning in stats["warnings"]:
                print(f"build_pdf: warning: {warning}", file=sys.stderr)
            print(f"build_pdf: {lang}: {stats['pages']} pages, {stats['chapters']} chapters "
                  f"({stats['rendered']} rendered, the rest from the cache), {stats['internal_links']} "
                  f"internal links, {stats['seconds']:.1f} s ({stats['render_seconds']:.1f} s collecting and rendering, "
                  f"{stats['assemble_seconds']:.1f} s joining)")
    except BookError as error:
        if pool is not None:
            pool.terminate()
        for partial, _ in written:
            partial.unlink(missing_ok=True)
        print(f"build_pdf: error: {error}", file=sys.stderr)
        print(f"build_pdf: the previous PDFs in {out} were left untouched", file=sys.stderr)
        return 1
    pool.close()
    pool.join()
    for partial, final in written:
        os.replace(partial, final)
        print(f"build_pdf: wrote {final} ({final.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
