#!/usr/bin/env python3
"""Judge one commit for `git bisect run`: good, bad or skip.

Runs a benchmark command (a few times), extracts a number from its output
with a regular expression and compares the median with a threshold. The exit
status is what `git bisect run` expects: 0 = good, 1 = bad, 125 = skip this
commit (the command failed or printed no number, e.g. the commit does not
build). Use it for performance regressions (throughput fell below a value)
and for correctness ones (a loss or an error rose above a value).

Usage:
    git bisect start <bad> <good>
    git bisect run python bisect_perf.py --min 9000 \\
        --pattern 'tokens/s: ([0-9.]+)' -- python bench.py --steps 20
    git bisect run python bisect_perf.py --max 2.35 \\
        --pattern 'loss ([0-9.]+)' -- python train.py --max-steps 200
"""

import argparse
import re
import statistics
import subprocess
import sys

GOOD, BAD, SKIP = 0, 1, 125


def measure(cmd, pattern, runs, timeout):
    values = []
    for _ in range(runs):
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, "timed out"
        if proc.returncode != 0:
            return None, f"exit status {proc.returncode}"
        found = re.findall(pattern, proc.stdout + proc.stderr)
        if not found:
            return None, "pattern not found in output"
        values.append(float(found[-1]))          # the last match: final value
    return statistics.median(values), None


def main(argv=None):
    parser = argparse.ArgumentParser(description="Exit 0/1/125 for git bisect run.")
    limit = parser.add_mutually_exclusive_group(required=True)
    limit.add_argument("--min", type=float, help="good if the value is at least this")
    limit.add_argument("--max", type=float, help="good if the value is at most this")
    parser.add_argument("--pattern", required=True,
                        help="regex with one group capturing the number")
    parser.add_argument("--runs", type=int, default=3, help="runs per commit, median used")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("cmd", nargs=argparse.REMAINDER, help="-- command to run")
    args = parser.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("give the benchmark command after --")
    try:
        if re.compile(args.pattern).groups != 1:
            parser.error("--pattern needs exactly one capturing group")
    except re.error as err:
        parser.error(f"bad --pattern: {err}")

    value, problem = measure(cmd, args.pattern, max(1, args.runs), args.timeout)
    if value is None:
        print(f"skip: {problem}")
        return SKIP
    good = value >= args.min if args.min is not None else value <= args.max
    bound = f">= {args.min:g}" if args.min is not None else f"<= {args.max:g}"
    print(f"{'good' if good else 'bad'}: median {value:g}, wanted {bound}")
    return GOOD if good else BAD


if __name__ == "__main__":
    sys.exit(main())
