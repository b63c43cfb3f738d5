"""Writing thousands of rows in ONE statement with ONE parameter: a JSON array of the rows.

An executemany is one call for SQLAlchemy but one round trip per row for psycopg here (5,500
outbox rows took 0.6 s, against 40 ms this way). So the rows are sent as a single JSON
document and unpacked by the database itself: `json_to_recordset` on PostgreSQL, `json_each`
on SQLite. Each value is first put through the column type's own bind processing, so what is
stored is exactly what an ordinary INSERT would have stored. `rows_select` gives that SELECT,
for an INSERT ... SELECT with whatever ON CONFLICT clause the caller needs; `keys_in` the
condition "these columns are one of these rows" from the same SELECT, and `id_in` the same for
a list of ids. A long list of bind parameters instead (`IN (?, ?, ...)`, three for each row of
a three-column key) costs PostgreSQL planning time that grows with the square of the rows, and
psycopg refuses a statement with more than 65,535 of them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    Table,
    any_,
    cast,
    func,
    literal,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import JSONB

from casework.extensions import db


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def rows_select(table: Table, rows: Sequence[dict[str, Any]]) -> tuple[list[str], Select]:
    """The column names of `rows` (dicts with the same keys, at least one) and a SELECT that
    gives every row from one parameter: `insert(table).from_select(*rows_select(table, rows))`.
    """
    dialect = db.session.get_bind().dialect
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    if any(processors):
        data = [
            [
                process(row[name]) if process else row[name]
                for name, process in zip(names, processors, strict=True)
            ]
            for row in rows
        ]
    else:
        data = [[row[name] for name in names] for row in rows]
    document = json.dumps(data, default=_plain, separators=(",", ":"))
    if dialect.name == "postgresql":
        # Positional: column j of row i is element j of the i-th array, cast to its type.
        # jsonb: parsed once, where `json` would be parsed again for every value taken out.
        elements = func.jsonb_array_elements(cast(literal(document), JSONB)).table_valued("value")
        values = [
            cast(elements.c.value.op("->>")(j), column.type) for j, column in enumerate(columns)
        ]
    else:
        elements = func.json_each(literal(document)).table_valued("value")
        values = [func.json_extract(elements.c.value, f"$[{j}]") for j in range(len(columns))]
    # SQLite needs a WHERE on an INSERT ... SELECT that has an ON CONFLICT clause.
    return names, select(*values).select_from(elements).where(true())


def keys_in(table: Table, keys: Sequence[dict[str, Any]]) -> ColumnElement[bool]:
    """The row's columns named in `keys` (dicts with the same keys, at least one) are those of
    one of `keys`: `(a, b, c) IN (SELECT ...)`, sent as ONE parameter whatever their number."""
    names, rows = rows_select(table, keys)
    return tuple_(*(table.c[name] for name in names)).in_(rows)


def id_in(column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """`column` is one of `ids`, sent as ONE parameter whatever their number."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(Integer)))
    values = func.json_each(json.dumps(list(ids))).table_valued("value")
    return column.in_(select(values.c.value))


__all__ = ["id_in", "keys_in", "rows_select"]
