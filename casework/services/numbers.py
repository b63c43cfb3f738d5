"""Whole numbers read from text people or stored keys give."""

from __future__ import annotations

import sys


def whole_number(text: str) -> int | None:
    """`text` as a whole number when it is ASCII digits only, else None. `str.isdigit` alone
    also takes "²" and other digits `int` refuses, which made a server error of them; so did
    more digits than `int` reads from text (4,300 by default), far past any count, page or id."""
    if not (text.isascii() and text.isdigit()):
        return None
    limit = sys.get_int_max_str_digits()  # 0 when the interpreter sets no limit
    return None if limit and len(text) > limit else int(text)
