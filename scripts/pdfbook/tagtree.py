"""The joined book's structure tree for tagged-PDF readers, made from the chapters' own trees."""

from __future__ import annotations

import pikepdf


class TagTree:
    """Joins the chapters' structure trees (WeasyPrint's pdf_tags) into one tagged book.

    Each rendered PDF has a StructTreeRoot holding one /Document element, and a
    ParentTree numbered from 0 (its pages' /StructParents, then its link
    annotations' /StructParent). The book gets one /Document whose kids are the
    front matter's and every chapter's elements (each chapter's own /Document
    becomes a /Part), and one ParentTree with every chapter's numbers moved past
    the previous ones. Struct elements point at pages with /Pg: qpdf copies an
    object of a source file once, so they land on the pages already joined.
    """

    def __init__(self, book: pikepdf.Pdf) -> None:
        self.book = book
        self.nums: list = []
        self.next = 0
        self.ok = "/StructTreeRoot" in book.Root
        self.document = book.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name("/StructElem"),
                                                              S=pikepdf.Name("/Document"), K=pikepdf.Array()))
        if self.ok:
            self._join(book.Root.StructTreeRoot, 0, len(book.pages))

    def add(self, source: pikepdf.Pdf, first: int) -> None:
        if not self.ok or "/StructTreeRoot" not in source.Root:
            self.ok = False
            return
        root = self.book.copy_foreign(source.Root.StructTreeRoot)
        self._join(root, first, len(source.pages))

    def _join(self, root, first: int, count: int) -> None:
        offset = self.next
        for element in root.K if isinstance(root.K, pikepdf.Array) else [root.K]:
            element.S = pikepdf.Name("/Part")
            element.P = self.document
            self.document.K.append(element)
        items = list(root.ParentTree.Nums)
        for key, value in zip(items[0::2], items[1::2]):
            self.nums += [int(key) + offset, value]
            self.next = max(self.next, int(key) + offset + 1)
        for index in range(first, first + count):
            page = self.book.pages[index].obj
            if "/StructParents" in page:
                page.StructParents = int(page.StructParents) + offset
            for annotation in page.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset

    def finish(self) -> bool:
        """Install the joined tree; False (and no tree) when a part came untagged."""
        if not self.ok:
            for key in ("/StructTreeRoot", "/MarkInfo"):
                if key in self.book.Root:
                    del self.book.Root[key]
            return False
        root = self.book.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name("/StructTreeRoot"), K=pikepdf.Array([self.document]),
            ParentTree=self.book.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(self.nums))),
            ParentTreeNextKey=self.next))
        self.document.P = root
        self.book.Root.StructTreeRoot = root
        self.book.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
        return True


PLAIN_SPAN_KEYS = {"/Type", "/S", "/P", "/K", "/Pg"}


def _kids(element) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _is_element(kid) -> bool:
    return isinstance(kid, pikepdf.Dictionary) and "/S" in kid and kid.get("/Type", "/StructElem") == "/StructElem"


def flatten_spans(pdf: pikepdf.Pdf) -> int:
    """Fold every plain /Span element of a tagged PDF into its parent; returns how many went.

    WeasyPrint tags every inline box, so each highlighted token of a code listing
    becomes a /Span element of its own: 122,000 of the Chinese book's 152,000
    elements. A /Span without attributes (no /A, /Lang, /ActualText, /Alt) says
    nothing to a screen reader but "these marks belong together"; its marked
    content can belong to the parent instead, in the same order. Links, list
    items, table cells and every other element stay. The parent tree, which maps
    each page's marked content back to its element, is pointed at the new owners.
    """
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return 0
    owner: dict[tuple[int, int], pikepdf.Object] = {}

    def lift(kid, page, parent, into_page):
        """A kid of a folded span, made valid as a kid of parent, an element on into_page."""
        if _is_element(kid):
            kid.P = parent
        elif isinstance(kid, int) and page is not None and page.objgen != getattr(into_page, "objgen", None):
            return pikepdf.Dictionary(Type=pikepdf.Name.MCR, Pg=page, MCID=kid)
        elif isinstance(kid, pikepdf.Dictionary) and "/Pg" not in kid and page is not None:
            kid.Pg = page  # a marked-content or object reference that took its page from the span
        return kid

    def visit(element, page) -> list:
        """element's kids with its plain spans folded in (its own /K is left to the caller)."""
        page = element.get("/Pg", page)
        kids = []
        for kid in _kids(element):
            if not _is_element(kid):
                kids.append(kid)
                continue
            inner = visit(kid, page)
            if kid.S == "/Span" and set(kid.keys()) <= PLAIN_SPAN_KEYS:
                kid_page = kid.get("/Pg", page)
                if kid.is_indirect:
                    owner[kid.objgen] = element
                kids += [lift(item, kid_page, element, page) for item in inner]
            else:
                kid.K = pikepdf.Array(inner)
                kids.append(kid)
        return kids

    for top in _kids(root):
        if _is_element(top):
            top.K = pikepdf.Array(visit(top, None))

    def survivor(element):
        while isinstance(element, pikepdf.Dictionary) and element.is_indirect and element.objgen in owner:
            element = owner[element.objgen]
        return element

    nums = root.ParentTree.Nums
    for index in range(1, len(nums), 2):
        value = nums[index]
        if isinstance(value, pikepdf.Array):
            nums[index] = pikepdf.Array([survivor(item) for item in value])
        else:
            nums[index] = survivor(value)
    return len(owner)
