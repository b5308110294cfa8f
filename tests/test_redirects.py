"""Moved pages keep their old URLs, in both languages (mkdocs-redirects + scripts/hooks/i18n_site.py)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urljoin

import pytest

from bookconf import DOCS, LANGUAGES, MKDOCS_YML, twin_paths
from script_runner import preloaded_python
from sitebuild import ROOT, fixture_config, read_mkdocs_yml

GOOD = ROOT / "tests" / "fixtures" / "sites" / "good" / "docs"


def redirect_target(page: Path) -> str:
    """Where an HTML redirect page sends the reader; it must say it twice (meta refresh and JS)."""
    text = page.read_text(encoding="utf-8")
    refresh = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', text)
    script = re.search(r'location\.href="([^"]+)"', text)
    assert refresh and script, f"{page} is not a redirect page"
    assert refresh.group(1) == script.group(1)
    return refresh.group(1)


def resolve(site: Path, old_url: str, target: str) -> Path:
    """The built file a relative redirect target lands on, from the old page's URL."""
    landed = urljoin("http://site.invalid/" + old_url, target).split("#")[0]
    path = landed[len("http://site.invalid/"):]
    return site / path / "index.html" if path.endswith("/") or not path else site / path


def build_with_redirects(tmp_path: Path, maps: dict[str, str]) -> Path:
    config_path = fixture_config(GOOD, tmp_path)
    config = config_path.read_text(encoding="utf-8")
    entries = "".join(f"        {old}: {new}\n" for old, new in maps.items())
    config = config.replace("  - i18n:", f"  - redirects:\n      redirect_maps:\n{entries}  - i18n:", 1)
    config_path.write_text(config, encoding="utf-8")
    out = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    result = subprocess.run(
        [preloaded_python(), "-m", "mkdocs", "build", "--strict", "-f", str(config_path), "-d", str(out)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return out


def test_redirect_in_both_languages(tmp_path):
    out = build_with_redirects(tmp_path, {"old/guide-v1.md": "guide.md", "setup.md": "guide.md#setup"})
    zh_guide, en_guide = out / "guide" / "index.html", out / "en" / "guide" / "index.html"

    target = redirect_target(out / "old" / "guide-v1" / "index.html")
    assert target == "../../guide/"
    assert resolve(out, "old/guide-v1/", target) == zh_guide

    target = redirect_target(out / "en" / "old" / "guide-v1" / "index.html")
    assert target == "../../guide/"
    assert resolve(out, "en/old/guide-v1/", target) == en_guide

    assert redirect_target(out / "setup" / "index.html") == "../guide/#setup"
    assert redirect_target(out / "en" / "setup" / "index.html") == "../guide/#setup"
    assert resolve(out, "en/setup/", "../guide/#setup") == en_guide


def book_redirects() -> dict[str, str]:
    config = read_mkdocs_yml(MKDOCS_YML)
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "redirects" in plugin:
            return plugin["redirects"]["redirect_maps"]
    raise AssertionError("mkdocs.yml has no redirects plugin")


def test_book_redirects_point_at_pages_of_both_languages():
    maps = book_redirects()
    assert maps.get("network/nccl-debug.md") == "network/debug.md"
    for old, new in maps.items():
        assert not (DOCS / old).exists(), f"{old} still exists; a redirect would hide it"
        for lang, path in twin_paths(DOCS / new.split("#")[0]).items():
            assert path.is_file(), f"redirect target {new} has no {lang} page {path}"


@pytest.mark.site
@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_built_book_redirects_the_old_url(site, lang):
    prefix = LANGUAGES[lang].prefix
    old = f"{prefix}network/nccl-debug/"
    target = redirect_target(site / old / "index.html")
    assert resolve(site, old, target) == site / prefix / "network" / "debug" / "index.html"
