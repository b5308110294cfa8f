#!/usr/bin/env bash
# inode-check.sh DIR: how close is DIR's file system to running out of
# inodes, and how many small files does DIR hold?
# Uses only df, find and awk (GNU find for -printf).
set -euo pipefail

if [[ $# -ne 1 || ! -d "$1" ]]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1

echo "== inodes of the file system holding $dir"
df -i -- "$dir"

echo "== files under $dir by size"
find "$dir" -xdev -type f -printf '%s\n' | awk '
    { n++; total += $1
      if ($1 < 4096) small4k++
      else if ($1 < 65536) small64k++
      else if ($1 < 1048576) small1m++
      else big++ }
    END {
      if (n == 0) { print "no files"; exit }
      printf "files:           %d\n", n
      printf "total size:      %.1f MB\n", total / 1e6
      printf "mean size:       %.1f KB\n", total / n / 1e3
      printf "< 4 KiB:         %d (%.0f%%)\n", small4k, 100 * small4k / n
      printf "4 KiB - 64 KiB:  %d (%.0f%%)\n", small64k, 100 * small64k / n
      printf "64 KiB - 1 MiB:  %d (%.0f%%)\n", small1m, 100 * small1m / n
      printf ">= 1 MiB:        %d (%.0f%%)\n", big, 100 * big / n
    }'
echo "directories:     $(find "$dir" -xdev -type d | wc -l)"
