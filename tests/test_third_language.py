"""A third language is data, not code: a copy of the project gets French by editing only
data/languages.yaml, the i18n languages of mkdocs.yml and adding page.fr.md twins, and builds.

The copy keeps the book's mkdocs.yml, scripts/, overrides/, data/ and docs/ but for its pages: four
pages only (the nav and the SKILL.md outline cut down to them), so the build stays fast."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path


from buildcache import dump_yaml, parse_yaml
from script_runner import preloaded_python
from sitebuild import ROOT, small_book

FRENCH_I18N = """        - locale: fr
          name: Français
          build: true
          site_name: Le livre ouvert de l'ingénierie du ML
          nav_translations:
            首页: Accueil
            网络: Réseau
            网络故障排查: Dépannage du réseau
            资源: Ressources
            翻译状态: État des traductions
            参与贡献: Contribuer
"""
NAV = """
nav:
  - 首页: index.md
  - 网络:
      - 网络故障排查: network/debug.md
  - 资源:
      - 翻译状态: resources/translation-status.md
  - 参与贡献: contributing.md
"""
PAGES = {  # the pages the copy writes itself: (path without .md, title, body) per language
    "zh": [("index", "首页", "[网络故障排查](network/debug.md)与[翻译状态](resources/translation-status.md)。"),
           ("network/debug", "网络故障排查", "先检查链路。")],
    "en": [("index", "Home", "[Network debugging](network/debug.md), [status](resources/translation-status.md)."),
           ("network/debug", "Network debugging", "Check the links first.")],
    "fr": [("index", "Accueil", "[Dépannage du réseau](network/debug.md), [état](resources/translation-status.md)."),
           ("network/debug", "Dépannage du réseau", "Vérifiez d'abord les liens.")],
}
DOWNLOAD_PDF_FR = "Télécharger le livre entier en PDF :"
NOT_FOUND_FR = "Cette page n'existe pas"


def add_french(raw: dict) -> None:
    """French in data/languages.yaml: a block of its own, and its name in every language."""
    french = parse_yaml(dump_yaml(raw["en"]))  # a deep copy: every key, English text
    french.update(suffix=".fr", prefix="fr/", html_lang="fr", name="Français")
    french["strings"]["site"].update(download_pdf=DOWNLOAD_PDF_FR, not_found_title=NOT_FOUND_FR)
    french["strings"]["llms"]["edition"] = "Édition française"
    raw["fr"] = french
    names = {"zh": ("法文版", "法文版"), "en": ("French", "French version"), "fr": ("Français", "version française")}
    for code, (edition, version) in names.items():
        raw[code]["names"]["edition"]["fr"] = edition
        raw[code]["names"]["version"]["fr"] = version
    raw["fr"]["names"]["edition"].update(zh="Chinois", en="Anglais")
    raw["fr"]["names"]["version"].update(zh="version chinoise", en="version anglaise")


def make_project(project: Path) -> None:
    (project / "data").mkdir(parents=True)
    raw = parse_yaml((ROOT / "data" / "languages.yaml").read_text(encoding="utf-8"))
    add_french(raw)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    i18n_end = re.compile(r"^  (?:#|- )", re.M).search(config, config.index("  - i18n:") + 1).start()
    small_book(project, NAV, PAGES, config=config[:i18n_end] + FRENCH_I18N + config[i18n_end:])
    languages = project / "data" / "languages.yaml"
    languages.write_text(dump_yaml(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


def switcher(page: Path) -> list[str]:
    """The languages the page's language menu offers, in its order."""
    return re.findall(r'hreflang="([^"]+)" class="md-select__link"', page.read_text(encoding="utf-8"))


def test_a_third_language_needs_only_data_and_pages(tmp_path, site):
    project = tmp_path / "project"
    make_project(project)
    out = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    result = subprocess.run([preloaded_python(), "-m", "mkdocs", "build", "--strict", "-d", str(out)],
                            cwd=project, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]

    french = (out / "fr" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr"' in french and "<h1" in french and "Accueil" in french
    status = (out / "fr" / "resources" / "translation-status" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr"' in status and "version française" in status  # the table names the editions
    # The menu offers what the real site offers, and French.
    assert switcher(out / "index.html") == switcher(site / "index.html") + ["fr"]
    assert switcher(out / "fr" / "network" / "debug" / "index.html") == ["zh", "en", "fr"]
    # The new language's words, and its edition in the other languages' download links.
    assert DOWNLOAD_PDF_FR in french and "pdf/ml-engineering-fr.pdf" in french
    assert 'hreflang="fr">法文版</a>' in (out / "index.html").read_text(encoding="utf-8")
    assert NOT_FOUND_FR in (out / "fr" / "404.html").read_text(encoding="utf-8")
    assert "fr/" in (out / "404.html").read_text(encoding="utf-8")  # the root 404 serves /fr/ addresses
    assert (out / "fr" / "network" / "nccl-debug" / "index.html").is_file()  # the redirect, in French too
    assert "Édition française" in (out / "llms.txt").read_text(encoding="utf-8")
    # The SKILL.md outline (content, not words of the build) has no French: no SKILL.md, no link to one.
    assert not (out / "fr" / "SKILL.md").exists() and "SKILL.md" not in (out / "fr" / "llms.txt").read_text("utf-8")
    assert (out / ".book" / "manifest-fr.json").is_file()
