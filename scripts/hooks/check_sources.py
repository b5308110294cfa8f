"""MkDocs hook: refuse to build when the page sources are inconsistent or unsafe.

Runs the translation parity check (twins exist and match in structure, front
matter is valid YAML) before anything is rendered, so `mkdocs build` and
`mkdocs serve` fail with the same `file:line: problem` list as
`scripts/check_parity.py`. (static-i18n's nested build of each language and
every `make serve` reload run it again: each file is read once per version of
it, scripts/buildcache.py.)

It also refuses raw HTML that must never be published (scripts, inline event
handlers, javascript: URLs, frames from other hosts), so no path — `make book`,
`make serve`, the deploy workflow — can publish it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from buildcache import cached  # noqa: E402
from check_parity import check_docs  # noqa: E402
from unsafe_html import unsafe_html  # noqa: E402


def on_pre_build(config) -> None:
    docs = Path(config.docs_dir)
    problems = check_docs(docs)
    if problems:
        raise PluginError("page sources are inconsistent:\n" + "\n".join(problems))
    unsafe = [f"{page.relative_to(docs.parent) if docs.parent in page.parents else page}:{line}: {message}"
              for page in sorted(docs.rglob("*.md"))
              for line, message in cached(page, "unsafe html", lambda p: unsafe_html(p.read_text(encoding="utf-8")))]
    if unsafe:
        raise PluginError("unsafe raw HTML in the pages:\n" + "\n".join(unsafe))
