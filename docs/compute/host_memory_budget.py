#!/usr/bin/env python3
"""Estimate how much host RAM (CPU memory) one training node needs.

The budget adds up, per node: the OS reserve, the resident memory of each
rank's Python/PyTorch process, data-loader workers, pinned staging buffers,
optimizer state offloaded to the CPU (ZeRO-Offload style, sharded evenly over
all nodes), and a host-side checkpoint copy; then a safety margin on top.
All results are GiB (2**30 bytes). Parameter counts are in billions (1e9).

Examples:
    python host_memory_budget.py --params-b 70 --nodes 4 --offload optimizer \\
        --checkpoint sharded --node-ram-gib 1024
    python host_memory_budget.py --params-b 8 --json
Exit status: 0 when the budget fits (or no --node-ram-gib was given),
1 when it does not fit, 2 on bad arguments.
"""
import argparse
import json
import sys

GIB = 2**30

# Bytes per parameter kept in host RAM when state is offloaded to the CPU.
# optimizer: fp32 master weights (4) + Adam m (4) + Adam v (4) + fp32 gradients (4)
# optimizer+params: the same plus a bf16 copy of the weights (2)
OFFLOAD_BYTES = {"none": 0, "optimizer": 16, "optimizer+params": 18}

# Bytes per parameter held on the host while a checkpoint is written.
# sharded: each node stages its share of bf16 weights (2) + fp32 master and Adam m, v (12)
# consolidated: one node gathers the full bf16 weights (2 bytes/param, not divided by nodes)
CHECKPOINT_BYTES = {"none": 0, "sharded": 14, "consolidated": 2}


def positive(kind):
    def conv(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}")
        if value < 0:
            raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
        return value
    return conv


def budget(a):
    params = a.params_b * 1e9
    rows = [
        ("OS and system services", a.os_reserve_gib),
        (f"rank processes ({a.gpus_per_node} x {a.rank_rss_gib:g} GiB)",
         a.gpus_per_node * a.rank_rss_gib),
        (f"data-loader workers ({a.gpus_per_node} x {a.workers_per_gpu} x {a.worker_rss_gib:g} GiB)",
         a.gpus_per_node * a.workers_per_gpu * a.worker_rss_gib),
        (f"pinned buffers ({a.gpus_per_node} x {a.pinned_gib_per_gpu:g} GiB)",
         a.gpus_per_node * a.pinned_gib_per_gpu),
        (f"offload '{a.offload}' ({OFFLOAD_BYTES[a.offload]} B/param / {a.nodes} nodes)",
         params * OFFLOAD_BYTES[a.offload] / a.nodes / GIB),
    ]
    ck = CHECKPOINT_BYTES[a.checkpoint]
    divisor = a.nodes if a.checkpoint == "sharded" else 1
    rows.append((f"checkpoint '{a.checkpoint}' ({ck} B/param / {divisor} node(s))",
                 params * ck / divisor / GIB))
    subtotal = sum(v for _, v in rows)
    margin = subtotal * a.margin
    rows.append((f"safety margin ({a.margin:.0%})", margin))
    return rows, subtotal + margin


def main(argv=None):
    head, _, tail = __doc__.partition("\n\n")
    p = argparse.ArgumentParser(description=head, epilog=tail,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--params-b", type=positive(float), required=True,
                   help="model size in billions of parameters")
    p.add_argument("--nodes", type=positive(int), default=1, help="nodes in the job (default 1)")
    p.add_argument("--gpus-per-node", type=positive(int), default=8, help="default 8")
    p.add_argument("--rank-rss-gib", type=positive(float), default=5.0,
                   help="resident memory of one rank's main process (default 5)")
    p.add_argument("--workers-per-gpu", type=positive(int), default=4,
                   help="data-loader workers per rank (default 4)")
    p.add_argument("--worker-rss-gib", type=positive(float), default=2.0,
                   help="resident memory per data-loader worker (default 2)")
    p.add_argument("--pinned-gib-per-gpu", type=positive(float), default=2.0,
                   help="pinned host buffers per rank (default 2)")
    p.add_argument("--offload", choices=sorted(OFFLOAD_BYTES), default="none")
    p.add_argument("--checkpoint", choices=sorted(CHECKPOINT_BYTES), default="none",
                   help="host copy made while saving a checkpoint (default none)")
    p.add_argument("--os-reserve-gib", type=positive(float), default=16.0, help="default 16")
    p.add_argument("--margin", type=positive(float), default=0.10,
                   help="safety margin as a fraction of the subtotal (default 0.10)")
    p.add_argument("--node-ram-gib", type=positive(float),
                   help="installed RAM per node; if given, exit 1 when the budget exceeds it")
    p.add_argument("--json", action="store_true", help="print JSON")
    a = p.parse_args(argv)
    if a.nodes == 0 or a.gpus_per_node == 0:
        p.error("--nodes and --gpus-per-node must be at least 1")

    rows, total = budget(a)
    fits = a.node_ram_gib is None or total <= a.node_ram_gib
    if a.json:
        print(json.dumps({"items": [{"item": k, "gib": round(v, 1)} for k, v in rows],
                          "total_gib": round(total, 1), "node_ram_gib": a.node_ram_gib,
                          "fits": fits}, indent=2))
    else:
        width = max(len(k) for k, _ in rows)
        for k, v in rows:
            print(f"{k:<{width}}  {v:9.1f} GiB")
        print(f"{'total per node':<{width}}  {total:9.1f} GiB")
        if a.node_ram_gib is not None:
            verdict = "fits" if fits else "DOES NOT FIT"
            print(f"{'installed per node':<{width}}  {a.node_ram_gib:9.1f} GiB  -> {verdict}")
    if not fits:
        print(f"error: budget {total:.1f} GiB exceeds {a.node_ram_gib:g} GiB of host RAM",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
