"""MkDocs hook: the book for agents and tools, written per language from the pages being built.

Each language build (mkdocs-static-i18n builds Chinese into site/ and then, nested inside its
on_post_build, English into site/en/) writes into its own folder:

* ``llms.txt``: title, summary, then every page of the nav in reading order, one line each
  with its absolute URL and its description (front matter ``description`` or first paragraph);
* ``llms-full.txt``: every page's Markdown in reading order, without site chrome;
* ``<page>/index.md`` next to each ``<page>/index.html``: the page's Markdown with snippets
  (``--8<--``) expanded, calculator markers replaced by their worked examples, and relative
  links rewritten to absolute site URLs (``site_url`` in mkdocs.yml);
* ``SKILL.md``: front matter (name, description) and the core procedures, from the hand-written
  outline in data/skill_outline.yaml plus each referenced chapter's title, URL and ``##``
  headings as built, so the index follows the chapters. An outline entry naming a page or a
  heading id that does not exist is a warning (the strict build fails); a language the outline
  does not cover gets no SKILL.md (said at INFO level).

The words around the lists are the languages' (data/languages.yaml, ``llms.*``).
"""

from __future__ import annotations

import html
import logging
import posixpath
import re
import sys
from pathlib import Path
from urllib.parse import urljoin


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bookconf import DOCS, ROOT  # noqa: E402
from buildcache import read_yaml, reusing_site_outputs  # noqa: E402
from hookstate import reset_at_site_build  # noqa: E402
from languages import DEFAULT_LANGUAGE, LANGUAGES, Language, build_language  # noqa: E402
from mdlines import TEXT, read  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402

import calcbook  # noqa: E402

log = logging.getLogger("mkdocs.hooks.llms_txt")

OUTLINE = ROOT / "data" / "skill_outline.yaml"

# Per language: the nav (kept at on_nav) and, per page URL, what the page was built from.
_nav: dict[str, object] = {}
_pages: dict[str, dict[str, dict]] = {}
on_config = reset_at_site_build(_nav, _pages)

_SNIPPET = re.compile(r'^([ \t]*)--8<--[ \t]+"([^"]+)"[ \t]*$', re.M)
_CALC = re.compile(r'<div class="book-calc" data-calc="([^"]*)">\s*</div>')
# "](target)": the link text may start on an earlier line.
_INLINE_LINK = re.compile(r"(\]\()(<?)([^)\s>]+)(>?)((?:\s+\"[^\"]*\")?\))")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_REF_LINK = re.compile(r"^(\s{0,3}\[[^\]]+\]:\s*)(\S+)", re.M)
_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_TAGS = re.compile(r"<[^>]+>")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


def site_root(config, lang: str) -> str:
    base = config.site_url or "/"
    if not base.endswith("/"):
        base += "/"
    return base + LANGUAGES[lang].prefix


def zh_name(src_uri: str) -> str:
    """The page's default-language (Chinese) file name (the name links and the outline use)."""
    for lang in LANGUAGES.values():
        if lang.suffix and src_uri.endswith(lang.suffix + ".md"):
            return src_uri[: -len(lang.suffix + ".md")] + ".md"
    return src_uri


def page_path(md_name: str) -> str:
    """'training/index.md' -> 'training/', 'training/dtype.md' -> 'training/dtype/'."""
    stem = md_name[:-3]
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def expand_snippets(markdown: str) -> str:
    def include(match: re.Match) -> str:
        indent, name = match.group(1), match.group(2)
        for base in (DOCS, ROOT):
            path = base / name
            if path.is_file():
                text = path.read_text(encoding="utf-8").rstrip("\n")
                return "\n".join(indent + line if line else line for line in text.split("\n"))
        return match.group(0)

    return _SNIPPET.sub(include, markdown)


def absolute_links(markdown: str, src: str, root: str, zh_root: str, page_url: str) -> str:
    """Rewrite relative links (outside code blocks) to absolute URLs of the built site."""

    def target(url: str) -> str:
        if not url or _SCHEME.match(url) or url.startswith("/"):
            return url
        if url.startswith("#"):
            return page_url + url
        path, _, anchor = url.partition("#")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(src), path))
        if resolved.endswith(".md"):
            out = root + page_path(zh_name(resolved))
        else:
            out = zh_root + resolved  # images and scripts are published once, at the site root
        return out + ("#" + anchor if anchor else "")

    lines = []
    for line in read(markdown, front_matter=False).lines:
        text = line.text
        if line.kind == TEXT:
            text = outside_code(text, lambda part: _INLINE_LINK.sub(
                lambda m: m.group(1) + m.group(2) + target(m.group(3)) + m.group(4) + m.group(5), part))
            text = _REF_LINK.sub(lambda m: m.group(1) + target(m.group(2)), text)
        lines.append(text)
    return "\n".join(lines)


def outside_code(line: str, change) -> str:
    """Apply `change` to the parts of a line outside inline code spans."""
    parts, last = [], 0
    for match in _CODE_SPAN.finditer(line):
        parts += [change(line[last:match.start()]), match.group(0)]
        last = match.end()
    return "".join(parts + [change(line[last:])])


def page_markdown(markdown: str, src: str, lang: str, config, page_url: str) -> str:
    text = expand_snippets(markdown)
    text = _CALC.sub(lambda m: calcbook.examples_markdown(m.group(1), lang)
                     if m.group(1) in calcbook.CALCULATORS else m.group(0), text)
    text = absolute_links(text, src, site_root(config, lang), site_root(config, DEFAULT_LANGUAGE), page_url)
    return text.strip() + "\n"


def describe(page, html_text: str) -> str:
    text = page.meta.get("description") or ""
    if not text:
        first = _FIRST_PARAGRAPH.search(html_text)
        text = _TAGS.sub("", first.group(1)) if first else ""
    text = " ".join(html.unescape(str(text)).split())
    return text[:199].rstrip() + "…" if len(text) > 200 else text


@event_priority(-150)  # after mkdocs-static-i18n (-100) has localised the nav
def on_nav(nav, config, files):
    lang = build_language(config)
    _nav[lang] = nav
    _pages[lang] = {}
    return nav


def on_page_content(html_text: str, page, config, files) -> str:
    lang = build_language(config)
    url = urljoin(site_root(config, DEFAULT_LANGUAGE), page.url)
    src = page.file.src_uri

    def headings(items, depth=0):
        for item in items:
            yield item, depth
            yield from headings(item.children, depth + 1)

    _pages.setdefault(lang, {})[page.url] = {
        "title": page.title, "url": url, "key": zh_name(src), "description": describe(page, html_text),
        "markdown": page_markdown(page.markdown or "", src, lang, config, url),
        "h2": [(h.title, h.id) for h, depth in headings(page.toc) if h.level == 2],
        "ids": {h.id: h.title for h, _ in headings(page.toc)},
    }
    return html_text


def nav_groups(nav) -> list[tuple[str, list]]:
    """(section title, pages in reading order) for each top-level nav item."""

    def pages(item):
        if item.is_page:
            yield item
        for child in getattr(item, "children", None) or []:
            yield from pages(child)

    return [(item.title, list(pages(item))) for item in nav.items]


def on_post_build(config) -> None:
    if reusing_site_outputs():  # a `make serve` reload rendered only the edited pages: keep the first build's files
        return
    lang = build_language(config)
    nav, built = _nav.get(lang), _pages.get(lang, {})
    if nav is None:
        return
    site = Path(config.site_dir)
    root = site_root(config, lang)
    out_dir = site / LANGUAGES[lang].prefix
    language = LANGUAGES[lang]
    colon = language.t("colon")
    outline = read_yaml(OUTLINE)

    # Per-page Markdown copies.
    for page_url, info in built.items():
        target = site / page_url / "index.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(info["markdown"], encoding="utf-8")

    groups = [(title, [built[p.url] for p in pages if p.url in built]) for title, pages in nav_groups(nav)]
    name = config.site_name
    summary = " ".join((config.site_description or "").split())
    links = [f"{language.t('llms.full')}{colon}{root}llms-full.txt"]
    links += [f"{language.t('llms.skill')}{colon}{root}SKILL.md"] if lang in outline else []
    links += [f"{other.t('llms.edition')}{colon}{site_root(config, code)}llms.txt"
              for code, other in LANGUAGES.items() if code != lang]
    head = [f"# {name}", "", f"> {summary}", "", language.t("llms.pages"), " · ".join(links), ""]
    lines = list(head)
    for title, infos in groups:
        if not infos:
            continue
        lines += [f"## {title}", ""]
        lines += [f"- [{i['title']}]({i['url']}): {i['description']}" for i in infos]
        lines.append("")
    (out_dir / "llms.txt").write_text("\n".join(lines), encoding="utf-8")

    full = [f"# {name}", "", f"> {summary}", ""]
    for _, infos in groups:
        for info in infos:
            full += ["", "---", "", f"<!-- {info['url']} -->", "", info["markdown"].rstrip()]
    (out_dir / "llms-full.txt").write_text("\n".join(full) + "\n", encoding="utf-8")

    if lang not in outline:
        log.info("llms_txt: %s has no %s section; no SKILL.md for %s", OUTLINE.name, lang, lang)
        return
    (out_dir / "SKILL.md").write_text(skill_file(outline, lang, built, language), encoding="utf-8")


_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_CJK_BREAK = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")


def one_line(text: str) -> str:
    """Folded YAML text on one line; a line break between two CJK characters is no space."""
    return " ".join(_CJK_BREAK.sub("", text).split())


def skill_file(outline: dict, lang: str, built: dict, language: Language) -> str:
    text = outline[lang]
    by_key = {info["key"]: info for info in built.values()}
    description = one_line(text["description"])
    lines = ["---", f"name: {outline['name']}", f"description: {description}", "---", "",
             f"# {text['title']}", "", one_line(text["intro"]), ""]
    for proc in text["procedures"]:
        lines += [f"## {proc['title']}", ""]
        lines += [f"{n}. {step}" for n, step in enumerate(proc["steps"], start=1)]
        lines += ["", f"{language.t('llms.read')}{language.t('colon').rstrip()}", ""]
        for ref in proc["read"]:
            key, _, anchor = ref.partition("#")
            info = by_key.get(key)
            if info is None:
                log.warning("%s: SKILL outline (%s) names %s, which is not a page of the nav",
                            OUTLINE.name, lang, key)
                continue
            if anchor:
                if anchor not in info["ids"]:
                    log.warning("%s: SKILL outline (%s) names %s#%s; that page has no such heading id",
                                OUTLINE.name, lang, key, anchor)
                    continue
                lines.append(f"- [{info['title']} › {info['ids'][anchor]}]({info['url']}#{anchor})")
            else:
                sections = " · ".join(f"[{t}]({info['url']}#{i})" for t, i in info["h2"])
                lines.append(f"- [{info['title']}]({info['url']}): {sections}" if sections
                             else f"- [{info['title']}]({info['url']})")
        lines.append("")
    return "\n".join(lines)
