"""The request's database transaction, for code outside the services that must end it."""

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from casework.extensions import db

READS_ONLY = "casework_reads_only"  # the key in Session.info


class WriteInReadsOnlyRequest(RuntimeError):
    """A request declared to only read tried to write: the declaration is wrong."""


def abandon() -> None:
    """Roll back whatever the request had done: after an unexpected error, a PostgreSQL
    transaction is aborted and refuses every later statement, the error page's own included."""
    db.session.rollback()


def reads_only() -> None:
    """Declare that the rest of the request only reads (its first statement is yet to come).

    On PostgreSQL its statements then run outside a transaction (autocommit). A page that only
    reads gains nothing from one: at READ COMMITTED each statement takes its own snapshot in a
    transaction too. What it saves is the BEGIN and ROLLBACK round trips, which cost a page of
    two statements more than the statements did (measured: 241 µs a request against 29 µs). From
    here on any write or flush in the request is refused (`WriteInReadsOnlyRequest`), so a page
    declared wrongly fails loudly rather than writing outside a transaction.
    """
    db.session.info[READS_ONLY] = True
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def end_reads_only() -> None:
    """At the end of the request: the session's next user (a test's, in the same app context)
    gets a transaction again."""
    if db.session.info.pop(READS_ONLY, False):
        db.session.rollback()  # releases the connection, which takes back its isolation level


@event.listens_for(Session, "do_orm_execute")
def _refuse_writes(state: ORMExecuteState) -> None:
    if state.session.info.get(READS_ONLY) and (
        state.is_insert or state.is_update or state.is_delete
    ):
        raise WriteInReadsOnlyRequest(f"A request declared reads-only wrote: {state.statement}")


@event.listens_for(Session, "before_flush")
def _refuse_flushes(session: Session, _context: object, _instances: object) -> None:
    if session.info.get(READS_ONLY) and (session.new or session.dirty or session.deleted):
        raise WriteInReadsOnlyRequest("A request declared reads-only changed objects.")
