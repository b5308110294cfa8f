"""scripts/hooks/glossary.py renders the glossary from data/glossary.yaml in both languages."""

import os
import subprocess
import sys
from pathlib import Path

from script_runner import preloaded_python
from sitebuild import fixture_config

ROOT = Path(__file__).resolve().parents[1]
HOOK = ROOT / "scripts" / "hooks" / "glossary.py"


def build(tmp_path):
    config = tmp_path / "mkdocs.yml"
    site = tmp_path / "site"
    cmd = [preloaded_python(), "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(site)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env), site


def test_marker_renders_in_both_languages_and_bad_data_stops_the_build(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    body = "# {title}\n\n## Terms {{#terms}}\n\n<!-- glossary-table -->\n\n```text\n<!-- glossary-table -->\n```\n"
    (docs / "index.md").write_text(body.format(title="术语表"), encoding="utf-8")
    (docs / "index.en.md").write_text(body.format(title="Glossary"), encoding="utf-8")
    fixture_config(docs, tmp_path, hooks=(HOOK,))
    result, site = build(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    zh = (site / "index.html").read_text(encoding="utf-8")
    en = (site / "en" / "index.html").read_text(encoding="utf-8")
    assert "中文里不用" in zh and "Avoid in Chinese" in en
    assert "<td>张量并行</td>" in zh and "<td>张量并行</td>" in en      # the Chinese term in both
    assert "<td>归约</td>" in zh and "<td>规约</td>" in zh                # term and avoided variant
    assert "Splitting the weight matrices inside each layer across GPUs." in en
    sys.path.insert(0, str(ROOT))
    from scripts.terms import load_glossary
    tp = next(term for term in load_glossary() if term["id"] == "tensor-parallelism")
    assert tp["note"]["zh"] in zh and tp["note"]["zh"] not in en
    assert "&lt;!-- glossary-table --&gt;" in zh                         # the marker in code stays

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "glossary.yaml").write_text("terms:\n  - id: Bad Id\n", encoding="utf-8")
    result, _ = build(tmp_path)
    assert result.returncode != 0
    assert "glossary" in (result.stdout + result.stderr)
