"""scripts/mdlines.py: the one Markdown line reader that every check and hook uses."""

from __future__ import annotations

import importlib.util
import sys

from mdlines import CODE, FENCE_CLOSE, FENCE_OPEN, FRONT_MATTER, TEXT, read
from sitebuild import ROOT

sys.path.insert(0, str(ROOT))
from scripts.terms import prose_lines  # noqa: E402


def kinds(text: str, **options) -> list[str]:
    return [line.kind for line in read(text, **options).lines]


def test_inner_fence_with_a_language_does_not_close_the_block():
    text = "```\nouter\n```python\ninner\n```\nafter\n"
    assert kinds(text) == [FENCE_OPEN, CODE, CODE, CODE, FENCE_CLOSE, TEXT, TEXT]
    assert [line.in_code for line in read(text).lines] == [True] * 5 + [False] * 2
    assert read(text).problems == []


def test_tilde_fence_holds_backtick_fences():
    text = "~~~markdown\n```python\nx = 1\n```\n~~~\ntext"
    assert kinds(text) == [FENCE_OPEN, CODE, CODE, CODE, FENCE_CLOSE, TEXT]
    assert read(text).lines[0].info == "markdown"


def test_closing_fence_rules():
    # at least as long closes; shorter, other character or text after it does not
    assert kinds("```\n````\nx") == [FENCE_OPEN, FENCE_CLOSE, TEXT]
    assert kinds("````\n```\n~~~~\n```` x\n````  \nx") == [FENCE_OPEN, CODE, CODE, CODE, FENCE_CLOSE, TEXT]


def test_backticks_in_the_info_string_are_inline_code_not_a_fence():
    assert kinds("```a``` and more\ntext") == [TEXT, TEXT]
    assert kinds("~~~ a`b\n~~~") == [FENCE_OPEN, FENCE_CLOSE]


def test_indented_fence_in_an_admonition_is_a_fence():
    text = '!!! note "Title"\n\n    ```python title="x.py"\n    ## not a heading\n    ```\n\n## Next {#next}'
    page = read(text)
    assert [line.kind for line in page.lines] == [TEXT, TEXT, FENCE_OPEN, CODE, FENCE_CLOSE, TEXT, TEXT]
    opening = page.lines[2]
    assert (opening.indent, opening.fence, opening.info) == (4, "```", 'python title="x.py"')
    assert page.lines[3].heading is None
    assert page.lines[6].heading.id == "next"


def test_unclosed_fence_is_reported_at_its_opening_line():
    page = read("text\n\n~~~~bash\nls\n~~~\n")
    assert [line.kind for line in page.lines[3:]] == [CODE, CODE, CODE]
    assert page.messages("docs/p.md") == [
        "docs/p.md:3: a fenced code block is never closed (the ~~~~ on this line opens it)"
    ]


def test_front_matter():
    page = read("---\ntitle: x\n---\n# Title\n\n---\n")
    assert [line.kind for line in page.lines] == [FRONT_MATTER] * 3 + [TEXT] * 4
    assert page.front_matter == "title: x\n"
    # hooks get text without front matter: a first '---' there is a rule
    assert kinds("---\ntext\n---", front_matter=False) == [TEXT, TEXT, TEXT]


def test_unclosed_front_matter_is_reported_and_read_as_text():
    page = read("---\ntitle: x\n```\n")
    assert page.front_matter is None
    assert page.lines[0].kind == TEXT and page.lines[2].kind == FENCE_OPEN
    assert page.problems[0] == (1, "front matter opened with '---' is never closed")


def test_headings():
    lines = read("# Top\n## Two {#two .cls}\n###not\n#### Four").lines
    assert [(h.level, h.text, h.id) for h in (line.heading for line in lines) if h] == [
        (1, "Top", None), (2, "Two {#two .cls}", "two"), (4, "Four", None)]


def test_table_rows_and_images():
    text = "text\n\n| a | b |\n|:---|---:|\n| 1 | ![x](one.svg) |\n\nx | y\n---\n![y](two.png \"t\")"
    lines = read(text).lines
    assert [line.table for line in lines] == ["", "", "header", "delimiter", "row", "", "", "", ""]
    assert [image for line in lines for image in line.images] == ["one.svg", "two.png"]


def test_table_rows_and_images_inside_code_do_not_count():
    lines = read("```md\n| a | b |\n|---|---|\n![x](y.png)\n```").lines
    assert not any(line.table or line.images for line in lines)


def test_every_consumer_sees_the_same_code_lines():
    """The hooks and checks agree: after an inner ```python line, text resumes at the real close."""
    text = "```\n<!-- glossary-table -->\n```python\n```\n中文第一行\n中文第二行\n"
    assert [number for number, _ in prose_lines(text)] == [5, 6, 7]
    spec = importlib.util.spec_from_file_location("cjk_join_under_test", ROOT / "scripts/hooks/cjk_join.py")
    cjk_join = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cjk_join)
    assert cjk_join.join_cjk_lines(text).endswith("```\n中文第一行中文第二行\n")
