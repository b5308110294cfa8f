"""Check the comparison-table data in data/*.yaml against their models (scripts/tables/models.py).

Every problem is reported as one line naming the file, the row and the field, e.g.

    data/accelerators.yaml: row 'H100 SXM': field 'bf16': expected a number, got 'fast'

All problems of a file are collected before failing, so one run shows them all. pydantic only
checks: the loaded rows are the YAML mappings as written, so renderers see 80, not 80.0.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from buildcache import parse_yaml
from .models import DTYPES, I18N_FIELDS, KIND_BY_LIST_KEY, LANGS, SPECS, UNSUPPORTED, URL_PATTERN, Spec

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
__all__ = ["DTYPES", "LANGS", "SPECS", "UNSUPPORTED", "Issue", "TableDataError", "count_sources", "load_all",
           "validate_file"]


@dataclass
class Issue:
    file: str
    row: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        named = [f"{what} '{name}'" for what, name in (("row", self.row), ("field", self.field))
                 if name is not None]
        return ": ".join([self.file, *named, self.message])


class TableDataError(Exception):
    """Raised when a data file does not match its schema; str() lists every issue."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


# How a pydantic error reads: by what holds the field ("in X.") when the field is missing or
# unknown, else by what the value should be ("X."); else by the error alone.
WORDING = {
    "in file.extra_forbidden": "unknown top-level key",
    "file.model_type": "expected a mapping at the top level",
    "units.model_type": "expected a mapping {units}",
    "in units.extra_forbidden": "unknown unit key",
    "rows.too_short": "expected a non-empty list of rows",
    "row.model_type": "expected a mapping, got {got}",
    "tflops.model_type": "expected a mapping of dtypes, got {got}",
    "in tflops.missing": f"missing (use null for unknown or '{UNSUPPORTED}')",
    "in tflops.extra_forbidden": f"unknown dtype (known: {', '.join(DTYPES)})",
    "i18n.model_type": f"expected a mapping with keys {', '.join(LANGS)}, got {{got}}",
    "in i18n.missing": "missing translation",
    "in i18n.extra_forbidden": f"unknown language (known: {', '.join(LANGS)})",
    "sources.too_short": "at least one source URL is required",
    "source.union_tag_not_found": "expected a URL or {{url, fields}}, got {got}",
    "in source.extra_forbidden": "unknown key (use url and fields)",
    "fields.too_short": "expected a non-empty list of field names",
    "missing": "missing",
    "extra_forbidden": "unknown field",
    "float_type": "expected a number, got {got}",
    "greater_than_equal": "expected a non-negative number, got {input!r}",
    "int_type": "expected an integer, got {got}",
    "string_too_short": "expected a non-empty string, got {got}",
    "string_pattern_mismatch": "expected an http(s) URL, got {got}",
    "literal_error": "expected {expected}, got {got}",
}
SAME_AS = {"list_type": "too_short", "finite_number": "float_type", "string_type": "string_too_short"}


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    return "null" if value is None else f"{type(value).__name__} {value!r}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _what(loc: tuple) -> str:
    """What the value at loc is: file, units, rows, row, tflops, i18n, sources, source, fields."""
    if len(loc) < 2:
        return {(): "file", ("units",): "units"}.get(loc, "rows")
    if isinstance(loc[-1], int):
        return "source" if loc[-2] == "sources" else "row"
    named = loc[0] != "units" and loc[-1] in ("tflops", "sources", "fields")
    return "i18n" if loc[-1] in I18N_FIELDS else loc[-1] if named else "value"


def _label(spec: Spec, row: Any, index: int) -> str:
    label = row.get(spec.label_field) if isinstance(row, dict) else None
    return label.strip() if isinstance(label, str) and label.strip() else f"#{index}"


def _issue(file: str, rows: list, spec: Spec, error: dict) -> tuple[int, Issue]:
    """The issue, after the index of its row (-1 for the file)."""
    # pydantic names the union member a source matched after its index: sources, 0, mapping, url
    loc = tuple(part for k, part in enumerate(error["loc"])
                if not (k >= 2 and error["loc"][k - 2] == "sources" and isinstance(error["loc"][k - 1], int)))
    kind = SAME_AS.get(error["type"], error["type"])
    where = "in " + _what(loc[:-1]) if kind in ("missing", "extra_forbidden") else _what(loc)
    template = WORDING.get(f"{where}.{kind}") or WORDING.get(kind) or error["msg"]
    message = template.format(got=_show(error["input"]), input=error["input"], units=spec.units,
                              **error.get("ctx", {}))
    if len(loc) < 2 or loc[0] != spec.list_key:
        return -1, Issue(file, None, ".".join(map(str, loc)) or None, message)
    parts = loc[3:] if loc[2:3] == ("tflops",) and len(loc) > 3 else loc[2:]  # a dtype by its name
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)[1:]
    return loc[1], Issue(file, _label(spec, rows[loc[1]], loc[1]), field or None, message)


def _cross_checks(file: str, spec: Spec, rows: list) -> list[tuple[int, Issue]]:
    """What one row cannot tell: every number has a source, and no row comes twice."""
    issues: list[tuple[int, Issue]] = []
    seen: dict[tuple, str] = {}
    numeric = spec.numeric
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            continue
        label = _label(spec, row, index)
        sources = row.get("sources") if isinstance(row.get("sources"), list) else []
        named = [(number, name) for number, source in enumerate(sources) if isinstance(source, dict)
                 and isinstance(source.get("fields"), list) for name in source["fields"]]
        issues += [(index, Issue(file, label, f"sources[{number}].fields", f"unknown field {name!r}"))
                   for number, name in named if name not in numeric]
        values = {**row, **(row["tflops"] if isinstance(row.get("tflops"), dict) else {})}
        if "sources" in row and not any(isinstance(s, str) and re.match(URL_PATTERN, s) for s in sources):
            issues += [(index, Issue(file, label, name, "no source covers this number"))
                       for name in numeric if _is_number(values.get(name))
                       and name not in {covered for _, covered in named}]
        key = tuple(str(row.get(name, "")).strip().lower() for name in spec.key_fields)
        if all(key) and key in seen:
            issues.append((index, Issue(file, label, spec.key_fields[-1],
                                        f"duplicate row (same as row {seen[key]})")))
        elif all(key):
            seen[key] = f"#{index} '{label}'"
    return issues


def display_path(path: str) -> str:
    """Path as shown in messages: relative to the repository root when inside it."""
    rel = os.path.relpath(os.path.abspath(path), ROOT)
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


def validate_file(path: str, kind: str | None = None) -> list[dict]:
    """Load and check one data file; return its rows or raise TableDataError."""
    shown = display_path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            doc = parse_yaml(fh.read())
    except FileNotFoundError:
        raise TableDataError([Issue(shown, None, None, "file not found")]) from None
    except yaml.YAMLError as exc:
        raise TableDataError([Issue(shown, None, None, f"invalid YAML: {exc}")]) from None
    keys = doc if isinstance(doc, dict) else {}
    kind = kind or next((KIND_BY_LIST_KEY[key] for key in keys if key in KIND_BY_LIST_KEY), None)
    if kind is None:
        raise TableDataError([Issue(shown, None, None, "cannot tell the table kind: expected one of "
                                    + ", ".join(KIND_BY_LIST_KEY) + " as a top-level key")])
    spec = SPECS[kind]
    rows = doc.get(spec.list_key) if isinstance(doc, dict) else None
    rows = rows if isinstance(rows, list) else []
    try:
        spec.model().model_validate(doc)
        issues = []
    except ValidationError as exc:
        issues = [_issue(shown, rows, spec, error) for error in exc.errors()]
    issues = sorted(issues + _cross_checks(shown, spec, rows), key=lambda pair: pair[0])
    if issues:
        raise TableDataError([issue for _, issue in issues])
    return rows


def load_all(data_dir: str) -> dict[str, list[dict]]:
    """Check every data file in data_dir; return {kind: rows} or raise with all issues."""
    result: dict[str, list[dict]] = {}
    issues: list[Issue] = []
    for kind, spec in SPECS.items():
        try:
            result[kind] = validate_file(os.path.join(data_dir, spec.filename), kind)
        except TableDataError as exc:
            issues.extend(exc.issues)
    if issues:
        raise TableDataError(issues)
    return result


def count_sources(data: dict[str, list[dict]]) -> int:
    """Number of distinct source URLs across all tables."""
    return len({item if isinstance(item, str) else item.get("url")
                for rows in data.values() for row in rows for item in row.get("sources", [])})
