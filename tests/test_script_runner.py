"""The tests run the book's scripts with the `python` of tests/script_runner.py, which forks each run
from a process that has already imported PyTorch. A run must look to the script, and to the test,
exactly as one of the real interpreter does: if it did not, a test could pass on the preloaded run
and fail for a reader. Each test here runs the same command both ways and compares."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from script_runner import preloaded_python, run_python

pytestmark = pytest.mark.skipif(os.environ.get("BOOK_TESTS_PRELOAD") == "0",
                                reason="BOOK_TESTS_PRELOAD=0: every run uses the real interpreter")

PROBE = '''
import atexit, json, os, sys, threading, time
atexit.register(lambda: print("atexit ran"))
threading.Thread(target=lambda: (time.sleep(0.2), print("thread joined"))).start()
print(json.dumps({"argv": sys.argv, "path0": sys.path[0], "cwd": os.getcwd(), "env": os.environ.get("PROBE"),
                  "stdin": sys.stdin.read(), "main": __name__, "file": globals().get("__file__"),
                  "imported_here": "probe_helper" in sys.modules, "umask": os.umask(0o22),
                  "write_through": sys.stdout.write_through}))
import probe_helper
print("héllo wörld", file=sys.stderr)
mode = sys.argv[1] if len(sys.argv) > 1 else ""
if mode == "raise":
    raise ValueError("broken on purpose")
if mode == "exit-text":
    sys.exit("stopped with a message")
if mode == "exit-3":
    sys.exit(3)
if mode == "interrupt":
    raise KeyboardInterrupt
'''


@pytest.fixture
def probe(tmp_path: Path) -> Path:
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "probe_helper.py").write_text("VALUE = 1\n")  # importable only through sys.path[0]
    script = folder / "probe.py"
    script.write_text(PROBE)
    return script


def both_ways(args: list, **options) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
    preloaded = run_python(args, capture_output=True, text=True, timeout=120, **options)
    real = subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True, timeout=120, **options)
    return preloaded, real


def assert_same(preloaded: subprocess.CompletedProcess, real: subprocess.CompletedProcess) -> None:
    assert (preloaded.returncode, preloaded.stdout, preloaded.stderr) == (real.returncode, real.stdout, real.stderr)


@pytest.mark.parametrize("mode", ["", "raise", "exit-text", "exit-3", "interrupt"])
def test_a_preloaded_script_run_is_what_python_gives(probe, tmp_path, mode):
    env = {**os.environ, "PROBE": "set by the test"}
    preloaded, real = both_ways([probe, *([mode] if mode else [])], cwd=tmp_path, env=env, input="from stdin")
    assert_same(preloaded, real)
    assert "thread joined" in real.stdout and "atexit ran" in real.stdout


@pytest.mark.parametrize("options", [["-m", "probe"], ["-c", "import runpy; runpy.run_path('probe.py')"],
                                     ["-u", "probe.py"], ["-B", "-c", "import sys; print(sys.argv, sys.path[0] == '')"]])
def test_module_code_and_option_runs_are_what_python_gives(probe, options):
    preloaded, real = both_ways([*options, "exit-3"], cwd=probe.parent, input="x")
    assert_same(preloaded, real)


def test_runs_are_preloaded_and_so_are_the_interpreters_they_start(tmp_path):
    code = ("import subprocess, sys; print('torch' in sys.modules, subprocess.run([sys.executable, '-c', "
            "'import sys; print(\"torch\" in sys.modules)'], capture_output=True, text=True).stdout.strip())")
    assert run_python(["-c", code], capture_output=True, text=True).stdout == "True True\n"
    # a command line the stand-in does not take goes to the real interpreter, unchanged
    real = run_python(["-X", "utf8", "-c", "import sys; print('torch' in sys.modules, sys.flags.utf8_mode)"],
                      capture_output=True, text=True)
    assert real.stdout == "False 1\n", real.stderr


def test_descriptors_are_passed_on_and_multiprocessing_children_start(tmp_path):
    script = tmp_path / "spawner.py"
    script.write_text(
        "import multiprocessing as mp, os, sys\n"
        "def child(queue):\n"
        "    queue.put(('torch' in sys.modules, os.getppid() != os.getpid()))\n"
        "if __name__ == '__main__':\n"
        "    os.write(int(sys.argv[1]), b'through an inherited pipe\\n')\n"
        "    ctx = mp.get_context('spawn')\n"
        "    queue = ctx.Queue()\n"
        "    p = ctx.Process(target=child, args=(queue,))\n"
        "    p.start(); print(queue.get(timeout=60)[1]); p.join(); print('exit', p.exitcode)\n")
    results = []
    for python in (preloaded_python(), sys.executable):
        read, write = os.pipe()
        proc = subprocess.run([python, str(script), str(write)], pass_fds=(write,), capture_output=True,
                              text=True, timeout=120)
        os.close(write)
        with os.fdopen(read) as pipe:
            results.append((proc.returncode, proc.stdout, proc.stderr, pipe.read()))
    assert results[0] == results[1]
    assert results[0][1] == "True\nexit 0\n" and results[0][3] == "through an inherited pipe\n"


def test_signals_reach_the_run_and_its_end_is_the_runs(tmp_path):
    script = tmp_path / "waiter.py"
    script.write_text("import signal, sys, time\n"
                      "signal.signal(signal.SIGUSR1, lambda *a: sys.exit(5))\n"
                      "print('waiting', flush=True)\n"
                      "time.sleep(60)\n")
    for sent, expected in ((signal.SIGUSR1, 5), (signal.SIGTERM, -signal.SIGTERM)):
        proc = subprocess.Popen([preloaded_python(), str(script)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline() == "waiting\n"
        proc.send_signal(sent)
        assert proc.wait(timeout=30) == expected
        proc.stdout.close()


@pytest.mark.parametrize("inherited", ["default", "ignored"])
def test_a_run_inherits_which_signals_are_ignored(tmp_path, inherited):
    """`cmd &` in a script starts cmd with SIGINT and SIGQUIT ignored: a run must ignore them too,
    and otherwise turn SIGINT into KeyboardInterrupt, as the interpreter does."""
    def start_up() -> None:
        for number in (signal.SIGINT, signal.SIGQUIT):
            signal.signal(number, signal.SIG_IGN if inherited == "ignored" else signal.SIG_DFL)

    code = ("import signal; print([signal.getsignal(n) == signal.SIG_IGN for n in (signal.SIGINT, signal.SIGQUIT)], "
            "signal.getsignal(signal.SIGINT) is signal.default_int_handler, "
            "[line for line in open('/proc/self/status') if line.startswith('SigIgn')])")
    preloaded, real = both_ways(["-c", code], preexec_fn=start_up)
    assert_same(preloaded, real)
    assert real.stdout.startswith("[True, True] False" if inherited == "ignored" else "[False, False] True")


def test_a_run_that_outlives_its_timeout_is_killed(probe, tmp_path):
    script = tmp_path / "sleeper.py"
    script.write_text("import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(60)\n")
    with pytest.raises(subprocess.TimeoutExpired) as raised:
        run_python([script], capture_output=True, text=True, timeout=2)
    pid = int(raised.value.output)
    for _ in range(100):  # the stand-in was killed; the preloader then kills the run
        if not Path(f"/proc/{pid}").exists() or " Z " in Path(f"/proc/{pid}/stat").read_text():
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the run {pid} outlived its killed stand-in")
    # the preloader is still there for the next run
    assert run_python([probe, "exit-3"], capture_output=True, text=True, timeout=60).returncode == 3
