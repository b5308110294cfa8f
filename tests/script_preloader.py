"""The preloader of tests/script_runner.py: imports PyTorch once, then forks one process per script run.

It reads one JSON request a line on stdin ({argv, cwd, env, stdin, stdout, stderr}: the last three
are file paths) and answers on stdout with {"pid": ...} when the run starts and {"status": ...}
when it ends. It is started as `python tests/script_preloader.py`, so its sys.path is the
interpreter's own with this folder first, which each run replaces with its script's folder.
"""

import json
import os
import sys

try:  # what the book's scripts spend their start-up on; a run imports anything else itself
    import numpy  # noqa: F401
    import torch  # noqa: F401
except ImportError:
    pass


def exit_code(error: SystemExit) -> int:
    if error.code is None:
        return 0
    if isinstance(error.code, int):
        return error.code
    print(error.code, file=sys.stderr)
    return 1


def run(request: dict) -> None:
    """In the forked child: become `python argv...`, run the script, exit. Never returns."""
    code = 1
    try:
        code = become_and_run(request)
    except BaseException:  # noqa: BLE001 - a failure to set up the run is reported on its stderr
        import traceback

        os.write(2, traceback.format_exc().encode())
    finally:
        if code < 0:  # ended by a signal, as CPython ends on an uncaught KeyboardInterrupt
            import signal

            signal.signal(-code, signal.SIG_DFL)
            os.kill(os.getpid(), -code)
        os._exit(code)


def become_and_run(request: dict) -> int:
    import atexit
    import runpy
    import threading

    for fd, name, flags in ((0, "stdin", os.O_RDONLY), (1, "stdout", os.O_WRONLY), (2, "stderr", os.O_WRONLY)):
        opened = os.open(request[name], flags | (os.O_CREAT | os.O_TRUNC if fd else 0))
        os.dup2(opened, fd)
        os.close(opened)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    encoding = sys.__stdout__.encoding
    sys.stdin = sys.__stdin__ = open(0, encoding=encoding, closefd=False)
    sys.stdout = sys.__stdout__ = open(1, "w", encoding=encoding, closefd=False)
    sys.stderr = sys.__stderr__ = open(2, "w", encoding=encoding, errors="backslashreplace", closefd=False)
    sys.stderr.reconfigure(line_buffering=True)
    if os.environ.get("PYTHONUNBUFFERED"):
        sys.stdout.reconfigure(write_through=True)
        sys.stderr.reconfigure(write_through=True)
    argv = request["argv"]
    try:
        if argv[0] == "-m":  # python -m module: sys.path[0] is the working directory
            script = None
            sys.argv = ["-m", *argv[2:]]
            sys.path[0] = os.getcwd()
            runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        else:
            script = argv[0]
            sys.argv = list(argv)
            sys.path[0] = os.path.dirname(os.path.realpath(script))
            runpy.run_path(script, run_name="__main__")
        code = 0
    except SystemExit as error:
        code = exit_code(error)
    except KeyboardInterrupt as error:
        print_from_script(error, script)
        code = -signal_number("SIGINT")
    except BaseException as error:  # noqa: BLE001 - the interpreter prints any uncaught exception
        print_from_script(error, script)
        code = 1
    threading._shutdown()  # join non-daemon threads, as the interpreter does at exit
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    return code


def print_from_script(error: BaseException, script: str | None) -> None:
    """The traceback as `python script.py` prints it: from the script's frame on, without runpy's."""
    import traceback

    tb = error.__traceback__
    while tb is not None and script and tb.tb_frame.f_code.co_filename != script:
        tb = tb.tb_next
    traceback.print_exception(type(error), error, tb or error.__traceback__)


def signal_number(name: str) -> int:
    import signal

    return int(getattr(signal, name))


def main() -> None:
    requests = os.fdopen(os.dup(0), "r")
    replies = os.fdopen(os.dup(1), "w")
    replies.write(json.dumps({"ready": True}) + "\n")
    replies.flush()
    for line in requests:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            requests.close()
            replies.close()
            run(request)
        replies.write(json.dumps({"pid": pid}) + "\n")
        replies.flush()
        _, status = os.waitpid(pid, 0)
        replies.write(json.dumps({"status": os.waitstatus_to_exitcode(status)}) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
