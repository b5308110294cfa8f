#!/usr/bin/env python3
"""Benchmark the PDF step: wall time and peak memory per language, beside a plain WeasyPrint render.

Prints figures; it never fails on them. For each language it measures, in one run:

* full:    scripts/build_pdf.py with an empty chapter cache (parallel workers);
* rebuild: the same after one chapter changed (the other chapters come from the cache);
* plain:   one single-pass WeasyPrint render of the same chapters joined into one HTML, tagged
           like the book (pdf_tags), which is what the targets compare with; and the same render
           untagged, printed beside it;
* epub:    scripts/build_epub.py on the same book.

Beside the times it prints each PDF's bytes per page and the bytes of its embedded fonts.

The book is padded with copies of its own chapters up to --pages pages per
language while it is still smaller, so the figures describe a book of the
size the targets were set for. Peak memory is the largest sum of the resident
memory of the process and all its children, sampled every 50 ms.

Usage: bench_pdf.py [--pages 500] [--site site] [--workers N] [--lang zh|en]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urljoin

import pikepdf
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bookconf import LANGUAGES, ROOT, SITE  # noqa: E402
from bookmanifest import manifest_path  # noqa: E402

PLAIN_RENDER = """
import sys
sys.path.insert(0, {scripts!r})
from pathlib import Path
import weasyprint
from bookmanifest import load_manifest
from pdfbook.collect import collect
from pdfbook.render import CSS_FILE, document_html
chapters = collect(Path({site!r}), load_manifest(Path({site!r}), {lang!r}))
html = document_html("".join(c.as_section() for c in chapters), {html_lang!r}, "plain")
document = weasyprint.HTML(string=html, base_url=Path({site!r}).as_uri() + "/").render(
    stylesheets=[weasyprint.CSS(filename=str(CSS_FILE))])
document.write_pdf({out!r}, pdf_tags={tags!r})
print(len(document.pages))
"""


def measure(command: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Run a command; return (seconds, peak MB of the process tree, stdout)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(process.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"bench_pdf: {' '.join(command[:3])} failed:\n{err}")
    return seconds, peak / 1e6, out


def root_relative(html: str, url: str) -> str:
    """Make the relative links and images of a page copied elsewhere point where they pointed before."""
    def fix(match: re.Match) -> str:
        absolute = urljoin("http://book.invalid/" + url, match.group(2))
        return f'{match.group(1)}="{absolute[len("http://book.invalid"):]}"'
    return re.sub(r'\b(src|href)="(?![a-z]+:|/|#)([^"]*)"', fix, html)


def padded_book(site: Path, work: Path, pages_wanted: int, pages_now: dict[str, int]) -> Path:
    """A copy of the site whose manifests repeat chapters until the book has about pages_wanted pages."""
    book_site = work / "site"
    shutil.copytree(site, book_site, symlinks=True, ignore=shutil.ignore_patterns("pdf"))
    for lang in LANGUAGES:
        path = manifest_path(book_site, lang)
        manifest = json.loads(path.read_text(encoding="utf-8"))
        chapters = [page for part in manifest["parts"] for page in part["pages"] if page["src"] != "index.md"]
        # Estimate each chapter's pages from its share of the HTML, then add copies
        # of chapters, in order and round after round, until the estimate is reached.
        pages_per_char = pages_now[lang] / sum(len(page["html"]) for page in chapters)
        estimate, padding, copy = float(pages_now[lang]), [], 0
        while estimate < pages_wanted:
            for page in chapters:
                if estimate >= pages_wanted:
                    break
                padding.append({**page, "src": f"padding-{copy}/{page['src']}",
                                "url": f"{LANGUAGES[lang].prefix}padding-{copy}/{page['url']}",
                                "html": root_relative(page["html"], page["url"])})
                estimate += len(page["html"]) * pages_per_char
            copy += 1
        if padding:
            manifest["parts"].append({"title": "Appendix (benchmark padding)", "pages": padding})
        path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return book_site


def edit_one_chapter(site: Path, lang: str) -> None:
    """Change one chapter (a paragraph appended to the storage chapter), as an author would."""
    path = manifest_path(site, lang)
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for part in manifest["parts"]:
        for page in part["pages"]:
            if page["url"] == LANGUAGES[lang].prefix + "storage/":
                page["html"] += "<p>Benchmark edit: one changed paragraph.</p>"
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def font_bytes(pdf: Path) -> int:
    """The stored (compressed) bytes of the font programs embedded in a PDF."""
    total = 0
    with pikepdf.open(pdf) as document:
        seen = set()
        for obj in document.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in obj and obj[key].objgen not in seen:
                        seen.add(obj[key].objgen)
                        total += len(obj[key].read_raw_bytes())
    return total


def count_pages(pdf: Path) -> int:
    with pikepdf.open(pdf) as document:
        return len(document.pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500, help="pad the book to about this many pages (default: %(default)s)")
    parser.add_argument("--site", type=Path, default=SITE, help="the built site (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--lang", choices=sorted(LANGUAGES), action="append", help="only this language")
    args = parser.parse_args(argv)
    pages_now = {}
    for lang in LANGUAGES:
        pdf = args.site / "pdf" / f"ml-engineering-{lang}.pdf"
        if not pdf.exists():
            raise SystemExit(f"bench_pdf: {pdf} is missing: run `make book` first")
        pages_now[lang] = count_pages(pdf)
    python = sys.executable
    rows, sizes = [], []
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        work = Path(tmp)
        book_site = padded_book(args.site, work, args.pages, pages_now)
        for lang in args.lang or list(LANGUAGES):
            cache, out = work / f"cache-{lang}", work / f"out-{lang}"
            build = [python, str(ROOT / "scripts" / "build_pdf.py"), "--lang", lang, "--site", str(book_site),
                     "--cache", str(cache), "--out", str(out), "--workers", str(args.workers)]
            full_s, full_mb, _ = measure(build)
            pages = count_pages(out / f"ml-engineering-{lang}.pdf")
            edit_one_chapter(book_site, lang)
            again_s, again_mb, _ = measure(build)
            plain = {}
            for tags in (True, False):
                script = PLAIN_RENDER.format(scripts=str(ROOT / "scripts"), site=str(book_site),
                                             lang=lang, html_lang=LANGUAGES[lang].html_lang, tags=tags,
                                             out=str(work / f"plain-{lang}-{'tagged' if tags else 'untagged'}.pdf"))
                plain[tags] = measure([python, "-c", script])
            (plain_s, plain_mb, plain_pages), (untagged_s, untagged_mb, _) = plain[True], plain[False]
            epub_s, _, _ = measure([python, str(ROOT / "scripts" / "build_epub.py"), "--lang", lang, "--site",
                                    str(book_site), "--out", str(out), "--workers", str(args.workers)])
            built, plain = out / f"ml-engineering-{lang}.pdf", work / f"plain-{lang}-tagged.pdf"
            sizes.append((lang, built.stat().st_size, font_bytes(built), plain.stat().st_size, font_bytes(plain),
                          int(plain_pages.strip() or 0), epub_s, (out / f"ml-engineering-{lang}.epub").stat().st_size))
            rows.append((lang, pages, int(plain_pages.strip() or 0), full_s, full_mb, again_s, again_mb, plain_s, plain_mb,
                         untagged_s, untagged_mb))
    print(f"PDF benchmark, {args.workers} worker(s), {os.cpu_count()} CPU(s); targets: full ≤ 0.5× plain (tagged) time"
          " and memory, rebuild ≤ 0.2× full time")
    print(f"{'lang':4} {'pages':>5} {'plain pages':>11} | {'full s':>7} {'full MB':>8} | {'rebuild s':>9} {'MB':>6}"
          f" | {'plain s':>7} {'plain MB':>8} | {'time ×':>6} {'mem ×':>6} {'rebuild ×':>9}")
    for lang, pages, plain_pages, full_s, full_mb, again_s, again_mb, plain_s, plain_mb, untagged_s, untagged_mb in rows:
        print(f"{lang:4} {pages:5d} {plain_pages:11d} | {full_s:7.1f} {full_mb:8.0f} | {again_s:9.1f} {again_mb:6.0f}"
              f" | {plain_s:7.1f} {plain_mb:8.0f} | {full_s / plain_s:6.2f} {full_mb / plain_mb:6.2f}"
              f" {again_s / full_s:9.2f}")
        print(f"     plain render untagged: {untagged_s:.1f} s, {untagged_mb:.0f} MB; the book against it:"
              f" time {full_s / untagged_s:.2f}×, memory {full_mb / untagged_mb:.2f}×")
        verdicts = []
        if full_s > 0.5 * plain_s:
            verdicts.append("full time over target")
        if full_mb > 0.5 * plain_mb:
            verdicts.append("memory over target")
        if again_s > 0.2 * full_s:
            verdicts.append("rebuild over target")
        print(f"     {'; '.join(verdicts) if verdicts else 'within all targets'}")
    print(f"\n{'lang':4} | {'book MB':>7} {'B/page':>7} {'fonts MB':>8} | {'plain MB':>8} {'B/page':>7} {'fonts MB':>8}"
          f" | {'EPUB s':>6} {'EPUB MB':>7}")
    for (lang, size, fonts, plain_size, plain_fonts, plain_pages, epub_s, epub_size), row in zip(sizes, rows):
        print(f"{lang:4} | {size / 1e6:7.2f} {size / row[1]:7.0f} {fonts / 1e6:8.2f} | {plain_size / 1e6:8.2f}"
              f" {plain_size / max(plain_pages, 1):7.0f} {plain_fonts / 1e6:8.2f} | {epub_s:6.1f} {epub_size / 1e6:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
