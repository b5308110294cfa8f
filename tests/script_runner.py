"""Run the book's Python scripts in processes forked from one that has already imported PyTorch.

`python docs/.../script.py ...` spends 2-3 CPU-seconds in `import torch` before the script does
anything; the tests start such interpreters well over a hundred times, most of them inside
torchrun and mp.spawn. `run_python(argv, ...)` is `subprocess.run([python, *argv], ...)` where
`python` is `preloaded_python()`: a stand-in interpreter (tests/preloaded_python.py) that forks the
run from a preloader (tests/script_preloader.py) instead. The run is still a process of its own
with its argv, working directory, environment, descriptors and exit status, and its own
sys.executable is the stand-in, so the workers it starts are forked as well.

`preloaded_python()` is also the interpreter to give subprocess.Popen where a test starts a
command the page shows as `torchrun ...`, and the one the fixture builds run with: the preloader
has imported MkDocs, its theme and Markdown extensions (about 0.2 s a site build) and WeasyPrint
(about 0.8 s of imports a PDF build) too. BOOK_TESTS_PRELOAD=0 makes it the real interpreter, to compare.

One pytest run shares one folder of preloaders among its xdist workers (share_preloaders, called
by tests/conftest.py in pytest's main process, before the workers start): each preloader imports
PyTorch once per run instead of once per worker, and they all stop when that process exits. A
process that was not given a folder that way makes one of its own.
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
# Set by share_preloaders in pytest's main process and inherited by its workers: the shared folder,
# and the process whose exit stops the preloaders in it.
FOLDER_VARIABLE, OWNER_VARIABLE = "BOOK_TESTS_PRELOADERS", "BOOK_TESTS_PRELOADERS_OWNER"
_launcher: str | None = None


def share_preloaders() -> None:
    """Make one folder of preloaders for this process and the processes it starts from now on."""
    if os.environ.get("BOOK_TESTS_PRELOAD", "1") == "0" or FOLDER_VARIABLE in os.environ:
        return
    folder = tempfile.mkdtemp(prefix="book-python-")
    os.environ[FOLDER_VARIABLE], os.environ[OWNER_VARIABLE] = folder, str(os.getpid())
    atexit.register(_stop_preloaders, folder)


def preloaded_python() -> str:
    """The path of the stand-in `python` of this pytest run (the real one with BOOK_TESTS_PRELOAD=0)."""
    global _launcher
    if os.environ.get("BOOK_TESTS_PRELOAD", "1") == "0":
        return sys.executable
    if _launcher is None:
        folder, owner = os.environ.get(FOLDER_VARIABLE), os.environ.get(OWNER_VARIABLE, "")
        if not (folder and owner.isdigit() and os.path.isdir(folder)):
            folder, owner = tempfile.mkdtemp(prefix="book-python-"), str(os.getpid())
            atexit.register(_stop_preloaders, folder)
        launcher = Path(folder, "python")
        text = (f"#!{sys.executable} -IS\n"
                "import sys\n"
                f"sys.path.insert(0, {str(HERE)!r})\n"
                "import preloaded_python\n"
                f"preloaded_python.main({folder!r}, {sys.executable!r}, {owner})\n")
        if not launcher.is_file() or launcher.read_text() != text:
            written = launcher.with_name(f".python-{os.getpid()}")  # both workers may write it at once
            written.write_text(text)
            written.chmod(0o755)
            written.replace(launcher)
        _launcher = str(launcher)
    return _launcher


def _stop_preloaders(folder: str) -> None:
    """Stop the folder's preloaders now (each also stops by itself once its owner has gone)."""
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
