#!/usr/bin/env python3
"""mamf-finder.py: measure the Maximum Achievable Matmul FLOPS (MAMF) of one device.

The tool sweeps matmul shapes (m, n, k) and data types, times each shape with
device events (CUDA and ROCm) or time.perf_counter (CPU), and reports TFLOPS.
A matmul C[m, n] = A[m, k] @ B[k, n] costs 2*m*n*k floating point operations.

Caches must not flatter the result: by default every timed matmul reads a
different set of input buffers, and the sets together are larger than twice
the device's last-level cache (--cache-mode rotate). --cache-mode flush
instead overwrites a large scratch buffer before every timed matmul.

Examples
    python mamf-finder.py --quick
    python mamf-finder.py --m 4096 --n 4096 --k 1024:8192:1024 --dtype bf16,fp8
    python mamf-finder.py --device cpu --m 256 --n 256 --k 128,256 --dtype fp32
    python mamf-finder.py --quick --output mamf.json      # or .csv

Ranges are start:stop:step with stop INCLUDED. Ctrl-C stops the sweep, prints
the best result so far, writes --output if given, and exits with code 130.

Exit codes: 0 success, 1 runtime failure (nothing could be measured),
2 bad arguments, 130 interrupted by Ctrl-C.
"""

import argparse
import csv
import json
import math
import os
import platform
import statistics
import sys
import time

EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

DTYPE_NAMES = ("bf16", "fp16", "fp8", "fp32", "tf32")

# Used when the real cache size is unknown (CPU): larger than the L3 of most servers.
DEFAULT_CPU_CACHE_BYTES = 256 * 2**20


def die_usage(message):
    print(f"mamf-finder.py: error: {message}", file=sys.stderr)
    sys.exit(EXIT_USAGE)


def parse_dim(text, name):
    """Return a list of positive ints from '4096', '1024,2048' or '1024:8192:1024'."""
    values = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if ":" in part:
                fields = [int(f) for f in part.split(":")]
                if len(fields) not in (2, 3):
                    raise ValueError
                start, stop = fields[0], fields[1]
                step = fields[2] if len(fields) == 3 else 1
                if step <= 0 or start <= 0 or stop < start:
                    raise ValueError
                values.extend(range(start, stop + 1, step))
            else:
                value = int(part)
                if value <= 0:
                    raise ValueError
                values.append(value)
        except ValueError:
            die_usage(
                f"--{name} {text!r}: expected positive integers, a comma list, "
                f"or start:stop[:step] with start <= stop and step > 0"
            )
    if not values:
        die_usage(f"--{name} is empty")
    # keep order, drop duplicates
    return list(dict.fromkeys(values))


def parse_dtypes(text):
    names = [t.strip().lower() for t in text.split(",") if t.strip()]
    aliases = {"bfloat16": "bf16", "float16": "fp16", "half": "fp16",
               "float32": "fp32", "float": "fp32", "float8": "fp8"}
    names = [aliases.get(n, n) for n in names]
    bad = [n for n in names if n not in DTYPE_NAMES]
    if bad or not names:
        die_usage(f"--dtype {text!r}: choose from {', '.join(DTYPE_NAMES)}")
    return list(dict.fromkeys(names))


def build_parser():
    p = argparse.ArgumentParser(
        prog="mamf-finder.py",
        description="Find the Maximum Achievable Matmul FLOPS of one accelerator (or CPU).",
        epilog="Dimensions: a value (4096), a list (1024,4096) or an inclusive range "
               "start:stop:step (1024:8192:1024). Every (m, n, k) combination is measured.",
    )
    p.add_argument("--m", help="rows of A and C (default 4096,8192,16384; --quick: fewer)")
    p.add_argument("--n", help="columns of B and C (same default as --m)")
    p.add_argument("--k", help="inner (reduction) dimension (same default as --m)")
    p.add_argument("--dtype", default="bf16",
                   help="comma list of: bf16, fp16, fp8, fp32, tf32 (default: bf16)")
    p.add_argument("--device", default="auto",
                   help="auto (GPU if present), cpu, cuda or cuda:N (ROCm GPUs are also 'cuda')")
    p.add_argument("--warmup", type=int, default=None,
                   help="untimed matmuls per shape before timing (default 10, --quick 3)")
    p.add_argument("--repeats", type=int, default=None,
                   help="timed matmuls per shape (default 50, --quick 10)")
    p.add_argument("--cache-mode", choices=("rotate", "flush", "none"), default="rotate",
                   help="rotate: cycle through input buffers larger than 2x the cache "
                        "(default); flush: overwrite a scratch buffer before each matmul; "
                        "none: reuse one buffer set (flatters small shapes)")
    p.add_argument("--cache-bytes", type=int, default=None,
                   help="last-level cache size to defeat, in bytes (default: read from the "
                        "GPU; 256 MiB on CPU)")
    p.add_argument("--max-buffer-sets", type=int, default=256,
                   help="upper bound on rotated input buffer sets (default 256)")
    p.add_argument("--output", help="write results to this .json or .csv file")
    p.add_argument("--quick", action="store_true",
                   help="small sweep with few repeats (a minute or less on a GPU)")
    return p


def resolve_args(argv=None):
    args = build_parser().parse_args(argv)
    args.dtypes = parse_dtypes(args.dtype)
    if args.quick:
        default_dims = "4096,8192"
        warmup, repeats = 3, 10
    else:
        default_dims = "4096,8192,16384"
        warmup, repeats = 10, 50
    args.warmup = warmup if args.warmup is None else args.warmup
    args.repeats = repeats if args.repeats is None else args.repeats
    if args.warmup < 0:
        die_usage("--warmup must be >= 0")
    if args.repeats < 1:
        die_usage("--repeats must be >= 1")
    if args.max_buffer_sets < 1:
        die_usage("--max-buffer-sets must be >= 1")
    if args.cache_bytes is not None and args.cache_bytes < 0:
        die_usage("--cache-bytes must be >= 0")
    if args.output and os.path.splitext(args.output)[1].lower() not in (".json", ".csv"):
        die_usage(f"--output {args.output!r}: the file name must end in .json or .csv")
    args.default_dims = default_dims
    return args


# ----------------------------------------------------------------- device helpers

def launcher_ids():
    """(rank, local_rank, world_size) under torchrun or SLURM srun; (0, 0, 1) otherwise."""
    env = os.environ
    if "RANK" in env and "WORLD_SIZE" in env:
        return int(env["RANK"]), int(env.get("LOCAL_RANK", "0")), int(env["WORLD_SIZE"])
    if "SLURM_PROCID" in env:
        return (int(env["SLURM_PROCID"]), int(env.get("SLURM_LOCALID", "0")),
                int(env.get("SLURM_NTASKS", "1")))
    return 0, 0, 1


def pick_device(torch, requested):
    if requested == "auto":
        if torch.cuda.is_available():
            local_rank = launcher_ids()[1]
            return torch.device("cuda", local_rank % torch.cuda.device_count())
        return torch.device("cpu")
    try:
        dev = torch.device(requested)
    except RuntimeError:
        die_usage(f"--device {requested!r} is not a device name (try cpu, cuda, cuda:0)")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            print("mamf-finder.py: error: --device cuda requested but torch.cuda.is_available() "
                  "is False (no GPU, or a CPU-only PyTorch build)", file=sys.stderr)
            sys.exit(EXIT_FAIL)
        index = 0 if dev.index is None else dev.index
        if index >= torch.cuda.device_count():
            die_usage(f"--device {requested}: only {torch.cuda.device_count()} GPU(s) visible")
        return torch.device("cuda", index)
    if dev.type != "cpu":
        die_usage(f"--device {requested!r}: only cpu and cuda[:N] are supported")
    return dev


def environment(torch, device):
    env = {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "host": platform.node(),
        "device": str(device),
    }
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        env["device_name"] = props.name
        env["device_memory_gib"] = round(props.total_memory / 2**30, 1)
        env["compute_capability"] = f"{props.major}.{props.minor}"
        env["multiprocessors"] = props.multi_processor_count
        env["l2_cache_bytes"] = getattr(props, "L2_cache_size", None)
        if torch.version.hip:
            env["hip"] = torch.version.hip
            env["gcn_arch"] = getattr(props, "gcnArchName", "")
        else:
            env["cuda"] = torch.version.cuda
            env["cudnn"] = torch.backends.cudnn.version()
    else:
        env["device_name"] = platform.processor() or platform.machine()
        env["cpu_threads"] = torch.get_num_threads()
    return env


def fp8_support(torch, device):
    """Return (fp8 dtype, None) when torch._scaled_mm can run here, else (None, reason)."""
    if device.type != "cuda":
        return None, "fp8 matmul needs a GPU (torch._scaled_mm); not available on CPU"
    if not hasattr(torch, "_scaled_mm"):
        return None, f"this PyTorch ({torch.__version__}) has no torch._scaled_mm"
    props = torch.cuda.get_device_properties(device)
    if torch.version.hip:
        arch = getattr(props, "gcnArchName", "")
        if "gfx94" in arch:          # MI300 series: the 'fnuz' fp8 flavour
            return torch.float8_e4m3fnuz, None
        if "gfx95" in arch:          # MI350 series: OCP fp8
            return torch.float8_e4m3fn, None
        return None, f"fp8 matmul needs MI300 or newer (this GPU is {arch or 'unknown'})"
    if (props.major, props.minor) >= (8, 9):   # Ada, Hopper, Blackwell
        return torch.float8_e4m3fn, None
    return None, (f"fp8 matmul needs compute capability 8.9+ (Ada/Hopper or newer); "
                  f"this GPU is {props.major}.{props.minor}")


def set_tf32(torch, enabled):
    # 'high' lets fp32 matmuls use TF32 tensor cores; 'highest' keeps full fp32.
    torch.set_float32_matmul_precision("high" if enabled else "highest")


def cache_bytes_for(torch, device, override):
    if override is not None:
        return override
    if device.type == "cuda":
        l2 = getattr(torch.cuda.get_device_properties(device), "L2_cache_size", 0) or 0
        if torch.version.hip:
            # MI300-class GPUs have a 256 MB Infinity Cache behind the (small) L2
            return max(l2, 256 * 2**20)
        return l2 if l2 > 0 else 128 * 2**20
    return DEFAULT_CPU_CACHE_BYTES


class Timer:
    """Per-iteration timing: CUDA/HIP events on a GPU, perf_counter on the CPU."""

    def __init__(self, torch, device):
        self.torch = torch
        self.gpu = device.type == "cuda"
        self.pairs = []

    def measure(self, fn):
        if self.gpu:
            start = self.torch.cuda.Event(enable_timing=True)
            end = self.torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            self.pairs.append((start, end))
        else:
            t0 = time.perf_counter()
            fn()
            self.pairs.append(time.perf_counter() - t0)

    def seconds(self):
        if self.gpu:
            self.torch.cuda.synchronize()
            return [s.elapsed_time(e) / 1e3 for s, e in self.pairs]
        return list(self.pairs)


# ----------------------------------------------------------------- benchmark

def make_operands(torch, device, dtype_name, m, n, k, fp8_dtype):
    """Return a callable that runs one matmul on buffer set i, and the bytes per set."""
    if dtype_name == "fp8":
        a = torch.randn(m, k, device=device, dtype=torch.bfloat16).to(fp8_dtype)
        # _scaled_mm wants B in column-major layout: build (n, k) and transpose.
        b = torch.randn(n, k, device=device, dtype=torch.bfloat16).to(fp8_dtype).t()
        return (a, b), m * k + k * n + 2 * m * n
    tdtype = {"bf16": torch.bfloat16, "fp16": torch.float16,
              "fp32": torch.float32, "tf32": torch.float32}[dtype_name]
    a = torch.randn(m, k, device=device, dtype=tdtype)
    b = torch.randn(k, n, device=device, dtype=tdtype)
    size = a.element_size()
    return (a, b), (m * k + k * n + m * n) * size


def bench_shape(torch, device, dtype_name, m, n, k, args, cache_bytes, fp8_dtype):
    first, set_bytes = make_operands(torch, device, dtype_name, m, n, k, fp8_dtype)
    sets = [first]
    flush_buf = None
    if args.cache_mode == "rotate":
        wanted = math.ceil(2 * cache_bytes / max(set_bytes, 1)) if cache_bytes else 1
        wanted = max(2, min(wanted, args.max_buffer_sets))
        for _ in range(wanted - 1):
            sets.append(make_operands(torch, device, dtype_name, m, n, k, fp8_dtype)[0])
    elif args.cache_mode == "flush":
        flush_buf = torch.empty(max(2 * cache_bytes, 1) // 4, dtype=torch.int32, device=device)

    if dtype_name == "fp8":
        one = torch.ones((), device=device, dtype=torch.float32)
        outs = [torch.empty(m, n, device=device, dtype=torch.bfloat16) for _ in range(2)]

        def run(i):
            a, b = sets[i % len(sets)]
            torch._scaled_mm(a, b, scale_a=one, scale_b=one, out_dtype=torch.bfloat16)
    else:
        outs = [torch.empty(m, n, device=device, dtype=first[0].dtype) for _ in range(2)]

        def run(i):
            a, b = sets[i % len(sets)]
            torch.matmul(a, b, out=outs[i % 2])

    for i in range(args.warmup):
        run(i)
    if device.type == "cuda":
        torch.cuda.synchronize(device)

    timer = Timer(torch, device)
    for i in range(args.repeats):
        if flush_buf is not None:
            flush_buf.fill_(i)          # outside the timed region
        timer.measure(lambda: run(i))
    secs = timer.seconds()
    n_sets = len(sets)
    del sets, outs, flush_buf
    flops = 2.0 * m * n * k
    tflops = [flops / s / 1e12 for s in secs if s > 0]
    if not tflops:
        raise RuntimeError("timer returned zero durations; increase the matrix size")
    return {
        "dtype": dtype_name, "m": m, "n": n, "k": k,
        "tflops_max": max(tflops),
        "tflops_median": statistics.median(tflops),
        "tflops_mean": flops * len(secs) / sum(secs) / 1e12,
        "time_ms_median": statistics.median(secs) * 1e3,
        "buffer_sets": n_sets,
    }


def fmt(tflops):
    """Two decimals for GPU-sized figures, more digits for the small CPU ones."""
    return f"{tflops:10.2f}" if tflops >= 1 else f"{tflops:10.4f}"


def best_of(results, key):
    if not results:
        return None
    r = max(results, key=lambda x: x[key])
    return {"tflops": r[key], "dtype": r["dtype"], "m": r["m"], "n": r["n"], "k": r["k"]}


def summary(results, dtypes):
    out = {}
    for dt in dtypes:
        rows = [r for r in results if r["dtype"] == dt]
        if rows:
            out[dt] = {stat: best_of(rows, f"tflops_{stat}") for stat in ("max", "median", "mean")}
    return out


def print_summary(best, interrupted):
    title = "Best so far (interrupted)" if interrupted else "Best results"
    print(f"\n{title}:")
    for dt, stats in best.items():
        for stat in ("max", "median", "mean"):
            b = stats[stat]
            print(f"  {dt:>4} {stat:>6}: {fmt(b['tflops'])} TFLOPS  at m={b['m']} n={b['n']} k={b['k']}")
    if not best:
        print("  (no shape was measured)")


def write_output(path, env, results, best, interrupted):
    fields = ["dtype", "m", "n", "k", "tflops_max", "tflops_median", "tflops_mean",
              "time_ms_median", "buffer_sets"]
    if path.lower().endswith(".json"):
        with open(path, "w") as f:
            json.dump({"environment": env, "interrupted": interrupted,
                       "results": results, "best": best}, f, indent=2)
    else:
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            for r in results:
                w.writerow({key: r[key] for key in fields})
    print(f"Results written to {path}")


def main(argv=None):
    args = resolve_args(argv)
    dims = {name: parse_dim(getattr(args, name) or args.default_dims, name) for name in "mnk"}

    try:
        import torch
    except ImportError:
        print("mamf-finder.py: error: PyTorch is not installed (pip install torch)", file=sys.stderr)
        return EXIT_FAIL
    device = pick_device(torch, args.device)
    if args.quick and device.type == "cpu" and not any(getattr(args, d) for d in "mnk"):
        dims = {name: [256, 512] for name in "mnk"}
    if device.type == "cuda":
        torch.cuda.set_device(device)

    env = environment(torch, device)
    print("Environment:")
    for key, value in env.items():
        print(f"  {key:<20} {value}")
    cache_bytes = 0 if args.cache_mode == "none" else cache_bytes_for(torch, device, args.cache_bytes)
    print(f"  {'cache mode':<20} {args.cache_mode} (cache size assumed {cache_bytes / 2**20:.0f} MiB)")
    print(f"  {'warmup / repeats':<20} {args.warmup} / {args.repeats}")

    dtypes = list(args.dtypes)
    fp8_dtype = None
    if "fp8" in dtypes:
        fp8_dtype, reason = fp8_support(torch, device)
        if fp8_dtype is None:
            print(f"Skipping fp8: {reason}")
            dtypes.remove("fp8")
    if device.type == "cpu" and "tf32" in dtypes:
        print("Note: the CPU has no TF32 mode; tf32 runs as plain fp32 here")
    if not dtypes:
        print("mamf-finder.py: error: no requested dtype can run on this device", file=sys.stderr)
        return EXIT_FAIL

    shapes = [(m, n, k) for m in dims["m"] for n in dims["n"] for k in dims["k"]]
    total = len(shapes) * len(dtypes)
    print(f"\nSweeping {len(shapes)} shape(s) x {len(dtypes)} dtype(s) = {total} measurement(s)")
    print(f"{'dtype':>5} {'m':>7} {'n':>7} {'k':>7} {'max':>10} {'median':>10} {'mean':>10}"
          f" {'ms':>9}   (TFLOPS)")

    results, failures, interrupted = [], 0, False
    try:
        for dt in dtypes:
            if dt in ("fp32", "tf32") and device.type == "cuda":
                set_tf32(torch, dt == "tf32")
            for m, n, k in shapes:
                if dt == "fp8" and (m % 16 or n % 16 or k % 16):
                    print(f"{dt:>5} {m:>7} {n:>7} {k:>7}   skipped: fp8 needs m, n, k divisible by 16")
                    continue
                r, msg = None, ""
                try:
                    r = bench_shape(torch, device, dt, m, n, k, args, cache_bytes, fp8_dtype)
                except (RuntimeError, MemoryError) as exc:   # e.g. out of memory for one shape
                    msg = (str(exc).splitlines() or [type(exc).__name__])[0][:120]
                if r is None:
                    # outside the except block, so the failed shape's tensors are already freed
                    failures += 1
                    print(f"{dt:>5} {m:>7} {n:>7} {k:>7}   failed: {msg}")
                    if device.type == "cuda":
                        torch.cuda.empty_cache()
                    continue
                results.append(r)
                print(f"{dt:>5} {m:>7} {n:>7} {k:>7} {fmt(r['tflops_max'])} {fmt(r['tflops_median'])}"
                      f" {fmt(r['tflops_mean'])} {r['time_ms_median']:9.3f}", flush=True)
    except KeyboardInterrupt:
        interrupted = True
        print("\nInterrupted by Ctrl-C.")
    finally:
        if device.type == "cuda":
            set_tf32(torch, False)

    best = summary(results, dtypes)
    print_summary(best, interrupted)
    if args.output:
        path = args.output
        rank, _, world = launcher_ids()
        if world > 1:                      # under torchrun or srun: one file per rank
            stem, ext = os.path.splitext(path)
            path = f"{stem}-rank{rank}{ext}"
        write_output(path, env, results, best, interrupted)
    if interrupted:
        return EXIT_INTERRUPTED
    if not results:
        print("mamf-finder.py: error: no shape could be measured", file=sys.stderr)
        return EXIT_FAIL
    if failures:
        print(f"Note: {failures} measurement(s) failed (see 'failed:' lines above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
