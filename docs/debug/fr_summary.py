#!/usr/bin/env python3
"""Summarise flight recorder dumps of all ranks and find the first mismatch.

Reads one file per rank (pickle, or JSON written with the JSON dump option),
named <prefix><rank>, prints for each rank and process group the last
collective it recorded, and then compares the ranks collective by collective
(by sequence number): the first sequence number where the ranks recorded
different operations or sizes, or where some ranks have no entry at all, is
where the job desynchronised.

Usage:
    python fr_summary.py /shared/fr               # files rank_0, rank_1, ...
    python fr_summary.py /shared/fr --prefix nccl_trace_rank_

Exit status: 0 = all ranks agree, 1 = mismatch found, 2 = usage error.
"""

import argparse
import json
import os
import pickle
import re
import sys


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        return pickle.loads(raw)
    except Exception:
        return json.loads(raw)


def read_dir(directory, prefix):
    dumps = {}
    pattern = re.compile(re.escape(prefix) + r"(\d+)$")
    for name in os.listdir(directory):
        m = pattern.match(name)
        if m:
            dumps[int(m.group(1))] = load(os.path.join(directory, name))
    return dict(sorted(dumps.items()))


def describe(entry):
    op = entry["profiling_name"]
    sizes = entry.get("input_sizes")
    state = entry.get("state", "?")
    return f"{op} {sizes} ({state})"


def summarise(dumps):
    """Return (lines, mismatch_found)."""
    lines = []
    # per rank: {pg: {seq: entry}}
    table = {}
    for rank, dump in dumps.items():
        per_pg = {}
        for e in dump.get("entries", []):
            if e.get("is_p2p"):
                continue
            pg = e["process_group"][1] or e["process_group"][0]
            per_pg.setdefault(pg, {})[e["collective_seq_id"]] = e
        table[rank] = per_pg
        for pg, entries in sorted(per_pg.items()):
            last = entries[max(entries)]
            lines.append(f"rank {rank} pg {pg}: {len(entries)} collectives recorded, "
                         f"last #{last['collective_seq_id']} {describe(last)}")
    mismatch = False
    pgs = sorted({pg for per_pg in table.values() for pg in per_pg})
    for pg in pgs:
        seqs = sorted({s for per_pg in table.values() for s in per_pg.get(pg, {})})
        for seq in seqs:
            seen = {r: table[r].get(pg, {}).get(seq) for r in table}
            keys = {r: (e["profiling_name"], str(e.get("input_sizes"))) if e else None
                    for r, e in seen.items()}
            if len(set(keys.values())) > 1:
                mismatch = True
                lines.append(f"first mismatch in pg {pg} at collective #{seq}:")
                for r, e in seen.items():
                    lines.append(f"  rank {r}: {describe(e) if e else 'no entry'}")
                break
        else:
            lines.append(f"pg {pg}: all ranks recorded the same {len(seqs)} collectives")
    return lines, mismatch


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", help="directory holding one dump per rank")
    parser.add_argument("--prefix", default="rank_",
                        help="file name before the rank number (default: rank_)")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.directory):
        parser.error(f"{args.directory} is not a directory")
    dumps = read_dir(args.directory, args.prefix)
    if not dumps:
        parser.error(f"no files named {args.prefix}<rank> in {args.directory}")
    lines, mismatch = summarise(dumps)
    print("\n".join(lines))
    return 1 if mismatch else 0


if __name__ == "__main__":
    sys.exit(main())
