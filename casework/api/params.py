"""Reading the query string and body of an API request, with 422 for anything malformed.

A 422 comes after 404 and 403 (the domain reference's order of refusals), so a view checks its
input only once it knows the user may see the case and do what is asked: `check_request` and
`json_body` are called then, and `body_fields` gives what the earlier checks need to read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request

from casework.request_checks import refusal
from casework.services.errors import Invalid
from casework.services.numbers import whole_number
from workflows.facts import parse_date

MAX_INT_PARAM = 1_000_000


def check_request(allowed: set[str]) -> None:
    """Refuse text no database can store anywhere in the request (query string or body), a
    body nested too deeply to read, and a query parameter not in `allowed`."""
    why = refusal()
    if why:
        raise Invalid(why, {"body": why})
    unknown = set(request.args) - allowed
    if unknown:
        raise Invalid(
            "Unknown query parameters.", {name: "Not a parameter here" for name in sorted(unknown)}
        )


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object.", {"body": "Send a JSON object"})
    return body


def body_fields() -> dict[str, Any]:
    """A copy of the body if it is a JSON object, else an empty dict, never an error: for the
    checks that come before a 422 (whether the user may see the case and act on it), which
    must not refuse the body first. `check_request` and `json_body` refuse it in their turn."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # `silent` covers only malformed JSON
        return {}
    return dict(body) if isinstance(body, dict) else {}


def date_param(name: str) -> date | None:
    value = request.args.get(name)
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as error:
        raise Invalid(f"Bad '{name}'.", {name: str(error)}) from None


def int_param(name: str, default: int) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    number = whole_number(value)
    if number is None or number > MAX_INT_PARAM:  # a page past a million overflowed the offset
        raise Invalid(f"Bad '{name}'.", {name: f"Give a whole number up to {MAX_INT_PARAM:,}"})
    return number


def bool_param(name: str) -> bool:
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false"):
        raise Invalid(f"Bad '{name}'.", {name: "Give true or false"})
    return value == "true"
