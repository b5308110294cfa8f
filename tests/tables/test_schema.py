"""The schema check: the real data passes, broken fixtures fail naming file, row and field."""

from __future__ import annotations

import subprocess
import sys

import pytest
from table_helpers import FIXTURES, ROOT, get_data

from buildcache import dump_yaml, parse_yaml
from scripts.tables.schema import (
    DTYPES,
    SPECS,
    TableDataError,
    count_sources,
    validate_file,
)

REQUIRED_ACCELERATORS = {
    "A100 SXM", "A100 PCIe", "H100 SXM", "H100 PCIe", "H200", "GH200", "B200", "B300",
    "GB200", "GB300", "L40S", "MI250", "MI250X", "MI300X", "MI325X", "MI355X", "Gaudi2",
    "Gaudi3", "TPU v4", "TPU v5e", "TPU v5p", "TPU v6e (Trillium)", "TPU7x (Ironwood)",
    "Trainium2",
}


def issues_of(path) -> list[str]:
    with pytest.raises(TableDataError) as excinfo:
        validate_file(str(path))
    return [str(i) for i in excinfo.value.issues]


def test_real_data_passes():
    data = get_data()
    assert set(data) == set(SPECS)
    assert len(data["accelerators"]) >= 25
    assert len(data["hbm"]) == 5
    assert len(data["intra_node"]) >= 12
    assert len(data["inter_node"]) >= 10
    assert count_sources(data) >= 30


def test_required_accelerators_present():
    data = get_data()
    models = {row["model"] for row in data["accelerators"]}
    assert REQUIRED_ACCELERATORS <= models, REQUIRED_ACCELERATORS - models
    announced = [r for r in data["accelerators"] if r["availability"] == "announced"]
    assert {"NVIDIA", "AMD"} <= {r["vendor"] for r in announced}


def test_every_row_has_a_url_source():
    data = get_data()
    for kind, rows in data.items():
        for row in rows:
            assert row["sources"], (kind, row)


def test_known_h100_sxm_values():
    data = get_data()
    row = next(r for r in data["accelerators"] if r["model"] == "H100 SXM")
    assert round(row["tflops"]["bf16"]) == 989
    assert row["memory_gb"] == 80
    assert row["memory_bw_tbs"] == 3.35
    assert row["tflops"]["fp4"] == "unsupported"
    assert set(row["tflops"]) == set(DTYPES)


def test_string_in_number_field():
    expected = ("tests/fixtures/tables/string_in_number.yaml: row 'H100 SXM': field 'bf16': "
                "expected a number, got 'fast'")
    assert issues_of(FIXTURES / "string_in_number.yaml") == [expected]


def test_missing_source():
    issues = issues_of(FIXTURES / "missing_source.yaml")
    prefix = "tests/fixtures/tables/missing_source.yaml: "
    assert prefix + "row 'MI300X': field 'sources': at least one source URL is required" in issues
    assert prefix + "row 'MI300X': field 'bf16': no source covers this number" in issues
    # a source that lists its fields must cover every number of the row
    assert prefix + "row 'H100 SXM': field 'tdp_w': no source covers this number" in issues
    assert not any("H100 SXM': field 'bf16'" in i for i in issues)


def test_duplicate_row():
    issues = issues_of(FIXTURES / "duplicate_row.yaml")
    assert len(issues) == 1
    assert issues[0].startswith(
        "tests/fixtures/tables/duplicate_row.yaml: row 'h100 sxm': field 'model': duplicate row"
    )
    assert "'H100 SXM'" in issues[0]


def test_unknown_dtype_availability_and_units():
    issues = issues_of(FIXTURES / "unknown_dtype.yaml")
    prefix = "tests/fixtures/tables/unknown_dtype.yaml: "
    assert any(i.startswith(prefix + "row 'H100 SXM': field 'fp12': unknown dtype") for i in issues)
    assert prefix + "row 'H100 SXM': field 'availability': expected 'ga' or 'announced', got 'soon'" in issues
    assert prefix + "field 'units.tflops': expected 'TFLOPS', got 'GFLOPS'" in issues


def test_other_table_kinds_are_checked_too():
    issues = issues_of(FIXTURES / "bad_link_row.yaml")
    prefix = "tests/fixtures/tables/bad_link_row.yaml: row 'NVLink 4 + NVSwitch': "
    assert prefix + "field 'bidirectional_gbs': expected a number, got '900 GB/s'" in issues
    assert prefix + "field 'used_in.zh': missing translation" in issues


def test_cli_fails_on_broken_fixture():
    result = subprocess.run(
        [sys.executable, "scripts/check_tables.py", "tests/fixtures/tables/string_in_number.yaml"],
        cwd=ROOT, check=False, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert ("tests/fixtures/tables/string_in_number.yaml: row 'H100 SXM': field 'bf16': "
            "expected a number, got 'fast'") in result.stderr


def _broken(tmp_path, change) -> list[str]:
    """The issues of data/accelerators.yaml with one change made to its first row (or the file)."""
    doc = parse_yaml((ROOT / "data" / "accelerators.yaml").read_text(encoding="utf-8"))
    doc["accelerators"][0]["model"] = "Test row"
    change(doc, doc["accelerators"][0])
    path = tmp_path / "accelerators.yaml"
    path.write_text(dump_yaml(doc, allow_unicode=True), encoding="utf-8")
    return [issue.split(": ", 1)[1] for issue in issues_of(path)]


ROW = "row 'Test row': field "


@pytest.mark.parametrize("change, expected", [
    (lambda doc, r: r["tflops"].pop("fp4"), ROW + "'fp4': missing (use null for unknown or 'unsupported')"),
    (lambda doc, r: r["tflops"].update(fp8=-1), ROW + "'fp8': expected a non-negative number, got -1"),
    (lambda doc, r: r.update(tdp_w=True), ROW + "'tdp_w': expected a number, got bool True"),
    (lambda doc, r: r.update(notes="x"), ROW + "'notes': expected a mapping with keys en, zh, got 'x'"),
    (lambda doc, r: r.update(notes={"en": "a", "zh": "b", "fr": "c"}),
     ROW + "'notes.fr': unknown language (known: en, zh)"),
    (lambda doc, r: r.update(sources=[5]), ROW + "'sources[0]': expected a URL or {url, fields}, got int 5"),
    (lambda doc, r: r.update(sources=["ftp://x"]),
     ROW + "'sources[0]': expected an http(s) URL, got 'ftp://x'"),
    (lambda doc, r: r.update(sources=[{"url": "https://a.org", "fields": ["bf16"], "page": 2}]),
     ROW + "'sources[0].page': unknown key (use url and fields)"),
    (lambda doc, r: r.update(sources=[{"url": "https://a.org", "fields": ["bf16", "colour"]}]),
     ROW + "'sources[0].fields': unknown field 'colour'"),
    (lambda doc, r: r.update(colour="red"), ROW + "'colour': unknown field"),
    (lambda doc, r: doc["accelerators"].insert(0, "oops"), "row '#0': expected a mapping, got 'oops'"),
    (lambda doc, r: doc.update(units="x"),
     "field 'units': expected a mapping " + repr(SPECS["accelerators"].units)),
    (lambda doc, r: doc.update(accelerators=[]), "field 'accelerators': expected a non-empty list of rows"),
])
def test_each_kind_of_problem_is_worded(tmp_path, change, expected):
    assert expected in _broken(tmp_path, change)


def test_loaded_rows_are_the_yaml_as_written():
    doc = parse_yaml((ROOT / "data" / "accelerators.yaml").read_text(encoding="utf-8"))
    assert get_data()["accelerators"] == doc["accelerators"]
    assert isinstance(get_data()["accelerators"][0]["memory_gb"], int)  # not turned into a float


def test_numbers_a_source_must_cover():
    assert SPECS["accelerators"].numeric == ("memory_gb", "memory_bw_tbs", "tdp_w", *DTYPES)
    assert SPECS["intra_node"].numeric == ("per_direction_gbs", "bidirectional_gbs")
