"""Online alarms for a training-loss series: NaN, spikes, sudden drops, rising trend, no progress.

Every rule looks only at past values, as a monitor attached to a running job would. Input is
either a JSON-lines log with one {"step": ..., "loss": ...} object per line (a null or
non-finite loss counts as NaN), or one of the synthetic patterns of data/loss-patterns.yaml:

    python loss_alarm.py --jsonl train_log.jsonl
    python loss_alarm.py --pattern spike-recovers

Thresholds are deliberately simple and are arguments: calibrate them on your healthy runs.
"""

import argparse
import json
import math
import statistics
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data" / "loss-patterns.yaml"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--jsonl", help="log file: one JSON object with step and loss per line")
    source.add_argument("--pattern", help="id of a synthetic pattern in data/loss-patterns.yaml")
    parser.add_argument("--data", default=str(DATA), help="the patterns file (with --pattern)")
    parser.add_argument("--window", type=int, default=50, help="steps in the rolling baseline")
    parser.add_argument("--warmup", type=int, default=100,
                        help="steps ignored by the spike, drop and trend rules")
    parser.add_argument("--jump", type=float, default=0.25,
                        help="minimum jump or drop, in loss units, to raise an alarm")
    parser.add_argument("--mads", type=float, default=6.0,
                        help="... and at least this many robust deviations of the window")
    parser.add_argument("--recover", type=int, default=100,
                        help="steps a spike may take to come back before it counts as a jump")
    parser.add_argument("--rise", type=float, default=0.3,
                        help="rolling mean this far above its lowest value = rising trend")
    return parser.parse_args()


def load_series(args):
    if args.jsonl:
        steps, losses = [], []
        with open(args.jsonl, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    rec = json.loads(line)
                    steps.append(int(rec["step"]))
                    losses.append(rec["loss"])
        return steps, losses
    import yaml   # only needed for the synthetic patterns

    doc = yaml.safe_load(Path(args.data).read_text(encoding="utf-8"))
    for pattern in doc["loss_patterns"]:
        if pattern["id"] == args.pattern:
            return list(range(len(pattern["loss"]))), pattern["loss"]
    sys.exit(f"no pattern {args.pattern!r} in {args.data}")


def finite(value):
    return value is not None and math.isfinite(value)


def alarms(steps, losses, window=50, warmup=100, jump=0.25, mads=6.0, recover=100, rise=0.3,
           repeat_span=300):
    """Yield (step, message) in step order."""
    history = []              # finite losses seen so far, spikes excluded
    open_spike = None         # (start index, baseline, threshold) of a spike not yet over
    spikes = []               # indices of all spikes, for the "repeated" rule
    drop_run = 0
    best_mean = math.inf
    rising = False
    start = next((v for v in losses if finite(v)), None)
    for i, (step, loss) in enumerate(zip(steps, losses)):
        if not finite(loss):
            yield step, "loss is NaN/inf: stop before the optimizer applies this step"
            return
        if i >= warmup and len(history) >= window:
            recent = history[-window:]
            median = statistics.median(recent)
            mad = statistics.median(abs(v - median) for v in recent) * 1.4826
            threshold = max(jump, mads * mad)
            if open_spike is None and loss > median + threshold:
                open_spike = (i, median, threshold)
                spikes.append(i)
                yield step, f"spike: {loss:.2f} is {loss - median:+.2f} above the median"
                recent_spikes = [j for j in spikes if i - j < repeat_span]
                if len(recent_spikes) >= 3:
                    yield step, (f"repeated spikes: {len(recent_spikes)} in the last "
                                 f"{repeat_span} steps: roll back before the first and fix "
                                 f"the cause")
            elif open_spike is not None:
                begun, base, base_threshold = open_spike
                if loss < base + base_threshold:
                    yield step, f"recovered from the spike of step {steps[begun]}"
                    open_spike = None
                elif i - begun >= recover:
                    yield step, (f"no recovery {recover} steps after the spike of step "
                                 f"{steps[begun]}: roll back")
                    open_spike = None
                    history = []               # judge the new level on its own
            drop_run = drop_run + 1 if loss < median - threshold else 0
            if drop_run == 5:
                yield steps[i - 4], ("sudden drop below the recent median: data already "
                                     "seen? check the loader position")
            mean = statistics.fmean(recent)
            best_mean = min(best_mean, mean)
            if not rising and mean > best_mean + rise:
                rising = True
                yield step, (f"rising trend: mean of the last {window} steps is "
                             f"{mean - best_mean:+.2f} above its lowest value")
        if i == warmup and start is not None and loss > start * 0.99:
            yield step, f"no progress: loss {loss:.2f} after {warmup} steps (started at {start:.2f})"
        if open_spike is None:
            history.append(loss)       # keep spike values out of the baseline


def main():
    args = parse_args()
    steps, losses = load_series(args)
    found = 0
    for step, message in alarms(steps, losses, args.window, args.warmup, args.jump, args.mads,
                                args.recover, args.rise):
        print(f"step {step}: {message}")
        found += 1
    if not found:
        print(f"no alarms in {len(losses)} steps")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
