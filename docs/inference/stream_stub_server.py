#!/usr/bin/env python3
"""A stand-in for an LLM server: OpenAI-style /v1/completions with streaming.

No model is loaded. Each request waits a prefill delay (a fixed part plus a
part per prompt token), then streams `max_tokens` tokens as server-sent events,
one every --token-delay-ms. That is enough to exercise a load generator and
check that it measures TTFT and inter-token latency correctly, on any laptop.

--stall-every/--stall-ms add a periodic pause inside each stream, the kind of
hiccup a long prefill chunk causes on a busy server: it shows up in the
inter-token latency tail but barely moves the per-request average (TPOT).

Standard library only. Binds to 127.0.0.1 and stops by itself after
--lifetime seconds. With --port 0 the OS picks a free port; the first line
printed is "listening on http://127.0.0.1:PORT".

Example:
  python stream_stub_server.py --port 8199 --prefill-ms 40 --token-delay-ms 10
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_handler(cfg: argparse.Namespace):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # keep stdout quiet
            pass

        def _error(self, code: int, message: str) -> None:
            body = json.dumps({"error": {"message": message}}).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/health":
                self._error(200, "ok")
            else:
                self._error(404, "not found")

        def do_POST(self):
            if self.path != "/v1/completions":
                self._error(404, "only /v1/completions is served")
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
                req = json.loads(self.rfile.read(length) or b"{}")
                max_tokens = int(req.get("max_tokens", 16))
                prompt = str(req.get("prompt", ""))
            except (ValueError, TypeError):
                self._error(400, "body must be JSON with prompt and max_tokens")
                return
            if not 1 <= max_tokens <= 100_000:
                self._error(400, "max_tokens must be between 1 and 100000")
                return
            prompt_tokens = len(prompt.split())
            # Prefill: the first token leaves after the whole prompt is processed.
            time.sleep((cfg.prefill_ms + cfg.prefill_ms_per_1k * prompt_tokens / 1000) / 1000)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for i in range(max_tokens):
                    if i:
                        delay = cfg.token_delay_ms
                        # A periodic stall mimics a long prefill chunk scheduled into the batch.
                        if cfg.stall_every and i % cfg.stall_every == 0:
                            delay += cfg.stall_ms
                        time.sleep(delay / 1000)
                    chunk = {"object": "text_completion", "model": "stub",
                             "choices": [{"index": 0, "text": f" tok{i}",
                                          "finish_reason": "length" if i == max_tokens - 1 else None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                usage = {"prompt_tokens": prompt_tokens, "completion_tokens": max_tokens}
                self.wfile.write(f"data: {json.dumps({'choices': [], 'usage': usage})}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client went away; nothing to clean up
            self.close_connection = True

    return Handler


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=8199, help="0 = pick a free port")
    p.add_argument("--prefill-ms", type=float, default=40.0, help="fixed delay before the first token")
    p.add_argument("--prefill-ms-per-1k", type=float, default=0.0,
                   help="extra prefill delay per 1,000 prompt words")
    p.add_argument("--token-delay-ms", type=float, default=10.0, help="gap between tokens")
    p.add_argument("--stall-every", type=int, default=0,
                   help="every Nth token of a stream waits an extra --stall-ms (0 = never)")
    p.add_argument("--stall-ms", type=float, default=0.0, help="length of each stall")
    p.add_argument("--lifetime", type=float, default=60.0, help="seconds before the server exits")
    cfg = p.parse_args(argv)
    for name in ("prefill_ms", "prefill_ms_per_1k", "token_delay_ms", "stall_every", "stall_ms"):
        if getattr(cfg, name) < 0:
            p.error(f"--{name.replace('_', '-')} must be zero or positive")
    if cfg.lifetime <= 0:
        p.error("--lifetime must be positive")
    server = ThreadingHTTPServer(("127.0.0.1", cfg.port), make_handler(cfg))
    server.daemon_threads = True
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    threading.Timer(cfg.lifetime, server.shutdown).start()
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
