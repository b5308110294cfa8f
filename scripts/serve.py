#!/usr/bin/env python3
"""Live preview of the bilingual book: `mkdocs serve --dirty`, set up so that a one-page edit reloads fast.

What makes the reload cheap (measured by `make bench`, budget <= 1 s):

* ``--dirty``: after the first full build, a reload renders only the pages whose source is newer
  than their output, in each language; the hooks that summarise the whole site keep their first
  output (scripts/hooks/fast_rebuild.py);
* data files and templates are parsed once per process (scripts/buildcache.py);
* ``BOOK_GIT_DATES=false``: no "last updated" dates in the preview (reading them from git for every
  page costs a second per reload; the built site has them).

Stopping it, with Ctrl-C or with SIGTERM (`kill`, a container's stop), removes the temporary
folder MkDocs serves the site from (about 17 MB; MkDocs removes it on Ctrl-C only, so a preview
ended with SIGTERM used to leave it in /tmp).

Strict mode stays on: a broken link or a missing translation still stops the preview with the
same message as `make book`. Restart the preview after changing mkdocs.yml, the nav, a data file
used by several pages or a template, or after renaming a heading id that other pages link to:
a dirty reload does not re-render the pages that did not change.

Usage: serve.py [--port 8000] [--full]    (--full: rebuild every page on each change)
"""

from __future__ import annotations

import argparse
import os
import runpy
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bookconf import MKDOCS_YML, ROOT  # noqa: E402


def mkdocs_arguments(port: int, full: bool = False) -> list[str]:
    """The arguments of `mkdocs` for the preview."""
    args = ["serve", "--config-file", str(MKDOCS_YML), "--dev-addr", f"127.0.0.1:{port}", "--livereload"]
    return args if full else [*args, "--dirty"]


def environment() -> dict[str, str]:
    """The environment of the preview: this one, without the git dates."""
    return {**os.environ, "BOOK_GIT_DATES": "false", "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


def stop_as_ctrl_c(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up short
    raise KeyboardInterrupt  # MkDocs shuts the server down and removes its temporary site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: %(default)s)")
    parser.add_argument("--full", action="store_true", help="rebuild every page on each change (slower)")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    os.environ.update(environment())
    signal.signal(signal.SIGTERM, stop_as_ctrl_c)
    # `python -m mkdocs serve ...` in this process rather than exec'd, so that SIGTERM reaches MkDocs
    # as Ctrl-C does.
    sys.argv = ["mkdocs", *mkdocs_arguments(args.port, args.full)]
    runpy.run_module("mkdocs", run_name="__main__", alter_sys=True)  # exits with MkDocs' status
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
