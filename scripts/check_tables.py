#!/usr/bin/env python3
"""Check the comparison-table data files against their schema.

Usage:
    python scripts/check_tables.py                 # check every file in data/
    python scripts/check_tables.py FILE [FILE...]  # check given files (kind from content)

Exit status 0 when all files pass, 1 otherwise; each problem is printed as
`FILE: row 'NAME': field 'FIELD': MESSAGE`.
"""

from __future__ import annotations

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from scripts.tables.schema import (
    SPECS,
    TableDataError,
    count_sources,
    load_all,
    validate_file,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="data files to check (default: all of data/)")
    parser.add_argument("--data-dir", default=os.path.join(ROOT, "data"))
    args = parser.parse_args(argv)

    try:
        if args.files:
            issues = []
            for path in args.files:
                try:
                    rows = validate_file(path)
                    print(f"{path}: {len(rows)} rows OK")
                except TableDataError as exc:
                    issues.extend(exc.issues)
            if issues:
                raise TableDataError(issues)
        else:
            data = load_all(args.data_dir)
            for kind, rows in data.items():
                print(f"{SPECS[kind].filename}: {len(rows)} rows OK")
            print(f"distinct sources: {count_sources(data)}")
    except TableDataError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        print(f"{len(exc.issues)} problem(s) found", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
