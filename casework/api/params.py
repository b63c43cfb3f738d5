"""Reading the query string and body of an API request, with 422 for anything malformed."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request

from casework.services.errors import Invalid
from casework.services.numbers import whole_number
from workflows.facts import parse_date

MAX_INT_PARAM = 1_000_000


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object.", {"body": "Send a JSON object"})
    return body


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


def check_params(allowed: set[str]) -> None:
    unknown = set(request.args) - allowed
    if unknown:
        raise Invalid(
            "Unknown query parameters.", {name: "Not a parameter here" for name in sorted(unknown)}
        )
