"""The built HTML of the pages' tables: break points in long identifiers in any table's cells, and
links between the rows of a generated data table and its numbered sources (scripts/hooks/data_tables.py)."""

from __future__ import annotations

import re

from languages import LANGUAGES, language

# Identifiers in table cells (NCCL_DEBUG_SUBSYS, torch.distributed.init_process_group,
# /etc/nccl.conf) may wrap only after a separator: a <wbr> after each run of _ . / - that
# sits between letters or digits; the stylesheets stop any other break inside a word.
CELL_RE = re.compile(r"(<t[dh]\b[^>]*>)(.*?)(</t[dh]>)", re.S)
CELL_CODE_RE = re.compile(r"(<code\b[^>]*>)([^<]+)(</code>)")
SEPARATOR_RE = re.compile(r"(?<=[A-Za-z0-9])([_./-]+)(?=[A-Za-z0-9])")
MIN_BREAKABLE = 12  # shorter code never needs a break


def _breakable(code: re.Match) -> str:
    text = code.group(2)
    if len(text) < MIN_BREAKABLE:
        return code.group(0)
    return code.group(1) + SEPARATOR_RE.sub(r"\1<wbr>", text) + code.group(3)


def break_identifiers(html: str) -> str:
    """Add <wbr> after separators inside inline code in table cells."""
    if "<code" not in html or "<t" not in html:
        return html
    return CELL_RE.sub(lambda cell: cell.group(1) + CELL_CODE_RE.sub(_breakable, cell.group(2))
                       + cell.group(3), html)


DATA_TABLE_RE = re.compile(r'<div class="data-table">(.*?)</div>', re.S)


def _source_labels() -> tuple[set[str], set[str]]:
    """The source column's header and the sources list's title, in every language."""
    return ({lang.t("tables.src") for lang in LANGUAGES.values()},
            {lang.t("tables.sources_title") for lang in LANGUAGES.values()})


def link_sources(html: str, lang: str) -> str:
    """In each generated data table, make the numbers of the source column links to the
    numbered source under the table, and give each source a link back to the first row that
    cites it (footnote style). Ids: data-table-K, data-table-K-src-N, data-table-K-ref-N."""
    if 'class="data-table"' not in html:
        return html
    from bs4 import BeautifulSoup

    src_headers, source_titles = _source_labels()
    back_label = language(lang).t("tables.back_to_table")
    counter = iter(range(1, 1000))

    def one(block: re.Match) -> str:
        k = next(counter)
        soup = BeautifulSoup(block.group(1), "html.parser")
        table = soup.find("table")
        headers = table.find_all("th") if table else []
        lists = [p.find_next_sibling("ol") for p in soup.find_all("p")
                 if p.get_text(strip=True) in source_titles]
        if not headers or headers[-1].get_text(strip=True) not in src_headers or not lists[-1:]:
            return block.group(0)
        items = lists[-1].find_all("li", recursive=False)
        first_ref: dict[int, str] = {}
        for row in table.select("tbody tr"):
            cell = row.find_all("td")[-1]
            numbers = [n.strip() for n in cell.get_text().split(",")]
            if not all(n.isdigit() and 1 <= int(n) <= len(items) for n in numbers):
                continue
            cell.clear()
            for i, n in enumerate(numbers):
                if i:
                    cell.append(", ")
                link = soup.new_tag("a", href=f"#data-table-{k}-src-{n}")
                link.string = n
                if int(n) not in first_ref:
                    first_ref[int(n)] = link["id"] = f"data-table-{k}-ref-{n}"
                cell.append(link)
        for n, item in enumerate(items, 1):
            item["id"] = f"data-table-{k}-src-{n}"
            if n in first_ref:
                back = soup.new_tag("a", href=f"#{first_ref[n]}", title=back_label)
                back["class"] = "data-table__back"
                back["aria-label"] = back_label
                back.string = "↩"
                item.append(" ")
                item.append(back)
        return f'<div class="data-table" id="data-table-{k}">{soup.decode(formatter="minimal")}</div>'

    return DATA_TABLE_RE.sub(one, html)
