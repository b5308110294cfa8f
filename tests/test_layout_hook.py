"""The build-time parts of issue 19 in scripts/hooks/data_tables.py and scripts/tables/plots.py:
<wbr> after separators of identifiers in table cells, source numbers linked both ways, file
names on code blocks that include a script, and plots drawn for both colour schemes."""

from __future__ import annotations

import re
import sys

import markdown
import pytest

from bookconf import ROOT

sys.path.insert(0, str(ROOT))
from scripts.hooks import data_tables as hook  # noqa: E402
from scripts.tables.render import render_table  # noqa: E402
from scripts.tables.schema import load_all  # noqa: E402


def test_wbr_only_after_separators_inside_code_in_table_cells():
    html = ("<p><code>NCCL_DEBUG_SUBSYS</code></p><table><tr><th><code>TORCH_NCCL_ASYNC_ERROR_HANDLING</code></th>"
            "<td><code>torch.distributed.init_process_group</code> and <code>/etc/nccl.conf.d</code></td>"
            "<td><code>--nproc-per-node=8</code></td><td><code>all_reduce</code></td><td>NCCL_DEBUG_SUBSYS</td></tr></table>")
    out = hook.break_identifiers(html)
    assert "<p><code>NCCL_DEBUG_SUBSYS</code></p>" in out            # prose is left alone
    assert "<code>TORCH_<wbr>NCCL_<wbr>ASYNC_<wbr>ERROR_<wbr>HANDLING</code>" in out
    assert "<code>torch.<wbr>distributed.<wbr>init_<wbr>process_<wbr>group</code>" in out
    assert "<code>/etc/<wbr>nccl.<wbr>conf.<wbr>d</code>" in out        # no <wbr> before the leading /
    assert "<code>--nproc-<wbr>per-<wbr>node=8</code>" in out          # nor inside the leading --
    assert "<code>all_reduce</code>" in out                            # short code needs no break
    assert "<td>NCCL_DEBUG_SUBSYS</td>" in out                         # only inside code
    # the text a reader copies is unchanged
    assert re.sub(r"<wbr>", "", out) == html


def test_code_with_markup_inside_is_left_alone():
    html = '<table><tr><td><code><span class="n">very_long_name_here</span></code></td></tr></table>'
    assert hook.break_identifiers(html) == html


def rendered_table(name: str, lang: str) -> str:
    md = render_table(name, load_all(ROOT / "data"), lang)
    return markdown.markdown(md, extensions=["tables", "md_in_html", "attr_list"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_source_numbers_link_to_the_sources_and_back(lang):
    html = rendered_table("accelerator-tflops", lang) + rendered_table("intra-node", lang)
    out = hook.link_sources(html, lang)
    for k in (1, 2):
        assert f'<div class="data-table" id="data-table-{k}">' in out
    refs = re.findall(r'<a href="#(data-table-\d+-src-(\d+))"(?: id="(data-table-\d+-ref-\d+)")?>(\d+)</a>', out)
    assert len(refs) > 20
    ids = set(re.findall(r'id="([^"]+)"', out))
    for target, number, ref_id, text in refs:
        assert number == text and target in ids
    # every source item has an id and a link back to the first row citing it
    items = re.findall(r'<li id="(data-table-\d+-src-\d+)">(.*?)</li>', out, re.S)
    assert items and all('class="data-table__back"' in body for _, body in items)
    backs = [re.search(r'href="#([^"]+)"', a).group(1)
             for a in re.findall(r'<a [^>]*class="data-table__back"[^>]*>', out)]
    assert set(backs) <= ids and len(backs) == len(items)
    # the table's numbers are the same as before
    plain = re.sub(r"<[^>]+>", "", out)
    assert plain.count(",") == re.sub(r"<[^>]+>", "", html).count(",")


def test_tables_without_a_source_column_are_left_alone():
    html = '<div class="data-table">\n<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>\n</div>'
    assert hook.link_sources(html, "en") == html


def test_script_blocks_get_their_file_name_as_title():
    md = ('Text\n\n```python\n--8<-- "compute/accelerator/benchmarks/mamf-finder.py"\n```\n\n'
          '```bash title="run.sh"\n--8<-- "a/run.sh"\n```\n\n'
          '```python\nprint("--8<-- not a snippet")\n```\n\n'
          '    ```python\n    --8<-- "x/inner.py"\n    ```\n')
    out = hook.title_snippet_blocks(md)
    assert '```python title="mamf-finder.py"\n--8<-- "compute/accelerator/benchmarks/mamf-finder.py"\n```' in out
    assert '```bash title="run.sh"\n' in out and out.count("title=") == 3   # an existing title is kept
    assert '```python\nprint(' in out                                          # not an include
    assert '    ```python title="inner.py"\n    --8<-- "x/inner.py"\n    ```' in out  # inside a list or admonition


def test_plot_block_offers_both_schemes_linked_full_size():
    out = hook.replace_markers("<!-- data-plot: intra-node-bandwidth -->", "network/index.en.md", "en")
    html = markdown.markdown(out, extensions=["md_in_html", "attr_list"])
    links = re.findall(r'<a class="data-plot__(light|dark)" href="([^"]+)"[^>]*><img [^>]*src="([^"]+)"', html)
    assert [(scheme, href) for scheme, href, _ in links] == [
        ("light", "../assets/data-plots/intra-node-bandwidth-en.svg"),
        ("dark", "../assets/data-plots/intra-node-bandwidth-en-dark.svg")]
    assert all(href == src for _, href, src in links)
    assert '<em class="book-caption">' in html


def fills(svg: bytes) -> set[str]:
    return set(re.findall(rb"fill: ?(#[0-9a-fA-F]{6})", svg))


@pytest.mark.parametrize("name", ["accelerator-roofline", "inter-node-bandwidth"])
def test_dark_plot_is_light_on_dark(name):
    from scripts.tables.plots import THEMES, render_plot

    data = load_all(ROOT / "data")
    light, dark = render_plot(name, data, "en"), render_plot(name, data, "en", scheme="dark")
    assert light != dark
    assert THEMES["dark"]["background"].encode() in fills(dark)
    assert THEMES["dark"]["text"].encode() in fills(dark)          # labels in the light text colour
    assert b"#000000" not in fills(dark) and b"#ffffff" not in fills(dark)
    assert b"#ffffff" in fills(light) and THEMES["dark"]["text"].encode() not in fills(light)
