"""The book's languages: one registry, in reading order, loaded from data/languages.yaml.

Each Language knows how it appears in files, URLs and HTML, how it names every edition, and every
string the build writes in it (site templates, hooks, PDF, EPUB, data tables). Code asks the
registry (``LANGUAGES[code].t("drift.status")``) instead of testing for a language; a language the
file does not define, or a string it lacks, is a LanguageError that names both.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES_FILE = ROOT / "data" / "languages.yaml"


class LanguageError(Exception):
    """data/languages.yaml is incomplete, or the build asked for a language or string it lacks."""


class MissingString(LanguageError, KeyError):
    """A string key one language lacks (a KeyError too, so Mapping.get and `in` keep working)."""

    def __str__(self) -> str:
        return str(self.args[0])


class Strings(Mapping):
    """One language's strings under dotted keys ("site.page_toc"); a missing key names the language."""

    def __init__(self, code: str, items: dict[str, str]) -> None:
        self.code, self._items = code, items

    def __getitem__(self, key: str) -> str:
        try:
            return self._items[key]
        except KeyError:
            raise MissingString(f"{_shown(LANGUAGES_FILE)}: language {self.code!r} has no string {key!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class Language:
    code: str                  # static-i18n's locale and Material's theme language: zh, en
    suffix: str                # page file suffix before ".md"; "" for the default language
    prefix: str                # folder in the site and in URLs; "" for the default language
    html_lang: str             # <html lang>
    name: str                  # the language's own name
    default: bool              # served at the site root; the other languages' builds run inside its build
    cover_wrap: tuple[int, int]  # EPUB cover: characters per line of the title and of the subtitle
    smart_quotes: bool         # typographic quotes and dashes in the PDF's and EPUB's prose
    names: Mapping[str, Mapping[str, str]]  # kind ("edition", "version") -> language code -> name
    strings: Strings

    def t(self, key: str, **values: object) -> str:
        """The string under key, with its {placeholders} filled from values when any are given."""
        text = self.strings[key]
        return text.format(**values) if values else text

    def section(self, prefix: str) -> Strings:
        """The strings under prefix ("tables"), keyed by the rest of their key ("src")."""
        start = prefix + "."
        return Strings(self.code, {key[len(start):]: text for key, text in self.strings.items()
                                   if key.startswith(start)})

    def name_of(self, kind: str, code: str) -> str:
        """How this language names the edition of language code ("edition" or "version")."""
        return self.names[kind][code]

    def page_file(self, stem: Path) -> Path:
        """The page file of this language for a page given without its suffix and ".md"."""
        return stem.with_name(stem.name + self.suffix + ".md")


def _shown(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def _flatten(value: object, prefix: str = "") -> dict[str, object]:
    if not isinstance(value, dict):
        return {prefix: value}
    flat: dict[str, object] = {}
    for key, item in value.items():
        flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return flat


FIELDS = {"suffix": str, "prefix": str, "html_lang": str, "name": str, "smart_quotes": bool, "names": dict,
          "strings": dict}


def _problems(code: str, spec: object, first: dict, codes: list[str]) -> list[str]:
    """What keeps one language's block from being complete, compared with the first language's."""
    if not isinstance(spec, dict):
        return [f"{code}: a language is a mapping of its fields"]
    problems = [f"{code}: {field} must be a {kind.__name__}" for field, kind in FIELDS.items()
                if not isinstance(spec.get(field), kind)]
    wrap = spec.get("cover_wrap")
    if not (isinstance(wrap, list) and len(wrap) == 2 and all(isinstance(n, int) and n > 0 for n in wrap)):
        problems.append(f"{code}: cover_wrap must be two positive numbers")
    names = spec.get("names") if isinstance(spec.get("names"), dict) else {}
    for kind in first.get("names") or {}:
        given = names.get(kind) if isinstance(names.get(kind), dict) else {}
        problems += [f"{code}: no names.{kind}.{other}" for other in codes if not isinstance(given.get(other), str)]
    strings, wanted = _flatten(spec.get("strings") or {}), _flatten(first.get("strings") or {})
    problems += [f"{code}: no string {key!r}" for key in wanted if not isinstance(strings.get(key), str)]
    problems += [f"{code}: string {key!r} is not one the first language ({codes[0]}) has"
                 for key in strings if key not in wanted]
    return problems


def load_languages(path: Path = LANGUAGES_FILE) -> dict[str, Language]:
    """The languages of path in reading order, checked complete; LanguageError lists every gap."""
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    if not isinstance(raw, dict) or not raw:
        raise LanguageError(f"{_shown(path)}: no languages")
    codes = list(raw)
    first = raw[codes[0]] if isinstance(raw[codes[0]], dict) else {}
    problems = [f"{code!r}: a language code is a string (quote it)" for code in codes if not isinstance(code, str)]
    problems += [problem for code in codes for problem in _problems(code, raw[code], first, codes)]
    if first.get("suffix") or first.get("prefix"):
        problems.append(f"{codes[0]}: the default (first) language takes no suffix and no prefix")
    for field in ("suffix", "prefix"):
        given = [raw[code].get(field) for code in codes[1:] if isinstance(raw[code], dict)]
        if not all(given) or len(set(given)) != len(given):
            problems.append(f"every language but {codes[0]} needs a {field} of its own")
    if problems:
        raise LanguageError(f"{_shown(path)}:\n" + "\n".join(problems))
    languages = {}
    for index, code in enumerate(codes):
        spec = raw[code]
        languages[code] = Language(
            code=code, suffix=spec["suffix"], prefix=spec["prefix"], html_lang=spec["html_lang"],
            name=spec["name"], default=index == 0, cover_wrap=tuple(spec["cover_wrap"]),
            smart_quotes=spec["smart_quotes"], names={kind: dict(spec["names"][kind]) for kind in first["names"]},
            strings=Strings(code, _flatten(spec["strings"])))
    return languages


LANGUAGES: dict[str, Language] = load_languages()
DEFAULT_LANGUAGE: str = next(iter(LANGUAGES))


def language(code: str) -> Language:
    """The language with this code; LanguageError (naming the known ones) for any other."""
    try:
        return LANGUAGES[code]
    except KeyError:
        raise LanguageError(f"{_shown(LANGUAGES_FILE)} defines no language {code!r} "
                            f"(it has {', '.join(LANGUAGES)})") from None


def twin_paths(default_page: Path) -> dict[str, Path]:
    """Map each language to its file for a page given by its default-language file."""
    stem = default_page.with_suffix("")
    return {code: lang.page_file(stem) for code, lang in LANGUAGES.items()}


def language_of(path: Path) -> str:
    """The language of a page file, from its suffix layout name."""
    for code, lang in LANGUAGES.items():
        if lang.suffix and path.name.endswith(lang.suffix + ".md"):
            return code
    return DEFAULT_LANGUAGE


def build_language(config) -> str:
    """The language of the MkDocs build in progress: static-i18n sets the theme language per build."""
    code = config.theme.get("language", DEFAULT_LANGUAGE)
    if code not in LANGUAGES:
        raise LanguageError(f"theme language {code!r} is not one of {', '.join(LANGUAGES)} "
                            f"({_shown(LANGUAGES_FILE)})")
    return code
