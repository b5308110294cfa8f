"""The preloader of tests/preloaded_python.py: imports PyTorch, MkDocs and WeasyPrint once, then forks
one child per run.

Started as `python tests/script_preloader.py SOCKET READY_FD OWNER_PID` with the environment of the
first run that needs it. It listens on the Unix socket SOCKET, writes "ready" to READY_FD, and for
each connection reads one request (what to run, its working directory, environment, umask and
file descriptors, passed with SCM_RIGHTS), forks a child that becomes that run, and answers
{"pid": ...} when it starts and {"status": ...} when it ends. A connection closed before its run
has ended means the stand-in process was killed: the run is killed too. The preloader stops when
the pytest process OWNER_PID has gone, or on SIGTERM, and kills the runs still going.

The child sets itself up as the interpreter would for `python [-u] [-B] script.py | -m module |
-c code`: argv, sys.path[0], a new __main__ module, standard streams on the run's descriptors, and
at the end joined threads, atexit handlers, flushed streams and the exit status (a signal for an
uncaught KeyboardInterrupt); an uncaught exception prints its traceback from the run's own code on.
"""

import json
import os
import selectors
import signal
import socket
import sys
import time

try:  # what the book's scripts spend their start-up on; a run imports anything else itself
    import numpy  # noqa: F401
    import torch  # noqa: F401
    import torch._dynamo  # noqa: F401 - DistributedDataParallel and FSDP import it: as long again as torch
except ImportError:
    pass
try:  # what a site build of the tests spends its start-up on (MkDocs, its theme, plugins, Markdown)
    import babel.core  # noqa: F401
    import markdown  # noqa: F401
    import material  # noqa: F401
    import mkdocs.commands.build  # noqa: F401
    import mkdocs.config.defaults  # noqa: F401
    import mkdocs_static_i18n.plugin  # noqa: F401
    import pygments.formatters.html  # noqa: F401
    import pymdownx.highlight  # noqa: F401
    import pymdownx.superfences  # noqa: F401
except ImportError:
    pass
try:  # what the tests' fixture PDF and EPUB builds spend their start-up on
    import bs4  # noqa: F401
    import pikepdf  # noqa: F401
    import weasyprint  # noqa: F401
except ImportError:
    pass

OWNER_CHECK_SECONDS = 2.0


def receive(connection: socket.socket) -> tuple[dict, list[int]]:
    connection.settimeout(30)
    message, fds, _, _ = socket.recv_fds(connection, 1 << 16, 250)
    if len(message) < 8:
        raise ConnectionError("a request without its length")
    size = int.from_bytes(message[:8], "big")
    body = message[8:]
    while len(body) < size:
        chunk = connection.recv(size - len(body))
        if not chunk:
            raise ConnectionError("a request cut short")
        body += chunk
    connection.settimeout(None)
    return json.loads(body), fds


# ------------------------------------------------------------------------------------ the child

def become(request: dict, received: list[int]) -> None:
    """In the forked child, with every descriptor of the preloader already closed but `received`:
    become the run, run it, exit. Never returns."""
    code = 1
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the preloader's own stop
    try:
        inherit_ignored_signals(request["ignored"])
        place_descriptors(request["fds"], received)
        code = set_up_and_run(request)
    except BaseException:  # noqa: BLE001 - a failure to set up the run is reported on its stderr
        import traceback

        os.write(2, traceback.format_exc().encode())
    finally:
        if code < 0:  # ended by a signal, as CPython ends on an uncaught KeyboardInterrupt
            signal.signal(-code, signal.SIG_DFL)
            os.kill(os.getpid(), -code)
        os._exit(code)


def inherit_ignored_signals(ignored: list[int]) -> None:
    """Ignore what the stand-in inherited as ignored, and only that, as a new interpreter would: it
    leaves an ignored SIGINT ignored and otherwise raises KeyboardInterrupt on it. SIGPIPE and SIGXFSZ
    are ignored by every interpreter."""
    for number in signal.valid_signals():
        if number in (signal.SIGKILL, signal.SIGSTOP, signal.SIGPIPE, signal.SIGXFSZ):
            continue
        current = signal.getsignal(number)
        if number in ignored:
            signal.signal(number, signal.SIG_IGN)
        elif current == signal.SIG_IGN:
            signal.signal(number, signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL)


def place_descriptors(numbers: list[int], received: list[int]) -> None:
    """Give the run its descriptors under the numbers they had in the stand-in, and no others."""
    import fcntl

    base = max([*numbers, *received, 2]) + 1
    moved = [fcntl.fcntl(fd, fcntl.F_DUPFD, base) for fd in received]
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in moved:
            try:
                os.close(fd)
            except OSError:  # the descriptor os.listdir read the folder with
                pass
    for number, fd in zip(numbers, moved):
        os.dup2(fd, number)
        os.close(fd)


def standard_stream(fd: int, mode: str, template, line_buffering: bool, write_through: bool):
    try:
        os.fstat(fd)
    except OSError:  # the interpreter sets a stream whose descriptor is closed to None
        return None
    stream = open(fd, mode, encoding=template.encoding, errors=template.errors, closefd=False)
    if mode == "w":
        stream.reconfigure(line_buffering=line_buffering, write_through=write_through)
    return stream


def set_up_and_run(request: dict) -> int:
    import atexit
    import builtins
    import tempfile
    import threading
    import types

    os.umask(request["umask"])
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    tempfile.tempdir = None  # chosen again from this run's TMPDIR
    sys.executable = request["executable"]  # the run's own `python` and its children are forked too
    if "multiprocessing.spawn" in sys.modules:
        sys.modules["multiprocessing.spawn"].set_executable(sys.executable)
    if "numpy.random" in sys.modules:  # a new interpreter seeds NumPy's global generator afresh
        sys.modules["numpy.random"].seed()
    if request["dont_write_bytecode"]:
        sys.dont_write_bytecode = True
    unbuffered = request["unbuffered"] or bool(os.environ.get("PYTHONUNBUFFERED"))
    sys.stdin = sys.__stdin__ = standard_stream(0, "r", sys.__stdin__, False, False)
    sys.stdout = sys.__stdout__ = standard_stream(1, "w", sys.__stdout__, os.isatty(1), unbuffered)
    sys.stderr = sys.__stderr__ = standard_stream(2, "w", sys.__stderr__, True, unbuffered)

    main = types.ModuleType("__main__")
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    mode, target, args = request["mode"], request["target"], request["args"]
    try:
        if mode == "c":
            sys.argv = ["-c", *args]
            sys.path[0] = ""
            exec(compile(target, "<string>", "exec"), main.__dict__)
        elif mode == "m":
            import runpy

            sys.argv = ["-m", *args]
            sys.path[0] = os.getcwd()
            runpy._run_module_as_main(target)  # what `python -m` itself calls
        else:
            from importlib.machinery import SourceFileLoader

            sys.argv = [target, *args]
            sys.path[0] = os.path.dirname(os.path.realpath(target))
            path = os.path.abspath(target)  # the interpreter names the script by its absolute path
            main.__file__, main.__cached__ = path, None
            main.__loader__ = SourceFileLoader("__main__", path)
            with open(path, "rb") as source:
                code = compile(source.read(), path, "exec")
            exec(code, main.__dict__)
        status = 0
    except SystemExit as error:
        status = exit_status(error)
    except KeyboardInterrupt as error:
        print_from_run(error)
        status = -signal.SIGINT
    except BaseException as error:  # noqa: BLE001 - the interpreter prints any uncaught exception
        print_from_run(error)
        status = 1
    threading._shutdown()  # join non-daemon threads, as the interpreter does at exit
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and not stream.closed:  # as the interpreter flushes them at exit
            stream.flush()
    return status


def exit_status(error: SystemExit) -> int:
    if error.code is None:
        return 0
    if isinstance(error.code, int):
        return error.code
    print(error.code, file=sys.stderr)
    return 1


def print_from_run(error: BaseException) -> None:
    """The traceback as the interpreter prints it: without this file's frames."""
    import traceback

    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    traceback.print_exception(type(error), error, tb or error.__traceback__)


# ------------------------------------------------------------------------------------ the server

class Server:
    def __init__(self, listener: socket.socket, owner: int):
        self.listener = listener
        self.owner = owner
        self.selector = selectors.DefaultSelector()
        self.selector.register(listener, selectors.EVENT_READ, ("accept", None))
        self.runs: dict[int, tuple[socket.socket | None, int]] = {}  # pid: (connection, pidfd)

    def serve(self) -> None:
        checked = time.monotonic()
        while True:
            for key, _ in self.selector.select(timeout=OWNER_CHECK_SECONDS):
                what, pid = key.data
                if what == "accept":
                    self.start_run()
                elif what == "ended":
                    self.report_end(pid)
                else:  # the stand-in's connection: readable only when it has gone
                    self.stand_in_gone(pid)
            if time.monotonic() - checked >= OWNER_CHECK_SECONDS:
                checked = time.monotonic()
                try:
                    os.kill(self.owner, 0)
                except ProcessLookupError:
                    return

    def start_run(self) -> None:
        connection, _ = self.listener.accept()
        try:
            request, received = receive(connection)
        except (OSError, ValueError):
            connection.close()
            return
        pid = os.fork()
        if pid == 0:
            become(request, received)
        for fd in received:
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        self.runs[pid] = (connection, pidfd)
        self.selector.register(pidfd, selectors.EVENT_READ, ("ended", pid))
        self.selector.register(connection, selectors.EVENT_READ, ("stand-in", pid))
        self.answer(pid, {"pid": pid})

    def answer(self, pid: int, reply: dict) -> None:
        connection = self.runs[pid][0]
        if connection is not None:
            try:
                connection.sendall(json.dumps(reply).encode() + b"\n")
            except OSError:
                self.stand_in_gone(pid)

    def report_end(self, pid: int) -> None:
        _, status = os.waitpid(pid, 0)
        self.answer(pid, {"status": os.waitstatus_to_exitcode(status)})
        connection, pidfd = self.runs.pop(pid)
        self.selector.unregister(pidfd)
        os.close(pidfd)
        if connection is not None:
            self.selector.unregister(connection)
            connection.close()

    def stand_in_gone(self, pid: int) -> None:
        connection, pidfd = self.runs[pid]
        if connection is None:
            return
        self.selector.unregister(connection)
        connection.close()
        self.runs[pid] = (None, pidfd)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        for pid in self.runs:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def main() -> None:
    path, ready, owner = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(0))
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unready = f"{path}.{os.getpid()}"
    listener.bind(unready)
    listener.listen(64)
    os.rename(unready, path)  # runs connect only once it listens
    with open(path.removesuffix(".sock") + ".pid", "w") as pid_file:  # for tests/script_runner.py to stop it
        pid_file.write(str(os.getpid()))
    os.write(ready, b"ready\n")
    os.close(ready)
    server = Server(listener, owner)
    try:
        server.serve()
    finally:
        server.stop()
        for name in (path, path.removesuffix(".sock") + ".pid"):
            try:
                os.unlink(name)
            except OSError:
                pass


if __name__ == "__main__":
    main()
