"""Paths shared by the data-table tests; importing this puts the repository root on sys.path."""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATA = ROOT / "data"
FIXTURES = ROOT / "tests" / "fixtures" / "tables"
HOOK = ROOT / "scripts" / "hooks" / "data_tables.py"



@functools.cache
def get_data() -> dict:
    """The checked data of data/*.yaml (loaded once per test session)."""
    from scripts.tables.schema import load_all

    return load_all(str(DATA))


@functools.cache
def get_hook():
    """The MkDocs hook module, loaded from its file as MkDocs does, with the data set."""
    spec = importlib.util.spec_from_file_location("data_tables_hook_under_test", HOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module._state["data"] = get_data()
    module._state["data_key"] = "test"
    return module
