"""Whole numbers read from text people or stored keys give."""

from __future__ import annotations

import sys


def digits_only(text: str) -> bool:
    """`text` is ASCII digits, and nothing else. `str.isdigit` alone also takes "²" and other
    digits `int` refuses, which made a server error of them."""
    return text.isascii() and text.isdigit()


def whole_number(text: str) -> int | None:
    """`text` as a whole number when it is ASCII digits only, else None; None too for more
    significant digits than `int` reads from text (4,300 by default), far past any count, page
    or id, which was a server error. Leading zeros are not counted: "000…0" is 0, however long.
    Where the difference matters, `digits_only` tells a number too long to read from text that
    is no number at all."""
    if not digits_only(text):
        return None
    significant = text.lstrip("0") or "0"
    limit = sys.get_int_max_str_digits()  # 0 when the interpreter sets no limit
    return None if limit and len(significant) > limit else int(significant)
