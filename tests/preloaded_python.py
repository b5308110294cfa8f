"""The `python` that the tests start the book's scripts with: forks each run from a process that has
already imported PyTorch, instead of spending 2-3 CPU-seconds on `import torch` in a new interpreter.

tests/script_runner.py writes a small executable, `python`, into a folder of its own, and hands its
path to the tests. It runs this module under `python -I -S` (no site-packages: it starts in about
10 ms) with that folder, the real interpreter and the pytest worker's process id. A run such as

    python [-u] [-B] script.py args | -m module args | -c code args

is sent with its arguments, working directory, environment, umask and every open file descriptor
(stdin, stdout, stderr, and any others it inherited, such as the pipes of multiprocessing) to a
preloader, tests/script_preloader.py, which forks a child that becomes that run. This process
stays as the run's stand-in: it passes on the signals it receives (torchrun stops its workers with
SIGTERM) and exits with the run's exit status, or dies of the signal that ended the run.

Inside a run, sys.executable is this `python` again, so the processes that torchrun, mp.spawn and
the pages' own `subprocess.run([sys.executable, ...])` start are forked too.

The preloader for a run is the one started with the same values of the variables that the
interpreter, the C and OpenMP runtimes or PyTorch read when a process starts or imports torch
(START_UP_VARIABLES, such as OMP_NUM_THREADS, which torchrun sets to 1 for its workers). The first
run that needs one starts it; at most MAX_PRELOADERS run at once, and a run that would need
another one starts the real interpreter. So does any other command line (`-X`, `-W`, `-I`, a
missing script ...): it is handed to the real interpreter unchanged, with os.execv.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import socket
import sys

START_UP_VARIABLES = ("PYTHON", "LD_", "OMP_", "MKL_", "OPENBLAS_", "KMP_", "GOMP_", "TORCH", "PYTORCH",
                      "CUDA", "NCCL", "GLOO", "LC_", "LANG", "MALLOC")
# Read when a run creates a process group or first touches a GPU, not at start-up: torchrun's
# per-launch run id and per-worker error file, the collectives' own settings, the GPUs to show.
READ_LATER = ("TORCHELASTIC_", "TORCH_NCCL_", "TORCH_FR_", "NCCL_", "GLOO_", "CUDA_VISIBLE_DEVICES")
MAX_PRELOADERS = 4
PRELOADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "script_preloader.py")
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)


def start_up_key(env: dict) -> str:
    """Names the preloader that a run with this environment is forked from."""
    chosen = sorted((name, value) for name, value in env.items()
                    if name.startswith(START_UP_VARIABLES) and not name.startswith(READ_LATER))
    return hashlib.sha256(json.dumps(chosen).encode()).hexdigest()[:16]


def parse(args: list[str]) -> dict | None:
    """What `python args` runs, or None for a command line this module leaves to the real interpreter."""
    flags = {"unbuffered": False, "dont_write_bytecode": False}
    for i, arg in enumerate(args):
        if arg in ("-c", "-m"):
            if i + 1 == len(args):
                return None
            return {"mode": arg[1], "target": args[i + 1], "args": args[i + 2:], **flags}
        if not arg.startswith("-"):
            if not os.path.isfile(arg):  # a folder, a zip file or a missing file: the interpreter's own answer
                return None
            return {"mode": "script", "target": arg, "args": args[i + 1:], **flags}
        letters = arg[1:]
        if not letters or set(letters) - {"u", "B"}:
            return None
        flags["unbuffered"] |= "u" in letters
        flags["dont_write_bytecode"] |= "B" in letters
    return None  # no script: an interactive interpreter


def ignored_signals() -> list[int]:
    """The signals this process inherited as ignored (a command started with `&` in a script ignores
    SIGINT and SIGQUIT): the run ignores them too."""
    with open("/proc/self/status") as status:
        mask = next(int(line.split()[1], 16) for line in status if line.startswith("SigIgn:"))
    return [number for number in range(1, 65) if mask & (1 << (number - 1))]


def open_fds() -> list[int]:
    """The descriptors this process inherited, in order."""
    return sorted(int(name) for name in os.listdir("/proc/self/fd")
                  if _is_open(int(name)))


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:  # the descriptor os.listdir read the folder with, closed since
        return False
    return True


def connect(path: str) -> socket.socket | None:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(path)
    except OSError:
        client.close()
        return None
    return client


def preloader_socket(folder: str, real: str, owner: int, env: dict) -> socket.socket | None:
    """A connection to the preloader for env, started here if there is none yet (None when it cannot be)."""
    key = start_up_key(env)
    path = os.path.join(folder, key + ".sock")
    client = connect(path)
    if client is not None:
        return client
    with open(os.path.join(folder, key + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one start per preloader, however many runs ask at once
        client = connect(path)
        if client is not None:
            return client
        if sum(name.endswith(".sock") for name in os.listdir(folder)) >= MAX_PRELOADERS:
            return None
        import subprocess

        ready_read, ready_write = os.pipe()
        with open(os.path.join(folder, key + ".log"), "ab") as log:
            subprocess.Popen([real, PRELOADER, path, str(ready_write), str(owner)], env=env, cwd=folder,
                             stdin=subprocess.DEVNULL, stdout=log, stderr=log, pass_fds=(ready_write,),
                             start_new_session=True)
        os.close(ready_write)
        with os.fdopen(ready_read, "rb") as ready:
            if ready.read() != b"ready\n":  # it ended before it could serve; its log says why
                return None
        return connect(path)


def send(client: socket.socket, request: dict, fds: list[int]) -> None:
    body = json.dumps(request).encode()
    message = len(body).to_bytes(8, "big") + body
    sent = socket.send_fds(client, [message], fds)
    client.sendall(message[sent:])


def end_as(status: int) -> None:
    """Exit as the run did: with its exit status, or killed by the same signal."""
    if status < 0:
        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
        status = 128 - status  # a signal that does not end a process
    os._exit(status)


def main(folder: str, real: str, owner: int) -> None:
    args = sys.argv[1:]
    request = parse(args)
    fds = open_fds()
    ignored = ignored_signals()
    try:
        cwd = os.getcwd()
    except OSError:  # the working directory was removed: let the interpreter report it
        request = None
    client = None if request is None else preloader_socket(folder, real, owner, dict(os.environ))
    if client is None:
        os.execv(real, [real, *args])
    umask = os.umask(0)
    os.umask(umask)
    request.update(cwd=cwd, env=dict(os.environ), umask=umask, fds=fds, ignored=ignored,
                   executable=os.path.join(folder, "python"))
    run = {"pid": None, "pending": []}

    def forward(received: int, frame) -> None:
        if run["pid"] is None:  # the run may already be going before its pid has reached this process
            run["pending"].append(received)
            return
        try:
            os.kill(run["pid"], received)
        except ProcessLookupError:  # the run has just ended: its status is on its way
            pass

    for number in FORWARDED:
        signal.signal(number, forward)
    send(client, request, fds)
    replies = client.makefile("rb")
    started = replies.readline()
    if not started:
        print(f"{sys.argv[0]}: the preloader ended before the run started; see {folder}", file=sys.stderr)
        os._exit(70)
    run["pid"] = json.loads(started)["pid"]
    for number in run["pending"]:
        forward(number, None)
    ended = replies.readline()
    if not ended:
        print(f"{sys.argv[0]}: the preloader ended during the run; see {folder}", file=sys.stderr)
        os._exit(70)
    end_as(json.loads(ended)["status"])
