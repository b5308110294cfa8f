"""The MkDocs hooks' state between events, emptied when the build of the whole site starts.

mkdocs-static-i18n builds the default language and runs every other language's build inside it
(from its on_post_build), so a hook that collects something per language keeps it in module
globals. `mkdocs serve` loads the config again for every rebuild, but not the hook modules: what
a failed build left there would leak into the next build unless it is emptied when the default
language's build starts. Each hook resets its own state with ``on_config = reset_at_site_build(...)``.
"""

from __future__ import annotations

from collections.abc import Callable

from languages import DEFAULT_LANGUAGE, build_language
from mkdocs.plugins import event_priority


def starts_site_build(config) -> bool:
    """True in the on_config of the build of the whole site: the default language's."""
    return build_language(config) == DEFAULT_LANGUAGE


def reset_at_site_build(*state: dict | list | set) -> Callable:
    """A hook's on_config event that empties state (its dicts, lists and sets) as the site's build starts."""

    @event_priority(-150)  # after static-i18n (-100) has set the language of the build
    def on_config(config):
        if starts_site_build(config):
            for collection in state:
                collection.clear()
        return config

    return on_config
