#!/usr/bin/env python3
"""Build, train, save and reload a tiny decoder-only language model on the CPU.

Only PyTorch and the standard library: nothing is downloaded. Two sub-commands:

  train     build a character-level tokenizer from a text (a file, or the
            built-in sample), cut the text into a tiny dataset, train a
            few-hundred-thousand-parameter transformer for a few steps,
            and save config + weights + tokenizer + loss log to --out
  generate  reload a saved directory and continue a prompt

Examples:
  python make_tiny_model.py train --out /tmp/tiny --steps 150
  python make_tiny_model.py generate --model-dir /tmp/tiny --prompt "The job "
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

# PyTorch is imported on first use (load_torch), so --help and a usage error answer at once.
torch = nn = F = TinyLM = None


def load_torch() -> bool:
    """Import PyTorch and define the model classes, once; False when PyTorch is not installed."""
    global torch, nn, F, TinyLM
    if torch is None:
        try:
            import torch as _torch
            import torch.nn as _nn
            import torch.nn.functional as _F
        except ImportError:
            return False
        torch, nn, F = _torch, _nn, _F
        TinyLM = define_model()
    return True

# A few paragraphs written for this book, so that the script runs with no input file.
SAMPLE_TEXT = """\
The training job starts at midnight. Every node loads the same code, reads its
rank from the environment and joins the process group. Rank zero prints the
loss every ten steps; the other ranks stay quiet and do the work.
A checkpoint is written every hour to the parallel file system. When a node
fails, the scheduler restarts the job from the last checkpoint, and the run
loses at most one hour of progress. Keep the checkpoint small enough to be
written in a few minutes, and test that it can be loaded before you need it.
The loss should go down slowly and smoothly. A sudden spike means that
something changed: a bad batch of data, a learning rate that is too high, or a
numerical problem in one layer. Write down what you saw and what you did.
Small models make fast tests. A model with two layers and a vocabulary of a
few dozen characters trains in seconds on a laptop, and it exercises the same
code paths as the large one: the data loader, the optimizer, the checkpoint
and the generation loop. Fix the bugs here, where a run costs nothing.
"""

SPECIALS = ["<pad>", "<unk>", "<bos>", "<eos>"]


class UsageError(Exception):
    """Bad input: printed as one line, exit status 2."""


# --------------------------------------------------------------------- tokenizer
class CharTokenizer:
    """Character-level tokenizer: one id per distinct character in the training text."""

    def __init__(self, chars: list[str]):
        self.itos = SPECIALS + chars
        self.stoi = {ch: i for i, ch in enumerate(self.itos)}
        self.unk_id = self.stoi["<unk>"]
        self.bos_id = self.stoi["<bos>"]

    @classmethod
    def from_text(cls, text: str) -> "CharTokenizer":
        return cls(sorted(set(text)))

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        return [self.stoi.get(ch, self.unk_id) for ch in text]

    def decode(self, ids: list[int]) -> str:
        return "".join(self.itos[i] for i in ids if i >= len(SPECIALS))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"type": "char", "specials": SPECIALS,
                                    "chars": self.itos[len(SPECIALS):]}, ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> "CharTokenizer":
        data = json.loads(path.read_text())
        if data.get("type") != "char" or data.get("specials") != SPECIALS:
            raise UsageError(f"{path} is not a tokenizer written by this script")
        return cls(data["chars"])


# --------------------------------------------------------------------- model
def define_model():
    """The model classes (they subclass torch.nn.Module, so they are made after the import)."""

    class Block(nn.Module):
        def __init__(self, hidden: int, heads: int):
            super().__init__()
            self.heads = heads
            self.ln1 = nn.LayerNorm(hidden)
            self.qkv = nn.Linear(hidden, 3 * hidden, bias=False)
            self.proj = nn.Linear(hidden, hidden, bias=False)
            self.ln2 = nn.LayerNorm(hidden)
            self.mlp = nn.Sequential(nn.Linear(hidden, 4 * hidden, bias=False), nn.GELU(),
                                     nn.Linear(4 * hidden, hidden, bias=False))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            b, t, h = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(h, dim=-1)
            # (b, t, h) -> (b, heads, t, head_dim)
            q, k, v = (z.view(b, t, self.heads, h // self.heads).transpose(1, 2) for z in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(y.transpose(1, 2).reshape(b, t, h))
            return x + self.mlp(self.ln2(x))

    class TinyLM(nn.Module):
        def __init__(self, vocab_size: int, layers: int, hidden: int, heads: int, context: int):
            super().__init__()
            self.context = context
            self.tok = nn.Embedding(vocab_size, hidden)
            self.pos = nn.Embedding(context, hidden)
            self.blocks = nn.ModuleList(Block(hidden, heads) for _ in range(layers))
            self.ln_f = nn.LayerNorm(hidden)
            self.head = nn.Linear(hidden, vocab_size, bias=False)
            self.head.weight = self.tok.weight  # tied embeddings: fewer parameters
            for module in self.modules():  # small init: the first loss is close to ln(vocab)
                if isinstance(module, (nn.Linear, nn.Embedding)):
                    nn.init.normal_(module.weight, std=0.02)

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            pos = torch.arange(ids.shape[1], device=ids.device)
            x = self.tok(ids) + self.pos(pos)
            for block in self.blocks:
                x = block(x)
            return self.head(self.ln_f(x))

        @torch.no_grad()
        def generate(self, ids: list[int], new_tokens: int, temperature: float,
                     generator: torch.Generator, banned: int = len(SPECIALS)) -> list[int]:
            """Sample new_tokens ids; the first `banned` ids (special tokens) are never chosen."""
            out = list(ids)
            for _ in range(new_tokens):
                window = torch.tensor([out[-self.context:]])
                logits = self(window)[0, -1]
                logits[:banned] = float("-inf")
                if temperature <= 0:
                    nxt = int(logits.argmax())
                else:
                    probs = torch.softmax(logits / temperature, dim=-1)
                    nxt = int(torch.multinomial(probs, 1, generator=generator))
                out.append(nxt)
            return out

    return TinyLM


def n_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


# --------------------------------------------------------------------- train
def make_batches(data, batch: int, context: int, generator):
    """Random windows of context+1 tokens: inputs are [:-1], targets are [1:]."""
    starts = torch.randint(0, len(data) - context - 1, (batch,), generator=generator)
    x = torch.stack([data[s:s + context] for s in starts])
    y = torch.stack([data[s + 1:s + context + 1] for s in starts])
    return x, y


def evaluate(model, data, context: int, batches: int = 4) -> float:
    g = torch.Generator().manual_seed(1234)  # the same windows every time
    model.eval()
    losses = []
    with torch.no_grad():
        for _ in range(batches):
            x, y = make_batches(data, 8, context, g)
            logits = model(x)
            losses.append(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).item())
    model.train()
    return sum(losses) / len(losses)


def cmd_train(a: argparse.Namespace) -> None:
    if a.text_file:
        path = Path(a.text_file)
        if not path.is_file():
            raise UsageError(f"--text-file {path}: no such file")
        text = path.read_text(encoding="utf-8", errors="replace")
    else:
        text = SAMPLE_TEXT
    if a.hidden % a.heads:
        raise UsageError(f"--hidden {a.hidden} must be divisible by --heads {a.heads}")
    split = int(len(text) * 0.9)
    if split - a.context - 1 < 1 or len(text) - split - a.context - 1 < 1:
        raise UsageError(f"text has {len(text)} characters: too short for --context {a.context} "
                         f"(need more than {int((a.context + 2) / 0.1)})")

    torch.manual_seed(a.seed)
    if a.threads:
        torch.set_num_threads(a.threads)
    tok = CharTokenizer.from_text(text)
    data = torch.tensor(tok.encode(text), dtype=torch.long)
    train_data, val_data = data[:split], data[split:]
    config = {"vocab_size": tok.vocab_size, "layers": a.layers, "hidden": a.hidden,
              "heads": a.heads, "context": a.context}
    model = TinyLM(**config)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    g = torch.Generator().manual_seed(a.seed)
    print(f"vocab {tok.vocab_size} chars, {len(train_data):,} train / {len(val_data):,} val tokens, "
          f"{n_params(model):,} parameters")

    log = {"train_loss": [], "val_loss_start": evaluate(model, val_data, a.context)}
    t0 = time.time()
    for step in range(1, a.steps + 1):
        lr = a.lr * min(1.0, step / 10) * 0.5 * (1 + math.cos(math.pi * step / a.steps))
        for group in opt.param_groups:
            group["lr"] = max(lr, a.lr * 0.05)
        x, y = make_batches(train_data, a.batch_size, a.context, g)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        if not torch.isfinite(loss):
            raise RuntimeError(f"loss became {loss.item()} at step {step}: lower --lr")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        log["train_loss"].append(round(loss.item(), 4))
        if step == 1 or step % a.log_every == 0 or step == a.steps:
            print(f"step {step:4d}  loss {loss.item():.4f}  {time.time() - t0:5.1f}s")
    log["val_loss_end"] = evaluate(model, val_data, a.context)
    print(f"val loss {log['val_loss_start']:.4f} -> {log['val_loss_end']:.4f}")

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(config, indent=2))
    torch.save(model.state_dict(), out / "model.pt")
    tok.save(out / "tokenizer.json")
    (out / "train_log.json").write_text(json.dumps(log))
    print(f"saved config.json, model.pt, tokenizer.json, train_log.json to {out}")


def load(model_dir: Path):
    if not load_torch():
        raise UsageError("PyTorch is not installed (pip install torch)")
    for name in ("config.json", "model.pt", "tokenizer.json"):
        if not (model_dir / name).is_file():
            raise UsageError(f"{model_dir / name} is missing: run 'train --out {model_dir}' first")
    config = json.loads((model_dir / "config.json").read_text())
    tok = CharTokenizer.load(model_dir / "tokenizer.json")
    if tok.vocab_size != config["vocab_size"]:
        raise UsageError("tokenizer.json and config.json disagree on the vocabulary size")
    model = TinyLM(**config)
    model.load_state_dict(torch.load(model_dir / "model.pt", map_location="cpu", weights_only=True))
    model.eval()
    return model, tok


def cmd_generate(a: argparse.Namespace) -> None:
    model, tok = load(Path(a.model_dir))
    g = torch.Generator().manual_seed(a.seed)
    ids = [tok.bos_id] + tok.encode(a.prompt)
    out = model.generate(ids, a.max_new_tokens, a.temperature, g)
    print(tok.decode(out))


# --------------------------------------------------------------------- CLI
def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="Tiny decoder-only LM for fast CPU tests (PyTorch only).")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="build tokenizer + dataset, train, save")
    t.add_argument("--out", required=True, help="output directory (created if missing)")
    t.add_argument("--text-file", help="UTF-8 text to train on (default: built-in sample)")
    t.add_argument("--layers", type=positive_int, default=2)
    t.add_argument("--hidden", type=positive_int, default=128)
    t.add_argument("--heads", type=positive_int, default=4)
    t.add_argument("--context", type=positive_int, default=64, help="tokens per training window")
    t.add_argument("--steps", type=positive_int, default=150)
    t.add_argument("--batch-size", type=positive_int, default=16)
    t.add_argument("--lr", type=positive_float, default=3e-3)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads (default 1: tiny matmuls gain nothing from more; 0 = torch default)")
    t.add_argument("--log-every", type=positive_int, default=25)
    t.set_defaults(func=cmd_train)
    g = sub.add_parser("generate", help="reload a saved model and continue a prompt")
    g.add_argument("--model-dir", required=True)
    g.add_argument("--prompt", default="The ")
    g.add_argument("--max-new-tokens", type=positive_int, default=80)
    g.add_argument("--temperature", type=float, default=0.8, help="0 = greedy")
    g.add_argument("--seed", type=int, default=0)
    g.set_defaults(func=cmd_generate)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not load_torch():
        parser.exit(2, f"{parser.prog}: error: PyTorch is not installed (pip install torch)\n")
    try:
        args.func(args)
    except UsageError as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
