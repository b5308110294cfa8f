#!/usr/bin/env python3
"""Pack a directory of many small files into a few large tar shards.

Files whose paths differ only by extension (cat/0001.jpg, cat/0001.json)
belong to one sample and always land in the same shard, next to each other,
which is the layout WebDataset-style loaders expect. A new shard starts when
the current one would grow past --shard-mb. Samples are written in sorted
order; shuffle the list of samples first (--shuffle SEED) if the source
directory is ordered by class.

Standard library only. Exit status 0 on success, 2 on bad arguments.
"""

import argparse
import os
import random
import sys
import tarfile
from pathlib import Path

TAR_OVERHEAD = 1024  # header + padding per member, a safe upper bound


def collect_samples(src):
    """Map sample key (relative path without suffix) -> list of files."""
    samples = {}
    for path in sorted(src.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(src)
        # WebDataset convention: the key is the path up to the first dot
        # of the file name, so "a/0001.jpg" and "a/0001.cls.txt" -> "a/0001".
        stem = (rel.parent / rel.name.partition(".")[0]).as_posix()
        samples.setdefault(stem, []).append(path)
    return samples


def pack(src, dest, shard_mb, prefix, seed=None):
    samples = collect_samples(src)
    keys = sorted(samples)
    if seed is not None:
        random.Random(seed).shuffle(keys)
    limit = int(shard_mb * 1e6)
    dest.mkdir(parents=True, exist_ok=True)

    shards = []
    tar = None
    size = 0
    for key in keys:
        files = samples[key]
        sample_bytes = sum(f.stat().st_size + TAR_OVERHEAD for f in files)
        if tar is None or (size > 0 and size + sample_bytes > limit):
            if tar is not None:
                tar.close()
            name = dest / f"{prefix}-{len(shards):06d}.tar"
            shards.append(name)
            tar = tarfile.open(name, "w", format=tarfile.USTAR_FORMAT)
            size = 0
        for f in files:
            tar.add(f, arcname=f.relative_to(src).as_posix(), recursive=False)
        size += sample_bytes
    if tar is not None:
        tar.close()
    return len(keys), sum(len(v) for v in samples.values()), shards


def main(argv=None):
    parser = argparse.ArgumentParser(description="Pack many small files into tar shards.")
    parser.add_argument("src", type=Path, help="directory with the small files")
    parser.add_argument("dest", type=Path, help="directory to write the shards to")
    parser.add_argument("--shard-mb", type=float, default=1000.0,
                        help="target shard size in MB (10^6 bytes); default 1000")
    parser.add_argument("--prefix", default="shard", help="shard file name prefix")
    parser.add_argument("--shuffle", type=int, metavar="SEED",
                        help="shuffle samples with this seed before packing")
    args = parser.parse_args(argv)

    if not args.src.is_dir():
        print(f"pack_shards: {args.src} is not a directory", file=sys.stderr)
        return 2
    if args.shard_mb <= 0:
        print("pack_shards: --shard-mb must be positive", file=sys.stderr)
        return 2
    if args.dest.resolve().is_relative_to(args.src.resolve()):
        print("pack_shards: dest must not be inside src", file=sys.stderr)
        return 2

    n_samples, n_files, shards = pack(args.src, args.dest, args.shard_mb,
                                      args.prefix, args.shuffle)
    total = sum(os.path.getsize(s) for s in shards)
    print(f"{n_files} files in {n_samples} samples -> {len(shards)} shards, "
          f"{total / 1e6:.1f} MB in {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
