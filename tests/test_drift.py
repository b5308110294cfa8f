"""scripts/hooks/translation_drift.py: stale twins from the git history, the status page,
and the "last updated" dates of mkdocs-git-revision-date-localized in both languages.

Each test builds tests/fixtures/drift/docs inside a throwaway git repository under tmp_path.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from script_runner import preloaded_python
from sitebuild import ROOT, fixture_config

FIXTURE = ROOT / "tests" / "fixtures" / "drift" / "docs"
HOOKS = ROOT / "scripts" / "hooks"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}

NOTICE_ZH = "译文可能已过时"
NOTICE_EN = "This translation may be out of date"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str, ceiling: Path | None = None) -> str:
    env = {**os.environ, **GIT_ENV}
    if ceiling is not None:
        env["GIT_CEILING_DIRECTORIES"] = str(ceiling)
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env, check=True)
    return result.stdout


DATE_PLUGIN = """  - git-revision-date-localized:
      type: date
      timezone: UTC
      fallback_to_build_date: true
      enable_creation_date: false
      strict: false
"""


def write_config(project: Path) -> Path:
    """The book's fixture config (relative docs_dir, so a clone builds its own pages) plus drift and dates."""
    return fixture_config(Path("docs"), project, plugins=DATE_PLUGIN, hooks=(HOOKS / "translation_drift.py",))


def make_project(path: Path) -> Path:
    shutil.copytree(FIXTURE, path / "docs")
    write_config(path)
    return path


def make_repo(path: Path) -> Path:
    make_project(path)
    git(path, "init", "--quiet", "--initial-branch=main")
    git(path, "add", ".")
    git(path, "commit", "--quiet", "-m", "Add both languages")
    return path


def change(repo: Path, name: str, line: str, message: str) -> str:
    page = repo / "docs" / name
    page.write_text(page.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "--short", "HEAD").strip()


def build(project: Path, out: Path, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_ENV, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true",
           **(extra_env or {})}
    result = subprocess.run(
        [preloaded_python(), "-m", "mkdocs", "build", "--strict", "-f", str(project / "mkdocs.yml"),
         "-d", str(out)],
        cwd=project, capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result


def read(out: Path, url: str) -> str:
    return (out / url / "index.html").read_text(encoding="utf-8")


def status_row(page_html: str, title: str) -> str:
    """The status table's row for the page called title."""
    for row in re.findall(r"<tr>.*?</tr>", page_html, re.S):
        if f">{title}</a>" in row:
            return row
    raise AssertionError(f"no row for {title!r} in the status page")


def test_english_change_marks_the_chinese_page(tmp_path):
    repo = make_repo(tmp_path / "repo")
    short = change(repo, "guide.en.md", "Also check `nvidia-smi topo -m`.", "Expand the English guide")
    out = tmp_path / "site"
    build(repo, out)

    zh, en = read(out, "guide"), read(out, "en/guide")
    assert NOTICE_ZH in zh and NOTICE_EN not in en
    notice = zh[zh.index(NOTICE_ZH):]
    assert notice.index(NOTICE_ZH) < notice.index("</div>")
    assert 'href="../en/guide/"' in notice.split("</div>")[0], "the notice links to /en/guide/"
    assert short in notice.split("</div>")[0]
    assert zh.index("</h1>") < zh.index(NOTICE_ZH), "the notice sits under the title"
    assert NOTICE_ZH not in read(out, "") and NOTICE_EN not in read(out, "en")

    assert "<strong>中文版落后</strong>" in status_row(read(out, "status"), "指南")
    assert "<strong>Chinese version behind</strong>" in status_row(read(out, "en/status"), "Guide")
    assert short in status_row(read(out, "en/status"), "Guide")
    assert "已同步" in status_row(read(out, "status"), "漂移测试首页")
    assert "in sync" in status_row(read(out, "en/status"), "Drift test home")


def test_chinese_change_marks_the_english_page(tmp_path):
    repo = make_repo(tmp_path / "repo")
    change(repo, "guide.en.md", "Also check `nvidia-smi topo -m`.", "Expand the English guide")
    short = change(repo, "guide.md", "还要检查 `nvidia-smi topo -m` 的输出。", "扩充中文指南")
    out = tmp_path / "site"
    build(repo, out)

    zh, en = read(out, "guide"), read(out, "en/guide")
    assert NOTICE_EN in en and NOTICE_ZH not in zh
    notice = en[en.index(NOTICE_EN):].split("</div>")[0]
    assert 'href="../../guide/"' in notice, "the notice links from /en/guide/ to /guide/"
    assert short in notice
    assert 'href="../status/"' in notice, "the notice links to the status page of its language"
    assert "<strong>English version behind</strong>" in status_row(read(out, "en/status"), "Guide")
    assert "<strong>英文版落后</strong>" in status_row(read(out, "status"), "指南")


def test_a_commit_marked_synced_makes_nothing_stale(tmp_path):
    repo = make_repo(tmp_path / "repo")
    change(repo, "guide.en.md", "Also check `nvidia-smi topo -m`.", "Expand the English guide")
    change(repo, "guide.md", "还要检查 `nvidia-smi topo -m` 的输出。", "同步中文指南\n\nTranslation: synced")
    out = tmp_path / "site"
    build(repo, out)
    assert NOTICE_ZH not in read(out, "guide") and NOTICE_EN not in read(out, "en/guide")
    assert "已同步" in status_row(read(out, "status"), "指南")
    assert "in sync" in status_row(read(out, "en/status"), "Guide")


def test_shallow_clone_without_remote_says_so(tmp_path):
    repo = make_repo(tmp_path / "repo")
    change(repo, "guide.en.md", "Also check `nvidia-smi topo -m`.", "Expand the English guide")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "--depth", "1", f"file://{repo}", str(clone))
    git(clone, "remote", "remove", "origin")
    out = tmp_path / "site"
    result = build(clone, out)

    assert "translation drift could not be computed" in result.stderr
    zh_status, en_status = read(out, "status"), read(out, "en/status")
    assert "无法计算翻译状态" in zh_status and "浅克隆" in zh_status
    assert "shallow clone" in en_status and "could not be computed" in en_status
    for page in ("guide", "en/guide"):
        assert NOTICE_ZH not in read(out, page) and NOTICE_EN not in read(out, page)
    assert "未知" in status_row(zh_status, "指南")
    assert "unknown" in status_row(en_status, "Guide")


def test_shallow_clone_with_remote_is_deepened(tmp_path):
    repo = make_repo(tmp_path / "repo")
    change(repo, "guide.en.md", "Also check `nvidia-smi topo -m`.", "Expand the English guide")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "--depth", "1", f"file://{repo}", str(clone))
    out = tmp_path / "site"
    build(clone, out)
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "false"
    assert NOTICE_ZH in read(out, "guide")
    assert "<strong>中文版落后</strong>" in status_row(read(out, "status"), "指南")


def test_outside_git_says_so_and_dates_fall_back(tmp_path):
    project = make_project(tmp_path / "plain")
    out = tmp_path / "site"
    result = build(project, out, {"GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert "translation drift could not be computed" in result.stderr
    assert "不在 git 仓库中" in read(out, "status")
    assert "not in a git repository" in read(out, "en/status")
    assert 'class="md-source-file"' in read(out, "guide"), "the build date stands in for the git date"


def test_last_updated_date_in_each_language(tmp_path):
    repo = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    build(repo, out)
    stamp = int(git(repo, "log", "-1", "--format=%at").strip())
    day = dt.datetime.fromtimestamp(stamp, dt.timezone.utc)
    zh, en = read(out, "guide"), read(out, "en/guide")
    assert f"{day.year}年{day.month}月{day.day}日" in zh
    assert f"{day:%B} {day.day}, {day.year}" in en
    assert zh.count('class="md-source-file"') == 1 and en.count('class="md-source-file"') == 1


def test_repository_without_commits_says_so(tmp_path):
    project = make_project(tmp_path / "fresh")
    git(project, "init", "--quiet", "--initial-branch=main")
    out = tmp_path / "site"
    build(project, out)
    assert "仓库里还没有任何提交" in read(out, "status")
    assert "The repository has no commits yet" in read(out, "en/status")


def test_one_git_log_for_both_languages(tmp_path):
    """The whole docs tree's history comes from one `git log`, shared by the zh and en builds."""
    repo = make_repo(tmp_path / "repo")
    change(repo, "guide.en.md", "Also check `nvidia-smi topo -m`.", "Expand the English guide")
    shim = tmp_path / "bin"
    shim.mkdir()
    calls = tmp_path / "git-calls.txt"
    real_git = shutil.which("git")
    (shim / "git").write_text(f'#!/bin/sh\necho "$*" >> "{calls}"\nexec "{real_git}" "$@"\n')
    (shim / "git").chmod(0o755)
    out = tmp_path / "site"
    build(repo, out, {"PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"})
    ours = [line for line in calls.read_text().splitlines() if "log --topo-order" in line]
    assert len(ours) == 1, ours
    assert NOTICE_ZH in read(out, "guide")
