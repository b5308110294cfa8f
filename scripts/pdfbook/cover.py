"""The facts a cover of the book shows (title, date, version...), shared by the PDF and the EPUB."""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass
class CoverInfo:
    lang: str          # html lang: zh-CN, en
    title: str
    subtitle: str
    authors: str
    date: str          # YYYY-MM-DD
    version: str
    toc_title: str
    language_name: str


def cover_facts_html(info: CoverInfo, labels: dict[str, str]) -> str:
    """The cover's list of language, date, version and licence, labels in the book's language."""
    esc = html.escape
    return (f'<dl><dt>{esc(labels["language"])}</dt><dd>{esc(info.language_name)}</dd>'
            f'<dt>{esc(labels["date"])}</dt><dd>{esc(info.date)}</dd>'
            f'<dt>{esc(labels["version"])}</dt><dd>{esc(info.version)}</dd>'
            f'<dt>{esc(labels["licence"])}</dt><dd>CC BY-SA 4.0</dd></dl>')
