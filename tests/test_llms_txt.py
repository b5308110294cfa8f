"""The book for agents and tools (scripts/hooks/llms_txt.py): llms.txt, llms-full.txt, page Markdown, SKILL.md.

Every page of the nav is listed in both languages' llms.txt, and every link in the generated files
leads to a file of the built site (and, with an anchor, to an element with that id).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from bookconf import LANGUAGES, MKDOCS_YML, ROOT
from buildcache import parse_yaml

CONFIG_TEXT = MKDOCS_YML.read_text(encoding="utf-8")
SITE_URL = re.search(r"^site_url:\s*(\S+)", CONFIG_TEXT, re.M).group(1).rstrip("/") + "/"
FENCED = re.compile(r"^(\s*)(`{3,}|~{3,}).*?^\1\2\s*$", re.M | re.S)
LINK = re.compile(r"\]\((https?://[^)\s]+)\)")
OUTLINE = parse_yaml((ROOT / "data" / "skill_outline.yaml").read_text(encoding="utf-8"))


def nav_pages() -> list[str]:
    """The Chinese file of every page in mkdocs.yml's nav, in reading order."""
    nav = parse_yaml(CONFIG_TEXT[CONFIG_TEXT.index("\nnav:\n"):])["nav"]
    out = []

    def walk(items):
        for item in items:
            if isinstance(item, str):
                out.append(item)
            else:
                for value in item.values():
                    walk(value) if isinstance(value, list) else out.append(value)

    walk(nav)
    return out


def page_url(md_name: str, lang: str) -> str:
    stem = md_name[:-3]
    path = "" if stem == "index" else stem[:-len("index")] if stem.endswith("/index") else stem + "/"
    return SITE_URL + LANGUAGES[lang].prefix + path


@lru_cache(maxsize=None)
def ids_of(html_file: Path) -> frozenset:
    return frozenset(re.findall(r'\sid="([^"]+)"', html_file.read_text(encoding="utf-8")))


def unresolved(site: Path, text: str) -> list[str]:
    """Links to the site in `text` that lead to no file, or to an anchor the page lacks."""
    bad = []
    for url in LINK.findall(text):
        if not url.startswith(SITE_URL):
            continue
        path, _, anchor = url[len(SITE_URL):].partition("#")
        target = site / path
        if path == "" or path.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            bad.append(url)
        elif anchor and target.suffix == ".html" and anchor not in ids_of(target):
            bad.append(url)
    return bad


def language_dir(site: Path, lang: str) -> Path:
    return site / LANGUAGES[lang].prefix


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_llms_txt_lists_every_page_with_a_description(site, lang):
    text = (language_dir(site, lang) / "llms.txt").read_text(encoding="utf-8")
    assert text.startswith("# ") and "\n> " in text
    entries = dict(re.findall(r"^- \[[^\]]+\]\((\S+)\): (.*)$", text, re.M))
    pages = nav_pages()
    missing = [p for p in pages if page_url(p, lang) not in entries]
    assert not missing, f"{lang}/llms.txt lacks: {missing}"
    assert not [u for u, d in entries.items() if len(d.strip()) < 10], "an entry has no description"
    listed = [u for u in re.findall(r"^- \[[^\]]+\]\((\S+)\)", text, re.M)]
    assert listed == [page_url(p, lang) for p in pages], "llms.txt is not in reading order"
    assert not unresolved(site, text)


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_page_has_a_markdown_copy_with_absolute_links(site, lang):
    root = language_dir(site, lang)
    for md_name in nav_pages():
        url = page_url(md_name, lang)
        copy = site / url[len(SITE_URL):] / "index.md"
        assert copy.is_file(), f"{copy} is missing"
        text = copy.read_text(encoding="utf-8")
        assert text.startswith("# "), f"{copy}: no title"
        prose = FENCED.sub("", text)
        assert not re.search(r'^\s*--8<--\s+"', text, re.M), f"{copy}: a snippet was not expanded"
        relative = [m for m in re.findall(r"\]\(([^)\s]+)\)", prose)
                    if not re.match(r"[a-z]+:|#|/", m)]
        assert not relative, f"{copy}: relative links left: {relative[:5]}"
        assert not unresolved(site, text), f"{copy}: {unresolved(site, text)[:5]}"
    assert root.is_dir()


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_llms_full_holds_the_whole_book_in_reading_order(site, lang):
    text = (language_dir(site, lang) / "llms-full.txt").read_text(encoding="utf-8")
    positions = [text.find(f"<!-- {page_url(p, lang)} -->") for p in nav_pages()]
    assert -1 not in positions
    assert positions == sorted(positions)
    assert "md-header" not in text and "<nav" not in text  # no site chrome
    # The calculators appear as their worked examples, as in the PDF.
    assert text.count("| ") > 100 and ("Worked examples" in text or "计算示例" in text)


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_skill_file_follows_the_outline_and_the_chapters(site, lang):
    text = (language_dir(site, lang) / "SKILL.md").read_text(encoding="utf-8")
    front = re.match(r"---\nname: (\S+)\ndescription: (.+)\n---\n", text)
    assert front, "SKILL.md must start with front matter holding name and description"
    assert front.group(1) == OUTLINE["name"] and len(front.group(2)) > 40
    for procedure in OUTLINE[lang]["procedures"]:
        assert f"\n## {procedure['title']}\n" in text
        for ref in procedure["read"]:
            key, _, anchor = ref.partition("#")
            assert page_url(key, lang) + (f"#{anchor}" if anchor else "") in text, ref
    assert not unresolved(site, text)


def test_markdown_copies_rewrite_links_but_not_code():
    import sys

    sys.path.insert(0, str(ROOT / "scripts" / "hooks"))
    import llms_txt

    root, zh = SITE_URL + "en/", SITE_URL
    page = root + "training/model-memory/"
    source = "\n".join([
        "See [the network",
        "chapter](../network/comms.md#ring), [home](../index.md), [part](index.md) and [self](#kv-cache).",
        "A plot: ![roofline](../assets/x.svg). Code `a[0](x.md)` stays; [ext](https://example.org/a.md) too.",
        "```python",
        "y = [1](dtype.md)",
        "```",
        "[ref]: dtype.md#fp8",
    ])
    out = llms_txt.absolute_links(source, "training/model-memory.en.md", root, zh, page)
    assert f"chapter]({root}network/comms/#ring)" in out
    assert f"[home]({root})" in out and f"[part]({root}training/)" in out
    assert f"[self]({page}#kv-cache)" in out
    assert f"![roofline]({zh}assets/x.svg)" in out
    assert "`a[0](x.md)`" in out and "(https://example.org/a.md)" in out
    assert "y = [1](dtype.md)" in out
    assert f"[ref]: {root}training/dtype/#fp8" in out
