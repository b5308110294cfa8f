"""Run the book's Python scripts in processes forked from one that has already imported PyTorch.

`python docs/.../script.py ...` spends about 2 CPU-seconds in `import torch` before the script
does anything, and the tests run such scripts about a hundred times. `run_python` forks each run
from a preloader (one per pytest worker) that imported torch and NumPy once. The run is still a
process of its own, set up as `python script.py args` would be:

- its own argv, working directory, environment, stdin (empty unless `input` is given), stdout
  and stderr (read back as subprocess.run reads them) and exit status (a negative number when a
  signal ended it, as subprocess reports it);
- sys.path[0] is the script's folder and the rest is the interpreter's own path, as the
  preloader is started with the same interpreter and environment;
- non-daemon threads are joined and atexit handlers run before it exits, as at a normal
  interpreter exit; an uncaught exception prints its traceback and exits 1.

The preloader is started with the run's own values of the variables that the interpreter, the C
and OpenMP runtimes or PyTorch read at start-up or at `import torch` (START_UP_VARIABLES, such as
OMP_NUM_THREADS or PYTHONUNBUFFERED): runs that set them differently get a preloader of their own
(at most MAX_PRELOADERS a worker, the least recently used stopped first).

`python -m module args` runs the same way, with the working directory as sys.path[0]. Any other
run goes to subprocess.run: an interpreter option (-u, -c, -X ...), or an output that is not
captured. BOOK_TESTS_PRELOAD=0 sends every run there, to compare.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

# Read by the interpreter, the C runtime, OpenMP/BLAS or PyTorch when the process starts or imports
# torch: runs that set one of them differently are forked from different preloaders.
START_UP_VARIABLES = ("PYTHON", "LD_", "OMP_", "MKL_", "OPENBLAS_", "KMP_", "GOMP_", "TORCH", "PYTORCH",
                      "CUDA", "NCCL", "GLOO", "LC_", "LANG", "MALLOC", "TMPDIR")
PRELOADER = Path(__file__).with_name("script_preloader.py")
MAX_PRELOADERS = 3


class Preloader:
    """The preloader process of this pytest worker, started on first use."""

    def __init__(self, env: dict):
        self.env = env
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.pending = b""
        atexit.register(self.stop)

    def start(self) -> subprocess.Popen:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen([sys.executable, str(PRELOADER)], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, text=True, bufsize=1, env=self.env)
            self.pending = b""
            if self.reply() != {"ready": True}:
                raise RuntimeError("the script preloader did not start")
        return self.process

    def reply(self, timeout: float | None = None) -> dict | None:
        """The preloader's next answer, or None when it does not come within timeout seconds."""
        fd = self.process.stdout.fileno()  # read raw: a buffered reader would hide a line from select
        while b"\n" not in self.pending:
            if not select.select([fd], [], [], timeout)[0]:
                return None
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError(f"the script preloader ended (exit status {self.process.wait()})")
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return json.loads(line)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=30)

    def run(self, argv: list[str], cwd: str, env: dict, input: str | bytes | None, timeout: float | None,
            text: bool) -> subprocess.CompletedProcess:
        with self.lock, tempfile.TemporaryDirectory(prefix="book-run-") as tmp:
            files = {name: os.path.join(tmp, name) for name in ("stdin", "stdout", "stderr")}
            data = input.encode() if isinstance(input, str) else (input or b"")
            Path(files["stdin"]).write_bytes(data)
            process = self.start()
            process.stdin.write(json.dumps({"argv": argv, "cwd": cwd, "env": env, **files}) + "\n")
            pid = self.reply()["pid"]
            ended = self.reply(timeout)
            if ended is None:
                os.kill(pid, signal.SIGKILL)
            status = (ended or self.reply())["status"]
            out, err = (Path(files[name]).read_bytes() for name in ("stdout", "stderr"))
        if text:
            out, err = (as_text(b) for b in (out, err))
        args = [sys.executable, *argv]
        if ended is None:
            raise subprocess.TimeoutExpired(args, timeout, output=out, stderr=err)
        return subprocess.CompletedProcess(args, status, out, err)


def as_text(data: bytes) -> str:
    """Bytes as subprocess.run(text=True) decodes them: UTF-8, universal newlines."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


PRELOADERS: dict[tuple, Preloader] = {}  # by the start-up variables they were started with, oldest use first


def preloader(env: dict) -> Preloader:
    key = tuple(sorted((name, value) for name, value in env.items() if name.startswith(START_UP_VARIABLES)))
    chosen = PRELOADERS.pop(key, None) or Preloader(env)
    PRELOADERS[key] = chosen
    while len(PRELOADERS) > MAX_PRELOADERS:
        PRELOADERS.pop(next(iter(PRELOADERS))).stop()
    return chosen


def run_python(argv: list, *, cwd=None, env=None, timeout=None, input=None, capture_output=False,
               text=False, **options) -> subprocess.CompletedProcess:
    """subprocess.run([sys.executable, *argv], ...) for the arguments tests use, forked from the preloader
    when the run is a plain `python script.py args` with captured output (see the module's notes)."""
    argv = [str(arg) for arg in argv]
    env = dict(os.environ if env is None else env)
    runs_a_script = (len(argv) > 1 and argv[0] == "-m") or (len(argv) > 0 and argv[0].endswith(".py"))
    plain = runs_a_script and capture_output and not options and os.environ.get("BOOK_TESTS_PRELOAD", "1") != "0"
    if not plain:
        return subprocess.run([sys.executable, *argv], cwd=cwd, env=env, timeout=timeout, input=input,
                              capture_output=capture_output, text=text, **options)
    return preloader(env).run(argv, str(Path(cwd or os.getcwd()).resolve()), env, input, timeout, text)
