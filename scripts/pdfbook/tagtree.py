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
