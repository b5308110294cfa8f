"""scripts/hooks/cjk_join.py: a wrapped Chinese paragraph renders without a space at the wrap."""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from script_runner import preloaded_python
from sitebuild import fixture_config

ROOT = Path(__file__).resolve().parents[1]
HOOK = ROOT / "scripts" / "hooks" / "cjk_join.py"
FIXTURE = ROOT / "tests" / "fixtures" / "cjk-join" / "docs"

spec = importlib.util.spec_from_file_location("cjk_join", HOOK)
cjk_join = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cjk_join)
join = cjk_join.join_cjk_lines


def test_paragraph_lines_join():
    assert join("中文在这里换\n行了。") == "中文在这里换行了。"
    assert join("第一句。\n第二句") == "第一句。第二句"           # CJK punctuation at the end
    assert join("前面是中文\n  缩进的续行") == "前面是中文缩进的续行"


def test_latin_and_mixed_boundaries_keep_the_newline():
    assert join("English text\nmore text") == "English text\nmore text"
    assert join("中文后接 NCCL\n中文") == "中文后接 NCCL\n中文"
    assert join("中文\nNCCL 开头") == "中文\nNCCL 开头"


def test_structure_is_left_alone():
    for text in (
        "## 标题\n正文",                 # heading
        "| 表 | 格 |\n中文",             # table row
        "段落中文\n- 列表项",            # list starts
        "段落中文\n1. 第一步",
        "段落中文\n!!! note \"提示\"",
        "段落中文\n> 引用",
        "<div>中文\n中文",                # HTML
        "段落中文  \n硬换行",             # hard break
        "段落中文\n\n下一段",             # blank line
        "```text\n代码中\n文\n```",       # fenced code
        "    提示框里的中文\n外层中文",     # less indented: may leave the container
    ):
        assert join(text) == text, text


def test_links_and_emphasis_at_the_seam_join():
    assert join("它的\n[性能说明](https://example.org)对") == "它的[性能说明](https://example.org)对"
    assert join("见[网络](a.md)\n一章") == "见[网络](a.md)一章"
    assert join("**粗体中文**\n接着") == "**粗体中文**接着"
    assert join("中文\n[^1]: 脚注") == "中文\n[^1]: 脚注"


def test_list_item_continuation_joins():
    assert join("- 列表项换\n    行了") == "- 列表项换行了"


def build(tmp_path, hooks):
    docs = tmp_path / "docs"
    shutil.copytree(FIXTURE, docs)
    config = fixture_config(docs, tmp_path, hooks=hooks)
    site = tmp_path / "site"
    cmd = [preloaded_python(), "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(site)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return (site / "index.html").read_text(encoding="utf-8"), (site / "en" / "index.html").read_text(encoding="utf-8")


def pdf_chapter_text(site: Path) -> str:
    """The text the PDF step takes from the site's manifest (scripts/pdfbook/collect.py)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from bookmanifest import load_manifest
    from pdfbook.collect import prepare
    page = next(page for page in load_manifest(site, "zh").pages if page.url == "")
    _, _, text = prepare(page.html, "", "index", "index.md", site, {},
                         "https://example.org/repo", "https://example.org/fixture/")
    return text


def test_fixture_site(tmp_path):
    zh, en = build(tmp_path / "with", (HOOK,))
    text = re.sub(r"<[^>]+>", "", zh)
    # paragraph, list item and admonition: no break between 显 and 存
    assert text.count("显存") >= 3, text
    assert "显\n存" not in text and "显 存" not in text
    # code and tables are untouched, English keeps its spaces
    assert "代码块里的中\n文不合并" in zh
    assert "English words still get a space\nbetween lines." in zh
    assert "A paragraph in English keeps its line breaks as\nspaces between words." in en
    # without the hook the same source renders the stray break (the test can fail)
    plain, _ = build(tmp_path / "without", ())
    assert "显\n存" in re.sub(r"<[^>]+>", "", plain)
    # the PDF is made from the site's HTML, so it gets the joined text too
    pdf_text = pdf_chapter_text(tmp_path / "with" / "site")
    assert pdf_text.count("显存") >= 3 and "显\n存" not in pdf_text
    assert "显\n存" in pdf_chapter_text(tmp_path / "without" / "site")


def test_registered_in_mkdocs_yml():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "- scripts/hooks/cjk_join.py" in config
    assert "- scripts/hooks/glossary.py" in config
