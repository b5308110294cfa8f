"""scripts/check_style.py: each rule fails its fixture with file:line, and the book passes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from bookconf import DOCS, MKDOCS_YML
from sitebuild import ROOT, read_mkdocs_yml

STYLE = ROOT / "tests" / "fixtures" / "style"
CHECK = ROOT / "scripts" / "check_style.py"

# fixture -> the exact lines the check must print (paths relative to the repository root)
EXPECTED = {
    "spelling": [
        "tests/fixtures/style/spelling/CONTRIBUTING.md:5: spelling: seperately ==> separately",
        "tests/fixtures/style/spelling/docs/index.en.md:5: spelling: recieve ==> receive",
    ],
    "zh-typography": [
        "tests/fixtures/style/zh-typography/docs/index.md:5: zh-typography: "
        "would change '使用NCCL时,先设置环境' -> '使用 NCCL 时，先设置环境'",
    ],
    "list-blank-line": [
        "tests/fixtures/style/list-blank-line/docs/index.en.md:8: list-blank-line: "
        "list starts right after a paragraph line; add a blank line before it or it renders as text",
    ],
    "fence-language": [
        "tests/fixtures/style/fence-language/docs/index.md:11: fence-language: "
        "fenced code block without a language (write ```text for plain output)",
    ],
    "no-script": [
        "tests/fixtures/style/no-script/docs/index.en.md:5: no-script: "
        "raw <script> in a page; the book runs no page scripts",
    ],
}


def check_style(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CHECK), *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_rule_fixture_fails_with_file_and_line(name):
    result = check_style("--root", str(STYLE / name))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines() == EXPECTED[name]


def test_good_fixture_passes():
    """Lists after headings and in admonitions, code, URLs and project words are all fine."""
    result = check_style("--root", str(STYLE / "good"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_given_files_only():
    """pre-commit passes the changed files: only those are read."""
    result = check_style("--root", str(STYLE / "spelling"),
                         str(STYLE / "spelling" / "docs" / "index.md"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_fix_rewrites_only_what_autocorrect_suggests(tmp_path):
    shutil.copytree(STYLE / "zh-typography", tmp_path / "book")
    page = tmp_path / "book" / "docs" / "index.md"
    before = page.read_text(encoding="utf-8")
    result = check_style("--root", str(tmp_path / "book"), "--fix")
    assert result.returncode == 0, result.stdout + result.stderr
    after = page.read_text(encoding="utf-8")
    assert after == before.replace("使用NCCL时,先设置环境变量。", "使用 NCCL 时，先设置环境变量。")
    assert "代码块里的NCCL不检查" in after  # fenced code is left alone


# ---------------------------------------------------------------- the contributor guide


def section(text: str, heading_id: str) -> str:
    """The Markdown of one `## ... {#id}` section."""
    match = re.search(rf"^## [^\n]*\{{#{heading_id}\}}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"no section {{#{heading_id}}}"
    return match.group(1)


@pytest.mark.parametrize("root_file, page", [("CONTRIBUTING.zh.md", "contributing.md"),
                                             ("CONTRIBUTING.md", "contributing.en.md")])
def test_contributing_guide_is_at_the_root_and_on_the_site(root_file, page):
    guide = (ROOT / root_file).read_text(encoding="utf-8")
    for command in ("make book", "make test", "make serve", "make check", "pre-commit install",
                    "scripts/check_tables.py", "nav_translations", "{#", "data/glossary.yaml",
                    "scripts/check_terms.py"):
        assert command in guide, f"{root_file} does not mention {command}"
    # The site page includes the root file, so the two never drift apart.
    assert (DOCS / page).read_text(encoding="utf-8").strip() == f'--8<-- "{root_file}"'


@pytest.mark.parametrize("home", ["index.md", "index.en.md"])
def test_home_page_links_to_the_contributing_page(home):
    assert "](contributing.md)" in section((DOCS / home).read_text(encoding="utf-8"), "contribute")


def test_nav_lists_contributing_and_translation_status():
    config = read_mkdocs_yml(MKDOCS_YML)

    def pages(entries):
        for entry in entries:
            title, value = next(iter(entry.items())) if isinstance(entry, dict) else (None, entry)
            if isinstance(value, list):
                yield from pages(value)
            else:
                yield title, value
    nav = {value: title for title, value in pages(config["nav"])}
    assert nav.get("contributing.md") == "参与贡献" and nav.get("resources/translation-status.md") == "翻译状态"
    i18n = next(p["i18n"] for p in config["plugins"] if isinstance(p, dict) and "i18n" in p)
    english = next(lang for lang in i18n["languages"] if lang["locale"] == "en")["nav_translations"]
    assert english.get("翻译状态") == "Translation status"
    assert "scripts/hooks/translation_drift.py" in config["hooks"]


@pytest.mark.site
def test_built_home_page_links_to_the_contributing_page(site):
    for prefix, words in (("", "参与贡献"), ("en/", "Contributing")):
        home = (site / prefix / "index.html").read_text(encoding="utf-8")
        assert 'href="contributing/"' in home
        page = (site / prefix / "contributing" / "index.html").read_text(encoding="utf-8")
        assert f">{words}<" in page and "make serve" in page
