#!/usr/bin/env python3
"""Benchmark the PDF step: wall time and peak memory per language, beside a plain WeasyPrint render.

Prints figures; it never fails on them. For each language it measures, in one run:

* full:    scripts/build_pdf.py with an empty chapter cache (parallel workers);
* rebuild: the same after one chapter changed (the other chapters come from the cache);
* plain:   one single-pass WeasyPrint render of the same chapters joined into one HTML.

The book is padded with copies of its own chapters up to --pages pages per
language while it is still smaller, so the figures describe a book of the
size the targets were set for. Peak memory is the largest sum of the resident
memory of the process and all its children, sampled every 50 ms.

Usage: bench_pdf.py [--pages 500] [--site site] [--workers N]
"""

from __future__ import annotations

import argparse
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
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bookconf import DOCS, LANGUAGES, MKDOCS_YML, ROOT, SITE  # noqa: E402
from pdfbook.collect import nav_parts, page_url, read_config  # noqa: E402

PLAIN_RENDER = """
import sys
sys.path.insert(0, {scripts!r})
from pathlib import Path
import weasyprint
from pdfbook.collect import collect, read_config
from pdfbook.render import CSS_FILE, document_html
config = read_config(Path({config!r}))
chapters = collect(Path({site!r}), Path(config["docs_dir"]), config, {lang!r}, config.get("repo_url", ""), config.get("site_url", ""))
html = document_html("".join(c.as_section() for c in chapters), {html_lang!r}, "plain")
document = weasyprint.HTML(string=html, base_url=Path({site!r}).as_uri() + "/").render(
    stylesheets=[weasyprint.CSS(filename=str(CSS_FILE))])
document.write_pdf({out!r})
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
    """A copy of the site and a config whose nav repeats chapters until the book has about pages_wanted pages."""
    config = read_config(MKDOCS_YML)
    parts = nav_parts(config)
    chapters = [src for _, srcs in parts for src in srcs if src != "index.md"]
    book_site, book_docs = work / "site", work / "docs"
    shutil.copytree(site, book_site, symlinks=True, ignore=shutil.ignore_patterns("pdf"))
    shutil.copytree(DOCS, book_docs)
    # Estimate each chapter's pages from its share of the HTML, then add copies
    # of chapters, in order and round after round, until the estimate is reached.
    sizes = {src: (site / page_url(src) / "index.html").stat().st_size for src in chapters}
    pages_per_byte = min(pages_now.values()) / sum(sizes.values())
    estimate, padding, copy = float(min(pages_now.values())), [], 0
    while estimate < pages_wanted:
        for src in chapters:
            if estimate >= pages_wanted:
                break
            new_src = f"padding-{copy}/{src}"
            (book_docs / new_src).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(DOCS / src, book_docs / new_src)
            for spec in LANGUAGES.values():
                target = book_site / spec["prefix"] / page_url(new_src)
                target.mkdir(parents=True, exist_ok=True)
                original = spec["prefix"] + page_url(src)
                html = (book_site / original / "index.html").read_text(encoding="utf-8")
                (target / "index.html").write_text(root_relative(html, original), encoding="utf-8")
            padding.append(new_src)
            estimate += sizes[src] * pages_per_byte
        copy += 1
    nav = config["nav"] + ([{"附录（基准测试填充）": padding}] if padding else [])
    (work / "mkdocs.yml").write_text(
        f"INHERIT: {MKDOCS_YML}\ndocs_dir: {book_docs}\n" + yaml.safe_dump({"nav": nav}, allow_unicode=True),
        encoding="utf-8")
    return work / "mkdocs.yml"


def count_pages(pdf: Path) -> int:
    with pikepdf.open(pdf) as document:
        return len(document.pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500, help="pad the book to about this many pages (default: %(default)s)")
    parser.add_argument("--site", type=Path, default=SITE, help="the built site (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    pages_now = {}
    for lang in LANGUAGES:
        pdf = args.site / "pdf" / f"ml-engineering-{lang}.pdf"
        if not pdf.exists():
            raise SystemExit(f"bench_pdf: {pdf} is missing: run `make book` first")
        pages_now[lang] = count_pages(pdf)
    python = sys.executable
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        work = Path(tmp)
        config = padded_book(args.site, work, args.pages, pages_now)
        for lang in LANGUAGES:
            cache, out = work / f"cache-{lang}", work / f"out-{lang}"
            build = [python, str(ROOT / "scripts" / "build_pdf.py"), "--lang", lang, "--site", str(work / "site"),
                     "--config", str(config), "--cache", str(cache), "--out", str(out), "--workers", str(args.workers)]
            full_s, full_mb, _ = measure(build)
            pages = count_pages(out / f"ml-engineering-{lang}.pdf")
            # Change one chapter (a paragraph appended to the storage chapter) and build again.
            page = work / "site" / LANGUAGES[lang]["prefix"] / "storage" / "index.html"
            page.write_text(page.read_text(encoding="utf-8").replace(
                "</article>", "<p>Benchmark edit: one changed paragraph.</p></article>", 1), encoding="utf-8")
            again_s, again_mb, _ = measure(build)
            script = PLAIN_RENDER.format(scripts=str(ROOT / "scripts"), config=str(config), site=str(work / "site"),
                                         lang=lang, html_lang=LANGUAGES[lang]["html_lang"],
                                         out=str(work / f"plain-{lang}.pdf"))
            plain_s, plain_mb, plain_pages = measure([python, "-c", script])
            rows.append((lang, pages, int(plain_pages.strip() or 0), full_s, full_mb, again_s, again_mb, plain_s, plain_mb))
    print(f"PDF benchmark, {args.workers} worker(s), {os.cpu_count()} CPU(s); targets: full ≤ 0.5× plain time and memory,"
          " rebuild ≤ 0.2× full time")
    print(f"{'lang':4} {'pages':>5} {'plain pages':>11} | {'full s':>7} {'full MB':>8} | {'rebuild s':>9} {'MB':>6}"
          f" | {'plain s':>7} {'plain MB':>8} | {'time ×':>6} {'mem ×':>6} {'rebuild ×':>9}")
    for lang, pages, plain_pages, full_s, full_mb, again_s, again_mb, plain_s, plain_mb in rows:
        print(f"{lang:4} {pages:5d} {plain_pages:11d} | {full_s:7.1f} {full_mb:8.0f} | {again_s:9.1f} {again_mb:6.0f}"
              f" | {plain_s:7.1f} {plain_mb:8.0f} | {full_s / plain_s:6.2f} {full_mb / plain_mb:6.2f}"
              f" {again_s / full_s:9.2f}")
        verdicts = []
        if full_s > 0.5 * plain_s:
            verdicts.append("full time over target")
        if full_mb > 0.5 * plain_mb:
            verdicts.append("memory over target")
        if again_s > 0.2 * full_s:
            verdicts.append("rebuild over target")
        print(f"     {'; '.join(verdicts) if verdicts else 'within all targets'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
