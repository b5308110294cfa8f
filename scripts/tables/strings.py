"""Every user-visible string of the generated tables and plots, by language: the ``tables.*``
strings of data/languages.yaml (scripts/languages.py), which every language must give."""

from __future__ import annotations

import functools

from languages import Strings, language

PLOT_KEYS = {"accelerator-roofline": "roofline", "intra-node-bandwidth": "intra",
             "inter-node-bandwidth": "inter", "loss-patterns": "loss"}


@functools.cache  # render.py asks once per table cell
def strings(lang: str) -> Strings:
    """The tables' strings in lang; a LanguageError for a language data/languages.yaml lacks."""
    return language(lang).section("tables")


def plot_meta(name: str, lang: str) -> tuple[str, str]:
    """(alt text, caption) of plot NAME in LANG."""
    s = strings(lang)
    return s[f"plot_{PLOT_KEYS[name]}_alt"], s[f"plot_{PLOT_KEYS[name]}_caption"]
