"""Whole numbers read from text people or stored keys give."""

from __future__ import annotations


def whole_number(text: str) -> int | None:
    """`text` as a whole number when it is ASCII digits only, else None. `str.isdigit` alone
    also takes "²" and other digits `int` refuses, which made a server error of them."""
    return int(text) if text.isascii() and text.isdigit() else None
