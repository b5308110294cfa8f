"""The loss-pattern gallery of training/instabilities: drawn at build time from data/loss-patterns.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

from buildcache import dump_yaml, parse_yaml
from scripts.hooks.data_tables import load_loss_patterns
from scripts.tables.plots import LOSS_GALLERY_FIRST_STEP, render_plot

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "loss-patterns.yaml"


def test_every_pattern_is_drawn_in_both_languages_and_schemes():
    gallery = load_loss_patterns(str(DATA))
    assert len(gallery["patterns"]) >= 8
    for lang in ("zh", "en"):
        for scheme in ("light", "dark"):
            svg = render_plot("loss-patterns", {"loss_patterns": gallery}, lang, scheme).decode()
            assert svg.startswith("<?xml") and "<svg" in svg
            # one line per pattern, plus the NaN cross of the pattern that has one
            assert svg.count('id="line2d_') >= len(gallery["patterns"])
    assert 0 < LOSS_GALLERY_FIRST_STEP < gallery["steps"]


def test_the_page_shows_the_gallery_figure():
    for page in ("instabilities.md", "instabilities.en.md"):
        assert "<!-- data-plot: loss-patterns -->" in (ROOT / "docs" / "training" / page).read_text(encoding="utf-8")


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(steps="600"), "integer 'steps'"),
    (lambda d: d["loss_patterns"][0]["loss"].pop(), "must hold"),
    (lambda d: d["loss_patterns"][1]["loss"].__setitem__(5, "high"), "must hold"),
    (lambda d: d["loss_patterns"][2]["title"].pop("zh"), "'title' needs"),
])
def test_bad_gallery_data_names_the_file_and_pattern(tmp_path, change, message):
    data = parse_yaml(DATA.read_text(encoding="utf-8"))
    change(data)
    bad = tmp_path / "loss-patterns.yaml"
    bad.write_text(dump_yaml(data), encoding="utf-8")
    with pytest.raises(PluginError) as error:
        load_loss_patterns(str(bad))
    assert str(bad) in str(error.value) and message in str(error.value)
