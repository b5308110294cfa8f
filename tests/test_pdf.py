"""The book's PDFs: text, fonts, outline, links, metadata; and the PDF step's bad-input handling."""

from __future__ import annotations

import functools
import html
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from bookconf import ROOT
from pdftext import pdf_fonts, pdf_text
from script_runner import default_sigint, preloaded_python
from sitebuild import FIXTURE_SITES, build_fixture, fixture_config

BUILD_PDF = ROOT / "scripts" / "build_pdf.py"
FIXTURE_NAV = """nav:
  - 首页: index.md
  - 第一部分:
      - part/index.md
      - part/chapter.md
"""


def pdf_path(site: Path, lang: str) -> Path:
    path = site / "pdf" / f"ml-engineering-{lang}.pdf"
    if not path.exists():
        pytest.fail(f"{path} is not built: run `make book`")
    return path


@functools.cache
def _book_reader(path: str, mtime_ns: int, size: int) -> PdfReader:
    return PdfReader(path)


def book_reader(site: Path, lang: str) -> PdfReader:
    """The built book as pypdf reads it, parsed once for the tests below that only read it: each
    of them would otherwise parse the same 400-odd pages, page tree, outline and labels again."""
    path = pdf_path(site, lang)
    stat = path.stat()
    return _book_reader(str(path), stat.st_mtime_ns, stat.st_size)


def outline_titles(reader: PdfReader) -> list[tuple[str, list]]:
    def walk(items):
        tree = []
        for item in items:
            if isinstance(item, list):
                tree[-1] = (tree[-1][0], walk(item))
            else:
                tree.append((item.title, []))
        return tree
    return walk(reader.outline)


def check_internal_links(reader: PdfReader) -> int:
    pages = {page.indirect_reference.idnum for page in reader.pages}
    count = 0
    for page in reader.pages:
        for ref in page.get("/Annots", []) or []:
            annotation = ref.get_object()
            action = annotation.get("/A")
            if action is None:
                continue
            if action.get("/S") == "/URI":
                assert not str(action["/URI"]).startswith("book:"), f"unresolved link {action['/URI']}"
                continue
            destination = action["/D"]
            assert destination[0].idnum in pages, "internal link to a page outside the PDF"
            count += 1
    return count


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_book_pdf(site, lang):
    path = pdf_path(site, lang)
    reader = book_reader(site, lang)
    assert len(reader.pages) > 50
    text = pdf_text(path)
    if lang == "zh":
        assert "机器学习工程开放手册" in text and "张量并行" in text
    else:
        assert "Machine Learning Engineering Open Book" in text and "tensor parallelism" in text.lower()
    # Cover and contents, with page numbers for the chapters.
    assert ("目录" if lang == "zh" else "Contents") in pdf_text(path, 2)
    assert re.search(r"\b\d{2,3}\s*$", pdf_text(path, 2), re.M)
    outline = outline_titles(reader)
    parts = [title for title, children in outline if children]
    expected = {"zh": {"计算", "网络", "存储", "调试"}, "en": {"Compute", "Network", "Storage", "Debugging"}}[lang]
    assert expected <= set(parts), parts
    assert any(grand for _, children in outline for _, grand in children), "no section bookmarks"
    assert check_internal_links(reader) > 50
    uris = {str(ref.get_object()["/A"]["/URI"]) for page in reader.pages for ref in page.get("/Annots", []) or []
            if ref.get_object().get("/A", {}).get("/S") == "/URI"}
    repo = "https://github.com/ml-engineering-book/ml-engineering/blob/main/docs/"
    assert repo + "compute/accelerator/benchmarks/mamf-finder.py" in uris, "script links must point at the repository"
    assert any(uri.startswith("https://www.nvidia.com/") for uri in uris), "external links must stay clickable"
    info = reader.metadata
    assert info.title and info.author and info.creation_date
    assert str(reader.trailer["/Root"]["/Lang"]) == {"zh": "zh-CN", "en": "en"}[lang]


def squeeze(text: str) -> str:
    # Noto Sans CJK draws U+00B7 and U+2022 with one glyph, which extracts as either.
    return re.sub(r"\s+", "", text).replace("\u2022", "\u00b7")


def margin_texts(path: Path, tmp_path: Path) -> list[tuple[str, str]]:
    """Per page, the words above and below the text block (20 mm margins): (header, footer)."""
    margin, pages = 20 / 25.4 * 72, []
    height = 0.0
    for line in pdf_text(path, bbox=True).splitlines():
        found = re.search(r'<page width="[\d.]+" height="([\d.]+)"', line)
        if found:
            height = float(found.group(1))
            pages.append(([], []))
            continue
        word = re.search(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</word>', line)
        if word and float(word.group(2)) < margin:
            pages[-1][0].append(html.unescape(word.group(3)))
        elif word and float(word.group(1)) > height - margin:
            pages[-1][1].append(html.unescape(word.group(3)))
    return [(" ".join(top), " ".join(bottom)) for top, bottom in pages]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_has_its_number_and_chapter_pages_their_header(site, lang, tmp_path):
    """Numbers are drawn after joining and headers by each chapter's render: both must land on the right pages."""
    path = pdf_path(site, lang)
    reader = book_reader(site, lang)
    margins = margin_texts(path, tmp_path)
    assert margins[0] == ("", ""), "the cover has no header or number"
    # The front matter is numbered i, ii, ... and the chapters 1, 2, ...: the foot shows the page's label.
    labels = reader.page_labels
    wrong = [(index + 1, labels[index], bottom) for index, (_, bottom) in enumerate(margins)
             if index and bottom != labels[index]]
    assert not wrong, f"pages whose foot is not their page label: {wrong[:10]}"
    assert labels[1] == "ii" and "1" in labels[2:4], labels[:5]
    checked = 0
    for index, item in enumerate(reader.outline):
        children = reader.outline[index + 1] if index + 1 < len(reader.outline) else None
        if isinstance(item, list) or not isinstance(children, list):
            continue
        # Parts hold chapters (whole-page bookmarks); a chapter outside a part holds sections (/XYZ).
        for chapter in (child for child in children if not isinstance(child, list) and child["/Type"] == "/Fit"):
            first = reader.get_destination_page_number(chapter)
            header = squeeze(f"{item.title}·{chapter.title}")
            assert squeeze(margins[first][0]) == header, f"page {first + 1}: header {margins[first][0]!r}"
            checked += 1
    assert checked > 10


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_section_bookmarks_open_the_page_of_their_heading(site, lang):
    path = pdf_path(site, lang)
    reader = book_reader(site, lang)
    pages = [squeeze(text) for text in pdf_text(path).split("\f")]
    sections = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            elif depth == 2:
                sections.append(item)
    walk(reader.outline, 0)
    assert len(sections) > 100
    for item in sections:
        page = reader.get_destination_page_number(item)
        assert squeeze(item.title)[:12] in pages[page], f"bookmark {item.title!r} opens page {page + 1}"
        assert item["/Type"] == "/XYZ" and float(item["/Top"]) > 0


def test_glyph_widths_reads_both_forms_of_a_cid_width_array():
    import pikepdf
    from pdfbook.sharefonts import glyph_widths

    array = pikepdf.Array([17, pikepdf.Array([555, 556]), 30, 32, 500])
    assert glyph_widths(array) == {17: 555.0, 18: 556.0, 30: 500.0, 31: 500.0, 32: 500.0}


def test_book_font_subset_keeps_the_glyph_ids_and_drops_the_rest():
    from fontTools.ttLib import TTFont
    from pdfbook.harfbuzz import SubsetError, subset_font

    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf")
    if not font.exists():
        pytest.skip("fonts-dejavu-core is not installed")
    original = TTFont(font)
    data = subset_font(font, 0, {36, 37, 68, 90_000})          # a glyph id past the end is ignored
    cut = TTFont(io.BytesIO(data))
    assert len(data) < font.stat().st_size / 10
    assert cut["maxp"].numGlyphs == 69                          # up to the last glyph kept, ids unchanged
    glyf, names = cut["glyf"], cut.getGlyphOrder()
    for gid in (36, 37, 68):
        assert glyf[names[gid]].numberOfContours > 0
        assert cut["hmtx"][names[gid]][0] == original["hmtx"][original.getGlyphOrder()[gid]][0]
    assert glyf[names[40]].numberOfContours == 0                # not asked for: empty
    assert "GSUB" not in cut and "GPOS" not in cut
    with pytest.raises(SubsetError, match="cannot read"):
        subset_font(Path("/nonexistent/font.ttf"), 0, {1})


def _mcid_owners(pdf) -> list[str]:
    """Every marked-content id of every page that its parent-tree element does not list: problems."""
    import pikepdf

    root = pdf.Root.StructTreeRoot
    nums = dict(zip(list(root.ParentTree.Nums)[0::2], list(root.ParentTree.Nums)[1::2]))
    problems = []
    for number, page in enumerate(pdf.pages):
        for mcid, element in enumerate(nums[int(page.StructParents)]):
            kids = list(element.K) if isinstance(element.K, pikepdf.Array) else [element.K]
            page_of_element = element.get("/Pg")
            listed = any((kid == mcid and page_of_element is not None and page_of_element.objgen == page.objgen)
                         or (isinstance(kid, pikepdf.Dictionary) and kid.get("/MCID") == mcid
                             and kid.Pg.objgen == page.objgen) for kid in kids)
            if not listed:
                problems.append(f"page {number + 1}: MCID {mcid} not listed by its {element.S} element")
    return problems


def test_plain_spans_are_folded_into_their_parents_and_nothing_else_changes():
    import pikepdf
    import weasyprint
    from pdfbook.tagtree import flatten_spans

    body = ("<h1>Title</h1><p>Plain <span>folded</span> text, <a href='#t'>a link</a>, <em>stressed</em>.</p>"
            "<pre><code><span class='n'>x</span> <span class='o'>=</span> <span class='mi'>1</span></code></pre>"
            "<ul><li>item <span>one</span></li></ul>" + "<p>filler <span>line</span></p>" * 80)
    data = weasyprint.HTML(string=f"<html lang='en'><body>{body}</body></html>").write_pdf(pdf_tags=True)

    def kinds(pdf) -> list[str]:
        return [str(o.S) for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/StructElem"]

    before, after = pikepdf.open(io.BytesIO(data)), pikepdf.open(io.BytesIO(data))
    folded = flatten_spans(after)
    out = io.BytesIO()
    after.save(out)
    saved = pikepdf.open(io.BytesIO(out.getvalue()))
    assert len(saved.pages) >= 2, "the test needs marked content on more than one page"
    assert folded == kinds(before).count("/Span") > 80 and "/Span" not in kinds(saved)
    assert sorted(k for k in kinds(before) if k != "/Span") == sorted(kinds(saved))  # links, lists, headings stay
    assert not _mcid_owners(saved)
    text = subprocess.run(["pdftotext", "-", "-"], input=out.getvalue(), capture_output=True, check=True).stdout
    assert b"Plain folded text, a link, stressed." in text and b"x = 1" in text


def test_the_print_listings_keep_only_the_tokens_book_css_colours():
    from bs4 import BeautifulSoup
    from pdfbook.collect import drop_plain_tokens, styled_token_classes

    assert {"k", "s2", "c1", "mi"} <= styled_token_classes() and "n" not in styled_token_classes()
    soup = BeautifulSoup('<pre><span class="kn">import</span><span class="w"> </span><span class="nn">os</span>\n'
                         '<span class="n">x</span><span class="o">=</span><span class="mi">1</span>'
                         '<span class="n" id="keep">y</span></pre>', "lxml")
    pre = soup.pre
    drop_plain_tokens(pre)
    assert pre.get_text() == "import os\nx=1y"
    assert [span["class"] for span in pre.find_all("span")] == [["kn"], ["o"], ["mi"], ["n"]]
    assert sum(1 for node in pre.children if isinstance(node, str)) == 1  # " os\nx" is one text node now


def test_a_font_left_out_of_a_chapter_without_its_file_stops_the_join(tmp_path):
    import pikepdf
    from pdfbook import render
    from pdfbook.collect import BookError
    from pdfbook.fonts import FONTS
    from pdfbook.sharefonts import candidate_files, share_fonts, tags_of_files

    files = tags_of_files(candidate_files(set(FONTS) | {"DejaVu Serif"}, []), None)
    html = render.document_html("<h1>Title</h1><p>Some text 中文</p>", "en", "t")
    render.share_font_files(files)
    try:
        chapter = render.render_chapter("t", html, ROOT.as_uri() + "/", tmp_path)
    finally:
        render.share_font_files(())
    book = pikepdf.open(chapter.pdf)
    assert share_fonts(book, files)["shared_fonts"] >= 1       # with the files: every font comes back whole
    with pytest.raises(BookError, match="left out of a chapter"):
        share_fonts(pikepdf.open(chapter.pdf), {})            # without them: a clear stop, not an empty font


def test_open_array_ffi_makes_the_same_arrays_without_new_type_strings():
    from weasyprint.text.ffi import ffi
    from pdfbook.render import _OpenArrayFFI

    wrapped = _OpenArrayFFI(ffi)
    array = wrapped.new("hb_codepoint_t[3]", (7, 8, 9))
    assert ffi.sizeof(array) == ffi.sizeof("hb_codepoint_t[3]") and list(array) == [7, 8, 9]
    assert ffi.typeof(wrapped.new("unsigned int *", 5)) == ffi.typeof("unsigned int *")
    assert wrapped.NULL == ffi.NULL


def test_chinese_pdf_embeds_noto_sans_cjk_sc(site):
    fonts = pdf_fonts(pdf_path(site, "zh"))
    rows = [line for line in fonts.splitlines() if "Noto-Sans-CJK-SC" in line]
    assert rows and all(" yes " in row for row in rows), fonts
    assert not [line for line in fonts.splitlines()[2:] if " no " in line.split("Identity-H")[-1][:8]], fonts


def build_pdf(site: Path, out: Path, cache: Path, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([preloaded_python(), str(BUILD_PDF), "--site", str(site),
                           "--out", str(out), "--cache", str(cache), "--workers", "2"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)


@pytest.fixture(scope="module")
def fixture_book(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pdf-book")
    result, site = build_fixture("pdf-book", tmp, FIXTURE_NAV)
    assert result.returncode == 0, result.stderr
    return tmp, site


REPRODUCIBLE = {"SOURCE_DATE_EPOCH": "1764460800"}


@pytest.fixture(scope="module")
def fixture_pdf(fixture_book):
    """The fixture book's PDF, built with an empty chapter cache: (output folder, that cache)."""
    tmp, site = fixture_book
    scratch = tmp / "tmp-a"  # the build's TMPDIR, looked at by test_the_build_leaves_no_temporary_files
    scratch.mkdir()
    result = build_pdf(site, tmp / "pdf-a", tmp / "cache-a", {**os.environ, **REPRODUCIBLE, "TMPDIR": str(scratch)})
    assert result.returncode == 0, result.stderr
    return tmp / "pdf-a", tmp / "cache-a"


def test_the_build_leaves_no_temporary_files(fixture_book, fixture_pdf, tmp_path):
    """WeasyPrint's copies of the fonts (22 MB a render process) and anything else the build and its
    workers put in the temporary folder are gone when it ends; a stale folder of a killed build is
    removed by the next build."""
    tmp, site = fixture_book
    assert not list((tmp / "tmp-a").iterdir()), "the PDF build left files in TMPDIR"
    scratch = tmp_path / "tmp"
    killed = scratch / f"book-pdf-{gone_pid()}-x1y2z3"  # what a build killed with SIGKILL leaves
    (killed / "weasyprint-abc").mkdir(parents=True)
    cache = shutil.copytree(fixture_pdf[1], tmp_path / "cache")  # the shared cache stays as built
    result = build_pdf(site, tmp_path / "pdf", cache, {**os.environ, **REPRODUCIBLE, "TMPDIR": str(scratch)})
    assert result.returncode == 0, result.stderr
    assert not list(scratch.iterdir()), list(scratch.iterdir())


def test_fixture_book_is_reproducible_and_well_formed(fixture_book, fixture_pdf, tmp_path):
    _, site = fixture_book
    result = build_pdf(site, tmp_path / "b", tmp_path / "cache-b", {**os.environ, **REPRODUCIBLE})
    assert result.returncode == 0, result.stderr
    path = fixture_pdf[0] / "ml-engineering-zh.pdf"
    assert path.read_bytes() == (tmp_path / "b" / "ml-engineering-zh.pdf").read_bytes(), \
        "two builds of the same input differ"
    text = pdf_text(path)
    # The long code line is split with a continuation mark, none of it lost.
    assert "↩" in text and "run-042" in text
    assert "3.35 TB/s" in text
    reader = PdfReader(path)
    assert check_internal_links(reader) >= 3
    assert reader.metadata.creation_date.year == 2025
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "Noto-Color-Emoji" in fonts


def flatten_outline(outline) -> list:
    items = []
    for item in outline:
        items += flatten_outline(item) if isinstance(item, list) else [item]
    return items


def keep_old_pdf(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    old = out / "ml-engineering-zh.pdf"
    old.write_bytes(b"%PDF-old")
    return old


def test_ctrl_c_during_the_pdf_build_keeps_the_old_pdfs(fixture_book, tmp_path):
    tmp, site = fixture_book
    old = keep_old_pdf(tmp_path / "out")
    cache = tmp_path / "cache"
    left_over = partial_write(cache / "zh" / ".index-0.json", gone_pid())  # as a worker stopped earlier leaves one
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    build = subprocess.Popen([sys.executable, str(BUILD_PDF), "--site", str(site),
                              "--out", str(tmp_path / "out"), "--cache", str(cache), "--workers", "2"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                             preexec_fn=default_sigint, env={**os.environ, "TMPDIR": str(scratch)})
    deadline = time.monotonic() + 120
    while not list(cache.rglob("*.pdf")):  # the first chapter is rendered: the build is well under way
        assert build.poll() is None, build.communicate()
        assert time.monotonic() < deadline, "no chapter was rendered in 120 s"
        time.sleep(0.05)
    build.send_signal(signal.SIGINT)
    _, stderr = build.communicate(timeout=120)
    assert build.returncode == 130, stderr
    assert "Traceback" not in stderr and stderr.strip().count("\n") == 0, stderr
    assert old.read_bytes() == b"%PDF-old"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ml-engineering-zh.pdf"]
    assert not list(cache.rglob("*.tmp")), "a half-written cache entry was left behind"
    assert not left_over.exists()
    assert not list(scratch.iterdir()), "the interrupted build left files in TMPDIR"


def gone_pid() -> int:
    """The process id of a process that has ended."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def partial_write(path: Path, pid: int) -> Path:
    """A temporary file as write_atomically names it, written by process pid."""
    partial = path.with_name(f".{path.name}.{pid}.k3x9q2zw.tmp")
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(b"half")
    return partial


def test_only_partial_writes_whose_writer_has_gone_are_removed(tmp_path):
    from buildcache import write_atomically  # noqa: PLC0415
    from pdfbook.render import remove_partial_writes  # noqa: PLC0415

    gone = partial_write(tmp_path / "zh" / "index-1.pdf", gone_pid())
    running = partial_write(tmp_path / "zh" / "index-2.pdf", os.getpid())  # another build, still writing
    write_atomically(tmp_path / "zh" / "index-3.json", b"{}")
    remove_partial_writes(tmp_path)
    assert not gone.exists() and running.exists()
    assert sorted(p.name for p in (tmp_path / "zh").iterdir()) == [running.name, "index-3.json"]


def test_damaged_cache_entries_are_rendered_again(fixture_book, fixture_pdf, tmp_path):
    _, site = fixture_book
    built, cold_cache = fixture_pdf
    cache = tmp_path / "cache"
    shutil.copytree(cold_cache, cache)
    chapters = sorted(cache.rglob("*.pdf"))
    assert len(chapters) >= 2
    truncated, other = chapters[0], chapters[1]
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
    other.with_suffix(".json").write_text('{"pages": ', encoding="utf-8")
    result = build_pdf(site, tmp_path / "b", cache, {**os.environ, **REPRODUCIBLE})
    assert result.returncode == 0, result.stderr
    assert truncated.read_bytes().rstrip().endswith(b"%%EOF")
    assert json.loads(other.with_suffix(".json").read_text(encoding="utf-8"))["pages"] >= 1
    assert pdf_text(tmp_path / "b" / "ml-engineering-zh.pdf") == pdf_text(built / "ml-engineering-zh.pdf")


def test_missing_cjk_font_stops_and_keeps_old_pdfs(fixture_book, tmp_path):
    tmp, site = fixture_book
    empty = tmp_path / "fonts.conf"
    empty.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                     f"<cachedir>{tmp_path}/fc-cache</cachedir></fontconfig>")
    old = keep_old_pdf(tmp_path / "out")
    result = build_pdf(site, tmp_path / "out", tmp_path / "cache",
                       {**os.environ, "FONTCONFIG_FILE": str(empty)})
    assert result.returncode == 1
    assert "Noto Sans CJK SC" in result.stderr and "fonts-noto-cjk" in result.stderr
    assert old.read_bytes() == b"%PDF-old"


def test_missing_image_stops_and_keeps_old_pdfs(fixture_book, tmp_path):
    tmp, site = fixture_book
    broken = tmp_path / "site"
    subprocess.run(["cp", "-r", str(site), str(broken)], check=True)
    (broken / "diagram.svg").unlink()
    old = keep_old_pdf(tmp_path / "out")
    result = build_pdf(broken, tmp_path / "out", tmp_path / "cache")
    assert result.returncode == 1
    assert "docs/index.md: image diagram.svg not found" in result.stderr
    assert old.read_bytes() == b"%PDF-old"


def test_a_site_without_its_manifest_stops(fixture_book, tmp_path):
    _, site = fixture_book
    broken = tmp_path / "site"
    subprocess.run(["cp", "-r", str(site), str(broken)], check=True)
    (broken / ".book" / "manifest-zh.json").unlink()
    old = keep_old_pdf(tmp_path / "out")
    result = build_pdf(broken, tmp_path / "out", tmp_path / "cache")
    assert result.returncode == 1
    assert "manifest-zh.json is missing" in result.stderr and "make site" in result.stderr
    assert old.read_bytes() == b"%PDF-old"


def test_the_book_follows_the_nav_mkdocs_built(tmp_path):
    """INHERIT and a nav title that only the inheriting config gives: the PDF step never reads the
    config, so it takes the chapters and part titles MkDocs built, all of them."""
    base = fixture_config(FIXTURE_SITES / "pdf-book" / "docs", tmp_path)
    (tmp_path / "child").mkdir()
    child = tmp_path / "child" / "mkdocs.yml"
    child.write_text(f"INHERIT: {base}\nnav:\n  - 首页: index.md\n  - 改过名的部分:\n"
                     "      - part/index.md\n      - 章节: part/chapter.md\n", encoding="utf-8")
    out = tmp_path / "site"
    result = subprocess.run([preloaded_python(), str(ROOT / "scripts" / "build_site.py"), "--config", str(child),
                             "--site-dir", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    result = build_pdf(out, tmp_path / "pdf", tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    reader = PdfReader(tmp_path / "pdf" / "ml-engineering-zh.pdf")
    titles = [item.title for item in flatten_outline(reader.outline)]
    assert "改过名的部分" in titles, titles
    assert len([t for t in titles if t]) >= 3, titles


def test_character_no_font_draws_stops(fixture_book, tmp_path):
    tmp, site = fixture_book
    broken = tmp_path / "site"
    subprocess.run(["cp", "-r", str(site), str(broken)], check=True)
    manifest = broken / ".book" / "manifest-zh.json"
    # U+13000 EGYPTIAN HIEROGLYPH A001: none of the book's fonts has it.
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("很宽的表格", "很宽的表格 \U00013000"),
                        encoding="utf-8")
    result = build_pdf(broken, tmp_path / "out", tmp_path / "cache")
    assert result.returncode == 1
    assert "docs/part/chapter.md: no font draws" in result.stderr and "U+13000" in result.stderr


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_text_is_cut_off_at_the_margin(site, lang, tmp_path):
    """Every word lies inside the text block (18 mm side margins), with 2 pt of tolerance."""
    margin, page, width, outside = 18 / 25.4 * 72, 0, 0.0, []
    for line in pdf_text(pdf_path(site, lang), bbox=True).splitlines():
        found = re.search(r'<page width="([\d.]+)"', line)
        if found:
            page, width = page + 1, float(found.group(1))
            continue
        word = re.search(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>', line)
        if word and (float(word.group(1)) < margin - 2 or float(word.group(2)) > width - margin + 2):
            outside.append(f"page {page}: {word.group(3)!r} at x={word.group(1)}..{word.group(2)}")
    assert not outside, "\n".join(outside[:20])


# ---------------------------------------------------------------- issue 20: size, structure, labels

def embedded_font_files(path: Path) -> dict[str, int]:
    """Embedded font programs per font name (subset tag dropped): how many distinct streams each has."""
    import pikepdf  # noqa: PLC0415

    streams: dict[str, set] = {}
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in obj:
                        name = str(obj.FontName)[1:].split("+", 1)[-1]
                        streams.setdefault(name, set()).add(obj[key].objgen)
    return {name: len(found) for name, found in streams.items()}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_book_pdf_embeds_each_font_once(site, lang):
    """Chapters are rendered apart but joined with one subset per font file (pdfbook/sharefonts.py)."""
    fonts = embedded_font_files(pdf_path(site, lang))
    assert fonts, "no embedded fonts found"
    repeated = {name: count for name, count in fonts.items() if count > 1}
    assert not repeated, f"fonts embedded more than once: {repeated}"
    # The book's faces: a serif body and sans headings.
    assert any("Serif" in name for name in fonts) and any("Sans" in name for name in fonts), fonts


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_book_pdf_outline_and_contents_have_no_repeated_entry(site, lang):
    reader = book_reader(site, lang)
    titles = [item.title for item in flatten_outline(reader.outline)]
    repeated = [a for a, b in zip(titles, titles[1:]) if squeeze(a) == squeeze(b)]
    assert not repeated, f"bookmarks repeating the one before: {repeated}"
    for title, children in outline_titles(reader):
        assert not children or squeeze(children[0][0]) != squeeze(title), f"part {title} lists itself"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_book_pdf_is_tagged_with_page_labels(site, lang):
    path = pdf_path(site, lang)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M), info
    reader = book_reader(site, lang)
    assert "/PageLabels" in reader.trailer["/Root"]
    labels = reader.page_labels
    front = [label for label in labels if not label.isdigit()]
    assert front and all(re.fullmatch(r"[ivxlc]+", label) for label in front), front
    assert labels[len(front)] == "1" and labels[-1] == str(len(labels) - len(front))
    import pikepdf

    # The join renumbers every chapter's parent tree: each page's marked content still has its element.
    with pikepdf.open(path) as pdf:
        assert not _mcid_owners(pdf)[:5]


@pytest.fixture(scope="module")
def formats_book(tmp_path_factory):
    """tests/fixtures/sites/book-formats: a web-only block, a long listing, a part titled like its page."""
    tmp = tmp_path_factory.mktemp("book-formats")
    result, site = build_fixture("book-formats", tmp, FIXTURE_NAV)
    assert result.returncode == 0, result.stderr
    result = build_pdf(site, tmp / "out", tmp / "cache")
    assert result.returncode == 0, result.stderr
    return tmp / "out"


@pytest.mark.timeout(900)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_fixture_pdf_structure(formats_book, lang):
    path = formats_book / f"ml-engineering-{lang}.pdf"
    text = pdf_text(path)
    assert ("网页专用" if lang == "zh" else "web-only") not in text, "web-only block printed"
    # A listing over 60 lines is printed as its first 40 and a link to the whole file.
    assert "step-040" in text and "step-041" not in text and "step-080" not in text
    assert ("全文共 80 行" if lang == "zh" else "of 80 lines") in text
    if lang == "en":
        assert "\u201cplain\u201d" in text and "it\u2019s" in text
    reader = PdfReader(path)
    part = "第一部分" if lang == "zh" else "Part one"
    titles = [item.title for item in flatten_outline(reader.outline)]
    assert titles.count(part) == 1, titles
    contents = pdf_text(path, 2)
    assert contents.count(part) == 1, contents
    assert reader.page_labels[:3] == ["i", "ii", "1"], reader.page_labels
    fonts = embedded_font_files(path)
    assert fonts and max(fonts.values()) == 1, fonts
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M), info


def web_only_texts(site: Path, lang: str) -> list[str]:
    """The sentences of the blocks the pages mark as web-only (class book-web-only), from the manifest."""
    from bs4 import BeautifulSoup  # noqa: PLC0415

    from bookmanifest import load_manifest  # noqa: PLC0415

    texts = []
    for page in load_manifest(site, lang).pages:
        if "book-web-only" not in page.html:
            continue
        for block in BeautifulSoup(page.html, "lxml").select(".book-web-only"):
            texts += [squeeze(part) for part in re.split(r"[。：.:\n]", block.get_text()) if len(squeeze(part)) >= 12]
    return texts


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_book_pdf_leaves_out_web_only_blocks(site, lang):
    texts = web_only_texts(site, lang)
    assert texts, "the book marks some blocks web-only (the home page's downloads)"
    printed = squeeze(pdf_text(pdf_path(site, lang)))
    assert not [text for text in texts if text in printed]
