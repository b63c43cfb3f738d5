"""Statements built once and run straight on the database driver: for the hot pages' reads.

SQLAlchemy's execution of a Core statement costs the same every time, however often the same
statement runs: its cache key worked out over the whole statement, an execution context, and
result metadata built from the driver's description of every column. On the case page's one
wide statement (sixty columns) that was 1.0 M of the page's 17 M instructions, more than
the page's other work on the row (measured with callgrind in process).

A `Prepared` statement is compiled once per dialect. Each run takes the session's connection
(so the same transaction), sends the SQL with the parameters as SQLAlchemy would have bound
them, and reads the rows into plain named tuples through the column types' own result
processors (SQLite's dates come back as text and are made dates as before). The engine's
`before_cursor_execute` and `after_cursor_execute` listeners are told of each statement as
SQLAlchemy tells them, so the reads-only guard (`services.transactions`) and any statement
counter see these too; an error is handled by SQLAlchemy's own code for a failed statement
(wrapped as `DBAPIError`; a lost connection, and the pool's older ones, replaced).

Only for statements without parameters that change the SQL text (expanding IN lists,
literal-execute values): building one raises `TypeError`.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.selectable import Select

from casework.extensions import db

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    compiled: Any  # SQLAlchemy's compiled statement: it fills in the parameters
    positions: tuple[str, ...] | None  # the parameters' order for a positional driver
    binds: dict[str, Callable[[Any], Any]]  # name -> the type's bind processor, where it has one
    row: type | None  # a named tuple of the selected columns; None for a statement without rows
    results: tuple[Processor, ...]


class Prepared:
    """One statement, compiled once for each database it meets."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def rows(self, parameters: dict[str, Any] | None = None) -> list[Any]:
        """Every row, as named tuples of the selected columns."""
        compiled, cursor = self._run(parameters)
        try:
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        return _rows(compiled, fetched)

    def one(self, parameters: dict[str, Any] | None = None) -> Any:
        """The one row there must be (`NoResultFound` or `MultipleResultsFound` otherwise)."""
        found = self.rows(parameters)
        if len(found) != 1:
            raise (exc.NoResultFound if not found else exc.MultipleResultsFound)(
                f"{len(found)} rows where one was expected"
            )
        return found[0]

    def count(self, parameters: dict[str, Any] | None = None) -> int:
        """Run a statement without rows (an INSERT … SELECT); the number of rows it wrote."""
        _compiled, cursor = self._run(parameters)
        try:
            return cursor.rowcount
        finally:
            cursor.close()

    def _run(self, parameters: dict[str, Any] | None) -> tuple[_Compiled, Any]:
        connection = db.session.connection()
        compiled = self._compiled(connection.dialect)
        values = compiled.compiled.construct_params(parameters or {})
        for name, process in compiled.binds.items():
            values[name] = process(values[name])
        sent: Any = (
            tuple(values[name] for name in compiled.positions)
            if compiled.positions is not None
            else values
        )
        dispatch = connection.dispatch
        cursor = None
        try:
            cursor = connection.connection.dbapi_connection.cursor()
            dispatch.before_cursor_execute(connection, cursor, compiled.sql, sent, None, False)
            cursor.execute(compiled.sql, sent)
            dispatch.after_cursor_execute(connection, cursor, compiled.sql, sent, None, False)
        except BaseException as error:
            if isinstance(error, connection.dialect.loaded_dbapi.Error) or not isinstance(
                error, Exception
            ):
                # SQLAlchemy's own handling of a driver's error (wrapped as DBAPIError, and
                # after a lost connection that one and every older one in the pool replaced)
                # or of an interruption: a private method, on the pinned SQLAlchemy, which
                # tests/services/test_prepared.py holds to that.
                connection._handle_dbapi_exception(error, compiled.sql, sent, cursor, None)
            if cursor is not None:
                cursor.close()
            raise  # a listener's refusal (the reads-only guard), as SQLAlchemy lets it through
        return compiled, cursor

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = _compile(self.statement, dialect)
        return found


def _compile(statement: Executable, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise TypeError("a Prepared statement cannot have parameters that change its SQL")
    escaped = compiled.escaped_bind_names
    binds = {}
    for bind, name in compiled.bind_names.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            binds[escaped.get(name, name)] = process
    row, results = None, ()
    if isinstance(statement, Select):
        columns = list(statement.selected_columns)
        names = [column.key for column in columns]
        if len(set(names)) != len(names):
            raise TypeError(f"a Prepared statement's columns need distinct names: {names}")
        row = namedtuple("Row", names)  # noqa: PYI024 (made at run time, from the statement)
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        )
    positions = (
        tuple(escaped.get(name, name) for name in compiled.positiontup)
        if compiled.positional
        else None
    )
    return _Compiled(compiled.string, compiled, positions, binds, row, results)


def _rows(compiled: _Compiled, fetched: list[tuple]) -> list[Any]:
    make = compiled.row._make  # type: ignore[union-attr]
    processors = compiled.results
    if not any(processors):
        return [make(values) for values in fetched]
    return [
        make(
            [
                v if process is None else process(v)
                for process, v in zip(processors, values, strict=True)
            ]
        )
        for values in fetched
    ]
