#!/usr/bin/env python3
"""Back-of-envelope memory estimates for training and inference.

Standard library only. Three sub-commands:

  count  parameters of a Llama-style decoder from its shapes
  train  per-GPU memory of the model states (weights, gradients, optimizer
         states) for a precision/optimizer recipe, a ZeRO stage and a
         data-parallel size, plus an optional activation estimate
  kv     size of the KV cache for given shapes, tokens and batch

Every number is an estimate of what the tensors need. Real jobs also pay for
the CUDA context, communication buffers, temporary tensors and allocator
fragmentation, so leave 10-20 % of the GPU free.

Examples:
  python memory_estimator.py train --params 70e9 --recipe mixed-adam \
      --zero 3 --dp 64 --gpu-mem 79.6
  python memory_estimator.py kv --layers 80 --kv-heads 8 --head-dim 128 \
      --dtype bf16 --tokens 8192 --batch 32
"""

from __future__ import annotations

import argparse
import sys

DTYPE_BYTES = {"fp32": 4, "tf32": 4, "bf16": 2, "fp16": 2, "fp8": 1, "int8": 1, "int4": 0.5}

# bytes per parameter: (weights, gradients, optimizer states incl. fp32 master copy)
RECIPES = {
    # bf16/fp16 weights and grads, fp32 master weights, fp32 Adam m and v
    "mixed-adam": (2, 2, 4 + 4 + 4),
    # same but gradients kept/accumulated in fp32
    "mixed-adam-fp32-grads": (2, 4, 4 + 4 + 4),
    # everything in fp32
    "fp32-adam": (4, 4, 4 + 4),
    # pure bf16: weights, grads and both Adam moments in bf16, no master copy
    "bf16-adam": (2, 2, 2 + 2),
    # mixed precision with 8-bit Adam moments (bitsandbytes-style)
    "mixed-adam-8bit": (2, 2, 4 + 1 + 1),
    # mixed precision, SGD with momentum
    "mixed-sgd-momentum": (2, 2, 4 + 4),
}

GB = 1e9
GIB = 2**30


class InputError(Exception):
    """Bad user input: reported as one line, exit status 2."""


def parse_count(text: str) -> float:
    """Parse 70e9, 70B, 8.03b, 350M, 1.5T or a plain integer."""
    s = text.strip().replace("_", "").replace(",", "")
    factor = 1.0
    suffixes = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}
    if s and s[-1].lower() in suffixes:
        factor = suffixes[s[-1].lower()]
        s = s[:-1]
    try:
        value = float(s) * factor
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r} (try 70e9 or 70B)") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive finite number: {text!r}")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def fmt(nbytes: float) -> str:
    return f"{nbytes / GB:10.2f} GB  ({nbytes / GIB:9.2f} GiB)"


def count_params(layers: int, hidden: int, ffn: int, heads: int, kv_heads: int,
                 vocab: int, tied: bool) -> dict:
    if hidden % heads:
        raise InputError(f"--hidden {hidden} is not divisible by --heads {heads}")
    if heads % kv_heads:
        raise InputError(f"--heads {heads} is not divisible by --kv-heads {kv_heads}")
    head_dim = hidden // heads
    attn = hidden * hidden * 2 + 2 * hidden * kv_heads * head_dim  # q, o, k, v
    mlp = 3 * hidden * ffn  # gate, up, down (SwiGLU)
    norms = 2 * hidden
    per_layer = attn + mlp + norms
    embed = vocab * hidden
    head = 0 if tied else vocab * hidden
    total = layers * per_layer + embed + head + hidden  # + final norm
    return {"per_layer": per_layer, "embedding": embed, "lm_head": head, "total": total}


def train_states(params: float, recipe: str, zero: int, dp: int, tp: int, pp: int) -> dict:
    if zero not in (0, 1, 2, 3):
        raise InputError(f"--zero must be 0, 1, 2 or 3, got {zero}")
    w_b, g_b, o_b = RECIPES[recipe]
    local = params / (tp * pp)  # parameters held by one model-parallel rank
    weights = local * w_b / (dp if zero >= 3 else 1)
    grads = local * g_b / (dp if zero >= 2 else 1)
    optim = local * o_b / (dp if zero >= 1 else 1)
    return {"weights": weights, "gradients": grads, "optimizer": optim,
            "total": weights + grads + optim, "bytes_per_param": w_b + g_b + o_b}


def activations(layers: int, hidden: int, heads: int, seq: int, micro_batch: int,
                tp: int, recompute: str) -> float:
    """Per-GPU activation bytes of a GPT-style stack with 16-bit activations.

    Per layer (Korthikanti et al. 2022, arXiv:2205.05198):
      none       s*b*h*(34 + 5*a*s/h) / t   (TP + sequence parallelism)
      selective  s*b*h*34 / t               (attention scores recomputed, or FlashAttention)
      full       s*b*h*2  / t               (only the layer input is kept)
    """
    sbh = seq * micro_batch * hidden
    if recompute == "none":
        per_layer = sbh * (34 + 5 * heads * seq / hidden) / tp
    elif recompute == "selective":
        per_layer = sbh * 34 / tp
    else:
        per_layer = sbh * 2 / tp
    return per_layer * layers


def kv_cache(layers: int, kv_heads: int, head_dim: int, dtype: str, tokens: int, batch: int) -> dict:
    per_token = 2 * layers * kv_heads * head_dim * DTYPE_BYTES[dtype]
    return {"per_token": per_token, "per_sequence": per_token * tokens,
            "total": per_token * tokens * batch}


def cmd_count(a: argparse.Namespace) -> None:
    r = count_params(a.layers, a.hidden, a.ffn, a.heads, a.kv_heads, a.vocab, a.tied)
    print(f"parameters per layer : {r['per_layer']:,}")
    print(f"embedding            : {r['embedding']:,}")
    print(f"lm head              : {r['lm_head']:,}")
    print(f"total                : {r['total']:,}  ({r['total'] / 1e9:.2f} B)")


def cmd_train(a: argparse.Namespace) -> None:
    r = train_states(a.params, a.recipe, a.zero, a.dp, a.tp, a.pp)
    print(f"model: {a.params / 1e9:.2f} B params, recipe {a.recipe} "
          f"({r['bytes_per_param']:g} bytes/param), ZeRO-{a.zero}, DP={a.dp}, TP={a.tp}, PP={a.pp}")
    print(f"whole model states   : {fmt(a.params * r['bytes_per_param'])}")
    print("per GPU:")
    print(f"  weights            : {fmt(r['weights'])}")
    print(f"  gradients          : {fmt(r['gradients'])}")
    print(f"  optimizer states   : {fmt(r['optimizer'])}")
    print(f"  model states total : {fmt(r['total'])}")
    total = r["total"]
    act_args = (a.layers, a.hidden, a.heads, a.seq, a.micro_batch)
    if any(v is not None for v in act_args):
        if any(v is None for v in act_args):
            raise InputError("activation estimate needs all of --layers --hidden --heads --seq --micro-batch")
        # With a 1F1B pipeline schedule the first stage holds pp micro-batches of
        # its layers/pp layers in flight: the same as all layers for one micro-batch.
        act = activations(a.layers, a.hidden, a.heads, a.seq, a.micro_batch, a.tp, a.recompute)
        print(f"  activations ({a.recompute}) : {fmt(act)}")
        total += act
        print(f"  estimate total     : {fmt(total)}")
    if a.gpu_mem is not None:
        need = total * 1.15
        verdict = "fits" if need <= a.gpu_mem * GIB else "does NOT fit"
        print(f"with 15 % headroom: {need / GIB:.1f} GiB needed vs {a.gpu_mem:g} GiB per GPU -> {verdict}")


def cmd_kv(a: argparse.Namespace) -> None:
    r = kv_cache(a.layers, a.kv_heads, a.head_dim, a.dtype, a.tokens, a.batch)
    print(f"KV cache: {a.layers} layers x {a.kv_heads} KV heads x head_dim {a.head_dim}, {a.dtype}")
    print(f"  per token          : {r['per_token']:,.0f} bytes ({r['per_token'] / 2**20:.4f} MiB)")
    print(f"  per sequence       : {fmt(r['per_sequence'])}  [{a.tokens:,} tokens]")
    print(f"  whole batch        : {fmt(r['total'])}  [batch {a.batch}]")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="Estimate training memory per GPU and KV-cache size (standard library only).",
        epilog="Sizes are printed in GB (10^9 bytes) and GiB (2^30 bytes).")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("count", help="count parameters of a Llama-style decoder from its shapes")
    c.add_argument("--layers", type=positive_int, required=True)
    c.add_argument("--hidden", type=positive_int, required=True, help="model dimension")
    c.add_argument("--ffn", type=positive_int, required=True, help="MLP inner dimension (SwiGLU)")
    c.add_argument("--heads", type=positive_int, required=True, help="attention (query) heads")
    c.add_argument("--kv-heads", type=positive_int, required=True, help="key/value heads (GQA)")
    c.add_argument("--vocab", type=positive_int, required=True)
    c.add_argument("--tied", action="store_true", help="input embedding and LM head share weights")
    c.set_defaults(func=cmd_count)

    t = sub.add_parser("train", help="per-GPU memory of weights, gradients, optimizer states")
    t.add_argument("--params", type=parse_count, required=True, help="parameter count, e.g. 70e9 or 70B")
    t.add_argument("--recipe", choices=sorted(RECIPES), default="mixed-adam",
                   help="precision/optimizer recipe (default: mixed-adam = 16 bytes/param)")
    t.add_argument("--zero", type=int, choices=[0, 1, 2, 3], default=0,
                   help="ZeRO stage (FSDP2 fully_shard: reshard_after_forward=True ~ 3, False ~ 2)")
    t.add_argument("--dp", type=positive_int, default=1, help="data-parallel (sharding) group size")
    t.add_argument("--tp", type=positive_int, default=1, help="tensor-parallel size")
    t.add_argument("--pp", type=positive_int, default=1, help="pipeline-parallel size")
    t.add_argument("--layers", type=positive_int, help="for the activation estimate")
    t.add_argument("--hidden", type=positive_int, help="for the activation estimate")
    t.add_argument("--heads", type=positive_int, help="for the activation estimate")
    t.add_argument("--seq", type=positive_int, help="sequence length, for the activation estimate")
    t.add_argument("--micro-batch", type=positive_int, help="micro-batch size, for the activation estimate")
    t.add_argument("--recompute", choices=["none", "selective", "full"], default="selective")
    t.add_argument("--gpu-mem", type=parse_count,
                   help="usable GPU memory in GiB, as nvidia-smi reports it (an 'H100 80GB' shows "
                        "81,559 MiB = 79.6 GiB), to print fits / does not fit")
    t.set_defaults(func=cmd_train)

    k = sub.add_parser("kv", help="KV cache size: 2 x layers x kv_heads x head_dim x bytes x tokens")
    k.add_argument("--layers", type=positive_int, required=True)
    k.add_argument("--kv-heads", type=positive_int, required=True)
    k.add_argument("--head-dim", type=positive_int, required=True)
    k.add_argument("--dtype", choices=sorted(DTYPE_BYTES), default="bf16")
    k.add_argument("--tokens", type=positive_int, required=True, help="tokens per sequence (prompt + output)")
    k.add_argument("--batch", type=positive_int, default=1, help="concurrent sequences")
    k.set_defaults(func=cmd_kv)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except InputError as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
