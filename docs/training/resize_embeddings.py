"""Add tokens to a model's vocabulary, initialising the new rows to the mean of the old ones.

Works on the input embedding and the output projection (tied or not), pads the new
vocabulary to a multiple of --pad-to, and compares two initialisations of the new rows
on a toy model whose embeddings have a common offset, as trained embeddings do:

* normal(0, 0.02): the usual default for a fresh layer;
* mean: every new row is the average of the old rows (plus tiny noise to break ties).

With the mean, a new token's logit is the average of the old logits, so by Jensen's
inequality its probability is at most 1 / (old vocabulary size) for ANY hidden state;
the model's predictions barely move until training teaches it the new tokens.
"""

import argparse


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocab", type=int, default=32_000, help="old vocabulary size")
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--new-tokens", type=int, default=5)
    parser.add_argument("--pad-to", type=int, default=64,
                        help="pad the vocabulary to a multiple of this (tensor-core friendly)")
    parser.add_argument("--untied", action="store_true", help="separate output projection")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def grow(weight, new_rows, noise_std, generator):
    """weight: (V, d). Returns (V + new_rows, d) with the new rows at the mean of the old."""
    import torch

    mean = weight.mean(dim=0, keepdim=True)
    extra = mean.repeat(new_rows, 1)
    if noise_std:
        extra = extra + noise_std * torch.randn(extra.shape, generator=generator)
    return torch.cat([weight, extra.to(weight.dtype)], dim=0)


def resize(embed, head, n_new, pad_to, init, generator):
    """Return new (embed, head) modules with room for n_new tokens (padded to pad_to).
    Rows added only for padding get the same initialisation; the tokenizer never emits them."""
    import torch
    from torch import nn

    old_vocab, dim = embed.weight.shape
    new_vocab = -(-(old_vocab + n_new) // pad_to) * pad_to
    added = new_vocab - old_vocab
    tied = head is not None and head.weight is embed.weight
    new_embed = nn.Embedding(new_vocab, dim)
    with torch.no_grad():
        if init == "mean":
            new_embed.weight.copy_(grow(embed.weight, added, 1e-4, generator))
        else:
            fresh = 0.02 * torch.randn(added, dim, generator=generator)
            new_embed.weight.copy_(torch.cat([embed.weight, fresh]))
    if head is None:
        return new_embed, None
    if tied:
        new_head = nn.Linear(dim, new_vocab, bias=False)
        new_head.weight = new_embed.weight          # re-tie: same Parameter object
        return new_embed, new_head
    new_head = nn.Linear(dim, new_vocab, bias=False)
    with torch.no_grad():
        if init == "mean":
            new_head.weight.copy_(grow(head.weight, added, 1e-4, generator))
        else:
            new_head.weight.copy_(torch.cat([head.weight,
                                             0.02 * torch.randn(added, dim, generator=generator)]))
    return new_embed, new_head


def main():
    args = parse_args()
    import torch
    from torch import nn

    g = torch.Generator().manual_seed(args.seed)
    # toy "trained" vocabulary: a shared offset plus per-token variation
    offset = torch.randn(args.dim, generator=g)
    embed = nn.Embedding(args.vocab, args.dim)
    with torch.no_grad():
        embed.weight.copy_(offset + 0.5 * torch.randn(args.vocab, args.dim, generator=g))
    if args.untied:
        head = nn.Linear(args.dim, args.vocab, bias=False)
        with torch.no_grad():
            head.weight.copy_(-offset + 0.5 * torch.randn(args.vocab, args.dim, generator=g))
    else:
        head = nn.Linear(args.dim, args.vocab, bias=False)
        head.weight = embed.weight
    # hidden states that point away from the shared offset: most old logits are negative
    hidden = -0.05 * offset + 0.05 * torch.randn(256, args.dim, generator=g)
    if args.untied:
        hidden = -hidden

    print(f"old vocabulary {args.vocab}, +{args.new_tokens} tokens, pad to {args.pad_to}: "
          f"new vocabulary {-(-(args.vocab + args.new_tokens) // args.pad_to) * args.pad_to}")
    print(f"output projection: {'untied' if args.untied else 'tied to the input embedding'}")
    ok = True
    for init in ("normal", "mean"):
        e2, h2 = resize(embed, head, args.new_tokens, args.pad_to, init,
                        torch.Generator().manual_seed(args.seed + 1))
        assert (h2.weight is e2.weight) == (not args.untied)
        with torch.no_grad():
            probs = torch.softmax(hidden @ h2.weight.T, dim=-1)
            per_token = probs[:, args.vocab:].max().item()
            mass = probs[:, args.vocab:].sum(dim=-1).mean().item()
            old_rows_kept = torch.equal(e2.weight[:args.vocab], embed.weight)
        bound = 1.0 / args.vocab
        print(f"init {init:<6}: mean probability mass on the new rows {mass:.2e}, "
              f"largest single new-token probability {per_token:.2e} "
              f"(1/old vocab = {bound:.2e}), old rows unchanged: {old_rows_kept}")
        if init == "mean":
            ok = ok and per_token <= bound * 1.001 and old_rows_kept
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
