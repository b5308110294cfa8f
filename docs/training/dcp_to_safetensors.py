#!/usr/bin/env python3
"""Convert a PyTorch Distributed Checkpoint (DCP) directory to one safetensors file.

The model weights of a sharded training checkpoint are gathered into a single
file that inference engines load directly. Only the tensors under --prefix
(default "model.") are written, with the prefix removed; optimizer state and
other entries are skipped. Tensors are loaded a batch at a time (--batch-gib),
so host memory needs one batch plus the header, not the whole model.

The file follows the safetensors layout: an 8-byte little-endian header
length, a JSON header (name -> dtype, shape, data_offsets; plus string-only
"__metadata__"), then the raw little-endian tensor bytes back to back.

  python dcp_to_safetensors.py CKPT_DIR model.safetensors --dtype bf16
  python dcp_to_safetensors.py --check model.safetensors
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
import sys
from pathlib import Path

# safetensors dtype names for the torch dtypes a checkpoint usually holds.
ST_DTYPES = {
    "float64": "F64", "float32": "F32", "float16": "F16", "bfloat16": "BF16",
    "int64": "I64", "int32": "I32", "int16": "I16", "int8": "I8", "uint8": "U8",
    "bool": "BOOL", "float8_e4m3fn": "F8_E4M3", "float8_e5m2": "F8_E5M2",
}
ITEMSIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2,
            "I8": 1, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}
CASTS = {"keep": None, "fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}


def plan(ckpt_dir: Path, prefix: str, cast: str | None):
    """Read the DCP metadata; return [(dcp_key, name, torch_dtype, out_dtype, shape)]."""
    from torch.distributed.checkpoint import FileSystemReader
    from torch.distributed.checkpoint.metadata import TensorStorageMetadata

    meta = FileSystemReader(str(ckpt_dir)).read_metadata()
    entries = []
    for key, md in sorted(meta.state_dict_metadata.items()):
        if not key.startswith(prefix) or not isinstance(md, TensorStorageMetadata):
            continue
        dtype = md.properties.dtype
        out = dtype
        if cast is not None and dtype.is_floating_point:
            import torch

            out = getattr(torch, cast)
        entries.append((key, key[len(prefix):], dtype, out, list(md.size)))
    return entries


def header_for(entries, metadata: dict) -> tuple[bytes, int]:
    """Build the JSON header; return (padded header bytes, total data bytes)."""
    header, offset = {"__metadata__": metadata}, 0
    for _, name, _, out, shape in entries:
        st = ST_DTYPES[str(out).removeprefix("torch.")]
        numel = 1
        for d in shape:
            numel *= d
        nbytes = numel * ITEMSIZE[st]
        header[name] = {"dtype": st, "shape": shape, "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # pad with spaces so the data starts 8-byte aligned
    return raw, offset


def convert(ckpt_dir: Path, out_path: Path, prefix: str, cast: str | None,
            batch_bytes: int) -> tuple[int, int]:
    import warnings

    import torch
    import torch.distributed.checkpoint as dcp

    if sys.byteorder != "little":
        raise SystemExit("safetensors data is little-endian; convert on a little-endian host")
    entries = plan(ckpt_dir, prefix, cast)
    if not entries:
        raise SystemExit(f"no tensors under prefix {prefix!r} in {ckpt_dir}")
    raw, total = header_for(entries, {"format": "pt", "source": "torch.distributed.checkpoint"})
    tmp = out_path.with_name(out_path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        i = 0
        while i < len(entries):
            # Take tensors in header order until the batch is full (at least one).
            batch, size = [], 0
            while i < len(entries) and (not batch or size < batch_bytes):
                key, name, dtype, out, shape = entries[i]
                batch.append(entries[i])
                size += torch.empty(0, dtype=dtype).element_size() * max(1, _numel(shape))
                i += 1
            state = {key: torch.empty(shape, dtype=dtype) for key, _, dtype, _, shape in batch}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                dcp.load(state, checkpoint_id=str(ckpt_dir), no_dist=True)
            for key, _, _, out, _ in batch:
                t = state[key].to(out).contiguous()
                f.write(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    tmp.replace(out_path)  # the final name appears only when the file is complete
    return len(entries), total


def _numel(shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def check(path: Path) -> dict:
    """Validate a safetensors file's layout (no torch needed); return a summary."""
    data = path.read_bytes()
    if len(data) < 8:
        raise ValueError("file shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"header length {n} runs past the end of the file")
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    spans = []
    for name, info in header.items():
        begin, end = info["data_offsets"]
        want = _numel(info["shape"]) * ITEMSIZE[info["dtype"]]
        if end - begin != want:
            raise ValueError(f"{name}: {end - begin} bytes for shape {info['shape']} "
                             f"{info['dtype']} (expected {want})")
        spans.append((begin, end, name))
    spans.sort()
    pos = 0
    for begin, end, name in spans:  # the tensors must tile the data area exactly
        if begin != pos:
            raise ValueError(f"{name}: starts at {begin}, expected {pos} (gap or overlap)")
        pos = end
    if 8 + n + pos != len(data):
        raise ValueError(f"data area is {len(data) - 8 - n} bytes, tensors cover {pos}")
    return {"tensors": len(header), "data_bytes": pos,
            "sha256": hashlib.sha256(data).hexdigest()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ckpt_dir", nargs="?", help="DCP checkpoint directory (has .metadata)")
    parser.add_argument("out", nargs="?", help="output .safetensors file")
    parser.add_argument("--prefix", default="model.", help="state-dict prefix to export")
    parser.add_argument("--dtype", choices=sorted(CASTS), default="keep",
                        help="cast floating-point tensors (integer tensors are kept)")
    parser.add_argument("--batch-gib", type=float, default=4.0,
                        help="load at most about this much at a time")
    parser.add_argument("--check", metavar="FILE", help="only validate an existing file")
    args = parser.parse_args(argv)

    if args.check:
        try:
            summary = check(Path(args.check))
        except (ValueError, KeyError, json.JSONDecodeError) as exc:
            print(f"{args.check}: INVALID: {exc}", file=sys.stderr)
            return 1
        print(f"{args.check}: OK, {summary['tensors']} tensors, "
              f"{summary['data_bytes']} data bytes, sha256 {summary['sha256'][:16]}")
        return 0
    if not args.ckpt_dir or not args.out:
        parser.error("give CKPT_DIR and OUT, or --check FILE")
    if not (Path(args.ckpt_dir) / ".metadata").is_file():
        parser.error(f"{args.ckpt_dir} has no .metadata: not a DCP checkpoint directory")
    count, total = convert(Path(args.ckpt_dir), Path(args.out), args.prefix,
                           CASTS[args.dtype], int(args.batch_gib * 2**30))
    print(f"wrote {args.out}: {count} tensors, {total / 2**20:.2f} MiB of data")
    return 0


if __name__ == "__main__":
    sys.exit(main())
