"""JSON Schema errors in plain words, each with its place as a JSON path.

jsonschema's own messages ("Additional properties are not allowed ('mandtory' was
unexpected)") are written for programmers and point at the object rather than the key; the
person editing a template wants "sections[1].questions[0].mandtory: unknown key; did you mean
'mandatory'?".
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError

IDENTIFIER = "^[a-z][a-z0-9_]*$"
TYPE_WORDS = {
    "string": "text in quotes",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list in [ ]",
    "object": "an object in { }",
}


def json_path(parts: Iterable[Any]) -> str:
    """['sections', 2, 'questions', 0, 'type'] -> 'sections[2].questions[0].type'."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def describe_schema_error(error: ValidationError, document: Any) -> list[tuple[str, str]]:
    """(place, what) for one schema error; an unknown-keys error gives one per key."""
    path = list(error.absolute_path)
    place = json_path(path)
    value, kind = error.instance, error.validator
    if kind == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        return [
            (json_path([*path, key]), _unknown_key(key, allowed))
            for key in value
            if key not in allowed
        ]
    if kind == "required":
        missing = error.validator_value
        names = [name for name in missing if name not in value]
        return [(place, f"{_quoted(names)} {'is' if len(names) == 1 else 'are'} missing")]
    if kind == "not" and path:  # a key that this type of question does not use
        parent = _at(document, path[:-1])
        uses = {"options": "choice and multiple_choice", "max_characters": "long_text"}
        key = path[-1]
        what = f"a {parent.get('type')} question has no {key!r} (only {uses.get(key, 'others')} do)"
        return [(place, what)]
    return [(place, _plain(error))]


def _plain(error: ValidationError) -> str:
    value, kind, limit = error.instance, error.validator, error.validator_value
    if kind == "enum":
        is_type = list(error.absolute_path)[-1:] == ["type"]
        start = f"{value!r} is not {'an answer type' if is_type else 'allowed here'}"
        return f"{start}: use one of {', '.join(map(str, limit))}"
    if kind == "type":
        return f"should be {TYPE_WORDS.get(limit, limit)}, not {_json_type(value)}"
    if kind == "pattern":
        if limit == IDENTIFIER:
            return (
                f"{value!r} is not a valid id: use lowercase letters, digits and underscores, "
                "starting with a letter"
            )
        return "must not be blank"
    if kind == "minLength":
        return "must not be empty"
    if kind == "maxLength":
        return f"is longer than {limit} characters"
    if kind == "minItems":
        return f"needs at least {limit} item{'s' if limit != 1 else ''}"
    if kind == "minProperties":
        return "must not be empty: leave it out instead"
    if kind == "minimum":
        return f"is {value}: it must be at least {limit}"
    if kind == "maximum":
        return f"is {value}: it must be at most {limit}"
    return error.message


def _unknown_key(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key {key!r}{hint} (allowed here: {', '.join(allowed)})"


def _quoted(names: list[str]) -> str:
    return " and ".join(repr(name) for name in names)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


def _at(document: Any, path: list[Any]) -> Any:
    for part in path:
        document = document[part]
    return document
