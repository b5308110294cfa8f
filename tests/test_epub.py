"""The book's EPUBs (scripts/build_epub.py): valid EPUB 3 by EPUBCheck, navigation, links, language,
no web-only text; on the real book and on a small fixture book built by the same steps."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from bookconf import ROOT
from script_runner import preloaded_python
from sitebuild import build_fixture
from verdicts import Verdicts, digest

BUILD_EPUB = ROOT / "scripts" / "build_epub.py"
EPUBCHECK_JAR = Path("/usr/share/java/epubcheck.jar")  # Debian's epubcheck package
VERDICTS = Verdicts("epubcheck")  # keyed by the EPUB and this jar, which holds EPUBCheck's code and schemas
FIXTURE_NAV = """nav:
  - 首页: index.md
  - 第一部分:
      - part/index.md
      - part/chapter.md
"""
NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}


EPUBCHECK_ARGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", str(EPUBCHECK_JAR), "--quiet"]


def epubcheck(path: Path) -> subprocess.CompletedProcess:
    """EPUBCheck's run on an EPUB; a pass of the same bytes by the same EPUBCheck is remembered
    (tests/verdicts.py) and not run again."""
    if shutil.which("java") is None or not EPUBCHECK_JAR.is_file():
        pytest.fail("EPUBCheck is missing: install Debian's epubcheck (make setup-test does)")
    key = digest(path.read_bytes(), EPUBCHECK_JAR.read_bytes(), *EPUBCHECK_ARGS)
    remembered = VERDICTS.recall(key)
    if remembered is not None:
        return subprocess.CompletedProcess(remembered["args"], 0, remembered["stdout"], remembered["stderr"])
    # A short run: the quick JIT tier and the serial collector halve its CPU time (13.7 -> 6.7 s on the
    # Chinese EPUB); the checks are the same.
    result = subprocess.run(["java", *EPUBCHECK_ARGS, str(path)], capture_output=True, text=True, timeout=600)
    if result.returncode == 0 and "ERROR" not in result.stdout + result.stderr:
        VERDICTS.remember(key, {"args": result.args, "stdout": result.stdout, "stderr": result.stderr})
    return result


def epub_path(site: Path, lang: str) -> Path:
    path = site / "pdf" / f"ml-engineering-{lang}.epub"
    if not path.exists():
        pytest.fail(f"{path} is not built: run `make book`")
    return path


def read_epub(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def xhtml_text(files: dict[str, bytes]) -> str:
    texts = []
    for name, data in files.items():
        if name.endswith(".xhtml"):
            texts.append("".join(etree.fromstring(data).itertext()))
    return "\n".join(texts)


def check_container(files: dict[str, bytes], lang: str) -> etree._Element:
    """The zip's fixed parts, the package's language, and every internal link and image resolving."""
    names = list(files)
    assert names[0] == "mimetype" and files["mimetype"] == b"application/epub+zip"
    package = etree.fromstring(files["OEBPS/content.opf"])
    assert package.findtext(".//dc:language", namespaces=NS) == {"zh": "zh-CN", "en": "en"}[lang]
    manifest = {item.get("href") for item in package.iterfind(".//opf:item", NS)}
    assert not [name for name in manifest if f"OEBPS/{name}" not in files], "manifest lists missing files"
    assert not [name for name in names if name.endswith((".ttf", ".otf", ".woff", ".woff2"))], "fonts embedded"
    ids = {}
    for name, data in files.items():
        if name.endswith(".xhtml"):
            ids[name] = set(etree.fromstring(data).xpath("//@id"))
    for name, data in files.items():
        if not name.endswith(".xhtml"):
            continue
        tree = etree.fromstring(data)
        folder = name.rsplit("/", 1)[0]
        for href in tree.xpath("//x:a/@href", namespaces=NS):
            if re.match(r"[a-z]+:", href):
                continue
            target, _, fragment = href.partition("#")
            path = str(Path(folder, target)) if target else name
            path = re.sub(r"[^/]+/\.\./", "", path)
            assert path in files, f"{name}: link to {href} goes nowhere"
            assert not fragment or fragment in ids[path], f"{name}: link to {href}: no such anchor"
        for src in tree.xpath("//x:img/@src", namespaces=NS):
            path = re.sub(r"[^/]+/\.\./", "", f"{folder}/{src}")
            assert path in files, f"{name}: image {src} is not in the EPUB"
    return package


def nav_entries(files: dict[str, bytes]) -> list[str]:
    nav = etree.fromstring(files["OEBPS/nav.xhtml"])
    return ["".join(a.itertext()).strip()
            for a in nav.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=NS)]


@pytest.mark.timeout(900)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_book_epub_passes_epubcheck_and_is_complete(site, lang):
    path = epub_path(site, lang)
    result = epubcheck(path)
    assert result.returncode == 0 and "ERROR" not in result.stdout + result.stderr, \
        (result.stdout + result.stderr)[-4000:]
    files = read_epub(path)
    check_container(files, lang)
    entries = nav_entries(files)
    assert len(entries) > 100, "the navigation lists parts, chapters and their sections"
    assert not [a for a, b in zip(entries, entries[1:]) if a == b], "an entry repeats the one above it"
    assert any(name.startswith("OEBPS/images/") and name.endswith(".svg") and "cover" not in name
               for name in files), "the book's SVG figures"
    text = xhtml_text(files)
    assert ("张量并行" if lang == "zh" else "tensor parallel") in text


def build_epubs(site: Path, out: Path) -> Path:
    built = subprocess.run([preloaded_python(), str(BUILD_EPUB), "--site", str(site), "--out", str(out),
                            "--workers", "1"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert built.returncode == 0, built.stderr
    return out


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("book-formats")
    result, site = build_fixture("book-formats", tmp, FIXTURE_NAV)
    assert result.returncode == 0, result.stderr
    return site


@pytest.fixture(scope="module")
def fixture_epubs(fixture_site) -> Path:
    return build_epubs(fixture_site, fixture_site.parent / "out")


def test_the_same_site_makes_the_same_epub_wherever_it_was_built(fixture_site, fixture_epubs, tmp_path):
    """Byte for byte, from a copy of the site in another folder (another checkout, a CI runner)."""
    elsewhere = shutil.copytree(fixture_site, tmp_path / "another" / "checkout" / "site")
    again = build_epubs(elsewhere, tmp_path / "out")
    for lang in ("zh", "en"):
        name = f"ml-engineering-{lang}.epub"
        if (again / name).read_bytes() != (fixture_epubs / name).read_bytes():
            one, other = read_epub(fixture_epubs / name), read_epub(again / name)
            differ = sorted(n for n in one.keys() | other.keys() if one.get(n) != other.get(n))
            pytest.fail(f"{name} depends on the folder it was built in; these files differ: {differ}")


# A site build and a Java start per test: slow on a busy 2-core machine, never stuck.
@pytest.mark.timeout(900)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_fixture_epub_is_valid_and_leaves_out_web_only_blocks(fixture_epubs, lang):
    path = fixture_epubs / f"ml-engineering-{lang}.epub"
    result = epubcheck(path)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    files = read_epub(path)
    check_container(files, lang)
    text = xhtml_text(files)
    assert ("网页专用" if lang == "zh" else "web-only words") not in text
    assert ("样书" if lang == "zh" else "Sample book") in text
    # The part's landing page, titled like the part, is listed once.
    part = "第一部分" if lang == "zh" else "Part one"
    assert nav_entries(files).count(part) == 1
    # A listing over 60 lines is an excerpt with a link to the whole of it.
    assert "step-040" in text and "step-041" not in text and "step-080" not in text
    if lang == "en":
        assert "The \u201cplain\u201d quotes \u2013 and it\u2019s typeset." in text
    assert any(name.endswith(".svg") and "cover" not in name for name in files)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_book_epub_leaves_out_web_only_blocks(site, lang):
    from test_pdf import squeeze, web_only_texts  # noqa: PLC0415

    texts = web_only_texts(site, lang)
    assert texts
    shown = squeeze(xhtml_text(read_epub(epub_path(site, lang))))
    assert not [text for text in texts if text in shown]
