"""Pack variable-length documents into fixed-length samples and resume deterministically.

A toy version of what a pre-training data loader must get right:

1. pack tokenised documents (each ending in EOS) into samples of seq_len + 1 tokens,
   keeping the document boundaries so attention can be masked per document;
2. visit the samples in an order that depends only on (seed, epoch);
3. split each global batch across data-parallel ranks;
4. resume from a small state dict (epoch, samples consumed) and continue with exactly
   the samples an uninterrupted run would have seen, even with a different number of ranks.

Documents are synthetic (seeded random lengths and token ids), so the script needs only
the standard library.
"""

import argparse
import hashlib
import json
import random

EOS = 0


def make_documents(n_docs, vocab, seed):
    """Synthetic tokenised corpus: log-normal lengths (median ~150 tokens), EOS-terminated."""
    rng = random.Random(f"docs-{seed}")
    docs = []
    for _ in range(n_docs):
        length = max(1, min(4000, int(rng.lognormvariate(5.0, 1.0))))
        docs.append([rng.randrange(1, vocab) for _ in range(length)] + [EOS])
    return docs


def pack(docs, seq_len):
    """Concatenate documents and cut the stream into samples of seq_len + 1 tokens
    (inputs are sample[:-1], labels sample[1:]). Returns the samples, the document
    start offsets inside each sample, and the number of dropped tail tokens."""
    width = seq_len + 1
    samples, starts = [], []
    buf, buf_starts = [], []
    for doc in docs:
        pos = 0
        buf_starts.append(len(buf))     # the buffer is never full here: it is flushed below
        while pos < len(doc):
            take = min(width - len(buf), len(doc) - pos)
            buf.extend(doc[pos:pos + take])
            pos += take
            if len(buf) == width:
                samples.append(buf)
                starts.append(buf_starts)
                buf, buf_starts = [], []
    return samples, starts, len(buf)


def epoch_order(n_samples, seed, epoch):
    """The visiting order of one epoch: a function of (seed, epoch) only."""
    order = list(range(n_samples))
    random.Random(f"order-{seed}-{epoch}").shuffle(order)
    return order


class Loader:
    """Yields (step, rank, sample index) for one data-parallel rank layout.
    The state is just the epoch and the number of samples consumed in it."""

    def __init__(self, n_samples, seed, dp, micro_batch, state=None):
        self.n, self.seed, self.dp, self.mb = n_samples, seed, dp, micro_batch
        self.state = dict(state or {"epoch": 0, "consumed": 0})

    def next_step(self):
        """Sample indices of the next optimizer step, as one list per rank."""
        global_batch = self.dp * self.mb
        if self.state["consumed"] + global_batch > self.n:   # drop the ragged end of an epoch
            self.state = {"epoch": self.state["epoch"] + 1, "consumed": 0}
        order = epoch_order(self.n, self.seed, self.state["epoch"])
        start = self.state["consumed"]
        batch = order[start:start + global_batch]
        self.state["consumed"] += global_batch
        return [batch[r * self.mb:(r + 1) * self.mb] for r in range(self.dp)]

    def state_dict(self):
        return dict(self.state)


def fingerprint(indices):
    return hashlib.sha256(json.dumps(indices).encode()).hexdigest()[:12]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000, help="number of synthetic documents")
    parser.add_argument("--vocab", type=int, default=50_000)
    parser.add_argument("--seq-len", type=int, default=512)
    parser.add_argument("--dp", type=int, default=4, help="data-parallel ranks")
    parser.add_argument("--micro-batch", type=int, default=2)
    parser.add_argument("--steps", type=int, default=150, help="steps of the reference run")
    parser.add_argument("--resume-at", type=int, default=50, help="step at which to 'crash'")
    parser.add_argument("--resume-dp", type=int, default=8,
                        help="ranks after the restart (micro-batch is scaled to keep the "
                             "global batch)")
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()
    global_batch = args.dp * args.micro_batch
    if global_batch % args.resume_dp:
        parser.error("--resume-dp must divide dp * micro-batch")
    if not 0 < args.resume_at < args.steps:
        parser.error("--resume-at must be between 0 and --steps")

    docs = make_documents(args.docs, args.vocab, args.seed)
    tokens = sum(len(d) for d in docs)
    samples, starts, dropped = pack(docs, args.seq_len)
    width = args.seq_len + 1
    padded = sum(-(-len(d) // width) * width for d in docs)
    print(f"documents: {len(docs)}, tokens: {tokens} (EOS included)")
    print(f"packed: {len(samples)} samples of {width} tokens, {dropped} tail tokens dropped")
    print(f"one document per sample instead: {padded} token slots, "
          f"{100 * (padded - tokens) / padded:.1f} % padding")
    per_sample = [len(s) for s in starts]
    print(f"document starts per sample: mean {sum(per_sample) / len(per_sample):.2f}, "
          f"max {max(per_sample)} (these offsets become the attention-mask boundaries)")

    # reference: an uninterrupted run
    ref = Loader(len(samples), args.seed, args.dp, args.micro_batch)
    ref_steps = [ref.next_step() for _ in range(args.steps)]
    ref_flat = [sorted(i for rank in step for i in rank) for step in ref_steps]

    # crash at --resume-at: keep only the state dict (as a checkpoint would, via JSON)
    run = Loader(len(samples), args.seed, args.dp, args.micro_batch)
    for _ in range(args.resume_at):
        run.next_step()
    saved = json.loads(json.dumps(run.state_dict()))
    resumed = Loader(len(samples), args.seed, args.resume_dp, global_batch // args.resume_dp,
                     state=saved)
    tail = [sorted(i for rank in resumed.next_step() for i in rank)
            for _ in range(args.steps - args.resume_at)]
    same = tail == ref_flat[args.resume_at:]
    print(f"saved loader state at step {args.resume_at}: {json.dumps(saved)}")
    print(f"resumed on {args.resume_dp} ranks: next {len(tail)} steps identical to the "
          f"uninterrupted run: {same}")
    print(f"fingerprint of steps {args.resume_at}-{args.steps - 1}: "
          f"reference {fingerprint(ref_flat[args.resume_at:])}, resumed {fingerprint(tail)}")

    # the classic bug: restart the epoch from the beginning instead of from the saved state
    naive = Loader(len(samples), args.seed, args.dp, args.micro_batch)
    replay = [sorted(i for rank in naive.next_step() for i in rank)
              for _ in range(args.steps - args.resume_at)]
    seen = {i for step in ref_flat[:args.resume_at] for i in step}
    repeated = sum(1 for step in replay for i in step if i in seen)
    print(f"restarting the epoch instead: {repeated} of {sum(map(len, replay))} samples after "
          f"the restart were already trained on")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
