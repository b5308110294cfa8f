"""Page numbers for the joined book: roman in the front matter, arabic from the first chapter on."""

from __future__ import annotations

import io
from decimal import Decimal

import pikepdf

from .collect import BookError
from .render import RenderSmall, document_html
from .sharefonts import glyph_widths

# Page numbers sit where WeasyPrint would put @bottom-center; NUMBER_SAMPLE_CSS
# shows it the digits once, and NumberStamps reuses that text for every page.
NUMBER_STYLE = "font-size: 8pt; color: #5f6368;"
NUMBER_GLYPHS = "0123456789ivxlc"  # arabic numbers for the chapters, roman for the front matter
NUMBER_SAMPLE_CSS = f'@page {{ @bottom-center {{ content: "{NUMBER_GLYPHS}"; {NUMBER_STYLE} }} }}'
NUMBER_FONT = pikepdf.Name("/BookPageNumber")


def roman(number: int) -> str:
    result = ""
    for value, letters in ((100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"),
                           (5, "v"), (4, "iv"), (1, "i")):
        while number >= value:
            result += letters
            number -= value
    return result


class NumberStamps:
    """Draws page numbers as text in the font and place of a WeasyPrint sample page.

    The sample is one empty page whose @bottom-center holds the ten digits:
    its content stream gives the font, size, colour, baseline and centre, its
    font gives each digit's glyph and width. A page number is then a copy of
    that text with the digits of the number, centred on the same point.
    """

    KEEP = ("cm", "q", "Q", "rg", "BT", "Tm", "Tf", "TJ", "Tj", "ET")

    def __init__(self, book: pikepdf.Pdf, data: bytes):
        # Kept open until the book is saved: qpdf copies the font's stream from it then.
        self.sample = pikepdf.open(io.BytesIO(data))
        page = self.sample.pages[0]
        self.ops = [(list(operands), str(op)) for operands, op in pikepdf.parse_content_stream(page)
                    if str(op) in self.KEEP]
        names = [op for _, op in self.ops]
        if names.count("Tm") != 1 or names.count("Tf") != 1 or names.count("TJ") + names.count("Tj") != 1:
            raise BookError("page numbers: WeasyPrint drew the digit sample in an unexpected way")
        self.at = {op: index for index, (_, op) in enumerate(self.ops)}
        self.show = self.at.get("TJ", self.at.get("Tj"))
        shown = self.ops[self.show][0][0]
        raw = b"".join(bytes(item) for item in shown if isinstance(item, pikepdf.String)) \
            if isinstance(shown, pikepdf.Array) else bytes(shown)
        if len(raw) != 2 * len(NUMBER_GLYPHS):
            raise BookError(f"page numbers: expected {len(NUMBER_GLYPHS)} two-byte glyphs in the sample, "
                            f"got {len(raw)} bytes")
        self.glyphs = {char: raw[2 * i:2 * i + 2] for i, char in enumerate(NUMBER_GLYPHS)}
        font_operands = self.ops[self.at["Tf"]][0]
        font = page.Resources.Font[font_operands[0]]
        widths = glyph_widths(font.DescendantFonts[0].W)
        size = float(font_operands[1])
        self.widths = {d: widths[int.from_bytes(g, "big")] * size / 1000 for d, g in self.glyphs.items()}
        self.centre = float(self.ops[self.at["Tm"]][0][4]) + sum(self.widths.values()) / 2
        font_operands[0] = NUMBER_FONT
        self.font = book.copy_foreign(font)
        self.save = book.make_stream(b"q\n")

    def stamp(self, book: pikepdf.Pdf, index: int, number: int | str) -> None:
        digits = str(number)
        ops = [(list(operands), op) for operands, op in self.ops]
        ops[self.at["Tm"]][0][4] = Decimal(f"{self.centre - sum(self.widths[d] for d in digits) / 2:.4f}")
        ops[self.show] = ([pikepdf.String(b"".join(self.glyphs[d] for d in digits))], "Tj")
        text = pikepdf.unparse_content_stream([(operands, pikepdf.Operator(op)) for operands, op in ops])
        page = book.pages[index].obj
        if "/Resources" not in page:
            page.Resources = pikepdf.Dictionary()
        if "/Font" not in page.Resources:
            page.Resources.Font = pikepdf.Dictionary()
        page.Resources.Font[NUMBER_FONT] = self.font
        # The page's own streams run inside q ... Q, so the number starts from a clean graphics state.
        streams = list(page.Contents) if isinstance(page.Contents, pikepdf.Array) else [page.Contents]
        # The number is page furniture, not content: marked as an artifact for tagged PDF readers.
        page.Contents = pikepdf.Array([self.save, *streams, book.make_stream(
            b"\nQ\n/Artifact BMC\n" + text + b"\nEMC\n")])


def render_number_sample(font_css: str, render_small: RenderSmall) -> bytes:
    """The digit sample NumberStamps copies page numbers from (rendered before the join)."""
    return render_small(document_html("", "en", "page numbers"), (font_css, NUMBER_SAMPLE_CSS), "page-numbers")


def number_pages(book: pikepdf.Pdf, front_count: int, sample: bytes) -> None:
    """Stamp every page but the cover, and give the reader's page box the same labels;
    sample is render_number_sample's PDF."""
    numbers = NumberStamps(book, sample)
    for index in range(1, front_count):
        numbers.stamp(book, index, roman(index + 1))
    for index in range(front_count, len(book.pages)):
        numbers.stamp(book, index, index - front_count + 1)
    # The reader's page box shows what is printed: i, ii, ... for the front matter, then 1, 2, ...
    book.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array([
        0, pikepdf.Dictionary(S=pikepdf.Name("/r")), front_count, pikepdf.Dictionary(S=pikepdf.Name("/D"))]))
