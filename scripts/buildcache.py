"""What one build process keeps between its builds: parsed data files, compiled templates, serve state.

mkdocs-static-i18n builds the languages one after the other in one process, and `mkdocs serve`
rebuilds in the same process, with a fresh config and the same modules. The expensive,
language-independent work is done once per process here, keyed by what it depends on, and reused:

* data files (YAML) are parsed once per version of the file (its mtime and size), with libyaml's
  C loader where PyYAML has it. Callers must treat what they get as read-only: it is shared.
* Jinja templates (Material's and overrides/) are compiled once per source text (a bytecode
  cache that Jinja checks against the template's source on every load), kept in memory for the
  builds of one process and in .cache/templates/ for the next process: compiling Material's
  templates was about 40 % of a small site's build, paid again by every `make site` and every
  fixture build of the tests.
* `mkdocs serve --dirty` state: after the first full build of a serve session, a reload renders
  only the edited pages, so hooks that summarise the whole site (search index, llms.txt, the book
  manifest) keep their previous output instead of rewriting it from a partial build.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

import jinja2
import yaml
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

TEMPLATE_CACHE = Path(__file__).resolve().parents[1] / ".cache" / "templates"

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

_parsed: dict[tuple[str, str], tuple[tuple[int, int], Any]] = {}
_many: dict[tuple[str, str], tuple[tuple, Any]] = {}


def cached(path: str | os.PathLike, kind: str, parse: Callable[[Path], Any]) -> Any:
    """parse(path), computed once per version of the file; kind names the parser (one cache entry each)."""
    path = Path(path).resolve()
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    hit = _parsed.get((str(path), kind))
    if hit is not None and hit[0] == stamp:
        return hit[1]
    value = parse(path)
    _parsed[(str(path), kind)] = (stamp, value)
    return value


def cached_files(paths: list[Path], kind: str, compute: Callable[[], Any]) -> Any:
    """compute(), once per version of the set of files it reads (their names, mtimes and sizes)."""
    resolved = sorted(str(Path(path).resolve()) for path in paths)
    stamp = tuple((name, os.stat(name).st_mtime_ns, os.stat(name).st_size) for name in resolved)
    key = ("\0".join(resolved), kind)
    hit = _many.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    value = compute()
    _many[key] = (stamp, value)
    return value


def parse_yaml(text: str) -> Any:
    """YAML text to Python objects, with the C loader when available (same results as yaml.safe_load)."""
    return yaml.load(text, Loader=YAML_LOADER)  # noqa: S506 - a safe loader, C or Python


def dump_yaml(data: Any, **options: Any) -> str:
    """Python objects to YAML text, with the C emitter when available (what yaml.safe_dump writes)."""
    return yaml.dump(data, Dumper=YAML_DUMPER, **options)


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside path, then rename: readers see the old file or the whole new one.
    The temporary file's name holds the writer's process id (pdfbook.render.remove_partial_writes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp",
                                     delete=False) as handle:
        try:
            handle.write(data)
        except BaseException:
            os.unlink(handle.name)
            raise
    os.replace(handle.name, path)


def read_yaml(path: str | os.PathLike) -> Any:
    """A YAML file's content, parsed once per version of the file. Read-only: the object is shared."""
    return cached(path, "yaml", lambda p: parse_yaml(p.read_text(encoding="utf-8")))


class _TemplateCache(BytecodeCache):
    """Compiled Jinja templates, keyed by template name and file, checked by Jinja against the
    template's source: in memory, and on disk in a folder named after everything else the compiled
    code depends on (Jinja's and Python's versions, the environment's extensions and syntax)."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}
        self.folder: Path | None = None

    def attach(self, env: jinja2.Environment, root: Path = TEMPLATE_CACHE) -> None:
        """Read and write the compiled templates of environments like env under root."""
        options = (jinja2.__version__, sys.version, sorted(env.extensions), env.block_start_string,
                   env.variable_start_string, env.comment_start_string, env.line_statement_prefix,
                   env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks, env.newline_sequence,
                   env.keep_trailing_newline, env.optimized, env.is_async)
        self.folder = root / hashlib.sha256(repr(options).encode()).hexdigest()[:16]

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self._store.get(bucket.key)
        if data is None and self.folder is not None:
            try:
                data = (self.folder / bucket.key).read_bytes()
            except OSError:
                return
        if data is not None:
            bucket.bytecode_from_string(data)  # Jinja drops it if the source checksum differs

    def dump_bytecode(self, bucket: Bucket) -> None:
        data = bucket.bytecode_to_string()
        self._store[bucket.key] = data
        if self.folder is not None:
            try:
                write_atomically(self.folder / bucket.key, data)  # a concurrent build reads old or new
            except OSError:
                pass  # a read-only checkout builds as before, compiling in each process

    def clear(self) -> None:
        self._store.clear()


TEMPLATES = _TemplateCache()

# Set by scripts/hooks/fast_rebuild.py.
serve = {"dirty": False, "builds_done": 0}


def reusing_site_outputs() -> bool:
    """True on a `mkdocs serve --dirty` reload: whole-site outputs from the first build stay as they are."""
    return serve["dirty"] and serve["builds_done"] > 0
