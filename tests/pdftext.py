"""What poppler's pdftotext and pdffonts say of a PDF, worked out once per version of the file and kept on disk.

The whole Chinese book takes pdftotext about 5 s (the text with word boxes as long again) and
pdffonts 4 s, and tests in several files, on either pytest-xdist worker, read them. The output is
kept in .cache/test-pdftext/ under the SHA-256 of the PDF's bytes, the tool, its options and
poppler's version, so a rebuilt PDF or another poppler is read again, and a warm run reads none.
Outputs no run has used for a month are deleted when a new one is written (verdicts.prune).
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
from pathlib import Path

from buildcache import write_atomically
from verdicts import prune, used

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "test-pdftext"


@functools.cache
def poppler_version(tool: str) -> str:
    result = subprocess.run([tool, "-v"], capture_output=True, text=True)
    return (result.stderr or result.stdout).splitlines()[0]


@functools.cache
def _digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def pdf_text(path: Path, first: int | None = None, last: int | None = None, bbox: bool = False) -> str:
    """pdftotext -enc UTF-8 [-bbox] [-f first -l last] path -"""
    options = ["-enc", "UTF-8"] + (["-bbox"] if bbox else [])
    if first:
        options += ["-f", str(first), "-l", str(last or first)]
    return poppler("pdftotext", path, options + [str(path), "-"])


def pdf_fonts(path: Path) -> str:
    """pdffonts path: one line per font of the file."""
    return poppler("pdffonts", path, [str(path)])


def poppler(tool: str, path: Path, arguments: list[str]) -> str:
    stat = path.stat()
    key = hashlib.sha256("\0".join([_digest(str(path), stat.st_mtime_ns, stat.st_size), tool, poppler_version(tool),
                                    *(a for a in arguments if a != str(path))]).encode()).hexdigest()
    kept = CACHE / f"{key}.txt"
    if kept.is_file():
        used(kept)
        return kept.read_text(encoding="utf-8")
    text = subprocess.run([tool, *arguments], capture_output=True, text=True, check=True).stdout
    write_atomically(kept, text.encode("utf-8"))  # the other worker reads the whole output or works out its own
    prune(CACHE)
    return text
