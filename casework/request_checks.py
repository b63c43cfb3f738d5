"""Checks on what a request sent, shared by the web pages and the API."""

from __future__ import annotations

from flask import request

NUL_REFUSED = (
    "What you sent contains a NUL character, which cannot be saved. Nothing was saved: "
    "remove it and try again."
)


def sent_a_nul() -> bool:
    """Whether the query string, a posted form or any text in a JSON body holds a NUL
    character: PostgreSQL can neither store nor compare one in text, so it would fail as a
    server error halfway through a service."""
    sources = [request.args] if request.method == "GET" else [request.args, request.form]
    for values in sources:
        if any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
            return True
    return request.method != "GET" and request.is_json and _holds_nul(request.get_json(silent=True))


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False
