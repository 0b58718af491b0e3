"""Spreadsheet-safe CSV cells (SPEC §5): formula-like text gets a leading quote."""

from __future__ import annotations

from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """Text of a cell, with ``'`` before anything a spreadsheet would read as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def restore(text: str) -> str:
    """Undo :func:`neutralise` for a cell read back from a file."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text
