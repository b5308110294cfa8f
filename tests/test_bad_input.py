"""Bad page sources stop the build with a message naming the file, and keep the old site."""

from __future__ import annotations

import pytest

from sitebuild import build_fixture

# fixture site -> (file the message must name, words the message must hold)
BAD_SITES = {
    "broken-link": ("index.en.md", "gide.md"),
    "broken-anchor": ("index.md", "tensor-parallel"),
    "missing-twin": ("guide.md", "missing translation"),
    "bad-front-matter": ("guide.md:3", "malformed front matter"),
    "missing-image": ("guide.md", "topology.svg"),
}


def test_good_fixture_builds(tmp_path):
    result, out = build_fixture("good", tmp_path)
    assert result.returncode == 0, result.stderr
    assert (out / "index.html").exists()
    assert (out / "en" / "guide" / "index.html").exists()


@pytest.mark.parametrize("name", sorted(BAD_SITES))
def test_bad_fixture_fails_and_keeps_old_site(name, tmp_path):
    old_site = tmp_path / "site"
    old_site.mkdir()
    (old_site / "index.html").write_text("previous build", encoding="utf-8")
    result, out = build_fixture(name, tmp_path)
    assert result.returncode != 0, f"{name} built although it is broken"
    file_name, words = BAD_SITES[name]
    assert file_name in result.stderr, result.stderr
    assert words in result.stderr, result.stderr
    assert (out / "index.html").read_text(encoding="utf-8") == "previous build"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mkdocs.yml", "site"], "temporary build left behind"
