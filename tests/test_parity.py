"""The translation parity checker finds each kind of difference and names both files."""

from __future__ import annotations

from pathlib import Path

from check_parity import check_docs


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


ZH = "# 标题\n\n## 第一节 {#one}\n\n```bash\nls\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![图](x.svg)\n"
EN = "# Title\n\n## Section one {#one}\n\n```bash\nls\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![figure](x.svg)\n"


def test_matching_twins_pass(tmp_path):
    write(tmp_path, "p.md", ZH)
    write(tmp_path, "p.en.md", EN)
    assert check_docs(tmp_path) == []


def test_heading_id_difference_names_both_files_and_lines(tmp_path):
    write(tmp_path, "p.md", ZH)
    write(tmp_path, "p.en.md", EN.replace("{#one}", "{#first}"))
    [problem] = check_docs(tmp_path)
    assert "p.md:3" in problem and "p.en.md:3" in problem and "'one'" in problem and "'first'" in problem


def test_missing_code_block_table_and_image_are_reported(tmp_path):
    write(tmp_path, "p.md", ZH)
    write(tmp_path, "p.en.md", "# Title\n\n## Section one {#one}\n")
    problems = "\n".join(check_docs(tmp_path))
    for kind in ("code block", "table", "image"):
        assert f"1 {kind}(s) in" in problems


def test_heading_without_id_and_unclosed_fence(tmp_path):
    write(tmp_path, "p.md", "# 标题\n\n## 没有编号\n\n```text\nopen\n")
    write(tmp_path, "p.en.md", "# Title\n\n## No id\n\n```text\nopen\n```\n")
    problems = "\n".join(check_docs(tmp_path))
    assert "p.md:3: heading '没有编号' has no explicit {#id}" in problems
    assert "fenced code block is never closed" in problems


def test_heading_inside_code_is_ignored(tmp_path):
    write(tmp_path, "p.md", "# 标题\n\n```bash\n## not a heading\n```\n")
    write(tmp_path, "p.en.md", "# Title\n\n```bash\n## not a heading\n```\n")
    assert check_docs(tmp_path) == []


def test_front_matter_must_be_a_mapping(tmp_path):
    write(tmp_path, "p.md", "---\n- a\n- b\n---\n# 标题\n")
    write(tmp_path, "p.en.md", "# Title\n")
    assert any("front matter must be a mapping" in p for p in check_docs(tmp_path))
