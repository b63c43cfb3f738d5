"""Checks on what a request sent, shared by the web pages and the API: text no database can
store, refused before anything is read or saved rather than failing halfway through."""

from __future__ import annotations

import re

from flask import request

BAD_TEXT_REFUSED = (
    "What you sent contains a character that cannot be saved (a NUL character, or half of a "
    "UTF-16 surrogate pair). Nothing was saved: remove it and try again."
)
TOO_DEEP = "The request body is nested too deeply to read."
# PostgreSQL can neither store nor compare a NUL in text; an unpaired surrogate (only a JSON
# escape such as \ud800 can make one) cannot be encoded to UTF-8 at all.
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def refusal() -> str | None:
    """Why the query string, a posted form or a JSON body cannot be taken at all, or None."""
    sources = [request.args] if request.method == "GET" else [request.args, request.form]
    for values in sources:
        if any(BAD_TEXT.search(key + value) for key, value in values.items(multi=True)):
            return BAD_TEXT_REFUSED
    if request.method == "GET" or not request.is_json:
        return None
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # `silent` covers only malformed JSON
        return TOO_DEEP
    return BAD_TEXT_REFUSED if _holds_bad_text(body) else None


def _holds_bad_text(value: object) -> bool:
    """Any string in a parsed JSON value, keys included (without recursion: it may be deep)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if BAD_TEXT.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
