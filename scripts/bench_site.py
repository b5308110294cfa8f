#!/usr/bin/env python3
"""Print the site's build, reload and page-weight figures beside their budgets (never fails on a budget).

One run measures, side by side:

* the full build (`mkdocs build` with mkdocs.yml) against a plain Material build
  of the same pages: a generated config that is mkdocs.yml without `hooks:`
  (same docs, theme, i18n and search plugins, markdown extensions; data-table
  markers then stay HTML comments), as the median of N runs of each, taken in turn;
* `mkdocs serve`: the time from touching one page to the server's
  "Reloading browsers" line (the rebuild finished);
* the home page's first load in each language: every file Chromium fetches
  until the network is idle (HTML, CSS, JS, images, fonts), raw and
  gzip-compressed (level 6, what static hosts typically send);
* what the reader's first query then adds: the search dialog's Pagefind files
  (its script, WebAssembly, the language's index and the result fragments);
* the Pagefind bundle on disk, per language.

Budgets: full build <= 1.0 x the plain build; reload <= 1 s; first load <= 120 KB
(1 KB = 1000 bytes) gzip. A figure over its budget is marked "over budget".

Usage: bench_site.py [--runs 3] [--no-serve] [--no-browser]
Exit status: 0 when the figures were measured (whatever they are), 1 when a build failed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bookconf import DOCS, LANGUAGES, MKDOCS_YML, ROOT  # noqa: E402
from sitebench.builds import build, plain_config  # noqa: E402
from sitebench.reload import measure_reload  # noqa: E402
from sitebench.weight import CHROMIUM, AssetCollector, first_load_with_chromium, gzip_size  # noqa: E402

BUDGET_BUILD_RATIO = 1.0
BUDGET_RELOAD_S = 1.0
BUDGET_FIRST_LOAD_GZIP = 120_000


def kb(size: int) -> str:
    return f"{size / 1000:,.1f} KB"


def verdict(over: bool) -> str:
    return "over budget" if over else "within budget"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="builds of each kind; the median counts (default 3)")
    parser.add_argument("--no-serve", action="store_true", help="skip the mkdocs serve reload figure")
    parser.add_argument("--no-browser", action="store_true",
                        help="list the home page's files from its HTML instead of from Chromium")
    parser.add_argument("--touch", type=Path, default=DOCS / "index.md",
                        help="the page to touch for the reload figure (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        tmp_path = Path(tmp)
        plain = plain_config(tmp_path)
        full_site, plain_site = tmp_path / "full", tmp_path / "plain"
        full_times, plain_times = [], []
        for run in range(1, args.runs + 1):
            full_times.append(build(MKDOCS_YML, full_site, strict=True))
            plain_times.append(build(plain, plain_site, strict=False))
            print(f"bench_site: run {run}/{args.runs}: full {full_times[-1]:.1f} s, plain {plain_times[-1]:.1f} s",
                  file=sys.stderr, flush=True)
        full, plain_median = statistics.median(full_times), statistics.median(plain_times)
        ratio = full / plain_median
        rows.append(("full build (mkdocs.yml), median", f"{full:.2f} s",
                     f"<= {BUDGET_BUILD_RATIO:.1f} x plain", verdict(ratio > BUDGET_BUILD_RATIO)))
        rows.append(("plain Material build (no hooks), median", f"{plain_median:.2f} s", "reference", ""))
        rows.append(("full / plain", f"{ratio:.2f} x", f"<= {BUDGET_BUILD_RATIO:.1f} x",
                     verdict(ratio > BUDGET_BUILD_RATIO)))

        if args.no_serve:
            rows.append(("make serve: reload after a touch", "skipped (--no-serve)", f"<= {BUDGET_RELOAD_S:.0f} s", ""))
        else:
            first, reloads = measure_reload(args.touch)
            reload = statistics.median(reloads)
            rows.append(("make serve: first build", f"{first:.2f} s", "", ""))
            rows.append((f"make serve: reload after touching {args.touch.relative_to(ROOT)}, median of {len(reloads)}",
                         f"{reload:.2f} s (max {max(reloads):.2f})", f"<= {BUDGET_RELOAD_S:.0f} s",
                         verdict(reload > BUDGET_RELOAD_S)))

        home_pages = [spec.prefix for spec in LANGUAGES.values()]
        source = "HTML"
        queried: dict[str, list[Path]] = {}
        if not args.no_browser and Path(CHROMIUM).exists():
            try:
                loaded, queried = first_load_with_chromium(full_site, home_pages)
                source = "Chromium"
            except ImportError:
                loaded = {page: AssetCollector.files(full_site, page) for page in home_pages}
        else:
            loaded = {page: AssetCollector.files(full_site, page) for page in home_pages}
        for page_path, files in loaded.items():
            raw = sum(path.stat().st_size for path in files)
            packed = sum(gzip_size(path.read_bytes()) for path in files)
            name = f"/{page_path}" if page_path else "/"
            rows.append((f"home {name} first load: {len(files)} files ({source})",
                         f"{kb(raw)} raw, {kb(packed)} gzip", f"<= {kb(BUDGET_FIRST_LOAD_GZIP)} gzip",
                         verdict(packed > BUDGET_FIRST_LOAD_GZIP)))
            if page_path in queried:
                added = queried[page_path]
                rows.append((f"    its first search query adds: {len(added)} files",
                             f"{kb(sum(p.stat().st_size for p in added))} raw, "
                             f"{kb(sum(gzip_size(p.read_bytes()) for p in added))} gzip", "", ""))
        bundle = [p for p in (full_site / "pagefind").rglob("*") if p.is_file()]
        rows.append(("search bundle pagefind/ (both languages; fetched a chunk at a time)",
                     f"{len(bundle)} files, {kb(sum(p.stat().st_size for p in bundle))}", "", ""))
        first_load_files = {page: [str(path.relative_to(full_site)) for path in files] for page, files in loaded.items()}

    widths = [max(len(row[i]) for row in rows + [("figure", "value", "budget", "verdict")]) for i in range(4)]
    header = ("figure", "value", "budget", "verdict")
    print()
    for row in [header, tuple("-" * w for w in widths)] + rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print()
    for page, files in first_load_files.items():
        print(f"first load of /{page}: " + ", ".join(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
