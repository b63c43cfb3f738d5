"""Rows of a subquery as one JSON value, to read them in the same statement as something else.

`json_rows(a, b, ...)` aggregates one JSON array `[a, b, ...]` per row into a JSON array of
arrays, as text: `json_agg(json_build_array(...))::text` on PostgreSQL,
`json_group_array(json_array(...))` on SQLite. Text rather than JSON, because the ORM cannot
tell rows apart by a JSON value when it merges the rows of a joined load; `loads` reads it.

Neither database promises an order here (SQLite 3.40 has no ORDER BY inside an aggregate), so
callers include a key to sort by. Dates come back as ISO text. A JSON column comes back nested
on PostgreSQL but as text on SQLite (it is stored as text there): `nested_json` reads both.
No rows give NULL on PostgreSQL and an empty array on SQLite: `loads` gives [] for both.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class json_rows(FunctionElement[Any]):  # noqa: N801 (named like the SQL functions it writes)
    type = Text()
    inherit_cache = True


@compiles(json_rows, "postgresql")
def _postgresql(element: json_rows, compiler: Any, **kw: Any) -> str:
    return f"CAST(json_agg(json_build_array({compiler.process(element.clauses, **kw)})) AS TEXT)"


@compiles(json_rows, "sqlite")
def _sqlite(element: json_rows, compiler: Any, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


class comma_list(FunctionElement[Any]):  # noqa: N801
    """Text values of the rows joined with commas, in no order (NULL for no rows).

    SQLAlchemy's `aggregate_strings` does this too, but sends its separator as a parameter
    that is written into the SQL at each run, which a statement compiled once
    (`services.prepared`) cannot have."""

    type = Text()
    inherit_cache = True


@compiles(comma_list, "postgresql")
def _postgresql_list(element: comma_list, compiler: Any, **kw: Any) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)}, ',')"


@compiles(comma_list, "sqlite")
def _sqlite_list(element: comma_list, compiler: Any, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


def nested_json(value: Any) -> Any:
    """A JSON column's value inside `json_rows`: already parsed, or JSON text (SQLite)."""
    return json.loads(value) if isinstance(value, str) else value


def loads(value: str | None) -> list[list[Any]]:
    return json.loads(value) if value else []
