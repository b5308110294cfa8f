#!/usr/bin/env bash
# gpu_quick_check.sh: run the quick mode of the book's three tools on every GPU of
# this machine and print the figures, so that measured numbers can go into the book.
#
#   1. torch-distributed-gpu-test.py  on all local GPUs (torchrun, NCCL)
#   2. mamf-finder.py --quick         on each GPU in turn (bf16 and, where supported, fp8)
#   3. all_reduce_bench.py --quick    on all local GPUs (torchrun, NCCL)
#
# Usage:  scripts/gpu_quick_check.sh            (from anywhere; needs PyTorch with CUDA or ROCm)
# Env:    PYTHON (default python3), OUT_DIR (default ./gpu-quick-check-<time>), MASTER_PORT
# Works for NVIDIA (nvidia-smi) and AMD (rocm-smi) GPUs. Exit code non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
OUT_DIR="${OUT_DIR:-$PWD/gpu-quick-check-$(date +%Y%m%d-%H%M%S)}"
PORT="${MASTER_PORT:-29533}"

MAMF="$ROOT/docs/compute/accelerator/benchmarks/mamf-finder.py"
ALLREDUCE="$ROOT/docs/network/benchmarks/all_reduce_bench.py"
GPUTEST="$ROOT/docs/debug/torch-distributed-gpu-test.py"

if command -v nvidia-smi >/dev/null 2>&1; then
    NGPU=$(nvidia-smi -L | wc -l) || { echo "gpu_quick_check.sh: nvidia-smi -L failed" >&2; exit 1; }
    VENDOR=nvidia
elif command -v rocm-smi >/dev/null 2>&1; then
    NGPU=$("$PYTHON" -c 'import torch; print(torch.cuda.device_count())')
    VENDOR=amd
else
    NGPU=0
    VENDOR=none
fi
if [ "$NGPU" -lt 1 ]; then
    echo "gpu_quick_check.sh: no GPU found (neither nvidia-smi nor rocm-smi reports one)" >&2
    exit 1
fi
"$PYTHON" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' || {
    echo "gpu_quick_check.sh: $PYTHON has a PyTorch without GPU support" >&2
    exit 1
}

mkdir -p "$OUT_DIR"
echo "== $NGPU GPU(s), results in $OUT_DIR"
if [ "$VENDOR" = nvidia ]; then
    nvidia-smi --query-gpu=index,name,driver_version,power.limit,clocks.max.sm,temperature.gpu \
        --format=csv | tee "$OUT_DIR/gpus.csv"
else
    rocm-smi --showproductname | tee "$OUT_DIR/gpus.txt"
fi

echo
echo "== 1/3 connectivity test (torchrun --nproc-per-node=$NGPU)"
"$PYTHON" -m torch.distributed.run --nproc-per-node="$NGPU" --master-port="$PORT" \
    "$GPUTEST" --timeout 120 2>&1 | tee "$OUT_DIR/connectivity.txt"

echo
echo "== 2/3 MAMF finder, quick mode, one GPU at a time"
for ((i = 0; i < NGPU; i++)); do
    echo "-- GPU $i"
    "$PYTHON" "$MAMF" --quick --device "cuda:$i" --dtype bf16,fp8 \
        --output "$OUT_DIR/mamf-gpu$i.json" | tee "$OUT_DIR/mamf-gpu$i.txt"
done

echo
echo "== 3/3 all-reduce bandwidth, quick mode (torchrun --nproc-per-node=$NGPU)"
"$PYTHON" -m torch.distributed.run --nproc-per-node="$NGPU" --master-port="$((PORT + 1))" \
    "$ALLREDUCE" --quick --csv "$OUT_DIR/all_reduce.csv" --plot "$OUT_DIR/all_reduce.png" \
    2>&1 | tee "$OUT_DIR/all_reduce.txt"

echo
echo "== summary"
"$PYTHON" - "$OUT_DIR" <<'EOF'
import csv, glob, json, os, sys
out = sys.argv[1]
for path in sorted(glob.glob(os.path.join(out, "mamf-gpu*.json"))):
    data = json.load(open(path))
    name = data["environment"].get("device_name", "?")
    for dtype, stats in data["best"].items():
        b = stats["max"]
        print(f"{os.path.basename(path)}: {name} {dtype} best {b['tflops']:.1f} TFLOPS "
              f"(median-best {stats['median']['tflops']:.1f}) at m={b['m']} n={b['n']} k={b['k']}")
rows = list(csv.DictReader(open(os.path.join(out, "all_reduce.csv"))))
if rows:
    peak = max(rows, key=lambda r: float(r["busbw_GBps"]))
    print(f"all-reduce: peak busbw {float(peak['busbw_GBps']):.1f} GB/s at {int(peak['bytes'])} bytes")
EOF
echo "== done; files in $OUT_DIR"
