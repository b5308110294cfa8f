"""Collect the book's chapters, in nav order, from the built site and prepare them for print.

Each chapter is the article of one built page. Its element ids are prefixed
with the chapter key, so ids stay unique in the joined book; every link is
rewritten for a PDF reader: links between pages of the book point at
``book:<key>--<id>`` (assemble.py turns them into jumps inside the PDF),
links to the repository's files point at the file in the repository, and
images are loaded from the built site.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import yaml
from bs4 import BeautifulSoup, NavigableString

from bookconf import LANGUAGES

BOOK_LINK = "book:"
CODE_COLUMNS = 96  # fits 8 pt DejaVu Sans Mono in the A4 text width, padding included
WIDE_TABLE_COLUMNS = 6
NOISE = ("a.headerlink", "a.md-content__button", ".md-source-file", "nav", "form", "script", ".md-feedback")


class BookError(Exception):
    """Bad input that stops the PDF step; the message names the file."""


@dataclass
class Chapter:
    key: str
    src: str
    part: str | None
    title: str
    html: str
    text: str

    @property
    def header(self) -> str:
        """The running header of the chapter's pages."""
        return f"{self.part} · {self.title}" if self.part else self.title

    def as_section(self) -> str:
        return f'<section class="chapter" data-header="{escape(self.header, quote=True)}">{self.html}</section>'


class _LenientLoader(yaml.SafeLoader):
    """Reads mkdocs.yml while ignoring its !!python tags."""


_LenientLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
_LenientLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def read_config(mkdocs_yml: Path) -> dict:
    """mkdocs.yml as a dict, following INHERIT, with docs_dir made absolute."""
    config = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=_LenientLoader) or {}
    parent = config.pop("INHERIT", None)
    if parent:
        base = read_config((mkdocs_yml.parent / parent).resolve())
        base.update(config)
        config = base
    docs = Path(config.get("docs_dir", "docs"))
    config["docs_dir"] = str(docs if docs.is_absolute() else (mkdocs_yml.parent / docs).resolve())
    return config


def nav_parts(config: dict) -> list[tuple[str | None, list[str]]]:
    """The nav as (part title in the default language, [page sources]) in reading order."""
    parts: list[tuple[str | None, list[str]]] = []

    def pages(entries) -> list[str]:
        found = []
        for entry in entries:
            value = next(iter(entry.values())) if isinstance(entry, dict) else entry
            found.extend(pages(value) if isinstance(value, list) else [value])
        return found

    for entry in config["nav"]:
        if isinstance(entry, dict):
            title, value = next(iter(entry.items()))
            parts.append((title, pages(value)) if isinstance(value, list) else (None, [value]))
        else:
            parts.append((None, [entry]))
    return parts


def nav_translation(config: dict, lang: str) -> dict[str, str]:
    for plugin in config.get("plugins", []):
        if isinstance(plugin, dict) and "i18n" in plugin:
            for language in plugin["i18n"]["languages"]:
                if language["locale"] == lang:
                    return language.get("nav_translations", {}) or {}
    return {}


def page_url(src: str) -> str:
    """docs-relative source -> site-relative URL of its page (use_directory_urls)."""
    stem = src[: -len(".md")]
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def chapter_key(src: str) -> str:
    stem = src[: -len(".md")].replace("/", "-")
    return re.sub(r"[^a-z0-9-]", "-", stem.lower()) or "home"


@dataclass
class ChapterJob:
    """Everything needed to prepare one chapter, in a worker process or here."""
    page: Path
    url: str
    key: str
    src: str
    part: str | None
    site: Path
    url_to_key: dict[str, str]
    repo_url: str
    site_url: str

    def chapter(self) -> Chapter:
        title, html, text = prepare(self.page, self.url, self.key, self.src, self.site, self.url_to_key,
                                    self.repo_url, self.site_url)
        return Chapter(self.key, self.src, self.part, title, html, text)


def chapter_jobs(site: Path, docs: Path, config: dict, lang: str, repo_url: str, site_url: str) -> list[ChapterJob]:
    """The chapters to prepare, in nav order; stops on a nav page that has no source or no built page."""
    prefix = LANGUAGES[lang]["prefix"]
    names = nav_translation(config, lang)
    parts = nav_parts(config)
    url_to_key = {}
    for _, srcs in parts:
        for src in srcs:
            if not (docs / src).is_file():
                raise BookError(f"mkdocs.yml: the nav names '{src}', which does not exist in {docs}")
            url_to_key[prefix + page_url(src)] = chapter_key(src)
    jobs = []
    for part, srcs in parts:
        for src in srcs:
            page = site / prefix / page_url(src) / "index.html"
            if not page.is_file():
                raise BookError(f"{docs / src}: its page {page} was not built; run `make site` first")
            jobs.append(ChapterJob(page, prefix + page_url(src), chapter_key(src), src,
                                   names.get(part, part) if part else None, site, url_to_key, repo_url, site_url))
    return jobs


def collect(site: Path, docs: Path, config: dict, lang: str, repo_url: str, site_url: str) -> list[Chapter]:
    """The chapters in nav order, prepared for print."""
    return [job.chapter() for job in chapter_jobs(site, docs, config, lang, repo_url, site_url)]


def prepare(page: Path, url: str, key: str, src: str, site: Path, url_to_key: dict[str, str],
            repo_url: str, site_url: str) -> tuple[str, str, str]:
    """One page's article ready for print: (title, html, text)."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
    article = soup.select_one("article.md-content__inner")
    if article is None:
        raise BookError(f"{page}: no <article class='md-content__inner'>; was it built by Material?")
    for selector in NOISE:
        for node in article.select(selector):
            node.decompose()
    for node in article.find_all(id=True):
        node["id"] = f"{key}--{node['id']}"
    heading = article.find("h1")
    if heading is None:
        raise BookError(f"docs/{src}: the page has no '# Title' heading")
    heading["id"] = key
    title = heading.get_text(" ", strip=True)
    base = "http://book.invalid/" + url
    for link in article.find_all("a", href=True):
        link["href"] = rewrite_link(link["href"], base, key, site, url_to_key, repo_url, site_url)
    for image in article.find_all("img", src=True):
        target = urlsplit(urljoin(base, image["src"]))
        if target.netloc != "book.invalid":
            raise BookError(f"docs/{src}: image {image['src']} is not a file of the book")
        path = site / unquote(target.path.lstrip("/"))
        if not path.is_file():
            raise BookError(f"docs/{src}: image {image['src']} not found (looked for {path})")
        image["src"] = path.as_uri()
    for table in article.find_all("table"):
        header = table.find("tr")
        if header is not None and len(header.find_all(["th", "td"])) > WIDE_TABLE_COLUMNS:
            table["class"] = table.get("class", []) + ["wide"]
    for pre in article.find_all("pre"):
        mark_long_code_lines(soup, pre)
    return title, article.decode_contents(), article.get_text()


def rewrite_link(href: str, base: str, key: str, site: Path, url_to_key: dict[str, str],
                 repo_url: str, site_url: str) -> str:
    if href.startswith("#"):
        return f"{BOOK_LINK}{key}--{href[1:]}" if href[1:] else f"{BOOK_LINK}{key}"
    target = urlsplit(urljoin(base, href))
    if target.netloc != "book.invalid":
        return href
    path = unquote(target.path.lstrip("/"))
    page_path = path[: -len("index.html")] if path.endswith("index.html") else path
    if page_path in url_to_key:
        chapter = url_to_key[page_path]
        return f"{BOOK_LINK}{chapter}--{target.fragment}" if target.fragment else f"{BOOK_LINK}{chapter}"
    for spec in LANGUAGES.values():
        if spec["prefix"] and path.startswith(spec["prefix"]):
            path = path[len(spec["prefix"]):]
    if (site / path).is_file() and not path.startswith(("pdf/", "assets/")):
        return f"{repo_url.rstrip('/')}/blob/main/docs/{path}"
    return site_url.rstrip("/") + "/" + path


def columns(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def mark_long_code_lines(soup: BeautifulSoup, pre) -> None:
    """Break code lines wider than the page with a visible '↩' continuation mark."""
    column = 0
    for text in list(pre.find_all(string=True)):
        if not isinstance(text, NavigableString) or not str(text):
            continue
        pieces: list = []
        run = []
        for char in str(text):
            if char == "\n":
                run.append(char)
                column = 0
                continue
            width = columns(char)
            if column + width > CODE_COLUMNS - 1:
                pieces.append("".join(run))
                mark = soup.new_tag("span", attrs={"class": "wrap-mark"})
                mark.string = "↩"
                pieces.append(mark)
                run = ["\n"]
                column = 0
            run.append(char)
            column += width
        if len(pieces) == 0:
            continue
        pieces.append("".join(run))
        text.replace_with(*[NavigableString(p) if isinstance(p, str) else p for p in pieces if p != ""])
