"""scripts/languages.py: the registry of languages from data/languages.yaml, complete or a clear error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from buildcache import dump_yaml, parse_yaml
from languages import LANGUAGES, LANGUAGES_FILE, LanguageError, language, load_languages
from sitebuild import ROOT


def write_languages(tmp_path: Path, change) -> Path:
    """data/languages.yaml with change(raw) applied, written under tmp_path."""
    raw = parse_yaml(LANGUAGES_FILE.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "languages.yaml"
    path.write_text(dump_yaml(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_the_default_language_comes_first_at_the_site_root():
    first, *others = LANGUAGES.values()
    assert first.default and not any(lang.default for lang in others)
    assert (first.suffix, first.prefix) == ("", "")
    assert all(lang.prefix == lang.code + "/" and lang.suffix == "." + lang.code for lang in others)


def test_mkdocs_yml_builds_the_registry_languages_under_their_names():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    i18n = re.findall(r"^ +- locale: (\S+)\n(?: +default: true\n)? +name: (.+)$", config, re.M)
    assert i18n == [(lang.code, lang.name) for lang in LANGUAGES.values()]


def test_a_string_one_language_lacks_is_named_with_the_language(tmp_path):
    path = write_languages(tmp_path, lambda raw: raw["en"]["strings"]["drift"].pop("notice_title"))
    with pytest.raises(LanguageError, match=r"en: no string 'drift\.notice_title'"):
        load_languages(path)


def test_a_string_only_another_language_has_is_refused(tmp_path):
    path = write_languages(tmp_path, lambda raw: raw["en"]["strings"]["site"].update(extra="?"))
    with pytest.raises(LanguageError, match=r"en: string 'site\.extra' is not one the first language"):
        load_languages(path)


def test_every_language_names_every_edition(tmp_path):
    def add_french(raw):
        raw["fr"] = {**raw["en"], "suffix": ".fr", "prefix": "fr/", "html_lang": "fr", "name": "Français"}

    with pytest.raises(LanguageError) as error:
        load_languages(write_languages(tmp_path, add_french))
    for code in ("zh", "en", "fr"):  # none of them names the French edition yet
        assert f"{code}: no names.edition.fr" in str(error.value)


def test_asking_for_a_missing_language_or_string_names_it():
    with pytest.raises(LanguageError, match="'fr'.*zh, en"):
        language("fr")
    with pytest.raises(LanguageError, match="language 'en' has no string 'site.nope'"):
        LANGUAGES["en"].t("site.nope")


def test_strings_are_filled_in():
    assert LANGUAGES["en"].t("book.excerpt", shown=40, total=90, link="x") == \
        "(Excerpt: the first 40 of 90 lines. The whole file: x)"
    assert LANGUAGES["zh"].section("tables")["src"] == LANGUAGES["zh"].t("tables.src")


# A literal key the build asks for: book_lang.t("site.page_toc") in a template (Material's own
# lang.t(...) are not the book's), lang.t("drift.status") in Python.
KEY = r"""\.t\(\s*["']([a-z_]+(?:\.[a-z_-]+)+|colon)["']"""
TEMPLATE_KEY, CODE_KEY = re.compile(r"\bbook_lang" + KEY), re.compile(KEY)


def test_every_string_the_templates_and_hooks_ask_for_exists():
    asked = {key for path in (ROOT / "overrides").rglob("*.html")
             for key in TEMPLATE_KEY.findall(path.read_text(encoding="utf-8"))}
    asked |= {key for path in (ROOT / "scripts").rglob("*.py")
              for key in CODE_KEY.findall(path.read_text(encoding="utf-8"))}
    assert {"site.page_toc", "drift.notice_title", "colon"} <= asked  # the patterns find them
    assert not sorted(asked - set(LANGUAGES["zh"].strings))
