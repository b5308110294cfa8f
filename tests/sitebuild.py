"""Build small fixture sites with the book's real hooks; shared by the tests that need one.

(A plain module, not conftest.py: tests/browser has a conftest.py of its own, and two
modules named conftest cannot both be imported by name.)
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from script_runner import preloaded_python

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_SITES = Path(__file__).resolve().parent / "fixtures" / "sites"


def fixture_config(docs: Path, target: Path, nav: str = "", plugins: str = "", hooks: tuple[Path, ...] = ()) -> Path:
    """Write a mkdocs.yml for a fixture docs folder, with the book's real hooks and i18n set-up.

    docs may be relative (to the config's folder); plugins are extra YAML lines under
    `plugins:`; hooks are hook files run after the book's own.
    """
    extra_hooks = "".join(f"  - {hook}\n" for hook in hooks)
    config = target / "mkdocs.yml"
    config.write_text(
        f"""
site_name: Fixture
site_url: https://example.org/fixture/
repo_url: https://example.org/repo
site_author: Fixture authors
docs_dir: {docs}
strict: true
validation:
  omitted_files: warn
  absolute_links: warn
  unrecognized_links: warn
  anchors: warn
theme:
  name: material
  language: zh
  font: false
plugins:
  - i18n:
      docs_structure: suffix
      fallback_to_default: true
      languages:
        - locale: zh
          default: true
          name: 简体中文
        - locale: en
          name: English
{plugins}hooks:
  - {ROOT / 'scripts' / 'hooks' / 'fast_rebuild.py'}
  - {ROOT / 'scripts' / 'hooks' / 'check_sources.py'}
  - {ROOT / 'scripts' / 'hooks' / 'i18n_site.py'}
  - {ROOT / 'scripts' / 'hooks' / 'book_manifest.py'}
{extra_hooks}markdown_extensions:
  - attr_list
  - toc:
      slugify: !!python/object/apply:pymdownx.slugs.slugify
        kwds:
          case: lower
  - admonition
  - md_in_html
  - tables
  - pymdownx.highlight
  - pymdownx.superfences
{nav}
""",
        encoding="utf-8",
    )
    return config


def build_fixture(name: str, tmp_path: Path, nav: str = "") -> tuple[subprocess.CompletedProcess, Path]:
    """Build tests/fixtures/sites/<name> with scripts/build_site.py into tmp_path/site."""
    config = fixture_config(FIXTURE_SITES / name / "docs", tmp_path, nav)
    out = tmp_path / "site"
    result = subprocess.run(  # forked from a preloader that has imported MkDocs (tests/script_runner.py)
        [preloaded_python(), str(ROOT / "scripts" / "build_site.py"), "--config", str(config),
         "--site-dir", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    return result, out


def small_book(project: Path, nav: str, pages: dict[str, list[tuple[str, str, str]]], config: str | None = None) -> None:
    """A copy of the project with the book's scripts, overrides, data, mkdocs.yml (nav replaced by
    `nav`, the text before it by `config` if given) and docs/ assets, and only a few pages: the
    contributing and translation-status pages (real, in every language of `pages`; a third
    language gets the English text) and `pages`: {lang: [(path without .md, title, body)]}.
    The SKILL.md outline is cut down to the contributing page. A build draws only the plots its
    pages show (none, unless `pages` hold a data-plot marker). Builds in a few seconds."""
    import shutil

    from buildcache import dump_yaml, parse_yaml

    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("scripts", "overrides", "data"):
        shutil.copytree(ROOT / folder, project / folder, ignore=ignore, dirs_exist_ok=True)
    text = config if config is not None else (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    (project / "mkdocs.yml").write_text(text[:text.index("\nnav:\n")] + nav, encoding="utf-8")
    docs = project / "docs"  # its scripts and images (the calculators run three), and a few pages
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("*.md", "__pycache__", "*.pyc"))
    suffixes = {lang: "" if lang == "zh" else f".{lang}" for lang in pages}
    for name in ("contributing", "resources/translation-status"):
        for lang, suffix in suffixes.items():
            shutil.copy(ROOT / "docs" / f"{name}{'' if lang == 'zh' else '.en'}.md", docs / f"{name}{suffix}.md")
    for name in ("CONTRIBUTING.md", "CONTRIBUTING.zh.md"):  # what contributing*.md include
        shutil.copy(ROOT / name, project / name)
    for lang, entries in pages.items():
        for path, title, body in entries:
            page = docs / f"{path}{suffixes[lang]}.md"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(f"# {title}\n\n{body}\n", encoding="utf-8")
    outline = parse_yaml((project / "data" / "skill_outline.yaml").read_text(encoding="utf-8"))
    for lang in ("zh", "en"):
        outline[lang]["procedures"] = [{**outline[lang]["procedures"][0], "read": ["contributing.md"]}]
    (project / "data" / "skill_outline.yaml").write_text(dump_yaml(outline, allow_unicode=True), "utf-8")


def read_mkdocs_yml(path: Path = ROOT / "mkdocs.yml") -> dict:
    """mkdocs.yml as plain data, for tests that look at its nav or plugins. Its tags are read as
    None: !!python/name (emoji functions) and !ENV (settings a build may override)."""
    import yaml

    class Lenient(yaml.SafeLoader):
        pass

    Lenient.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    Lenient.add_multi_constructor("!", lambda loader, suffix, node: None)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=Lenient)  # noqa: S506 - a SafeLoader
