"""The book's glossary (data/glossary.yaml) and helpers shared by its checks and its hook.

Used by scripts/check_terms.py (avoided Chinese variants), scripts/check_units.py (unit
conventions) and scripts/hooks/glossary.py (renders the glossary table in both languages).
Standard library, PyYAML and scripts/mdlines.py (which lines are fenced code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from buildcache import parse_yaml
from languages import language
from mdlines import TEXT, read

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "data" / "glossary.yaml"
LANGS = ("en", "zh")

INLINE_CODE_RE = re.compile(r"(`+)(?:(?!\1).)+?\1")
LINK_TARGET_RE = re.compile(r"\]\([^)]*\)")
HTML_COMMENT_RE = re.compile(r"<!--.*?-->")
QUOTED_RE = re.compile(r"“[^”]*”")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class GlossaryError(Exception):
    """data/glossary.yaml does not match its schema; the message lists every problem."""


@dataclass(frozen=True)
class Variant:
    """One Chinese variant to avoid: where to look (pattern), what to call it, what to use."""

    term_id: str
    pattern: re.Pattern
    text: str
    use: str
    why: dict | None


def _problem(problems: list[str], where: str, message: str) -> None:
    problems.append(f"{where}: {message}")


def load_glossary(path: Path = GLOSSARY) -> list[dict]:
    """The list of terms, checked: ids unique, both languages present, avoid entries well formed."""
    try:
        doc = parse_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise GlossaryError(f"{path}: cannot read: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("terms"), list):
        raise GlossaryError(f"{path}: expected a top-level 'terms' list")
    problems: list[str] = []
    seen: set[str] = set()
    for index, term in enumerate(doc["terms"]):
        where = f"{path}: term {index + 1}"
        if not isinstance(term, dict):
            _problem(problems, where, "expected a mapping")
            continue
        term_id = term.get("id")
        if not isinstance(term_id, str) or not ID_RE.match(term_id):
            _problem(problems, where, f"id {term_id!r} is not lowercase words joined by dashes")
        elif term_id in seen:
            _problem(problems, where, f"duplicate id {term_id!r}")
        else:
            seen.add(term_id)
            where = f"{path}: {term_id}"
        for key in ("en", "zh"):
            if not isinstance(term.get(key), str) or not term[key].strip():
                _problem(problems, where, f"missing '{key}' term")
        note = term.get("note")
        if not isinstance(note, dict) or any(not isinstance(note.get(lang), str) for lang in LANGS):
            _problem(problems, where, "note must give both 'en' and 'zh'")
        for item in term.get("avoid", []) or []:
            try:
                _variant(term, item)
            except (ValueError, re.error) as exc:
                _problem(problems, where, f"bad avoid entry {item!r}: {exc}")
    if problems:
        raise GlossaryError("\n".join(problems))
    return doc["terms"]


def _variant(term: dict, item) -> Variant:
    if isinstance(item, str):
        return Variant(term["id"], re.compile(re.escape(item)), item, term["zh"], None)
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        raise ValueError("expected a string or a mapping with 'text'")
    pattern = re.compile(item["regex"]) if "regex" in item else re.compile(re.escape(item["text"]))
    return Variant(term["id"], pattern, item["text"], item.get("use", term["zh"]), item.get("why"))


def variants(terms: list[dict]) -> list[Variant]:
    return [_variant(term, item) for term in terms for item in term.get("avoid", []) or []]


def prose_lines(text: str):
    """Yield (line number, text) for lines outside fenced code and front matter, with inline code,
    link targets and HTML comments blanked out (replaced by spaces, so columns keep their place)."""
    for line in read(text).lines:
        if line.kind != TEXT or line.text.lstrip().startswith("--8<--"):
            continue
        masked = line.text
        for regex in (INLINE_CODE_RE, LINK_TARGET_RE, HTML_COMMENT_RE):
            masked = regex.sub(lambda m: " " * len(m.group(0)), masked)
        yield line.number, masked


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_table(terms: list[dict], lang: str) -> str:
    """The glossary as a Markdown table in one language, sorted by the English term; its headers
    and the separator of avoided variants are the language's (data/languages.yaml, glossary.*)."""
    words = language(lang).section("glossary")
    sep = words["separator"]
    headers = (words["english"], words["chinese"], words["avoided"], words["definition"])
    lines = ["| " + " | ".join(headers) + " |", "|---|---|---|---|"]
    for term in sorted(terms, key=lambda t: t["en"].lower()):
        avoided = sep.join(_variant(term, item).text for item in term.get("avoid", []) or [])
        lines.append("| " + " | ".join(_cell(c) for c in (term["en"], term["zh"], avoided or "–",
                                                           term["note"][lang])) + " |")
    return "\n".join(lines) + "\n"
