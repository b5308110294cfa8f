"""Compiled templates outlive the build process (scripts/buildcache.py, attached by the fast_rebuild hook):
the next build takes them from .cache/templates/ instead of compiling Material's templates again."""

from __future__ import annotations

import sys

from jinja2 import DictLoader, Environment

sys.path.insert(0, str(__import__("bookconf").ROOT / "scripts"))

import buildcache  # noqa: E402

TEMPLATES = {"page.html": "{% for n in numbers %}{{ n * 2 }} {% endfor %}"}


def environment(cache: buildcache._TemplateCache, root, templates=TEMPLATES, **options) -> Environment:
    """A Jinja environment as one build process has it: its own cache object, attached to root."""
    env = Environment(loader=DictLoader(templates), **options)
    cache.attach(env, root)
    env.bytecode_cache = cache
    return env


def compiles(env: Environment) -> list[str]:
    """The names of the templates env compiles from source from now on."""
    names = []
    original = env.compile

    def compile_and_note(source, name=None, filename=None, *args, **kwargs):
        names.append(name)
        return original(source, name, filename, *args, **kwargs)

    env.compile = compile_and_note
    return names


def test_a_new_process_takes_the_compiled_template_from_the_folder(tmp_path):
    first = environment(buildcache._TemplateCache(), tmp_path)
    assert first.get_template("page.html").render(numbers=[1, 2]) == "2 4 "
    second = environment(buildcache._TemplateCache(), tmp_path)  # a fresh cache object: a new process
    compiled = compiles(second)
    assert second.get_template("page.html").render(numbers=[3]) == "6 "
    assert compiled == []


def test_an_edited_template_is_compiled_again(tmp_path):
    environment(buildcache._TemplateCache(), tmp_path).get_template("page.html")
    edited = environment(buildcache._TemplateCache(), tmp_path, {"page.html": "{{ numbers | length }}"})
    compiled = compiles(edited)
    assert edited.get_template("page.html").render(numbers=[1, 2, 3]) == "3"
    assert compiled == ["page.html"]


def test_environments_that_compile_differently_do_not_share_a_folder(tmp_path):
    plain, trimmed = buildcache._TemplateCache(), buildcache._TemplateCache()
    environment(plain, tmp_path)
    environment(trimmed, tmp_path, trim_blocks=True)
    with_extension = buildcache._TemplateCache()
    environment(with_extension, tmp_path, extensions=["jinja2.ext.i18n"])
    assert len({plain.folder, trimmed.folder, with_extension.folder}) == 3


def test_a_folder_that_cannot_be_written_only_costs_the_compiling(tmp_path):
    blocked = tmp_path / "templates"
    blocked.write_text("a file where the folder would go", encoding="utf-8")
    env = environment(buildcache._TemplateCache(), blocked)
    assert env.get_template("page.html").render(numbers=[5]) == "10 "
    assert blocked.is_file()
