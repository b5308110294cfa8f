#!/usr/bin/env python3
"""torch-distributed-gpu-test.py: can every rank of this job talk to every other?

Stages, each of which must finish within --timeout seconds:
    1. resolve   MASTER_ADDR resolves to an IP address
    2. init      process-group rendezvous (NCCL on GPUs, gloo on CPUs)
    3. memory    allocate and touch --mem-mib MiB on this rank's device
    4. barrier   every rank reaches the same point
    5. allreduce each rank contributes rank+1; every rank checks the sum n(n+1)/2
    6. allgather every rank checks it received the rank number of every other rank

Each rank prints one line with its hostname, rank, local rank and device;
rank 0 then prints a summary. A stage that hangs becomes a timeout message
that says what to check, and the process exits with code 3.

    torchrun --nproc-per-node 8 torch-distributed-gpu-test.py
    srun --ntasks-per-node 8 --gpus-per-node 8 python torch-distributed-gpu-test.py

Exit codes: 0 all checks passed, 1 a check failed, 2 bad arguments, 3 timeout.
"""

import argparse
import datetime
import faulthandler
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_TIMEOUT = 3

WHAT_TO_CHECK = """\
What to check:
  - Did all {world} ranks start? Every node must run the same command with the same
    MASTER_ADDR/MASTER_PORT; a missing or crashed rank makes the others wait forever.
  - Is MASTER_ADDR:MASTER_PORT ({master}) reachable from every node?
    Try: nc -zv {addr} {port}   (and check firewalls / security groups for that port)
  - Rerun with NCCL_DEBUG=INFO (and TORCH_DISTRIBUTED_DEBUG=DETAIL) to see which
    network interface and transport NCCL picks.
  - Wrong network interface? List them with `ip -br addr` and set
    NCCL_SOCKET_IFNAME (NCCL) / GLOO_SOCKET_IFNAME (gloo) to the one the nodes share,
    e.g. NCCL_SOCKET_IFNAME=eth0 or =^docker,lo to exclude some.
  - InfiniBand/RoCE: check `ibstat` (ports Active), and try NCCL_IB_DISABLE=1 once to
    tell a fabric problem from a software one.
  - Same PyTorch/NCCL versions and the same script on every node?"""


# ----------------------------------------------------------------- launcher environment

def first_host(nodelist):
    """First host of a SLURM node list, without scontrol: 'gpu[07-09,12],cpu1' -> 'gpu07'."""
    m = re.match(r"([^,\[]+)(\[([^\]]+)\])?", nodelist.strip())
    if not m:
        return nodelist
    prefix, ranges = m.group(1), m.group(3)
    return prefix + ranges.split(",")[0].split("-")[0] if ranges else prefix


def slurm_master_addr(nodelist):
    if shutil.which("scontrol"):
        try:
            out = subprocess.run(["scontrol", "show", "hostnames", nodelist], check=True,
                                 capture_output=True, text=True, timeout=30).stdout.split()
            if out:
                return out[0]
        except (subprocess.SubprocessError, OSError):
            pass
    return first_host(nodelist)


def setup_launcher_env():
    """Fill RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT; return the launcher name."""
    env = os.environ
    if "RANK" in env and "WORLD_SIZE" in env:
        launcher = "torchrun"
        env.setdefault("LOCAL_RANK", "0")
    elif "SLURM_PROCID" in env:
        launcher = "slurm"
        env["RANK"] = env["SLURM_PROCID"]
        env["WORLD_SIZE"] = env.get("SLURM_NTASKS") or env.get("SLURM_NPROCS") or "1"
        env["LOCAL_RANK"] = env.get("SLURM_LOCALID", "0")
        if "MASTER_ADDR" not in env:
            nodelist = env.get("SLURM_JOB_NODELIST") or env.get("SLURM_NODELIST")
            if not nodelist:
                raise RuntimeError("under SLURM but neither MASTER_ADDR nor SLURM_JOB_NODELIST is set")
            env["MASTER_ADDR"] = slurm_master_addr(nodelist)
        if "MASTER_PORT" not in env:
            env["MASTER_PORT"] = str(20000 + int(env.get("SLURM_JOB_ID", "0")) % 20000)
    else:
        launcher = "single process"
        env.update(RANK="0", WORLD_SIZE="1", LOCAL_RANK="0")
        env.setdefault("MASTER_ADDR", "127.0.0.1")
        if "MASTER_PORT" not in env:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                env["MASTER_PORT"] = str(s.getsockname()[1])
    env.setdefault("MASTER_PORT", "29500")
    return launcher


# ----------------------------------------------------------------- watchdog

class Watchdog:
    """Turns a stage that runs past its deadline into a clear message and exit code 3.

    A Python thread prints the message; as a last resort (if the main thread holds
    the GIL inside a stuck C++ call) faulthandler kills the process from C."""

    def __init__(self, timeout, rank, world):
        self.timeout = timeout
        self.grace = min(30.0, max(2.0, 0.2 * timeout))
        self.rank, self.world = rank, world
        self.stage = "start"
        self.deadline = time.monotonic() + timeout + self.grace
        self.lock = threading.Lock()
        self.done = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def enter(self, stage):
        with self.lock:
            self.stage = stage
            self.deadline = time.monotonic() + self.timeout + self.grace
        faulthandler.dump_traceback_later(self.timeout + 2 * self.grace + 10, exit=True)

    def stop(self):
        self.done.set()
        faulthandler.cancel_dump_traceback_later()

    def _run(self):
        while not self.done.wait(0.2):
            with self.lock:
                late = time.monotonic() > self.deadline
                stage = self.stage
            if late:
                report_timeout(self.rank, self.world, stage, self.timeout)
                os._exit(EXIT_TIMEOUT)


def report_timeout(rank, world, stage, timeout, detail=""):
    addr, port = os.environ.get("MASTER_ADDR", "?"), os.environ.get("MASTER_PORT", "?")
    lines = [f"[rank {rank}/{world} on {socket.gethostname()}] TIMEOUT: stage '{stage}' did not "
             f"finish within {timeout:g} s."]
    if detail:
        lines.append(f"  error: {detail}")
    lines.append(WHAT_TO_CHECK.format(world=world, master=f"{addr}:{port}", addr=addr, port=port))
    print("\n".join(lines), file=sys.stderr, flush=True)


def looks_like_timeout(exc):
    text = f"{type(exc).__name__} {exc}".lower()
    return any(w in text for w in ("timeout", "timed out", "deadline"))


# ----------------------------------------------------------------- main

def build_parser():
    p = argparse.ArgumentParser(
        prog="torch-distributed-gpu-test.py",
        description="Check that every rank of a (multi-node) job can talk to every other rank.")
    p.add_argument("--timeout", type=float, default=120,
                   help="seconds each stage may take before it counts as a hang (default 120)")
    p.add_argument("--mem-mib", type=int, default=256,
                   help="MiB to allocate and touch on each rank's device; 0 skips (default 256)")
    p.add_argument("--backend", choices=("auto", "nccl", "gloo"), default="auto",
                   help="auto: nccl when a GPU is visible, else gloo")
    return p


def main(argv=None):
    p = build_parser()
    args = p.parse_args(argv)
    if args.timeout <= 0:
        p.error("--timeout must be > 0")
    if args.mem_mib < 0:
        p.error("--mem-mib must be >= 0")

    try:
        launcher = setup_launcher_env()
    except RuntimeError as exc:
        print(f"torch-distributed-gpu-test.py: error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ["LOCAL_RANK"])
    host = socket.gethostname()
    tag = f"[rank {rank}/{world} on {host}]"
    dog = Watchdog(args.timeout, rank, world)

    def fail(stage, message):
        dog.stop()
        print(f"{tag} FAILED at stage '{stage}': {message}", file=sys.stderr, flush=True)
        return EXIT_FAIL

    # 1. resolve
    dog.enter("resolve")
    addr = os.environ["MASTER_ADDR"]
    try:
        master_ip = socket.gethostbyname(addr)
    except OSError as exc:
        return fail("resolve", f"MASTER_ADDR={addr!r} does not resolve ({exc}); "
                               "use a hostname or IP that every node can resolve")

    import torch
    import torch.distributed as dist

    backend = args.backend
    if backend == "auto":
        backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl" and not torch.cuda.is_available():
        return fail("init", "--backend nccl needs a GPU, and torch.cuda.is_available() is False")
    if torch.cuda.is_available() and backend == "nccl":
        ngpu = torch.cuda.device_count()
        if ngpu == 1:        # e.g. srun --gpus-per-task=1: each task sees only its own GPU
            index = 0
        elif local_rank < ngpu:
            index = local_rank
        else:
            return fail("init", f"LOCAL_RANK={local_rank} but only {ngpu} GPU(s) are visible "
                                "(more tasks per node than GPUs? check CUDA_VISIBLE_DEVICES)")
        device = torch.device("cuda", index)
        torch.cuda.set_device(device)
        device_name = f"cuda:{index} ({torch.cuda.get_device_name(device)})"
    else:
        device = torch.device("cpu")
        device_name = "cpu"

    if rank == 0:
        print(f"launcher: {launcher}  world size: {world}  master: {addr}:{os.environ['MASTER_PORT']}"
              f" ({master_ip})  backend: {backend}  timeout: {args.timeout:g} s", flush=True)

    # 2. init
    stage = "init"
    try:
        dog.enter(stage)
        kwargs = {}
        if backend == "nccl":
            kwargs["device_id"] = device
        dist.init_process_group(backend=backend, timeout=datetime.timedelta(seconds=args.timeout),
                                **kwargs)

        # 3. memory
        stage = "memory"
        dog.enter(stage)
        mem_note = "mem skipped"
        if args.mem_mib:
            n = args.mem_mib * 2**20
            block = torch.empty(n, dtype=torch.uint8, device=device)
            block.fill_(7)
            total = int(block.sum(dtype=torch.int64).item())
            del block
            if total != 7 * n:
                return fail(stage, f"wrote 7 into {args.mem_mib} MiB but read back sum {total}")
            mem_note = f"mem {args.mem_mib} MiB OK"

        # 4. barrier
        stage = "barrier"
        dog.enter(stage)
        if backend == "nccl":
            dist.barrier(device_ids=[device.index])
        else:
            dist.barrier()

        # 5. allreduce
        stage = "allreduce"
        dog.enter(stage)
        value = torch.tensor([rank + 1], dtype=torch.float64, device=device)
        dist.all_reduce(value)
        got, expected = value.item(), world * (world + 1) / 2
        if got != expected:
            return fail(stage, f"sum of rank+1 is {got:g}, expected n(n+1)/2 = {expected:g}")

        # 6. allgather
        stage = "allgather"
        dog.enter(stage)
        mine = torch.tensor([rank], dtype=torch.int64, device=device)
        everyone = [torch.zeros_like(mine) for _ in range(world)]
        dist.all_gather(everyone, mine)
        seen = [int(t.item()) for t in everyone]
        if seen != list(range(world)):
            return fail(stage, f"all_gather returned ranks {seen}, expected 0..{world - 1}")

        line = (f"{tag} local_rank={local_rank} device={device_name} {mem_note} "
                f"all_reduce OK (sum {got:g}) all_gather OK")
        print(line, flush=True)

        # summary on rank 0
        stage = "summary"
        dog.enter(stage)
        lines = [None] * world
        dist.all_gather_object(lines, (rank, host))
        if rank == 0:
            hosts = sorted({h for _, h in lines})
            print(f"OK: all {world} ranks on {len(hosts)} host(s) passed "
                  f"({', '.join(hosts[:8])}{' ...' if len(hosts) > 8 else ''})", flush=True)
        dist.destroy_process_group()
    except Exception as exc:  # noqa: BLE001 - every failure becomes one clear line
        dog.stop()
        if looks_like_timeout(exc):
            report_timeout(rank, world, stage, args.timeout, f"{type(exc).__name__}: {exc}".splitlines()[0])
            return EXIT_TIMEOUT
        print(f"{tag} FAILED at stage '{stage}': {type(exc).__name__}: {exc}", file=sys.stderr)
        print(WHAT_TO_CHECK.format(world=world, master=f"{addr}:{os.environ['MASTER_PORT']}",
                                   addr=addr, port=os.environ["MASTER_PORT"]), file=sys.stderr, flush=True)
        return EXIT_FAIL
    dog.stop()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
