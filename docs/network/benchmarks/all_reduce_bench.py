#!/usr/bin/env python3
"""all_reduce_bench.py: all-reduce bandwidth and latency across payload sizes.

For each payload size the tool reports
    algbw = size / time                  (what one rank sees)
    busbw = algbw * 2 * (n - 1) / n      (what each link carries in a ring;
                                          comparable across world sizes, and
                                          with nccl-tests' "busbw" column)
and the mean latency of one all-reduce, with the min and max over ranks.

Launch with torchrun (one process per GPU):
    torchrun --nproc-per-node 8 all_reduce_bench.py --quick
or with SLURM, one task per GPU (RANK etc. are derived from SLURM_* variables):
    srun --ntasks-per-node 8 --gpus-per-node 8 python all_reduce_bench.py
A plain `python all_reduce_bench.py` runs a single-process world (busbw = 0).

Exit codes: 0 success, 1 runtime failure, 2 bad arguments.
"""

import argparse
import csv
import datetime
import os
import re
import shutil
import socket
import subprocess
import sys
import time

EXIT_FAIL = 1
EXIT_USAGE = 2

UNITS = {"": 1, "B": 1, "K": 2**10, "KB": 2**10, "KIB": 2**10, "M": 2**20, "MB": 2**20,
         "MIB": 2**20, "G": 2**30, "GB": 2**30, "GIB": 2**30}


def parse_size(text):
    """'32K', '4GiB', '1048576' -> bytes (binary units: K = 1024)."""
    m = re.fullmatch(r"\s*(\d+)\s*([A-Za-z]*)\s*", text)
    if not m or m.group(2).upper() not in UNITS:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (examples: 4096, 32K, 64M, 4G)")
    value = int(m.group(1)) * UNITS[m.group(2).upper()]
    if value <= 0:
        raise argparse.ArgumentTypeError(f"size must be > 0: {text!r}")
    return value


def human(nbytes):
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= scale:
            return f"{nbytes / scale:g} {unit}"
    return f"{nbytes} B"


# ----------------------------------------------------------------- launcher environment

def first_host(nodelist):
    """First host of a SLURM node list, without scontrol: 'gpu[07-09,12],cpu1' -> 'gpu07'."""
    m = re.match(r"([^,\[]+)(\[([^\]]+)\])?", nodelist.strip())
    if not m:
        return nodelist
    prefix, ranges = m.group(1), m.group(3)
    if not ranges:
        return prefix
    first = ranges.split(",")[0].split("-")[0]
    return prefix + first


def slurm_master_addr(nodelist):
    if shutil.which("scontrol"):
        try:
            out = subprocess.run(["scontrol", "show", "hostnames", nodelist], check=True,
                                 capture_output=True, text=True, timeout=30).stdout.split()
            if out:
                return out[0]
        except (subprocess.SubprocessError, OSError):
            pass
    return first_host(nodelist)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_launcher_env():
    """Fill RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT; return the launcher name."""
    env = os.environ
    if "RANK" in env and "WORLD_SIZE" in env:
        launcher = "torchrun"
        env.setdefault("LOCAL_RANK", "0")
    elif "SLURM_PROCID" in env:
        launcher = "slurm"
        env["RANK"] = env["SLURM_PROCID"]
        env["WORLD_SIZE"] = env.get("SLURM_NTASKS") or env.get("SLURM_NPROCS") or "1"
        env["LOCAL_RANK"] = env.get("SLURM_LOCALID", "0")
        if "MASTER_ADDR" not in env:
            nodelist = env.get("SLURM_JOB_NODELIST") or env.get("SLURM_NODELIST")
            if not nodelist:
                raise RuntimeError("under SLURM but neither MASTER_ADDR nor SLURM_JOB_NODELIST is set")
            env["MASTER_ADDR"] = slurm_master_addr(nodelist)
        if "MASTER_PORT" not in env:
            # one port per job, so two jobs sharing a node do not collide
            env["MASTER_PORT"] = str(20000 + int(env.get("SLURM_JOB_ID", "0")) % 20000)
    else:
        launcher = "single process"
        env.update(RANK="0", WORLD_SIZE="1", LOCAL_RANK="0")
        env.setdefault("MASTER_ADDR", "127.0.0.1")
        env.setdefault("MASTER_PORT", str(free_port()))
    env.setdefault("MASTER_PORT", "29500")
    return launcher


# ----------------------------------------------------------------- arguments

def build_parser():
    p = argparse.ArgumentParser(
        prog="all_reduce_bench.py",
        description="Measure all-reduce algorithm and bus bandwidth across payload sizes. "
                    "Run one process per GPU under torchrun or srun.")
    p.add_argument("--min-bytes", type=parse_size, default=None,
                   help="smallest payload (default 32K; --quick 1M)")
    p.add_argument("--max-bytes", type=parse_size, default=None,
                   help="largest payload (default 4G; --quick 256M)")
    p.add_argument("--factor", type=int, default=None,
                   help="multiply the size by this between steps (default 2; --quick 4)")
    p.add_argument("--warmup", type=int, default=None, help="untimed all-reduces per size (default 5)")
    p.add_argument("--iters", type=int, default=None, help="timed all-reduces per size (default 20)")
    p.add_argument("--dtype", choices=("float32", "bfloat16", "float16"), default="float32",
                   help="element type (default float32; the bandwidth is counted in bytes)")
    p.add_argument("--backend", choices=("auto", "nccl", "gloo"), default="auto",
                   help="auto: nccl when a GPU is visible, else gloo")
    p.add_argument("--timeout", type=float, default=600,
                   help="process-group timeout in seconds (default 600)")
    p.add_argument("--csv", help="write the table to this CSV file (rank 0)")
    p.add_argument("--plot", help="save a bandwidth plot (PNG/SVG) here; needs matplotlib")
    p.add_argument("--quick", action="store_true", help="fewer sizes and iterations")
    return p


def resolve_args(argv=None):
    p = build_parser()
    args = p.parse_args(argv)
    quick = args.quick
    defaults = {"min_bytes": 2**20 if quick else 32 * 2**10,
                "max_bytes": 256 * 2**20 if quick else 4 * 2**30,
                "factor": 4 if quick else 2,
                "warmup": 2 if quick else 5,
                "iters": 10 if quick else 20}
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.min_bytes > args.max_bytes:
        p.error("--min-bytes must not exceed --max-bytes")
    if args.factor < 2:
        p.error("--factor must be >= 2")
    if args.warmup < 0 or args.iters < 1:
        p.error("--warmup must be >= 0 and --iters >= 1")
    if args.timeout <= 0:
        p.error("--timeout must be > 0")
    return args


def sizes(args):
    out, s = [], args.min_bytes
    while s <= args.max_bytes:
        out.append(s)
        s *= args.factor
    return out


# ----------------------------------------------------------------- benchmark

def main(argv=None):
    args = resolve_args(argv)
    try:
        import torch
        import torch.distributed as dist
    except ImportError:
        print("all_reduce_bench.py: error: PyTorch is not installed", file=sys.stderr)
        return EXIT_FAIL

    try:
        launcher = setup_launcher_env()
    except RuntimeError as exc:
        print(f"all_reduce_bench.py: error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ["LOCAL_RANK"])

    backend = args.backend
    if backend == "auto":
        backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        if not torch.cuda.is_available():
            print("all_reduce_bench.py: error: --backend nccl needs a GPU", file=sys.stderr)
            return EXIT_FAIL
        ngpu = torch.cuda.device_count()
        if ngpu > 1 and local_rank >= ngpu:
            print(f"all_reduce_bench.py: error: LOCAL_RANK={local_rank} but only {ngpu} GPUs "
                  "are visible (more tasks per node than GPUs?)", file=sys.stderr)
            return EXIT_FAIL
        # one visible GPU (e.g. srun --gpus-per-task=1): it is this rank's GPU
        device = torch.device("cuda", 0 if ngpu == 1 else local_rank)
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    dtype = getattr(torch, args.dtype)
    elem = torch.empty((), dtype=dtype).element_size()

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    extra = {"device_id": device} if backend == "nccl" else {}
    dist.init_process_group(backend=backend, timeout=datetime.timedelta(seconds=args.timeout), **extra)
    try:
        if rank == 0:
            where = f"{os.environ['MASTER_ADDR']}:{os.environ['MASTER_PORT']}"
            gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
            runtime = (f"HIP {torch.version.hip}" if torch.version.hip else
                       f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU build")
            nccl = ""
            if backend == "nccl":
                v = torch.cuda.nccl.version()
                nccl = " NCCL " + (".".join(map(str, v)) if isinstance(v, tuple) else str(v))
            print(f"launcher: {launcher}  world size: {world}  master: {where}")
            print(f"backend: {backend}{nccl}  device: {gpu}  torch {torch.__version__} {runtime}")
            print(f"dtype: {args.dtype}  warmup: {args.warmup}  iters: {args.iters}")
            if world == 1:
                print("note: world size 1 moves no data; busbw is 0 by definition")
            print()
            print(f"{'size':>10} {'elements':>12} {'algbw GB/s':>11} {'busbw GB/s':>11}"
                  f" {'lat us mean':>12} {'min':>10} {'max':>10}")
            sys.stdout.flush()

        bus_factor = 2 * (world - 1) / world
        rows = []
        for nbytes in sizes(args):
            numel = max(1, nbytes // elem)
            nbytes = numel * elem
            buf = torch.ones(numel, dtype=dtype, device=device)
            for _ in range(args.warmup):
                dist.all_reduce(buf)
            sync()
            dist.barrier()
            t0 = time.perf_counter()
            for _ in range(args.iters):
                dist.all_reduce(buf)
            sync()
            lat = (time.perf_counter() - t0) / args.iters
            # min/max/mean latency over ranks: three tiny extra collectives per size
            stats = torch.tensor([lat, -lat, lat], dtype=torch.float64, device=device)
            dist.all_reduce(stats[0:1], op=dist.ReduceOp.MIN)
            dist.all_reduce(stats[1:2], op=dist.ReduceOp.MIN)
            dist.all_reduce(stats[2:3], op=dist.ReduceOp.SUM)
            lat_min, lat_max, lat_mean = stats[0].item(), -stats[1].item(), stats[2].item() / world
            # the slowest rank decides when the collective is done for everyone
            algbw = nbytes / lat_max / 1e9
            row = {"bytes": nbytes, "elements": numel, "algbw_GBps": algbw,
                   "busbw_GBps": algbw * bus_factor, "lat_mean_us": lat_mean * 1e6,
                   "lat_min_us": lat_min * 1e6, "lat_max_us": lat_max * 1e6}
            rows.append(row)
            if rank == 0:
                print(f"{human(nbytes):>10} {numel:>12} {row['algbw_GBps']:11.3f} {row['busbw_GBps']:11.3f}"
                      f" {row['lat_mean_us']:12.1f} {row['lat_min_us']:10.1f} {row['lat_max_us']:10.1f}",
                      flush=True)
            del buf

        if rank == 0 and rows:
            peak = max(rows, key=lambda r: r["busbw_GBps"])
            print(f"\npeak busbw: {peak['busbw_GBps']:.2f} GB/s at {human(peak['bytes'])} "
                  f"(GB = 1e9 bytes; world size {world})")
            if args.csv:
                with open(args.csv, "w", newline="") as f:
                    w = csv.DictWriter(f, fieldnames=list(rows[0]))
                    w.writeheader()
                    w.writerows(rows)
                print(f"CSV written to {args.csv}")
            if args.plot:
                save_plot(args.plot, rows, world, backend)
        dist.barrier()
    finally:
        dist.destroy_process_group()
    return 0


def save_plot(path, rows, world, backend):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot skipped: matplotlib is not installed (pip install matplotlib)")
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    x = [r["bytes"] for r in rows]
    ax.plot(x, [r["busbw_GBps"] for r in rows], marker="o", label="busbw")
    ax.plot(x, [r["algbw_GBps"] for r in rows], marker=".", linestyle="--", label="algbw")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("payload (bytes)")
    ax.set_ylabel("GB/s")
    ax.set_title(f"all-reduce, {world} ranks, {backend}")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    print(f"plot written to {path}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # one clear line per rank instead of a wall of tracebacks
        rank = os.environ.get("RANK", "?")
        print(f"all_reduce_bench.py: rank {rank}: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(EXIT_FAIL)
