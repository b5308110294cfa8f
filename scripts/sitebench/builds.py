"""bench_site.py's builds: mkdocs.yml and its twin without hooks, timed, and the URL path they serve at."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from bookconf import DOCS, MKDOCS_YML, ROOT

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def plain_config(target: Path) -> Path:
    """Plain Material on the same pages, written into target: mkdocs.yml without its hooks and
    template overrides, with Material's own search plugin in place of the Pagefind index (the
    same i18n, git-date and redirect plugins and Markdown extensions)."""
    text = MKDOCS_YML.read_text(encoding="utf-8")
    # Drop the top-level `hooks:` key and its indented list (the file holds !!python tags, so no YAML round trip).
    text, removed = re.subn(r"^hooks:[^\n]*\n(?:(?:[ \t]+[^\n]*|[ \t]*)\n)*", "", text, flags=re.M)
    if not removed:
        print("bench_site: note: mkdocs.yml has no hooks: section; both builds are the same", file=sys.stderr)
    text = re.sub(r"^docs_dir:.*$", f"docs_dir: {DOCS}", text, flags=re.M)
    text = re.sub(r"^\s+custom_dir:.*\n", "", text, flags=re.M)
    text = re.sub(r"^(\s+)reconfigure_search:.*\n", "", text, flags=re.M)  # static-i18n's default: per language
    text = re.sub(r"^plugins:\n", "plugins:\n  - search\n", text, count=1, flags=re.M)
    config = target / "mkdocs-plain.yml"
    config.write_text(text, encoding="utf-8")
    return config


def build(config: Path, site: Path, strict: bool) -> float:
    command = [sys.executable, "-m", "mkdocs", "build", "--quiet", "--clean",
               "--config-file", str(config), "--site-dir", str(site)]
    if not strict:
        command.append("--no-strict")  # the plain build misses what the hooks generate (plots): warnings only
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"bench_site: the build with {config} failed")
    return elapsed


def site_prefix() -> str:
    """The path of site_url, with slashes around it: where the built site is served."""
    match = re.search(r"^site_url:\s*(\S+)", MKDOCS_YML.read_text(encoding="utf-8"), re.M)
    path = urlsplit(match.group(1)).path.strip("/") if match else ""
    return f"/{path}/" if path else "/"
