"""Find raw HTML in a Markdown page that must never be published: scripts, inline event handlers,
javascript: URLs and frames from other hosts. Code blocks and inline code are not looked at."""

from __future__ import annotations

import re

from mdlines import TEXT, read

INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
RULES = (
    (re.compile(r"<\s*script\b", re.I), "raw <script> is not allowed; put behaviour in overrides/assets"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I), "inline event handler (on...=) is not allowed"),
    (re.compile(r"(?:\b(?:href|src|action|formaction)\s*=\s*[\"']?|\]\(\s*<?)\s*javascript:", re.I),
     "javascript: URL is not allowed"),
    (re.compile(r"<\s*iframe\b[^>]*\bsrc\s*=\s*[\"']?\s*(?:https?:)?//", re.I),
     "<iframe> from another host is not allowed"),
)


def unsafe_html(text: str) -> list[tuple[int, str]]:
    """(line number, problem) for each unsafe form outside code."""
    problems = []
    for line in read(text).lines:
        if line.kind != TEXT:
            continue
        bare = INLINE_CODE.sub("", line.text)
        problems += [(line.number, message) for pattern, message in RULES if pattern.search(bare)]
    return problems
