#!/usr/bin/env python3
"""Summarise fio JSON output as a small table.

Reads the output of `fio --output-format=json` (from a file, or from stdin
when the file is "-" or omitted) and prints one row per job and direction:

    job, rw, bs, bandwidth (MB/s, 10^6 bytes/s), IOPS,
    mean latency (us), p99 latency (us)

Mean latency is fio's total latency (submission + completion). p99 comes
from the total-latency percentiles when the job ran with lat_percentiles=1,
otherwise from the completion-latency percentiles that fio reports by
default. Directions that moved no data are skipped.

Exit status: 0 on success, 1 if fio recorded an error in any job,
2 if the input cannot be read or is not fio JSON.
Only the Python standard library is used.
"""

import argparse
import json
import sys

DIRECTIONS = ("read", "write", "trim")


class InputError(Exception):
    """The input is not usable fio JSON."""


def load_report(text):
    """Parse fio JSON; tolerate notes that fio prints before the JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as first_error:
        # fio sometimes prints lines such as "note: both iodepth >= 1 and
        # synchronous I/O engine are selected" ahead of the JSON document.
        start = text.find("\n{")
        if text.lstrip().startswith("{") or start < 0:
            raise InputError(f"not valid JSON: {first_error}") from None
        try:
            return json.loads(text[start + 1:])
        except json.JSONDecodeError as err:
            raise InputError(f"not valid JSON: {err}") from None


def p99_ns(stats):
    """Return the p99 latency in ns from a direction's stats, or None."""
    for key in ("lat_ns", "clat_ns"):
        percentiles = stats.get(key, {}).get("percentile")
        if percentiles:
            for name, value in percentiles.items():
                if abs(float(name) - 99.0) < 1e-9:
                    return float(value)
    return None


def rows_from_report(report):
    """Turn a parsed fio report into a list of row dicts."""
    if not isinstance(report, dict):
        raise InputError("top level is not a JSON object")
    jobs = report.get("jobs")
    if jobs is None:
        # `fio --client=...` puts the per-host jobs under "client_stats".
        jobs = report.get("client_stats")
    if not isinstance(jobs, list) or not jobs:
        raise InputError('no "jobs" list found: is this fio --output-format=json output?')

    global_opts = report.get("global options", {})
    rows = []
    for index, job in enumerate(jobs):
        if not isinstance(job, dict) or "jobname" not in job:
            raise InputError(f"job #{index} has no jobname")
        name = job["jobname"]
        if job.get("hostname"):
            name = f"{job['hostname']}:{name}"
        opts = job.get("job options", {})
        block = opts.get("bs", global_opts.get("bs", "4k"))
        for direction in DIRECTIONS:
            stats = job.get(direction)
            if not isinstance(stats, dict) or not stats.get("io_bytes"):
                continue
            try:
                if "bw_bytes" in stats:
                    bw_bytes = float(stats["bw_bytes"])
                else:  # older fio: "bw" is in KiB/s
                    bw_bytes = float(stats["bw"]) * 1024
                iops = float(stats["iops"])
                mean_ns = float(stats["lat_ns"]["mean"])
            except (KeyError, TypeError, ValueError) as err:
                raise InputError(f"job {name!r} {direction}: missing or bad field {err}") from None
            p99 = p99_ns(stats)
            rows.append({
                "job": name,
                "rw": direction,
                "bs": block,
                "mb_s": bw_bytes / 1e6,
                "iops": iops,
                "mean_us": mean_ns / 1e3,
                "p99_us": None if p99 is None else p99 / 1e3,
                "error": int(job.get("error", 0) or 0),
            })
        if not any(r["job"] == name for r in rows) and job.get("error"):
            rows.append({"job": name, "rw": "-", "bs": block, "mb_s": 0.0,
                         "iops": 0.0, "mean_us": 0.0, "p99_us": None,
                         "error": int(job["error"])})
    return rows


def format_table(rows):
    """Render rows as a fixed-width text table."""
    header = ("job", "rw", "bs", "MB/s", "IOPS", "mean lat (us)", "p99 lat (us)")
    lines = []
    for r in rows:
        p99 = "n/a" if r["p99_us"] is None else f"{r['p99_us']:.1f}"
        lines.append((r["job"], r["rw"], str(r["bs"]), f"{r['mb_s']:.1f}",
                      f"{r['iops']:.0f}", f"{r['mean_us']:.1f}", p99))
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h)
              for i, h in enumerate(header)]
    left = 3  # job, rw and bs are left-aligned; numbers right-aligned

    def fmt(cells):
        out = []
        for i, cell in enumerate(cells):
            out.append(cell.ljust(widths[i]) if i < left else cell.rjust(widths[i]))
        return "  ".join(out).rstrip()

    table = [fmt(header), fmt(["-" * w for w in widths])]
    table.extend(fmt(line) for line in lines)
    return "\n".join(table)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Print bandwidth, IOPS and latency per job from fio JSON output.",
        epilog="example: fio --output-format=json --output=r.json fio-ml.fio && %(prog)s r.json",
    )
    parser.add_argument("file", nargs="?", default="-",
                        help="fio JSON output file; '-' or nothing reads stdin")
    args = parser.parse_args(argv)

    try:
        if args.file == "-":
            text = sys.stdin.read()
            source = "<stdin>"
        else:
            source = args.file
            with open(args.file, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as err:
        print(f"fio_summary: cannot read {args.file}: {err.strerror}", file=sys.stderr)
        return 2

    try:
        if not text.strip():
            raise InputError("input is empty")
        rows = rows_from_report(load_report(text))
    except InputError as err:
        print(f"fio_summary: {source}: {err}", file=sys.stderr)
        return 2

    if not rows:
        print(f"fio_summary: {source}: no job moved any data", file=sys.stderr)
        return 2
    print(format_table(rows))

    failed = sorted({r["job"] for r in rows if r["error"]})
    if failed:
        print(f"fio_summary: fio reported errors in: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
