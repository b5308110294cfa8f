"""Reading on a phone (390x844), a laptop (1280x800) and in dark mode, in both languages.

Each test opens the built site (BOOK_BROWSER_SITE or site/) in Debian's Chromium and checks
what a reader sees: the headings of a section index page on a phone, the comparison tables
(sticky model column and header, size, source links), where identifiers in tables wrap,
upright Chinese emphasis, plots that follow the colour scheme, and the smaller fixes of
issue 19 (breadcrumbs, date label, dismissible announcement, file names on code blocks).
The print side (web-only blocks, Chinese emphasis in the PDF) is in tests/test_layout_print.py.
"""

from __future__ import annotations

import io
import re

import pytest

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"phone": PHONE, "laptop": LAPTOP}
LANGS = {"zh": "", "en": "en/"}

# Section index pages: Material's phone drawer lists the section's pages there, not the
# page's own headings.
INDEX_PAGES = ["network/", "compute/accelerator/", "storage/"]
TABLE_PAGE = "compute/accelerator/"
PLOT_PAGE = "network/"
# Pages whose tables hold long identifiers in inline code (NCCL_..., torch.distributed...).
IDENTIFIER_PAGES = ["network/comms/", "debug/pytorch/", "compute/accelerator/nvidia/debug/", "orchestration/slurm/users/"]
# Pages with Chinese emphasis or captions (data tables and plots carry italic captions).
EMPHASIS_PAGES = ["compute/accelerator/", "network/", "debug/pytorch/", "training/model-parallelism/"]


def open_at(open_page, path: str, viewport: dict, scheme: str = "light"):
    page, reader = open_page(viewport=viewport, color_scheme=scheme)
    response = page.goto(path)
    assert response is not None and response.ok, f"{path}: HTTP {response.status if response else '?'}"
    page.wait_for_load_state("load")
    return page, reader


# ---------------------------------------------------------------- 1. headings of index pages

@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", INDEX_PAGES)
def test_index_page_headings_are_reachable(open_page, path, lang):
    """At both sizes on one load: the window is made narrower, as a reader's would be."""
    page, reader = open_at(open_page, LANGS[lang] + path, LAPTOP)
    ids = page.eval_on_selector_all("article h2[id]", "hs => hs.map(h => h.id)")
    assert len(ids) >= 3, f"{path}: expected a long page with sections, found {ids}"
    for size in ("laptop", "phone"):
        page.set_viewport_size(VIEWPORTS[size])
        page.evaluate("() => { history.replaceState(null, '', location.pathname); scrollTo(0, 0); }")
        if size == "phone":
            toc = page.locator("article .book-page-toc")
            assert toc.count() == 1, f"{lang}/{path}: no in-page contents on a phone"
            assert toc.is_visible()
            page.click("article .book-page-toc > summary")
            scope = "article .book-page-toc"
        else:
            scope = ".md-sidebar--secondary"
            assert not page.locator("article .book-page-toc").is_visible(), \
                "the in-page contents duplicate the sidebar on a laptop"
        missing = [i for i in ids if not page.locator(f'{scope} a[href="#{i}"]').first.is_visible()]
        assert not missing, f"{lang}/{path} at {size}: no visible link to {missing}"
        # and a link really takes the reader there
        page.locator(f'{scope} a[href="#{ids[-1]}"]').first.click()
        page.wait_for_function(f"location.hash === '#{ids[-1]}'")
        top = page.eval_on_selector(f"#{ids[-1]}", "h => h.getBoundingClientRect().top")
        assert 0 <= top < VIEWPORTS[size]["height"] - 40 and page.evaluate("scrollY") > 0, f"{lang}/{path} at {size}"
    reader.assert_clean()


def test_plain_pages_get_no_extra_contents(open_page):
    """Only section index pages need the in-page contents: elsewhere the drawer has them."""
    for path in ("", "compute/accelerator/benchmarks/", "network/comms/"):
        page, _ = open_at(open_page, path, PHONE)
        assert page.locator(".book-page-toc").count() == 0, path


# ---------------------------------------------------------------- 2. comparison tables

TABLE_GEOMETRY = """() => {
  const wrap = document.querySelector('.data-table .md-typeset__scrollwrap');
  const table = wrap.querySelector('table');
  const column = document.querySelector('article.md-content__inner');
  const style = getComputedStyle(wrap);
  const rect = e => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  return {
    wrap: rect(wrap), column: rect(column), clientWidth: wrap.clientWidth, scrollWidth: wrap.scrollWidth,
    clientHeight: wrap.clientHeight, scrollHeight: wrap.scrollHeight,
    overflowX: style.overflowX, background: style.backgroundImage,
    fontSize: parseFloat(getComputedStyle(table.querySelector('td')).fontSize),
    columns: table.querySelectorAll('thead th').length,
  };
}"""


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", VIEWPORTS)
def test_table_fits_or_scrolls_with_a_cue(open_page, size, lang):
    page, reader = open_at(open_page, LANGS[lang] + TABLE_PAGE, VIEWPORTS[size])
    g = page.evaluate(TABLE_GEOMETRY)
    assert g["columns"] == 8
    # the box never leaves the text column
    assert g["wrap"]["left"] >= g["column"]["left"] - 1 and g["wrap"]["right"] <= g["column"]["right"] + 1, g
    assert g["fontSize"] >= 14, f"table text is {g['fontSize']} px"
    if size == "laptop":
        assert g["scrollWidth"] <= g["clientWidth"], f"{lang}: the table is wider than the column at 1280 px: {g}"
    else:
        assert g["scrollWidth"] > g["clientWidth"]  # 8 columns cannot fit 390 px ...
        assert g["overflowX"] in ("auto", "scroll")  # ... so the box scrolls
        assert "gradient" in g["background"], "no scroll shadow on a table that scrolls sideways"
    reader.assert_clean()


STICKY_CHECK = """() => {
  const wrap = document.querySelector('.data-table .md-typeset__scrollwrap');
  wrap.scrollLeft = wrap.scrollWidth;
  wrap.scrollTop = 300;
  const box = wrap.getBoundingClientRect();
  const corner = wrap.querySelector('thead th:first-child').getBoundingClientRect();
  const last = wrap.querySelector('thead th:last-child').getBoundingClientRect();
  // the row at the vertical middle of the box, and its first cell
  const row = [...wrap.querySelectorAll('tbody tr')].find(tr => {
    const r = tr.getBoundingClientRect(); return r.top > box.top + corner.height && r.bottom < box.bottom; });
  const first = row.querySelector('td').getBoundingClientRect();
  const hit = document.elementFromPoint(first.left + 3, first.top + first.height / 2);
  return {box: [box.left, box.top, box.right, box.bottom], corner: [corner.left, corner.top],
          lastHeader: [last.left, last.top], first: [first.left, first.top], scrolled: [wrap.scrollLeft, wrap.scrollTop],
          model: row.querySelector('td').textContent.trim(), hit: hit && hit.closest('td') ? hit.closest('td').textContent.trim() : null};
}"""


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", VIEWPORTS)
def test_table_model_column_and_header_stay_visible(open_page, size, lang):
    page, reader = open_at(open_page, LANGS[lang] + TABLE_PAGE, VIEWPORTS[size])
    page.evaluate("document.querySelector('.data-table').scrollIntoView({block: 'start'})")
    s = page.evaluate(STICKY_CHECK)
    left, top, right, bottom = s["box"]
    assert s["scrolled"][1] > 0, f"the table box does not scroll vertically: {s}"
    if size == "phone":
        assert s["scrolled"][0] > 0, "the table does not scroll sideways on a phone"
    # the header row stays at the top of the box, the model column at its left edge
    assert abs(s["corner"][1] - top) <= 2 and abs(s["lastHeader"][1] - top) <= 2, s
    assert abs(s["corner"][0] - left) <= 2 and abs(s["first"][0] - left) <= 2, s
    # and nothing is painted over the model name
    assert s["hit"] == s["model"], s
    reader.assert_clean()


LINKS_AND_TARGETS = """selector => [...document.querySelectorAll(selector)].map(a => {
  const href = a.getAttribute('href');
  let targets = [];
  try { targets = [...document.querySelectorAll(href)]; } catch (error) { /* not a selector: no target */ }
  const target = targets[0], link = target && target.querySelector('a');
  return {text: a.textContent, href, count: targets.length, tag: target ? target.tagName : null,
          inCell: !!(target && target.closest('td')), source: link ? link.getAttribute('href') : null};
})"""


@pytest.mark.parametrize("lang", LANGS)
def test_source_numbers_link_to_the_notes_and_back(open_page, lang):
    page, reader = open_at(open_page, LANGS[lang] + TABLE_PAGE, LAPTOP)
    # Every link and its target, read in one call (a Playwright call per link made this the slowest
    # test of the file).
    links = page.evaluate(LINKS_AND_TARGETS, ".data-table tbody td:last-child a")
    assert len(links) >= 20
    for link in links:
        assert re.fullmatch(r"#data-table-\d+-src-" + link["text"], link["href"]), link
        assert link["count"] == 1 and link["tag"] == "LI", link
        assert "http" in (link["source"] or ""), link
    # every source has a way back to a row that cites it
    backs = page.evaluate(LINKS_AND_TARGETS, ".data-table li[id] a.data-table__back")
    assert len(backs) == page.locator(".data-table li[id]").count()
    for back in backs:
        assert back["count"] == 1 and back["inCell"], back
    # clicking a number takes the reader to the source
    first_href = links[0]["href"]
    page.locator(".data-table tbody td:last-child a").first.click()
    page.wait_for_function(f"location.hash === '{first_href}'")
    top = page.locator(first_href).evaluate("e => e.getBoundingClientRect().top")
    assert 0 <= top < LAPTOP["height"]
    reader.assert_clean()


# ---------------------------------------------------------------- 3. identifiers in tables

WRAPS = """() => {
  const bad = [], wrapped = [];
  for (const code of document.querySelectorAll('article td code, article th code')) {
    let prevTop = null, prevChar = null, lines = 1;
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.data.length; i++) {
        const range = document.createRange();
        range.setStart(node, i); range.setEnd(node, i + 1);
        const rects = range.getClientRects();
        // a space at the end of a line may have no box: it still counts as the character before
        if (!rects.length) { prevChar = node.data[i]; continue; }
        const top = rects[rects.length - 1].top;
        if (prevTop !== null && top > prevTop + 2) {
          lines++;
          if (!/[_.\\/\\-\\s]/.test(prevChar) && !/\\s/.test(node.data[i]))
            bad.push(code.textContent + ' breaks after "' + prevChar + '" before "' + node.data[i] + '"');
        }
        prevTop = top; prevChar = node.data[i];
      }
    }
    if (lines > 1) wrapped.push(code.textContent);
  }
  return {bad, wrapped, total: document.querySelectorAll('article td code').length};
}"""


@pytest.mark.parametrize("lang", LANGS)
def test_identifiers_in_tables_break_only_at_separators(open_page, lang):
    """At laptop and phone width: each page is loaded once and the window then narrowed."""
    wrapped = {size: [] for size in VIEWPORTS}
    for path in IDENTIFIER_PAGES:
        page, reader = open_at(open_page, LANGS[lang] + path, LAPTOP)
        for size in ("laptop", "phone"):
            page.set_viewport_size(VIEWPORTS[size])
            result = page.evaluate(WRAPS)
            assert result["total"] > 0, f"{path}: no inline code in tables any more; pick another page"
            assert not result["bad"], f"{lang}/{path} at {size}: " + "; ".join(result["bad"][:5])
            wrapped[size] += result["wrapped"]
        reader.assert_clean()
    # the check above looked at real line breaks, not only at unwrapped code
    assert wrapped["phone"], "no identifier wrapped at 390 px: the test saw no line break to judge"


# ---------------------------------------------------------------- 5. Chinese emphasis

ITALIC_CJK = r"""() => {
  const cjk = /[\u3400-\u9fff\uf900-\ufaff]/, latin = /[A-Za-z]{3}/;
  const out = {cjk: [], latin: 0, emphasis: 0};
  for (const el of document.querySelectorAll('article *')) {
    const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('');
    const italic = getComputedStyle(el).fontStyle === 'italic';
    if (italic && cjk.test(own)) out.cjk.push(el.tagName + ': ' + own.slice(0, 40));
    if (italic && latin.test(own) && !cjk.test(own)) out.latin++;
    if (el.tagName === 'EM' && cjk.test(own)) out.emphasis++;
  }
  return out;
}"""


@pytest.mark.parametrize("lang", LANGS)
def test_no_chinese_in_italics(open_page, lang):
    """At laptop and phone width: each page is loaded once and the window then narrowed."""
    emphasis = latin = 0
    for path in EMPHASIS_PAGES:
        page, reader = open_at(open_page, LANGS[lang] + path, LAPTOP)
        for size in ("laptop", "phone"):
            page.set_viewport_size(VIEWPORTS[size])
            result = page.evaluate(ITALIC_CJK)
            assert not result["cjk"], f"{lang}/{path} at {size}: slanted Chinese: {result['cjk'][:5]}"
            emphasis += result["emphasis"]
            latin += result["latin"]
        reader.assert_clean()
    if lang == "zh":
        assert emphasis >= 6, "the pages hold no Chinese emphasis any more: the check saw nothing"
    else:
        assert latin >= 6, "English emphasis and captions keep their italics"


def test_chinese_emphasis_is_still_distinct(open_page):
    page, _ = open_at(open_page, "training/model-parallelism/", LAPTOP)
    style = page.eval_on_selector(
        "article p > em:not(.book-caption)",
        "e => { const s = getComputedStyle(e); return [s.fontStyle, s.textEmphasisStyle]; }")
    assert style[0] == "normal" and style[1] not in ("", "none"), style
    # captions (whole sentences) are upright and quieter, without a dot under every character
    page, _ = open_at(open_page, "compute/accelerator/", LAPTOP)
    caption = page.eval_on_selector(
        ".data-table > p > em:only-child",
        "e => { const s = getComputedStyle(e); return [s.fontStyle, s.textEmphasisStyle, s.color]; }")
    body = page.eval_on_selector("article p", "e => getComputedStyle(e).color")
    assert caption[0] == "normal" and caption[1] in ("", "none") and caption[2] != body, caption


# ---------------------------------------------------------------- 6. plots

VISIBLE_PLOT = """() => {
  const imgs = [...document.querySelectorAll('.data-plot img')].filter(i => i.offsetParent !== null);
  return imgs.map(i => ({src: i.getAttribute('src'), href: i.closest('a').getAttribute('href'),
                         done: i.complete && i.naturalWidth > 0}));
}"""


def luminance(png: bytes) -> float:
    from PIL import Image, ImageStat

    return ImageStat.Stat(Image.open(io.BytesIO(png)).convert("L")).mean[0] / 255


def shown_plot(page):
    plots = page.locator(".data-plot")
    for i in range(plots.count()):  # the images load lazily: bring each into view
        plots.nth(i).scroll_into_view_if_needed()
        plots.nth(i).locator("img:visible").evaluate(
            "i => i.complete && i.naturalWidth > 0 || new Promise(ok => i.addEventListener('load', ok))")
    shown = page.evaluate(VISIBLE_PLOT)
    assert all(s["done"] for s in shown), shown
    plots.first.scroll_into_view_if_needed()
    images = page.locator(".data-plot img")
    visible = [images.nth(i) for i in range(images.count()) if images.nth(i).is_visible()]
    return shown, luminance(visible[0].screenshot())


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", VIEWPORTS)
def test_plots_follow_the_colour_scheme(open_page, size, lang):
    page, reader = open_at(open_page, LANGS[lang] + PLOT_PAGE, VIEWPORTS[size], scheme="light")
    shown, light = shown_plot(page)
    plots = page.locator(".data-plot").count()
    assert len(shown) == plots, f"expected one image per plot, saw {shown}"
    assert all(not s["src"].endswith("-dark.svg") for s in shown)
    assert light > 0.75, f"light scheme: the plot is dark ({light:.2f})"
    # the reader switches to the dark scheme with the header toggle
    page.locator("form[data-md-component=palette] label:visible").first.click()
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
    shown, dark = shown_plot(page)
    assert len(shown) == plots and all(s["src"].endswith("-dark.svg") for s in shown), shown
    assert dark < 0.35, f"dark scheme: the plot stays light ({dark:.2f})"
    # each figure opens full-size: the link is the SVG file itself
    for s in shown:
        assert s["href"] == s["src"]
        response = page.request.get(page.url.split("#")[0] + s["href"])
        assert response.ok and "svg" in response.headers["content-type"]
    reader.assert_clean()


def test_dark_plot_follows_the_system_scheme(open_page):
    """A reader whose system is dark gets the dark plot on the first visit (Material's media palette)."""
    page, reader = open_at(open_page, "en/" + PLOT_PAGE, PHONE, scheme="dark")
    shown, dark = shown_plot(page)
    assert all(s["src"].endswith("-en-dark.svg") for s in shown) and dark < 0.35
    reader.assert_clean()


# ---------------------------------------------------------------- 7. web-only blocks (site side)

@pytest.mark.parametrize("lang", LANGS)
def test_web_only_blocks_are_marked(open_page, lang):
    page, reader = open_at(open_page, LANGS[lang], LAPTOP)
    inside = page.evaluate("""() => ({
      pdf: !!document.querySelector('#pdf') && !!document.querySelector('#pdf').closest('.book-web-only'),
      pdfLinks: [...document.querySelectorAll('article a[href$=".pdf"]')].every(a => a.closest('.book-web-only')),
      switcher: [...document.querySelectorAll('article .book-web-only')].some(e => /language switcher|语言切换/.test(e.textContent)),
      visible: [...document.querySelectorAll('article .book-web-only')].every(e => e.offsetParent !== null),
    })""")
    assert inside == {"pdf": True, "pdfLinks": True, "switcher": True, "visible": True}, inside
    reader.assert_clean()


# ---------------------------------------------------------------- 8. small things

@pytest.mark.parametrize("lang", LANGS)
def test_last_updated_has_a_label(open_page, lang):
    page, _ = open_at(open_page, LANGS[lang] + "network/", LAPTOP)
    text = page.locator(".md-source-file").inner_text()
    assert re.search(r"(最后更新：|Last update:)\s*\S", text), text


@pytest.mark.parametrize("lang", LANGS)
def test_announcement_can_be_dismissed(open_page, lang):
    page, reader = open_at(open_page, LANGS[lang], PHONE)
    banner = page.locator(".md-banner")
    assert banner.is_visible()
    # at most two short lines (it took 64 px): the PDF and EPUB links do not fit one line at 390 px
    assert banner.bounding_box()["height"] <= 56, banner.bounding_box()
    page.locator(".md-banner__button").click()
    assert not banner.is_visible()
    page.goto(LANGS[lang] + "network/")
    assert not page.locator(".md-banner").is_visible(), "the dismissed announcement came back"
    reader.assert_clean()


def test_english_home_title_on_one_line(open_page):
    page, _ = open_at(open_page, "en/", LAPTOP)
    lines = page.eval_on_selector("article h1", """h => {
      const r = document.createRange(); r.selectNodeContents(h);
      return new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size; }""")
    assert lines == 1


@pytest.mark.parametrize("lang", LANGS)
def test_breadcrumbs_on_deep_pages(open_page, lang):
    page, _ = open_at(open_page, LANGS[lang] + "compute/accelerator/nvidia/debug/", PHONE)
    crumbs = page.locator(".md-path .md-path__link")
    texts = [crumbs.nth(i).inner_text().strip() for i in range(crumbs.count())]
    assert ("计算" if lang == "zh" else "Compute") in texts and ("加速器" if lang == "zh" else "Accelerators") in texts, texts
    assert page.locator(".md-path").is_visible()


@pytest.mark.parametrize("lang", LANGS)
def test_script_blocks_show_the_file_name(open_page, lang):
    page, _ = open_at(open_page, LANGS[lang] + "compute/accelerator/benchmarks/", LAPTOP)
    names = page.eval_on_selector_all(".highlight .filename", "es => es.map(e => e.textContent.trim())")
    assert "mamf-finder.py" in names, names


@pytest.mark.parametrize("lang", LANGS)
def test_toc_marks_the_section_being_read(open_page, lang):
    """A heading a fifth of the way down the window starts the section being read: the
    right-hand contents mark it in the link colour (Material alone still marks the one before)."""
    page, reader = open_at(open_page, LANGS[lang] + "training/model-parallelism/", LAPTOP)
    # a section whose next heading is more than half a window further down, past the start
    target = page.evaluate("""() => {
      const hs = [...document.querySelectorAll("article h2[id], article h3[id]")];
      const top = h => h.getBoundingClientRect().top + window.scrollY;
      for (let i = 2; i < hs.length - 1; i++)
        if (top(hs[i + 1]) - top(hs[i]) > window.innerHeight / 2) return hs[i].id;
      return null; }""")
    assert target, "no long section to scroll to"
    page.evaluate("""id => {
      const h = document.getElementById(id);
      window.scrollTo(0, window.scrollY + h.getBoundingClientRect().top - window.innerHeight / 5); }""", target)
    page.wait_for_timeout(300)
    marked = page.evaluate("""() => {
      const probe = document.createElement("span");
      probe.style.color = "var(--md-typeset-a-color)";
      document.body.append(probe);
      const link = getComputedStyle(probe).color;
      probe.remove();
      return [...document.querySelectorAll(".md-sidebar--secondary a.md-nav__link")]
        .filter(a => getComputedStyle(a).color === link).map(a => a.hash.slice(1)); }""")
    assert marked == [target], f"the contents mark {marked}; the reader is at {target!r}"
    reader.assert_clean()
