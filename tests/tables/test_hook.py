"""The MkDocs hook: marker replacement, language detection, errors, plots, and a real build."""

from __future__ import annotations

import os
import subprocess

import pytest
from mkdocs.exceptions import PluginError
from script_runner import preloaded_python
from sitebuild import fixture_config
from table_helpers import HOOK, ROOT, get_data, get_hook


def test_unknown_table_marker_raises_naming_the_page():
    hook = get_hook()
    md = "# T\n\n<!-- data-table: no-such-table -->\n"
    with pytest.raises(PluginError) as excinfo:
        hook.replace_markers(md, "network/index.en.md", "en")
    message = str(excinfo.value)
    assert "network/index.en.md" in message and "no-such-table" in message


def test_unknown_plot_marker_raises_naming_the_page():
    hook = get_hook()
    with pytest.raises(PluginError, match=r"compute/accelerator/index\.md.*'nope'"):
        hook.replace_markers("<!-- data-plot: nope -->", "compute/accelerator/index.md", "zh")


def test_markers_replaced_in_each_language():
    hook = get_hook()
    md = "## A {#accelerator-tflops}\n\n<!-- data-table: accelerator-tflops -->\n\nafter\n"
    en = hook.replace_markers(md, "compute/accelerator/index.en.md", "en")
    zh = hook.replace_markers(md, "compute/accelerator/index.md", "zh")
    assert "<!-- data-table" not in en and "| Accelerator |" in en
    assert "| 加速器 |" in zh
    assert en.endswith("\n\nafter\n")


def test_markers_inside_code_fences_are_left_alone():
    hook = get_hook()
    md = "```text\n<!-- data-table: no-such-table -->\n```\n"
    assert hook.replace_markers(md, "contributing.md", "zh") == md


def test_plot_marker_links_relative_svg():
    hook = get_hook()
    out = hook.replace_markers("<!-- data-plot: intra-node-bandwidth -->",
                               "network/index.en.md", "en")
    assert "](../assets/data-plots/intra-node-bandwidth-en.svg)" in out
    assert '<div class="data-plot" markdown>' in out


@pytest.mark.parametrize("src,build,expected", [
    ("network/index.en.md", "zh", "en"),
    ("network/index.md", "zh", "zh"),
    ("network/index.md", "en", "en"),
])
def test_page_language(src, build, expected):
    hook = get_hook()
    assert hook.page_language(src, build) == expected


def test_a_build_language_the_registry_lacks_is_named():
    from languages import LanguageError

    with pytest.raises(LanguageError, match="'xx'"):
        get_hook().page_language("index.md", "xx")


def test_plots_are_deterministic_path_svg():
    from scripts.hooks.data_tables import load_loss_patterns
    from scripts.tables.plots import PLOT_NAMES, render_plot

    data = {**get_data(), "loss_patterns": load_loss_patterns(str(ROOT / "data" / "loss-patterns.yaml"))}

    for name in PLOT_NAMES:
        first = render_plot(name, data, "en")
        assert first == render_plot(name, data, "en"), name
        assert first.startswith(b"<?xml") and b"<svg" in first
        assert b"<text" not in first  # glyphs are paths, the PDF needs no fonts
        assert b"<dc:date>" not in first


def test_mkdocs_build_with_markers(tmp_path):
    """A two-language fixture site built with the hook: tables, plots and the error path."""
    docs = tmp_path / "docs"
    docs.mkdir()
    body = "# {title}\n\n## Table {{#t}}\n\n<!-- data-table: hbm-generations -->\n\n" \
           "<!-- data-plot: inter-node-bandwidth -->\n"
    (docs / "index.md").write_text(body.format(title="首页"), encoding="utf-8")
    (docs / "index.en.md").write_text(body.format(title="Home"), encoding="utf-8")
    config = fixture_config(docs, tmp_path, hooks=(HOOK,))
    site = tmp_path / "site"
    cmd = [preloaded_python(), "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(site)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(cmd, cwd=ROOT, check=False, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    zh = (site / "index.html").read_text(encoding="utf-8")
    en = (site / "en" / "index.html").read_text(encoding="utf-8")
    assert "每堆栈带宽" in zh and "GB/s per stack" in en
    assert "<td" in zh and "819" in zh and "819" in en
    assert 'assets/data-plots/inter-node-bandwidth-zh.svg' in zh
    assert 'assets/data-plots/inter-node-bandwidth-en.svg' in en
    assert (site / "assets" / "data-plots" / "inter-node-bandwidth-zh.svg").exists()
    # only the plots a page shows are drawn and published
    assert sorted(path.name for path in (site / "assets" / "data-plots").iterdir()) == [
        f"inter-node-bandwidth-{lang}{scheme}.svg" for lang in ("en", "zh") for scheme in ("-dark", "")]
    assert (site / "assets" / "data-plots" / "inter-node-bandwidth-en.svg").exists()
    assert not list(docs.rglob("*.svg")), "nothing may be written into docs/"

    (docs / "index.en.md").write_text("# Home\n\n<!-- data-table: nope -->\n", encoding="utf-8")
    result = subprocess.run(cmd, cwd=ROOT, check=False, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode != 0
    assert "index.en.md" in result.stdout + result.stderr
    assert "'nope'" in result.stdout + result.stderr
