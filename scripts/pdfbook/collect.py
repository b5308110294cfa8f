"""Collect the book's chapters, in reading order, from the built site's manifest and prepare them for print.

Each chapter is the rendered article of one page, as scripts/hooks/book_manifest.py
recorded it (nothing here reads mkdocs.yml or the theme's page chrome). Its element ids are prefixed
with the chapter key, so ids stay unique in the joined book; every link is
rewritten for a PDF reader: links between pages of the book point at
``book:<key>--<id>`` (assemble.py turns them into jumps inside the PDF),
links to the repository's files point at the file in the repository, and
images are loaded from the built site.
"""

from __future__ import annotations

import functools
import posixpath
import re
import unicodedata
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import soupsieve
from bs4 import BeautifulSoup, NavigableString

from bookconf import LANGUAGES, language_of
from bookmanifest import Manifest, ManifestPage

BOOK_LINK = "book:"
CODE_COLUMNS = 88  # fits 7.5 pt DejaVu Sans Mono in the 150 mm text block, padding included
WIDE_TABLE_COLUMNS = 6
# Listings longer than this are printed as their first EXCERPT_LINES lines and a link to the
# whole file in the repository (or to the page on the site): decided once for the whole book.
LONG_LISTING = 60
EXCERPT_LINES = 40
# Never given typographic quotes: code, and anything shown verbatim.
VERBATIM = {"code", "pre", "kbd", "samp", "script", "style", "tt", "var"}
# Not for paper: heading permalinks (¶), interactive parts, and blocks the pages mark as web-only.
NOISE = ("a.headerlink", "form", "script", ".book-web-only")


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
        return f"{self.part} · {self.title}" if self.part and not self.opens_part else self.title

    @property
    def opens_part(self) -> bool:
        """The part's own landing page, titled like the part: it stands for the part in the contents."""
        return self.part is not None and self.title == self.part

    def as_section(self) -> str:
        return f'<section class="chapter" data-header="{escape(self.header, quote=True)}">{self.html}</section>'


def chapter_key(src: str) -> str:
    """A chapter's key from its source: 'training/model-memory.en.md' -> 'training-model-memory'."""
    stem = src[: -len(".md")]
    for lang in LANGUAGES.values():
        if lang.suffix and stem.endswith(lang.suffix):
            stem = stem[: -len(lang.suffix)]
    stem = stem.replace("/", "-")
    return re.sub(r"[^a-z0-9-]", "-", stem.lower()) or "home"


@dataclass
class ChapterJob:
    """Everything needed to prepare one chapter, in a worker process or here."""
    page: ManifestPage
    key: str
    site: Path
    url_to_key: dict[str, str]
    repo_url: str
    site_url: str

    @property
    def size(self) -> int:
        return len(self.page.html)

    def chapter(self, for_print: bool = True) -> Chapter:
        title, html, text = prepare(self.page.html, self.page.url, self.key, self.page.src, self.site,
                                    self.url_to_key, self.repo_url, self.site_url, for_print)
        return Chapter(self.key, self.page.src, self.page.part, title, html, text)


def chapter_jobs(site: Path, manifest: Manifest) -> list[ChapterJob]:
    """The chapters to prepare, in the book's reading order, from the site's manifest."""
    if not manifest.pages:
        raise BookError(f"{site}: the manifest of the {manifest.language} build lists no pages")
    url_to_key = {page.url: chapter_key(page.src) for page in manifest.pages}
    return [ChapterJob(page, chapter_key(page.src), site, url_to_key, manifest.repo_url, manifest.site_url)
            for page in manifest.pages]


def compile_selectors() -> None:
    """Compile the selectors prepare() uses. soupsieve builds its parser's regular expressions on
    first use, about 0.1 s of CPU: the build process calls this before it forks its render workers,
    so that they inherit them instead of each building its own."""
    for selector in NOISE:
        soupsieve.compile(selector)


def collect(site: Path, manifest: Manifest) -> list[Chapter]:
    """The chapters in reading order, prepared for print."""
    return [job.chapter() for job in chapter_jobs(site, manifest)]


def prepare(article_html: str, url: str, key: str, src: str, site: Path, url_to_key: dict[str, str],
            repo_url: str, site_url: str, for_print: bool = True) -> tuple[str, str, str]:
    """One page's article ready for print: (title, html, text). The EPUB takes the same, without
    the code lines split for the page width (a reading system wraps them itself)."""
    soup = BeautifulSoup(f"<article>{article_html}</article>", "lxml")
    article = soup.article
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
    lang = LANGUAGES[language_of(Path(src))]
    for pre in article.find_all("pre"):
        shorten_long_listing(soup, pre, lang.t("book.excerpt"), src, repo_url, site_url, url)
        if for_print:
            drop_plain_tokens(pre)
            mark_long_code_lines(soup, pre)
    if lang.smart_quotes:
        smarten(article)
    return title, article.decode_contents(), article.get_text()


def shorten_long_listing(soup: BeautifulSoup, pre, excerpt_note: str, src: str, repo_url: str, site_url: str,
                         url: str) -> None:
    """Cut a listing of more than LONG_LISTING lines to its first EXCERPT_LINES, and say where the rest is
    (excerpt_note, in the page's language, has {total}, {shown} and {link})."""
    text = pre.get_text()
    total = text.rstrip("\n").count("\n") + 1
    if total <= LONG_LISTING:
        return
    block = pre.find_parent(class_="highlight") or pre
    name = block.find(class_="filename")
    path = name.get_text(strip=True) if name is not None else ""
    if path and " " not in path:
        # The file name above a script of the book is relative to the page's folder.
        path = posixpath.normpath(posixpath.join(posixpath.dirname(src), path))
        href = f"{repo_url.rstrip('/')}/blob/main/docs/{path}"
    else:
        href = site_url.rstrip("/") + "/" + url
    seen = 0
    for node in list(pre.find_all(string=True)):
        if seen >= EXCERPT_LINES:
            node.extract()
            continue
        value = str(node)
        lines = value.split("\n")
        if seen + len(lines) - 1 >= EXCERPT_LINES:
            keep = EXCERPT_LINES - seen
            node.replace_with(NavigableString("\n".join(lines[:keep]) + "\n…"))
            seen = EXCERPT_LINES
        else:
            seen += len(lines) - 1
    note = soup.new_tag("p", attrs={"class": "listing-excerpt"})
    before, _, after = excerpt_note.partition("{link}")
    note.append(before.format(total=total, shown=EXCERPT_LINES))
    link = soup.new_tag("a", href=href)
    link.string = path or href
    note.append(link)
    note.append(after)
    block.insert_after(note)


def smarten(article) -> None:
    """Typographic quotes, apostrophes and dashes in English prose (not in code)."""
    previous = " "
    for node in list(article.find_all(string=True)):
        if any(parent.name in VERBATIM for parent in node.parents):
            continue
        value = str(node)
        if not value:
            continue
        new = smart_text(value, previous)
        previous = value[-1]
        if new != value:
            node.replace_with(NavigableString(new))


def smart_text(text: str, before: str = " ") -> str:
    # Only dashes between words or numbers: '--workers' in prose is a command-line flag.
    text = re.sub(r"(?<=[\s\w])---(?=[\s\w])", "\u2014", text)
    text = re.sub(r"(?<=[\s\d])--(?=[\s\d])", "\u2013", text)
    text = re.sub(r"(?<=\s)-(?=\s)", "\u2013", text)
    out = []
    for index, char in enumerate(text):
        prev = text[index - 1] if index else before
        if char == '"':
            out.append("\u201c" if prev.isspace() or prev in "([{\u2014\u2013/" else "\u201d")
        elif char == "'":
            out.append("\u2018" if (prev.isspace() or prev in "([{\u2014\u2013") else "\u2019")
        else:
            out.append(char)
    return "".join(out)


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
    for lang in LANGUAGES.values():
        if lang.prefix and path.startswith(lang.prefix):
            path = path[len(lang.prefix):]
    if (site / path).is_file() and not path.startswith(("pdf/", "assets/")):
        return f"{repo_url.rstrip('/')}/blob/main/docs/{path}"
    return site_url.rstrip("/") + "/" + path


@functools.cache
def styled_token_classes() -> frozenset[str]:
    """The highlighter's token classes that book.css gives a colour or style."""
    css = (Path(__file__).with_name("book.css")).read_text(encoding="utf-8")
    return frozenset(re.findall(r"\.highlight\s+\.([\w-]+)", css))


def drop_plain_tokens(pre) -> None:
    """Unwrap the highlighter's spans that print exactly like the text around them.

    Pygments wraps every token: in the book's listings 57 % are names, punctuation
    and spaces that book.css leaves in the text colour. Each span is an inline box
    for WeasyPrint to lay out and draw, and a structure element in the tagged PDF;
    without them a listing looks the same and costs less to render and to store."""
    styled = styled_token_classes()
    for span in pre.find_all("span", class_=True):
        if not styled.intersection(span["class"]) and not span.attrs.keys() - {"class"}:
            span.unwrap()
    pre.smooth()


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
