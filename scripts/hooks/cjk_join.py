"""MkDocs hook: join source lines of a Chinese paragraph so that a line break renders as nothing.

Markdown turns a line break inside a paragraph into a space. Between two Latin words that is right;
between two Chinese characters a browser shows it as a stray gap ("显 存"). This hook lets Chinese
text wrap freely in the source: when a line ends in a CJK character or CJK punctuation and the next
line starts with one, the two lines are joined without a space, before Markdown sees them.

Lines are left alone where joining would change the structure or the meaning:

- inside fenced code blocks (``` or ~~~, at any indentation), and lines that include a snippet
- headings, table rows, HTML lines, horizontal rules, admonition/details openers, footnote and
  link definitions, block quotes and list items as the *next* line (they start a new block)
- a line that ends in a hard break (two trailing spaces or a backslash)
- a next line indented less than the current one (it may belong to an outer block)

Both the site and the PDF (built from the site's HTML) get the joined text.
"""

from __future__ import annotations

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for _path in (ROOT, os.path.join(ROOT, "scripts")):  # scripts.tables.* by package, the shared modules by name
    if _path not in sys.path:
        sys.path.insert(0, _path)

from mdlines import TEXT, read  # noqa: E402

# CJK ideographs (Unified, Ext. A, compatibility), kana, Hangul, CJK symbols and punctuation,
# full-width forms, and the curly quotes used in Chinese prose.
CJK = (
    "\u2e80-\u2eff\u2f00-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
    "\u201c\u201d\u2018\u2019\u2026\u2014"
)
# A CJK character at the end, possibly closing emphasis or a link: 中文, **中文**, [中文](url)
ENDS_CJK = re.compile(f"[{CJK}](?:[*_]*|[*_]*\\]\\([^)\\s]*\\))$")
# A CJK character at the start, possibly opening emphasis or a link: 中文, **中文, [中文
STARTS_CJK = re.compile(f"^[ \\t]*(?:\\*\\*|\\*|__|_|\\[)*[{CJK}]")
# Lines that are, or start, something other than paragraph text.
BLOCK_START = re.compile(
    r"^[ \t]*(?:"
    r"#{1,6}(?:\s|$)"            # heading
    r"|\|"                        # table row
    r"|<"                         # HTML
    r"|>"                         # block quote
    r"|[-*+][ \t]"                # bullet list item
    r"|\d+[.)][ \t]"              # ordered list item
    r"|(?:!!!|\?\?\?\+?)[ \t]"    # admonition / details
    r"|\[\^?[^\]]*\]:"            # footnote or link definition
    r"|(?:-{3,}|\*{3,}|_{3,}|={3,})[ \t]*$"  # rule or setext underline
    r"|--8<--"                    # snippet include
    r"|:[ \t]"                    # definition list
    r")"
)
# A current line that must never be extended by the next one.
NO_CONTINUE = re.compile(r"^[ \t]*(?:#{1,6}(?:\s|$)|\||<|--8<--|(?:!!!|\?\?\?\+?)[ \t])")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _content_indent(line: str) -> int:
    """Indentation of the text of a line; for a list item, where the item's text starts."""
    match = re.match(r"^([ \t]*)(?:[-*+]|\d+[.)])[ \t]+", line)
    return len(match.group(0)) if match else _indent(line)


def can_join(current: str, following: str) -> bool:
    if not following.strip() or not current.strip():
        return False
    if current.endswith("  ") or current.endswith("\\"):
        return False
    if NO_CONTINUE.match(current) or BLOCK_START.match(following):
        return False
    if not ENDS_CJK.search(current) or not STARTS_CJK.match(following):
        return False
    # a less indented line may close the current container (list item, admonition)
    return _indent(following) >= min(_indent(current), _content_indent(current))


def join_cjk_lines(markdown: str) -> str:
    out: list[str] = []
    after_text = False  # the previous line is text (not code, not a fence line)
    for line in read(markdown, front_matter=False).lines:
        if after_text and line.kind == TEXT and can_join(out[-1], line.text):
            out[-1] = out[-1] + line.text.lstrip(" \t")
        else:
            out.append(line.text)
        after_text = line.kind == TEXT
    return "\n".join(out)


def on_page_markdown(markdown, page, config, files):
    return join_cjk_lines(markdown)
