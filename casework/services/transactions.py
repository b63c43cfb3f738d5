"""The request's database transaction, for code outside the services that must end it."""

import re
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, Result
from sqlalchemy.pool import Pool
from sqlalchemy.sql.base import Executable

from casework.extensions import db

READS_ONLY = "casework_reads_only"  # the key in Session.info and the connection's info
RECORDS_READS = "records_reads"  # its value when the request may also record reads


class WriteInReadsOnlyRequest(RuntimeError):
    """A request declared to only read tried to write: the declaration is wrong."""


def abandon() -> None:
    """Roll back whatever the request had done: after an unexpected error, a PostgreSQL
    transaction is aborted and refuses every later statement, the error page's own included."""
    db.session.rollback()


def reads_only(*, records_reads: bool = False) -> None:
    """Declare that the rest of the request only reads (its first statement is yet to come).

    On PostgreSQL its statements then run outside a transaction (autocommit). A page that only
    reads gains nothing from one: at READ COMMITTED each statement takes its own snapshot in a
    transaction too. What it saves is the BEGIN and ROLLBACK round trips, which cost a page of
    two statements more than the statements did (measured: 241 µs a request against 29 µs).
    From here on every statement on the request's connection but a SELECT is refused
    (`WriteInReadsOnlyRequest`), whatever sends it (the ORM, Core, text, a flush), so a page
    declared wrongly fails loudly rather than writing outside a transaction.

    `records_reads`: the request may also insert into `case_reads` (a page of case detail
    records its own read). That insert is one statement, the running total kept by its
    trigger in the same statement, so it needs no transaction around it either; it commits
    before the page is read, so a page that then fails leaves a read recorded, never a page
    shown without one. It commits without waiting for the disk (see
    `services.case_page_reads` for why, and what a database crash could then lose).
    """
    db.session.info[READS_ONLY] = True
    if db.session.get_bind().dialect.name == "postgresql":
        connection = db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    else:
        connection = db.session.connection()
    connection.info[READS_ONLY] = RECORDS_READS if records_reads else True


def execute_core(statement: Executable, parameters: dict[str, Any] | None = None) -> Result:
    """Run a statement that returns plain rows (no ORM objects) on the session's connection, in
    its transaction, without going through the Session: the Session's ORM bookkeeping (its
    compile state for ORM-annotated columns, autoflush) cost 0.4 ms a statement on the hot
    pages (measured: 1.28 against 0.85 ms of CPU for the case page's statement, which is now
    a `services.prepared` statement; the case list's, built per request, comes here). Only
    where nothing is pending to flush, as at the start of a request that reads."""
    return db.session.connection().execute(statement, parameters)


def autocommits() -> bool:
    """Whether each statement of the request commits as it runs: a reads-only request on
    PostgreSQL, whose connection is outside a transaction."""
    return bool(db.session.info.get(READS_ONLY)) and db.session.get_bind().dialect.name == (
        "postgresql"
    )


def commit_reads() -> None:
    """Commit the record of a read. Where it committed as it ran (`autocommits`) the Session's
    commit would only cost its bookkeeping on the case page; otherwise it commits here."""
    if not autocommits():
        db.session.commit()


def end_reads_only() -> None:
    """At the end of the request: the session's next user (a test's, in the same app context)
    gets a transaction again."""
    if db.session.info.pop(READS_ONLY, False):
        db.session.rollback()  # gives back the connection: see _forget_on_checkin


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_writes(
    conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
) -> None:
    declared = conn.info.get(READS_ONLY)
    if declared and not _only_reads(statement):
        if declared == RECORDS_READS and _RECORDS_A_READ.match(statement):
            return
        raise WriteInReadsOnlyRequest(f"A request declared reads-only wrote: {statement[:200]}")


_RECORDS_A_READ = re.compile(r"\s*INSERT INTO case_reads \(", re.IGNORECASE)


# A statement may also begin WITH (a common table expression), but a CTE can write on
# PostgreSQL: then no INSERT, UPDATE, DELETE or MERGE may appear anywhere in it.
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


def _only_reads(statement: str) -> bool:
    start = statement.lstrip()[:6].upper()
    return start == "SELECT" or (start[:4] == "WITH" and not _WRITES.search(statement))


@event.listens_for(Pool, "checkin")
def _forget_on_checkin(dbapi_connection: Any, record: Any) -> None:
    # The connection's info outlives the request (it is the pooled connection's): whoever
    # takes the connection next, after an error too, may write again.
    record.info.pop(READS_ONLY, None)
