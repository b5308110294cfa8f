"""mkdocs.yml agrees with the shared constants and with docs/: every nav entry exists and is translated."""

from __future__ import annotations

from bookconf import DEFAULT_LANGUAGE, DOCS, LANGUAGES, MKDOCS_YML, PARTS, twin_paths
from sitebuild import read_mkdocs_yml


CONFIG = read_mkdocs_yml(MKDOCS_YML)


def nav_parts(config: dict) -> list[tuple[str | None, list[str]]]:
    """The nav as (part title, [page sources]) in reading order."""
    def pages(entries) -> list[str]:
        found = []
        for entry in entries:
            value = next(iter(entry.values())) if isinstance(entry, dict) else entry
            found.extend(pages(value) if isinstance(value, list) else [value])
        return found

    parts = []
    for entry in config["nav"]:
        title, value = next(iter(entry.items())) if isinstance(entry, dict) else (None, entry)
        parts.append((title, pages(value)) if isinstance(value, list) else (None, [value]))
    return parts


def nav_translation(config: dict, lang: str) -> dict[str, str]:
    i18n = next(p["i18n"] for p in config["plugins"] if isinstance(p, dict) and "i18n" in p)
    return next(language.get("nav_translations") or {} for language in i18n["languages"] if language["locale"] == lang)


def nav_titles(entries) -> list[str]:
    titles = []
    for entry in entries:
        if isinstance(entry, dict):
            title, value = next(iter(entry.items()))
            titles.append(title)
            if isinstance(value, list):
                titles += nav_titles(value)
    return titles


def test_languages_match_bookconf():
    i18n = next(p["i18n"] for p in CONFIG["plugins"] if isinstance(p, dict) and "i18n" in p)
    locales = [language["locale"] for language in i18n["languages"]]
    assert locales == list(LANGUAGES)
    assert next(lang["locale"] for lang in i18n["languages"] if lang.get("default")) == DEFAULT_LANGUAGE
    assert CONFIG["theme"]["language"] == DEFAULT_LANGUAGE


def test_every_nav_title_has_an_english_translation():
    english = nav_translation(CONFIG, "en")
    missing = [title for title in nav_titles(CONFIG["nav"]) if title not in english]
    assert not missing, f"add these to nav_translations of 'en' in mkdocs.yml: {missing}"


def test_every_nav_page_exists_in_both_languages():
    missing = []
    for _, pages in nav_parts(CONFIG):
        for page in pages:
            missing += [str(path) for path in twin_paths(DOCS / page).values() if not path.exists()]
    assert not missing, missing


def test_nav_holds_the_ten_parts_in_order():
    firsts = [pages[0].split("/")[0] for part, pages in nav_parts(CONFIG) if part]
    assert [p for p in firsts if p in PARTS] == list(PARTS)
