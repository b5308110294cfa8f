"""MkDocs hook: refuse to build when the page sources are inconsistent.

Runs the translation parity check (twins exist and match in structure, front
matter is valid YAML) before anything is rendered, so `mkdocs build` and
`mkdocs serve` fail with the same `file:line: problem` list as
`scripts/check_parity.py`. (static-i18n's nested build of each language runs
it again; it takes a fraction of a second.)
"""

from __future__ import annotations

import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from check_parity import check_docs  # noqa: E402


def on_pre_build(config) -> None:
    problems = check_docs(Path(config.docs_dir))
    if problems:
        raise PluginError("page sources are inconsistent:\n" + "\n".join(problems))
