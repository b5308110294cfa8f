"""MkDocs hook: cheap rebuilds — templates compiled once per process, `mkdocs serve --dirty` reloads.

`make serve` runs `mkdocs serve --dirty` (scripts/serve.py): after the first full build a reload
renders only the pages whose source changed. This hook

* gives Jinja the bytecode cache of scripts/buildcache.py (in memory and in .cache/templates/), so
  neither the second language of a build, nor a reload, nor the next build compiles Material's
  templates again;
* records that the session is a dirty serve, so the hooks that summarise the whole site
  (search_index, llms_txt, book_manifest) keep their first output on reloads
  (``buildcache.reusing_site_outputs()``);
* lists each theme folder's files once per dirty serve session: MkDocs walks Material's folder
  (about 14,000 files, most of them icons) for each language on every reload, a third of a
  reload's time (a file added under overrides/ during the session needs a restart);
* silences MkDocs' warning that a dirty build is under way: the book builds with ``strict: true``,
  where that warning alone would stop every reload; every other warning still fails the preview.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import jinja2
from mkdocs.plugins import event_priority

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import buildcache  # noqa: E402
from hookstate import reset_at_site_build  # noqa: E402

DIRTY_WARNING = "A 'dirty' build is being performed"


class _DropDirtyWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(DIRTY_WARNING)


_FILTER = _DropDirtyWarning()


def on_startup(command: str, dirty: bool) -> None:
    buildcache.serve.update(dirty=command == "serve" and dirty, builds_done=0)
    build_log = logging.getLogger("mkdocs.commands.build")
    if buildcache.serve["dirty"]:
        build_log.addFilter(_FILTER)
        _list_theme_files_once()
    else:
        build_log.removeFilter(_FILTER)


def _list_theme_files_once() -> None:
    original = jinja2.FileSystemLoader.list_templates
    if getattr(original, "lists_once", False):
        return
    listed: dict[tuple[str, ...], list[str]] = {}

    def list_templates(self) -> list[str]:
        key = tuple(self.searchpath)
        if key not in listed:
            listed[key] = original(self)
        return list(listed[key])

    list_templates.lists_once = True
    jinja2.FileSystemLoader.list_templates = list_templates


def on_env(env, config, files):
    buildcache.TEMPLATES.attach(env)
    env.bytecode_cache = buildcache.TEMPLATES
    return env


# static-i18n builds the other languages nested inside the default language's on_post_build
# (priority -100): a build is done when the outermost one ends.
_open_builds: list[str] = []
on_config = reset_at_site_build(_open_builds)  # a failed build leaves nothing open for the next reload


def on_pre_build(config) -> None:
    _open_builds.append(config.theme.get("language", ""))


@event_priority(-1000)  # after every other post-build step of this build, nested ones included
def on_post_build(config) -> None:
    if _open_builds:
        _open_builds.pop()
    if not _open_builds:
        buildcache.serve["builds_done"] += 1
