#!/usr/bin/env python3
"""Print the NUMA layout of a Linux host: nodes, their CPUs and their memory.

Reads only /sys (no root, no third-party packages). Use it before deciding
how many data-loader workers to start and which cores to bind each rank to.

Examples:
    python cpu_topology.py
    python cpu_topology.py --json
    python cpu_topology.py --sysfs-root /tmp/fake-sys   # for tests
"""
import argparse
import json
import os
import re
import sys


def parse_cpulist(text):
    """Turn a kernel CPU list such as '0-3,8,10-11' into a sorted list of ints."""
    cpus = []
    text = text.strip()
    if not text:
        return cpus
    for part in text.split(","):
        part = part.strip()
        if not re.fullmatch(r"\d+(-\d+)?", part):
            raise ValueError(f"bad CPU list element {part!r} in {text!r}")
        if "-" in part:
            lo, hi = (int(x) for x in part.split("-"))
            if hi < lo:
                raise ValueError(f"bad CPU range {part!r}")
            cpus.extend(range(lo, hi + 1))
        else:
            cpus.append(int(part))
    return sorted(set(cpus))


def read_node_mem_kib(node_dir):
    """Return (MemTotal, MemFree) of one NUMA node in KiB, or (None, None)."""
    path = os.path.join(node_dir, "meminfo")
    total = free = None
    try:
        with open(path) as f:
            for line in f:
                # Lines look like: "Node 0 MemTotal:  5728472 kB"
                m = re.match(r"Node\s+\d+\s+(MemTotal|MemFree):\s+(\d+)\s+kB", line)
                if m and m.group(1) == "MemTotal":
                    total = int(m.group(2))
                elif m:
                    free = int(m.group(2))
    except OSError:
        pass
    return total, free


def read_topology(sysfs_root):
    base = os.path.join(sysfs_root, "devices", "system", "node")
    if not os.path.isdir(base):
        raise FileNotFoundError(
            f"{base} does not exist: not Linux, or the kernel was built without NUMA support")
    names = sorted((n for n in os.listdir(base) if re.fullmatch(r"node\d+", n)),
                   key=lambda n: int(n[4:]))
    if not names:
        raise FileNotFoundError(f"no node* directories under {base}")
    nodes = []
    for name in names:
        node_dir = os.path.join(base, name)
        try:
            with open(os.path.join(node_dir, "cpulist")) as f:
                cpus = parse_cpulist(f.read())
        except OSError as e:
            raise FileNotFoundError(f"cannot read {node_dir}/cpulist: {e}") from e
        total, free = read_node_mem_kib(node_dir)
        nodes.append({"node": int(name[4:]), "cpus": cpus,
                      "mem_total_kib": total, "mem_free_kib": free})
    return nodes


def compact(cpus):
    """Inverse of parse_cpulist: [0,1,2,3,8] -> '0-3,8'."""
    if not cpus:
        return "-"
    out, start, prev = [], cpus[0], cpus[0]
    for c in cpus[1:] + [None]:
        if c is not None and c == prev + 1:
            prev = c
            continue
        out.append(f"{start}-{prev}" if prev != start else f"{start}")
        if c is not None:
            start = prev = c
    return ",".join(out)


def gib(kib):
    return "?" if kib is None else f"{kib / 2**20:.1f}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 2)[-1])
    p.add_argument("--sysfs-root", default="/sys",
                   help="where sysfs is mounted (default: /sys)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = p.parse_args(argv)
    try:
        nodes = read_topology(args.sysfs_root)
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(nodes, indent=2))
        return 0
    print(f"{'node':>4}  {'cpus':>5}  {'cpu list':<24} {'mem GiB':>8} {'free GiB':>9}")
    for n in nodes:
        print(f"{n['node']:>4}  {len(n['cpus']):>5}  {compact(n['cpus']):<24} "
              f"{gib(n['mem_total_kib']):>8} {gib(n['mem_free_kib']):>9}")
    total_cpus = sum(len(n["cpus"]) for n in nodes)
    print(f"total: {len(nodes)} NUMA node(s), {total_cpus} logical CPU(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
