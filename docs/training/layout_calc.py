#!/usr/bin/env python3
"""Per-GPU memory and communication of a DP x TP x PP x CP (+ EP) training layout.

Standard library only. The memory formulas are the ones of memory_estimator.py
next to this file (imported from it), extended to a layout with context and
expert parallelism. Communication is counted as the bytes each GPU sends per
optimizer step with ring/pairwise algorithms, so it can be divided by a
per-GPU link bandwidth (GB/s, one direction) to get a lower bound on time.

Conventions:
  * gpus = dp * tp * pp * cp. Expert parallelism does not add ranks: the
    experts of a layer are spread over ep ranks taken from the dp * cp ranks
    (as Megatron-Core and TorchTitan do), so ep must divide dp * cp.
  * Dense parameters are split by tp * pp; expert parameters by ep * pp
    (no tensor parallelism inside experts). ZeRO shards dense states over
    dp * cp ranks and expert states over dp * cp / ep ranks.
  * Activations use the per-layer formula of Korthikanti et al. (2022) with
    the local sequence s / cp, for all layers of one micro-batch (what the
    first stage of a 1F1B pipeline holds).

Example:
  python layout_calc.py --params 70e9 --layers 80 --hidden 8192 --heads 64 \
      --kv-heads 8 --seq 8192 --gpus 64 --tp 8 --pp 2 --dp 4 --zero 1 \
      --micro-batches 16
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from memory_estimator import (RECIPES, InputError, activations,  # noqa: E402
                              parse_count, positive_int)

GB = 1e9
GIB = 2**30


def ring_factor(n: int, kind: str) -> float:
    """Bytes sent per GPU per byte of the full buffer, ring algorithms."""
    if n == 1:
        return 0.0
    if kind == "all-reduce":
        return 2 * (n - 1) / n
    return (n - 1) / n  # all-gather, reduce-scatter


def validate(a: argparse.Namespace) -> None:
    product = a.dp * a.tp * a.pp * a.cp
    if product != a.gpus:
        raise InputError(f"dp*tp*pp*cp = {a.dp}*{a.tp}*{a.pp}*{a.cp} = {product}, "
                         f"but --gpus is {a.gpus}; the degrees must multiply to the GPU count")
    if (a.dp * a.cp) % a.ep:
        raise InputError(f"--ep {a.ep} must divide dp*cp = {a.dp * a.cp} "
                         "(expert-parallel ranks come from the data-parallel dimension)")
    if a.layers < a.pp:
        raise InputError(f"--layers {a.layers} is smaller than --pp {a.pp}")
    if a.heads % a.tp:
        raise InputError(f"--heads {a.heads} is not divisible by --tp {a.tp}")
    if a.seq % (2 * a.cp if a.cp > 1 else 1):
        raise InputError(f"--seq {a.seq} must be divisible by 2*cp = {2 * a.cp} "
                         "(load-balanced causal context parallelism)")
    if a.expert_params >= a.params:
        raise InputError("--expert-params must be smaller than --params")
    if a.ep > 1 and a.expert_params == 0:
        raise InputError("--ep > 1 needs --expert-params (the MoE expert weights)")
    if a.pp > 1 and a.micro_batches < a.pp:
        raise InputError(f"--micro-batches {a.micro_batches} < --pp {a.pp}: "
                         "the pipeline never fills; use at least pp micro-batches")


def compute(a: argparse.Namespace) -> dict:
    w_b, g_b, o_b = RECIPES[a.recipe]
    dense = a.params - a.expert_params
    dense_local = dense / (a.tp * a.pp)
    expert_local = a.expert_params / (a.ep * a.pp)
    shard_dense = a.dp * a.cp
    shard_expert = a.dp * a.cp // a.ep

    def states(local: float, n: int) -> tuple[float, float, float]:
        return (local * w_b / (n if a.zero >= 3 else 1),
                local * g_b / (n if a.zero >= 2 else 1),
                local * o_b / (n if a.zero >= 1 else 1))

    wd, gd, od = states(dense_local, shard_dense)
    we, ge, oe = states(expert_local, shard_expert)
    act = activations(a.layers, a.hidden, a.heads, a.seq // a.cp, a.micro_batch,
                      a.tp, a.recompute)
    mem = {"weights": wd + we, "gradients": gd + ge, "optimizer": od + oe,
           "activations": act}
    mem["total"] = sum(mem.values())

    m = a.micro_batches
    layers_local = -(-a.layers // a.pp)  # the heaviest stage, when pp does not divide layers
    s_local = a.seq // a.cp
    act_msg = 2 * a.micro_batch * s_local * a.hidden  # bytes of one 16-bit b*s*h tensor

    # Data parallelism / ZeRO: once per step for ZeRO 0-2 (grads accumulate
    # locally); ZeRO-3 gathers weights in forward and again in backward and
    # reduce-scatters gradients for every micro-batch.
    def dp_bytes(local: float, n: int) -> float:
        if a.zero < 3:
            return ring_factor(n, "all-reduce") * local * 2
        return m * 3 * ring_factor(n, "all-gather") * local * 2

    comm = {"dp": dp_bytes(dense_local, shard_dense) + dp_bytes(expert_local, shard_expert)}
    # Tensor parallelism: 2 all-reduces of b*s*h per layer forward, 2 backward
    # (or reduce-scatter + all-gather pairs with sequence parallelism, same
    # bytes); full recomputation repeats the 2 forward ones.
    tp_collectives = 4 + (2 if a.recompute == "full" else 0)
    comm["tp"] = m * layers_local * tp_collectives * ring_factor(a.tp, "all-reduce") * act_msg
    # Pipeline: each stage sends one activation forward and one gradient
    # backward per micro-batch and model chunk, sharded by tp (sequence parallel).
    comm["pp"] = (m * 2 * a.vpp * act_msg / a.tp) if a.pp > 1 else 0.0
    # Context parallelism (ring attention): forward passes K and V around the
    # ring, backward passes K, V and their gradients: 3 K/V-sized transfers per
    # step of the ring, cp-1 steps, heads split by tp.
    kv_bytes = 2 * a.micro_batch * s_local * a.kv_heads * (a.hidden // a.heads) * 2 / a.tp
    comm["cp"] = m * layers_local * 3 * (a.cp - 1) * kv_bytes if a.cp > 1 else 0.0
    # Expert parallelism: dispatch + combine in forward, the same two in
    # backward; each token goes to top_k experts, (ep-1)/ep of them remote.
    moe_local = -(-(a.moe_layers if a.moe_layers is not None else a.layers) // a.pp)
    if a.ep > 1:
        comm["ep"] = (m * moe_local * 4 * (a.ep - 1) / a.ep
                      * a.micro_batch * s_local * a.top_k * a.hidden * 2)
    else:
        comm["ep"] = 0.0
    comm["total"] = sum(comm.values())
    bubble = (a.pp - 1) / (a.vpp * m + a.pp - 1) if a.pp > 1 else 0.0
    return {"mem": mem, "comm": comm, "bubble": bubble}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description="Per-GPU memory and communication volume of a parallel training layout.",
        epilog="Memory in GiB (2^30 bytes); traffic in GB (10^9 bytes) sent per GPU per step.")
    p.add_argument("--params", type=parse_count, required=True, help="total parameters, e.g. 70e9")
    p.add_argument("--expert-params", type=parse_count, default=0.0,
                   help="parameters inside MoE experts (part of --params), default 0")
    p.add_argument("--layers", type=positive_int, required=True)
    p.add_argument("--hidden", type=positive_int, required=True)
    p.add_argument("--heads", type=positive_int, required=True, help="attention (query) heads")
    p.add_argument("--kv-heads", type=positive_int, help="key/value heads (default: --heads)")
    p.add_argument("--seq", type=positive_int, default=8192, help="sequence length (default 8192)")
    p.add_argument("--micro-batch", type=positive_int, default=1, help="sequences per micro-batch")
    p.add_argument("--micro-batches", type=positive_int, default=1,
                   help="micro-batches per step per data-parallel rank (gradient accumulation)")
    p.add_argument("--gpus", type=positive_int, required=True)
    for name in ("dp", "tp", "pp", "cp", "ep"):
        p.add_argument(f"--{name}", type=positive_int, default=1, help=f"{name.upper()} degree")
    p.add_argument("--vpp", type=positive_int, default=1,
                   help="model chunks per pipeline rank (interleaved schedule)")
    p.add_argument("--zero", type=int, choices=[0, 1, 2, 3], default=1, help="ZeRO stage (default 1)")
    p.add_argument("--recipe", choices=sorted(RECIPES), default="mixed-adam")
    p.add_argument("--recompute", choices=["none", "selective", "full"], default="selective")
    p.add_argument("--moe-layers", type=positive_int, help="layers with experts (default: all)")
    p.add_argument("--top-k", type=positive_int, default=1, help="experts per token (MoE)")
    p.add_argument("--gpu-mem", type=parse_count,
                   help="usable GPU memory in GiB, as nvidia-smi reports it (H100 80GB: 79.6), "
                        "to print fits / does not fit")
    a = p.parse_args(argv)
    if a.kv_heads is None:
        a.kv_heads = a.heads
    try:
        validate(a)
        r = compute(a)
    except InputError as exc:
        p.exit(2, f"{p.prog}: error: {exc}\n")

    mem, comm = r["mem"], r["comm"]
    print(f"layout: {a.gpus} GPUs = dp {a.dp} x tp {a.tp} x pp {a.pp} x cp {a.cp}"
          + (f", ep {a.ep}" if a.ep > 1 else "")
          + f"; ZeRO-{a.zero}, {a.recipe}, recompute {a.recompute}")
    print("memory per GPU (GiB)")
    for key in ("weights", "gradients", "optimizer", "activations", "total"):
        print(f"  {key:<22}: {mem[key] / GIB:8.1f}")
    if a.gpu_mem is not None:
        need = mem["total"] * 1.15
        verdict = "fits" if need <= a.gpu_mem * GIB else "does NOT fit"
        print(f"  with 15 % headroom    : {need / GIB:8.1f} of {a.gpu_mem:g} -> {verdict}")
    print(f"traffic sent per GPU per step (GB), micro-batches per step: {a.micro_batches}")
    labels = {"dp": "data parallel (ZeRO)", "tp": "tensor parallel", "pp": "pipeline p2p",
              "cp": "context parallel", "ep": "expert all-to-all", "total": "total"}
    for key in ("dp", "tp", "pp", "cp", "ep", "total"):
        print(f"  {labels[key]:<22}: {comm[key] / GB:8.1f}")
    if a.pp > 1:
        print(f"pipeline bubble (p-1)/(v*m+p-1): {r['bubble'] * 100:.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
