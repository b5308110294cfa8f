#!/usr/bin/env python3
"""Per-rank Python stack dumps on demand (SIGUSR1) and on a stalled step.

Import it at the top of the training script and call install() once per
process, before the training loop:

    import stack_dump
    stack_dump.install("/shared/stacks")          # kill -USR1 <pid> dumps
    for step, batch in enumerate(loader):
        stack_dump.heartbeat(900)                  # dump if a step takes > 900 s
        train_step(batch)

Each process writes to its own file, <dir>/stacks.<host>.rank<R>.pid<P>.txt, so
the dumps of hundreds of ranks do not interleave in one log. faulthandler
writes them from a signal handler without taking the GIL, so it works even
when the main thread is blocked inside a C++ call (a collective, a CUDA sync).

Demo (the test uses it): python stack_dump.py --demo --dir /tmp/stacks
starts a loop that blocks in wait_for_peer(); send it SIGUSR1, or pass
--watchdog 2 and wait two seconds, then read the file it names.
"""

import argparse
import faulthandler
import os
import signal
import socket
import sys
import time

_files = []   # faulthandler needs the file to stay open for the process lifetime


def _rank():
    for var in ("RANK", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK"):
        if var in os.environ:
            return os.environ[var]
    return "x"


def dump_path(directory):
    return os.path.join(directory, f"stacks.{socket.gethostname()}.rank{_rank()}"
                                   f".pid{os.getpid()}.txt")


def install(directory, sig=signal.SIGUSR1):
    """Dump all threads' stacks to a per-rank file on `sig` and on fatal errors."""
    os.makedirs(directory, exist_ok=True)
    f = open(dump_path(directory), "a", buffering=1)
    _files.append(f)
    faulthandler.enable(file=f, all_threads=True)          # segfault, abort
    faulthandler.register(sig, file=f, all_threads=True, chain=False)
    return f.name


def heartbeat(timeout_s):
    """Re-arm the watchdog: if not called again within timeout_s, dump stacks."""
    f = _files[-1] if _files else sys.stderr
    faulthandler.dump_traceback_later(timeout_s, repeat=True, file=f)


def wait_for_peer(announce=""):
    # stands for a collective that never completes
    if announce:
        print(announce, flush=True)
    while True:
        time.sleep(0.1)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Install per-rank stack dumps; demo mode.")
    parser.add_argument("--demo", action="store_true", help="run a loop that blocks")
    parser.add_argument("--dir", default="stacks", help="directory for the dump files")
    parser.add_argument("--watchdog", type=float, default=0,
                        help="seconds without a heartbeat before an automatic dump "
                             "(0: off)")
    args = parser.parse_args(argv)
    if not args.demo:
        parser.error("nothing to do: import this module, or pass --demo")
    path = install(args.dir)
    for step in range(10**9):
        if args.watchdog:
            heartbeat(args.watchdog)
        if step == 3:
            # announce from inside, so a signal sent after the line finds us blocked
            wait_for_peer(f"pid {os.getpid()} blocks; stacks go to {path}")


if __name__ == "__main__":
    sys.exit(main())
