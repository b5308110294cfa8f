"""Build the book PDF: collect chapters from the site, render them, assemble the book."""
