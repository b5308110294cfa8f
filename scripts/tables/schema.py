"""Schema check for the comparison-table data in data/*.yaml.

Every problem is reported as one line naming the file, the row and the field, e.g.

    data/accelerators.yaml: row 'H100 SXM': field 'bf16': expected a number, got 'fast'

The checker collects all problems of a file before failing, so one run shows them all.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

# dtypes of the accelerator table, in display order. int8 is in TOPS, the rest TFLOPS.
DTYPES = ("fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8", "fp6", "fp4")
UNSUPPORTED = "unsupported"
AVAILABILITY = ("ga", "announced")
LANGS = ("en", "zh")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$")


@dataclass
class Issue:
    file: str
    row: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row '{self.row}'")
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        return ": ".join(parts + [self.message])


class TableDataError(Exception):
    """Raised when a data file does not match its schema; str() lists every issue."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass(frozen=True)
class Spec:
    """Describes one data file: where its rows live and what each row holds."""

    kind: str
    filename: str
    list_key: str
    label_field: str          # shown in error messages as the row name
    key_fields: tuple         # fields that make a row unique
    units: dict
    # field name -> type: 'str', 'num', 'num?' (number or null), 'int', 'enum:a|b',
    # 'i18n' ({en, zh} strings), 'dtypes' (mapping of DTYPES), 'sources'
    fields: dict
    optional: tuple = ()
    # numeric fields a source must cover (dtype names are added for 'dtypes')
    numeric: tuple = field(default=())


SPECS = {
    "accelerators": Spec(
        kind="accelerators",
        filename="accelerators.yaml",
        list_key="accelerators",
        label_field="model",
        key_fields=("vendor", "model"),
        units={"tflops": "TFLOPS", "memory_gb": "GB", "memory_bw_tbs": "TB/s", "tdp_w": "W"},
        fields={
            "vendor": "str",
            "model": "str",
            "form_factor": "str",
            "availability": "enum:" + "|".join(AVAILABILITY),
            "tflops": "dtypes",
            "memory_gb": "num?",
            "memory_type": "str",
            "memory_bw_tbs": "num?",
            "tdp_w": "num?",
            "sources": "sources",
            "notes": "i18n",
        },
        optional=("notes",),
        numeric=("memory_gb", "memory_bw_tbs", "tdp_w"),
    ),
    "hbm": Spec(
        kind="hbm",
        filename="hbm.yaml",
        list_key="generations",
        label_field="generation",
        key_fields=("generation",),
        units={
            "data_rate_gbps": "Gb/s",
            "interface_bits": "bit",
            "capacity_per_stack_gb": "GB",
            "bandwidth_per_stack_gbs": "GB/s",
        },
        fields={
            "generation": "str",
            "year": "int",
            "data_rate_gbps": "num?",
            "interface_bits": "num?",
            "max_stack_height": "num?",
            "capacity_per_stack_gb": "num?",
            "bandwidth_per_stack_gbs": "num?",
            "sources": "sources",
            "notes": "i18n",
        },
        optional=("notes",),
        numeric=(
            "data_rate_gbps",
            "interface_bits",
            "max_stack_height",
            "capacity_per_stack_gb",
            "bandwidth_per_stack_gbs",
        ),
    ),
    "intra_node": Spec(
        kind="intra_node",
        filename="intra_node_links.yaml",
        list_key="links",
        label_field="name",
        key_fields=("name",),
        units={"per_direction_gbs": "GB/s", "bidirectional_gbs": "GB/s"},
        fields={
            "name": "str",
            "family": "str",
            "year": "int",
            "per_direction_gbs": "num?",
            "bidirectional_gbs": "num?",
            "availability": "enum:" + "|".join(AVAILABILITY),
            "used_in": "i18n",
            "sources": "sources",
            "notes": "i18n",
        },
        optional=("notes",),
        numeric=("per_direction_gbs", "bidirectional_gbs"),
    ),
    "inter_node": Spec(
        kind="inter_node",
        filename="inter_node_fabrics.yaml",
        list_key="fabrics",
        label_field="name",
        key_fields=("name",),
        units={"port_gbps": "Gb/s", "per_accelerator_gbps": "Gb/s"},
        fields={
            "name": "str",
            "family": "str",
            "year": "int",
            "port_gbps": "num?",
            "per_accelerator_gbps": "num?",
            "node_design": "i18n",
            "sources": "sources",
            "notes": "i18n",
        },
        optional=("notes",),
        numeric=("port_gbps", "per_accelerator_gbps"),
    ),
}

KIND_BY_LIST_KEY = {spec.list_key: kind for kind, spec in SPECS.items()}


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "null"
    return f"{type(value).__name__} {value!r}"


class _Checker:
    def __init__(self, display_path: str, spec: Spec):
        self.file = display_path
        self.spec = spec
        self.issues: list[Issue] = []

    def add(self, row: str | None, fld: str | None, message: str) -> None:
        self.issues.append(Issue(self.file, row, fld, message))

    # -- single values ---------------------------------------------------------
    def number(self, row: str, fld: str, value: Any, *, nullable: bool,
               allow_unsupported: bool = False) -> None:
        if value is None:
            if not nullable:
                self.add(row, fld, "expected a number, got null")
            return
        if allow_unsupported and value == UNSUPPORTED:
            return
        if not _is_number(value):
            self.add(row, fld, f"expected a number, got {_show(value)}")
        elif value < 0:
            self.add(row, fld, f"expected a non-negative number, got {value!r}")

    def text(self, row: str, fld: str, value: Any) -> None:
        if not isinstance(value, str) or not value.strip():
            self.add(row, fld, f"expected a non-empty string, got {_show(value)}")

    def i18n(self, row: str, fld: str, value: Any) -> None:
        if not isinstance(value, dict):
            self.add(row, fld, f"expected a mapping with keys {', '.join(LANGS)}, got {_show(value)}")
            return
        for lang in LANGS:
            if lang not in value:
                self.add(row, f"{fld}.{lang}", "missing translation")
            else:
                self.text(row, f"{fld}.{lang}", value[lang])
        for extra in sorted(set(value) - set(LANGS)):
            self.add(row, f"{fld}.{extra}", f"unknown language (known: {', '.join(LANGS)})")

    def dtypes(self, row: str, value: Any) -> None:
        if not isinstance(value, dict):
            self.add(row, "tflops", f"expected a mapping of dtypes, got {_show(value)}")
            return
        for name in value:
            if name not in DTYPES:
                self.add(row, str(name), f"unknown dtype (known: {', '.join(DTYPES)})")
        for name in DTYPES:
            if name not in value:
                self.add(row, name, f"missing (use null for unknown or '{UNSUPPORTED}')")
            else:
                self.number(row, name, value[name], nullable=True, allow_unsupported=True)

    def sources(self, row: str, value: Any, numeric_present: list[str],
                known_numeric: set[str]) -> None:
        if not isinstance(value, list) or not value:
            self.add(row, "sources", "at least one source URL is required")
            for fld in numeric_present:
                self.add(row, fld, "no source covers this number")
            return
        covered: set[str] = set()
        covers_all = False
        for i, item in enumerate(value):
            where = f"sources[{i}]"
            if isinstance(item, str):
                if URL_RE.match(item):
                    covers_all = True
                else:
                    self.add(row, where, f"expected an http(s) URL, got {item!r}")
            elif isinstance(item, dict):
                url = item.get("url")
                if not isinstance(url, str) or not URL_RE.match(url):
                    self.add(row, f"{where}.url", f"expected an http(s) URL, got {_show(url)}")
                fields = item.get("fields")
                if not isinstance(fields, list) or not fields:
                    self.add(row, f"{where}.fields", "expected a non-empty list of field names")
                    continue
                for f in fields:
                    if f not in known_numeric:
                        self.add(row, f"{where}.fields", f"unknown field {f!r}")
                    else:
                        covered.add(f)
                for extra in sorted(set(item) - {"url", "fields"}):
                    self.add(row, f"{where}.{extra}", "unknown key (use url and fields)")
            else:
                self.add(row, where, f"expected a URL or {{url, fields}}, got {_show(item)}")
        if covers_all:
            return
        for fld in numeric_present:
            if fld not in covered:
                self.add(row, fld, "no source covers this number")

    # -- whole file --------------------------------------------------------------
    def check(self, doc: Any) -> list[dict]:
        spec = self.spec
        if not isinstance(doc, dict):
            self.add(None, None, "expected a mapping at the top level")
            return []
        units = doc.get("units")
        if not isinstance(units, dict):
            self.add(None, "units", f"expected a mapping {spec.units}")
        else:
            for key, expected in spec.units.items():
                if units.get(key) != expected:
                    self.add(None, f"units.{key}", f"expected {expected!r}, got {_show(units.get(key))}")
            for extra in sorted(set(units) - set(spec.units)):
                self.add(None, f"units.{extra}", "unknown unit key")
        for extra in sorted(set(doc) - {"units", spec.list_key}):
            self.add(None, str(extra), "unknown top-level key")
        rows = doc.get(spec.list_key)
        if not isinstance(rows, list) or not rows:
            self.add(None, spec.list_key, "expected a non-empty list of rows")
            return []

        known_numeric = set(spec.numeric)
        if "tflops" in spec.fields:
            known_numeric |= set(DTYPES)
        seen: dict[tuple, str] = {}
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                self.add(f"#{index}", None, f"expected a mapping, got {_show(row)}")
                continue
            label = row.get(spec.label_field)
            label = label.strip() if isinstance(label, str) and label.strip() else f"#{index}"
            for extra in sorted(set(row) - set(spec.fields)):
                self.add(label, str(extra), "unknown field")
            for fld, kind in spec.fields.items():
                if fld not in row:
                    if fld not in spec.optional:
                        self.add(label, fld, "missing")
                    continue
                value = row[fld]
                if kind == "str":
                    self.text(label, fld, value)
                elif kind == "num?":
                    self.number(label, fld, value, nullable=True)
                elif kind == "int":
                    if not isinstance(value, int) or isinstance(value, bool):
                        self.add(label, fld, f"expected an integer, got {_show(value)}")
                elif kind.startswith("enum:"):
                    allowed = kind[5:].split("|")
                    if value not in allowed:
                        self.add(label, fld, f"expected one of {', '.join(allowed)}, got {_show(value)}")
                elif kind == "i18n":
                    self.i18n(label, fld, value)
                elif kind == "dtypes":
                    self.dtypes(label, value)
            # numbers present in this row that a source has to cover
            present = [f for f in spec.numeric if _is_number(row.get(f))]
            if isinstance(row.get("tflops"), dict):
                present += [d for d in DTYPES if _is_number(row["tflops"].get(d))]
            if "sources" in row:
                self.sources(label, row["sources"], present, known_numeric)
            # duplicates
            key = tuple(str(row.get(k, "")).strip().lower() for k in spec.key_fields)
            if all(key):
                if key in seen:
                    self.add(label, spec.key_fields[-1], f"duplicate row (same as row {seen[key]})")
                else:
                    seen[key] = f"#{index} '{label}'"
        return rows


def display_path(path: str, root: str | None = None) -> str:
    """Path as shown in messages: relative to the repository root when inside it."""
    root = root or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, root)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


def detect_kind(doc: Any) -> str | None:
    if isinstance(doc, dict):
        for key in doc:
            if key in KIND_BY_LIST_KEY:
                return KIND_BY_LIST_KEY[key]
    return None


def validate_file(path: str, kind: str | None = None) -> list[dict]:
    """Load and check one data file; return its rows or raise TableDataError."""
    shown = display_path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
    except FileNotFoundError:
        raise TableDataError([Issue(shown, None, None, "file not found")]) from None
    except yaml.YAMLError as exc:
        raise TableDataError([Issue(shown, None, None, f"invalid YAML: {exc}")]) from None
    kind = kind or detect_kind(doc)
    if kind is None:
        raise TableDataError([Issue(shown, None, None, "cannot tell the table kind: expected one of "
                                    + ", ".join(KIND_BY_LIST_KEY) + " as a top-level key")])
    checker = _Checker(shown, SPECS[kind])
    rows = checker.check(doc)
    if checker.issues:
        raise TableDataError(checker.issues)
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
    urls = set()
    for rows in data.values():
        for row in rows:
            for item in row.get("sources", []):
                urls.add(item if isinstance(item, str) else item.get("url"))
    return len(urls)
