"""bench_site.py's reload figure: how long `make serve` (scripts/serve.py) takes to rebuild after a page is touched."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.request import urlopen

import serve
from bookconf import ROOT

from .builds import site_prefix


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def touch_and_wait(page: Path, lines: list[tuple[float, str]], timeout: float) -> float:
    """Seconds from touching page to the server's 'Reloading browsers' line (the rebuild finished)."""
    time.sleep(1.0)  # let the watcher settle
    seen = len(lines)
    touched = time.perf_counter()
    os.utime(page)  # a touch: the page's text is unchanged
    while time.perf_counter() - touched < timeout:
        done = [at for at, text in lines[seen:] if "Reloading browsers" in text]
        if done:
            return done[0] - touched
        errors = [text for _, text in lines[seen:] if "ERROR" in text]
        if errors:
            raise SystemExit("bench_site: the rebuild failed: " + errors[0])
        time.sleep(0.02)
    raise SystemExit(f"bench_site: no rebuild within {timeout:.0f} s of touching {page}")


def measure_reload(page: Path, touches: int = 5, timeout: float = 300.0) -> tuple[float, list[float]]:
    """(seconds to the first build, seconds of each of `touches` reloads after touching page)."""
    port = free_port()
    command = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--port", str(port)]  # what `make serve` runs
    lines: list[tuple[float, str]] = []
    started = time.perf_counter()
    server = subprocess.Popen(command, cwd=ROOT, env=serve.environment(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, bufsize=1)

    def read() -> None:
        for line in server.stdout:
            lines.append((time.perf_counter(), line.rstrip()))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    url = f"http://127.0.0.1:{port}{site_prefix()}"
    try:
        first_build = None
        while time.perf_counter() - started < timeout:
            if server.poll() is not None:
                raise SystemExit("bench_site: mkdocs serve stopped:\n" + "\n".join(text for _, text in lines[-20:]))
            try:
                with urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        first_build = time.perf_counter() - started
                        break
            except OSError:
                time.sleep(0.2)
        if first_build is None:
            raise SystemExit(f"bench_site: mkdocs serve did not answer on {url} within {timeout:.0f} s")
        return first_build, [touch_and_wait(page, lines, timeout) for _ in range(touches)]
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
