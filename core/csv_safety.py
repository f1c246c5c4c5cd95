"""CSV that spreadsheets open without running anything."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return) as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


class Echo:
    """A file-like object whose `write` returns what it was given: `csv.writer(Echo())` makes rows to
    stream."""

    def write(self, value: str) -> str:
        return value
