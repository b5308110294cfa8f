"""scripts/check_terms.py: avoided Chinese variants from the glossary, reported as file:line."""

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "check_terms.py"
FIXTURES = ROOT / "tests" / "fixtures" / "terms"

sys.path.insert(0, str(ROOT))
from scripts.terms import GlossaryError, load_glossary, render_table  # noqa: E402


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


def test_bad_fixture_fails_with_file_and_line():
    result = run("--glossary", str(FIXTURES / "glossary.yaml"), str(FIXTURES / "bad.md"))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        "tests/fixtures/terms/bad.md:3: use 归约, not 规约",
        "tests/fixtures/terms/bad.md:7: use kernel（GPU）或 操作系统内核（OS）, not 内核",
    ]


def test_good_fixture_passes():
    result = run("--glossary", str(FIXTURES / "glossary.yaml"), str(FIXTURES / "good.md"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_book_glossary_is_valid_and_keeps_every_term():
    terms = load_glossary()
    ids = {t["id"] for t in terms}
    # a sample of the terms the glossary page listed before it became data, and the new decisions
    for term_id in ("tensor-parallelism", "checkpoint", "gpu-memory", "inference", "reduction",
                    "gpu-kernel", "os-kernel", "loss", "arithmetic", "reasoning"):
        assert term_id in ids
    for term in terms:
        assert term["note"]["en"] and term["note"]["zh"]


def test_invalid_glossary_is_rejected(tmp_path):
    bad = tmp_path / "g.yaml"
    bad.write_text(yaml.safe_dump({"terms": [
        {"id": "x", "en": "x", "zh": "甲", "note": {"en": "a"}},
        {"id": "x", "en": "y", "zh": "乙", "avoid": [{"regex": "("}], "note": {"en": "b", "zh": "乙"}},
    ]}, allow_unicode=True), encoding="utf-8")
    try:
        load_glossary(bad)
    except GlossaryError as exc:
        message = str(exc)
    else:
        raise AssertionError("an invalid glossary was accepted")
    assert "note must give both" in message and "duplicate id 'x'" in message and "bad avoid entry" in message
    result = run("--glossary", str(bad), str(FIXTURES / "good.md"))
    assert result.returncode == 2


def test_rendered_table_in_both_languages():
    terms = load_glossary(FIXTURES / "glossary.yaml")
    en = render_table(terms, "en").splitlines()
    zh = render_table(terms, "zh").splitlines()
    assert en[0] == "| English | Chinese | Avoid in Chinese | Definition |"
    assert zh[0] == "| 英文 | 中文 | 中文里不用 | 定义 |"
    assert "| kernel (GPU) | kernel | 内核 | A function launched on the accelerator. |" in en
    assert "| reduction | 归约 | 规约 | 把多个值合成一个。 |" in zh
