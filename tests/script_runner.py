"""Run the book's Python scripts in processes forked from one that has already imported PyTorch.

`python docs/.../script.py ...` spends 2-3 CPU-seconds in `import torch` before the script does
anything; the tests start such interpreters well over a hundred times, most of them inside
torchrun and mp.spawn. `run_python(argv, ...)` is `subprocess.run([python, *argv], ...)` where
`python` is `preloaded_python()`: a stand-in interpreter (tests/preloaded_python.py) that forks the
run from a preloader (tests/script_preloader.py) instead. The run is still a process of its own
with its argv, working directory, environment, descriptors and exit status, and its own
sys.executable is the stand-in, so the workers it starts are forked as well.

`preloaded_python()` is also the interpreter to give subprocess.Popen where a test starts a
command the page shows as `torchrun ...`. BOOK_TESTS_PRELOAD=0 makes it the real interpreter, to
compare. Each pytest worker has its own folder of preloaders; they stop when the worker exits.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
_folder: str | None = None


def preloaded_python() -> str:
    """The path of the stand-in `python` of this pytest worker (the real one with BOOK_TESTS_PRELOAD=0)."""
    global _folder
    if os.environ.get("BOOK_TESTS_PRELOAD", "1") == "0":
        return sys.executable
    if _folder is None:
        _folder = tempfile.mkdtemp(prefix="book-python-")
        launcher = Path(_folder, "python")
        launcher.write_text(f"#!{sys.executable} -IS\n"
                            "import sys\n"
                            f"sys.path.insert(0, {str(HERE)!r})\n"
                            "import preloaded_python\n"
                            f"preloaded_python.main({_folder!r}, {sys.executable!r}, {os.getpid()})\n")
        launcher.chmod(0o755)
        atexit.register(_stop_preloaders, _folder)
    return str(Path(_folder, "python"))


def _stop_preloaders(folder: str) -> None:
    """Stop this worker's preloaders now (each also stops by itself once the worker has gone)."""
    for pid_file in Path(folder).glob("*.pid"):
        try:
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
        except (ValueError, ProcessLookupError):
            pass
    shutil.rmtree(folder, ignore_errors=True)


def default_sigint() -> None:
    """preexec_fn for a process that a test interrupts with SIGINT: the signal acts as Ctrl-C in a
    terminal, even when the tests themselves inherited it ignored (`make test &` in a script)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_python(argv: list, **options) -> subprocess.CompletedProcess:
    """subprocess.run([python, *argv], **options), the run forked from a preloader (see the module's notes)."""
    return subprocess.run([preloaded_python(), *(str(arg) for arg in argv)], **options)
