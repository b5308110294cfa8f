"""Style rules for the book's Markdown, one module per rule family.

Every rule module exposes ``check(files) -> list[Problem]``; ``scripts/check_style.py``
decides which files each rule reads and prints the problems as ``file:line: rule: message``.
"""
