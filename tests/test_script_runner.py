"""The tests run the book's scripts through tests/script_runner.py, forked from a process that has
already imported PyTorch. A run must look to the script, and to the test, exactly as `python
script.py` does: if it did not, a test could pass on the preloaded run and fail for a reader."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from script_runner import run_python

PROBE = '''
import atexit, json, os, sys, threading, time
atexit.register(lambda: print("atexit ran"))
threading.Thread(target=lambda: (time.sleep(0.2), print("thread joined"))).start()
print(json.dumps({"argv": sys.argv, "path0": sys.path[0], "cwd": os.getcwd(), "env": os.environ.get("PROBE"),
                  "stdin": sys.stdin.read(), "main": __name__, "file": __file__,
                  "imported_here": "probe_helper" in sys.modules}))
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


@pytest.mark.parametrize("mode", ["", "raise", "exit-text", "exit-3", "interrupt"])
def test_a_preloaded_run_is_what_python_gives(probe, tmp_path, mode):
    env = {**os.environ, "PROBE": "set by the test"}
    args = [str(probe), *([mode] if mode else [])]
    preloaded = run_python(args, cwd=tmp_path, env=env, input="from stdin", capture_output=True, text=True,
                           timeout=60)
    real = subprocess.run([sys.executable, *args], cwd=tmp_path, env=env, input="from stdin", capture_output=True,
                          text=True, timeout=60)
    assert preloaded.returncode == real.returncode
    assert preloaded.stdout == real.stdout
    assert preloaded.stderr == real.stderr
    assert "thread joined" in real.stdout and "atexit ran" in real.stdout


def test_a_run_that_outlives_its_timeout_is_killed(probe, tmp_path):
    script = tmp_path / "sleeper.py"
    script.write_text("import time\nprint('started', flush=True)\ntime.sleep(60)\n")
    with pytest.raises(subprocess.TimeoutExpired) as raised:
        run_python([script], capture_output=True, text=True, timeout=1)
    assert raised.value.output == "started\n"
    # the preloader is still there for the next run
    assert run_python([probe, "exit-3"], capture_output=True, text=True, timeout=60).returncode == 3


def test_runs_with_interpreter_options_are_real_processes(tmp_path):
    result = run_python(["-u", "-c", "import os, sys; print(sys.stdout.write_through, 'torch' in sys.modules)"],
                        capture_output=True, text=True)
    assert result.stdout == "True False\n", result.stderr
