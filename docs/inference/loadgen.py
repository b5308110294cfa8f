#!/usr/bin/env python3
"""A small open-loop load generator for OpenAI-style streaming completions.

Requests leave at Poisson arrival times (exponential gaps at --rate per
second), independent of how fast the server answers, which is how real users
behave. Each request streams its tokens; the client timestamps every chunk and
derives, per request:

  TTFT  time from sending the request to the first token
  TPOT  (end-to-end latency - TTFT) / (output tokens - 1)
  ITL   every gap between consecutive tokens (pooled over all requests)

and for the run: output tokens/s, requests/s and goodput (requests/s that met
both --slo-ttft-ms and --slo-tpot-ms). Standard library only; one thread per
in-flight request, so keep it to modest rates. It stops after --num-requests
requests or --duration seconds of arrivals, whichever comes first.

Example:
  python loadgen.py --url http://127.0.0.1:8199 --rate 20 --num-requests 100 \
      --prompt-words 200 --max-tokens 32
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse


def one_request(url: str, prompt: str, max_tokens: int, timeout: float) -> dict:
    body = json.dumps({"model": "any", "prompt": prompt, "max_tokens": max_tokens,
                       "stream": True, "ignore_eos": True, "temperature": 0}).encode()
    req = urllib.request.Request(url + "/v1/completions", data=body,
                                 headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    stamps = []
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            for raw in resp:
                line = raw.decode("utf-8", "replace").strip()
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                chunk = json.loads(data)
                # Count chunks that carry text; a usage-only chunk carries none.
                if any(c.get("text") for c in chunk.get("choices", [])):
                    stamps.append(time.perf_counter())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return {"ok": False, "error": str(exc)}
    if not stamps:
        return {"ok": False, "error": "no tokens received"}
    ttft = stamps[0] - start
    e2e = stamps[-1] - start
    n = len(stamps)
    return {"ok": True, "ttft": ttft, "e2e": e2e, "tokens": n,
            "tpot": (e2e - ttft) / (n - 1) if n > 1 else None,
            "itl": [b - a for a, b in zip(stamps, stamps[1:])]}


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(q / 100 * len(s) + 0.5)) - 1))
    return s[k]


def run(a: argparse.Namespace) -> dict:
    rng = random.Random(a.seed)
    results: list[dict] = []
    lock = threading.Lock()
    threads = []

    def worker(prompt: str) -> None:
        r = one_request(a.url, prompt, a.max_tokens, a.timeout)
        with lock:
            results.append(r)

    t0 = time.perf_counter()
    next_at = 0.0
    for i in range(a.num_requests):
        next_at += rng.expovariate(a.rate)
        if next_at > a.duration:
            break
        delay = t0 + next_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        # Vary prompt length +-50 % around the mean so requests differ, as real ones do.
        words = max(1, int(a.prompt_words * rng.uniform(0.5, 1.5)))
        th = threading.Thread(target=worker, args=(" ".join(["hello"] * words),), daemon=True)
        th.start()
        threads.append(th)
    for th in threads:
        th.join(a.timeout + 5)
    wall = time.perf_counter() - t0
    ok = [r for r in results if r["ok"]]
    if not ok:
        errors = sorted({r["error"] for r in results}) or ["no requests were sent"]
        raise SystemExit(f"loadgen.py: error: every request failed: {errors[0]}")
    tpots = [r["tpot"] for r in ok if r["tpot"] is not None]
    itl = [g for r in ok for g in r["itl"]]
    good = [r for r in ok if r["ttft"] * 1e3 <= a.slo_ttft_ms
            and (r["tpot"] is None or r["tpot"] * 1e3 <= a.slo_tpot_ms)]

    def summary(values: list[float]) -> dict:
        if not values:
            return {}
        return {"mean_ms": statistics.fmean(values) * 1e3, "p50_ms": pct(values, 50) * 1e3,
                "p90_ms": pct(values, 90) * 1e3, "p99_ms": pct(values, 99) * 1e3}

    return {"sent": len(results), "completed": len(ok), "failed": len(results) - len(ok),
            "wall_s": wall, "output_tokens": sum(r["tokens"] for r in ok),
            "output_tokens_per_s": sum(r["tokens"] for r in ok) / wall,
            "requests_per_s": len(ok) / wall, "goodput_requests_per_s": len(good) / wall,
            "slo_met_share": len(good) / len(ok),
            "ttft": summary([r["ttft"] for r in ok]), "tpot": summary(tpots),
            "itl": summary(itl), "e2e": summary([r["e2e"] for r in ok])}


def report(r: dict, a: argparse.Namespace) -> str:
    lines = [f"requests: {r['completed']} completed, {r['failed']} failed in {r['wall_s']:.1f} s",
             f"throughput: {r['output_tokens_per_s']:.1f} output tok/s, "
             f"{r['requests_per_s']:.2f} req/s",
             f"goodput (TTFT <= {a.slo_ttft_ms:g} ms, TPOT <= {a.slo_tpot_ms:g} ms): "
             f"{r['goodput_requests_per_s']:.2f} req/s ({r['slo_met_share']:.0%} of requests)",
             f"{'metric':<6} {'mean':>9} {'p50':>9} {'p90':>9} {'p99':>9}  (ms)"]
    for name in ("ttft", "tpot", "itl", "e2e"):
        s = r[name]
        if s:
            lines.append(f"{name.upper():<6} {s['mean_ms']:9.1f} {s['p50_ms']:9.1f} "
                         f"{s['p90_ms']:9.1f} {s['p99_ms']:9.1f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default="http://127.0.0.1:8199", help="server base URL")
    p.add_argument("--rate", type=float, default=10.0, help="mean arrivals per second (Poisson)")
    p.add_argument("--num-requests", type=int, default=50, help="stop after this many requests")
    p.add_argument("--duration", type=float, default=30.0, help="stop sending after this many seconds")
    p.add_argument("--prompt-words", type=int, default=100, help="mean prompt length in words")
    p.add_argument("--max-tokens", type=int, default=32, help="output tokens per request")
    p.add_argument("--slo-ttft-ms", type=float, default=500.0)
    p.add_argument("--slo-tpot-ms", type=float, default=50.0)
    p.add_argument("--timeout", type=float, default=60.0, help="per-request timeout in seconds")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    a = p.parse_args(argv)
    if not a.rate > 0 or a.num_requests < 1 or not a.duration > 0 or a.prompt_words < 1:
        p.error("--rate, --num-requests, --duration and --prompt-words must be positive")
    if a.max_tokens < 2:
        p.error("--max-tokens must be at least 2 (TPOT needs two tokens)")
    host = urlparse(a.url).hostname
    if urlparse(a.url).scheme not in ("http", "https") or not host:
        p.error(f"--url must look like http://127.0.0.1:8199, got {a.url}")
    r = run(a)
    print(json.dumps(r, indent=2) if a.json else report(r, a))
    return 0


if __name__ == "__main__":
    sys.exit(main())
