#!/usr/bin/env python3
"""Install what a make target needs: Debian packages, the .venv and its pinned Python packages.

Runs with the system's Python 3.11+, before the virtual environment exists.

    bootstrap.py book   # what building the site and the PDFs needs
    bootstrap.py test   # the above, plus what the tests and checks need
                        # (and the Node packages of package-lock.json: axe-core)

Debian packages are installed with apt-get when this is Debian and we are root;
otherwise it stops with one line that names what to install. Python packages
come from requirements/<target>.txt, where every version is pinned with the
sha256 of its files (installed with --require-hashes); they are reinstalled only
when that file (or book.txt, which test.txt includes) changes. For `test`, `npm ci` installs the Node
packages pinned in package-lock.json into node_modules/, again only when that
file changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements"

# Debian package -> why the book needs it.
DEBIAN_PACKAGES = {
    "book": {
        "fonts-noto-cjk": "Chinese text in the PDF (Noto Serif CJK SC body, Noto Sans CJK SC headings)",
        "fonts-noto-core": "English text in the PDF (Noto Serif body, Noto Sans headings)",
        "fonts-noto-color-emoji": "emoji in the PDF",
        "fonts-dejavu-core": "monospace Latin text in the PDF",
        "libpango-1.0-0": "text layout for WeasyPrint",
        "libpangoft2-1.0-0": "font loading for WeasyPrint",
        "libharfbuzz-subset0": "font subsetting for WeasyPrint",
        "git": "page dates and the commit printed on the PDF cover",
    },
    "test": {
        "poppler-utils": "pdftotext, pdffonts and pdftoppm for the PDF tests",
        "epubcheck": "validates the EPUBs in the tests (java -jar /usr/share/java/epubcheck.jar)",
        "fio": "the storage chapter's fio job test",
        "chromium-headless-shell": "the browser tests and make bench's page weights",
        "procps": "vmstat, top and free, run as shown on the compute pages",
        "time": "GNU time (/usr/bin/time -v), run as shown on the host-memory page",
    },
}
TARGET_INCLUDES = {"book": ["book"], "test": ["book", "test"]}
# The oldest Python every pinned package accepts (pymdown-extensions 13.1.2: Requires-Python >=3.11.5).
MIN_PYTHON = (3, 11, 5)
# Debian's npm (it brings Debian's nodejs), wanted by `test` only where no npm is
# installed: NodeSource's nodejs ships its own npm and conflicts with Debian's.
NPM_DEBIAN_PACKAGE = "npm"
NODE_LOCK = ROOT / "package-lock.json"
NODE_MODULES = ROOT / "node_modules"
NODE_STAMP = NODE_MODULES / ".installed-package-lock"


def fail(message: str) -> None:
    print(f"bootstrap: {message}", file=sys.stderr)
    sys.exit(1)


def missing_debian_packages(names: list[str]) -> list[str]:
    missing = []
    for name in names:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True
        )
        if result.returncode != 0 or "install ok installed" not in result.stdout:
            missing.append(name)
    return missing


def ensure_debian_packages(target: str) -> None:
    wanted = [name for part in TARGET_INCLUDES[target] for name in DEBIAN_PACKAGES[part]]
    if target == "test" and shutil.which("npm") is None:
        wanted.append(NPM_DEBIAN_PACKAGE)
    if os.environ.get("BOOK_SKIP_SYSTEM_PACKAGES") == "1":
        return
    if shutil.which("dpkg-query") is None or shutil.which("apt-get") is None:
        fail("this is not Debian; install the equivalents of: " + " ".join(wanted)
             + " (then rerun with BOOK_SKIP_SYSTEM_PACKAGES=1)")
    missing = missing_debian_packages(wanted)
    if not missing:
        return
    if os.geteuid() != 0:
        fail("missing Debian packages; as root run: apt-get install -y " + " ".join(missing))
    print(f"bootstrap: installing Debian packages: {' '.join(missing)}", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    result = subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env
    )
    if result.returncode != 0:
        fail("apt-get could not install: " + " ".join(missing))
    still = missing_debian_packages(missing)
    if still:
        fail("still missing after apt-get: " + " ".join(still))


def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"bootstrap: creating {VENV}", flush=True)
        result = subprocess.run([sys.executable, "-m", "venv", str(VENV)])
        if result.returncode != 0:
            fail("could not create the virtual environment; install python3-venv")
    return python


def ensure_python_packages(python: Path, target: str) -> None:
    lock = REQUIREMENTS / f"{target}.txt"
    # test.txt includes book.txt: a change to either means installing again.
    digest = hashlib.sha256(b"".join((REQUIREMENTS / f"{part}.txt").read_bytes()
                                     for part in TARGET_INCLUDES[target])).hexdigest()
    stamp = VENV / f".installed-{target}"
    if stamp.exists() and stamp.read_text().strip() == digest:
        return
    print(f"bootstrap: installing the pinned Python packages of {lock.relative_to(ROOT)}", flush=True)
    # --require-hashes: every file must match a sha256 in the lock, and every dependency must be
    # pinned there, so a fresh machine installs exactly what the lock names or stops.
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--require-hashes", "-r", str(lock)]
    )
    if result.returncode != 0:
        fail(f"pip could not install {lock.relative_to(ROOT)} (a hash mismatch or a package "
             "missing from the index is named above)")
    stamp.write_text(digest + "\n")


def ensure_node_packages() -> None:
    """`npm ci` when node_modules/axe-core is missing or package-lock.json changed since the last install."""
    digest = hashlib.sha256(NODE_LOCK.read_bytes()).hexdigest()
    installed = (NODE_MODULES / "axe-core").is_dir()
    if installed and NODE_STAMP.exists() and NODE_STAMP.read_text().strip() == digest:
        return
    npm = shutil.which("npm")
    if npm is None:
        fail("npm is missing (the browser tests install axe-core with it); "
             f"as root run: apt-get install -y {NPM_DEBIAN_PACKAGE}")
    print("bootstrap: installing the pinned Node packages of package-lock.json", flush=True)
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT)
    if result.returncode != 0 or not (NODE_MODULES / "axe-core").is_dir():
        fail("npm ci could not install package-lock.json")
    NODE_STAMP.write_text(digest + "\n")


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in TARGET_INCLUDES:
        print(__doc__, file=sys.stderr)
        return 2
    target = argv[0]
    if sys.version_info < MIN_PYTHON:
        fail(f"Python {'.'.join(map(str, MIN_PYTHON))} or newer is needed (pymdown-extensions 13.1 "
             f"requires it), this is {sys.version.split()[0]}; run with PYTHON=/path/to/python3.11 "
             "from python.org or the python:3.11-bookworm image (Debian 12's own python3 is 3.11.2)")
    ensure_debian_packages(target)
    python = ensure_venv()
    ensure_python_packages(python, target)
    if target == "test":
        ensure_node_packages()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
