"""The ledger in SQL: claiming the rungs reached, and where each clock's next rung is.

Both are single set-based statements, whatever the number of clocks:

- `claim_rungs_reached(on)` inserts, for every clock whose `next_rung_on` has come, each rung
  from that one up to the highest reached by `on`, the highest as `sent` and the others as
  `skipped`, with INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING. A row that another
  sweep claimed first is not returned, so only one sweep ever sends it.
- `advance_next_rungs(on)` sets `next_rung_on` from the ledger itself: the date of the first
  rung with no ledger row for the clock's current due date. Because it is derived from the
  ledger rather than from what this sweep did, running it over a clock that changed meanwhile
  (an event moved its due date, another sweep claimed) still leaves the right answer.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    Row,
    String,
    case,
    exists,
    literal,
    null,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from casework.extensions import db
from casework.models import AlertClaim, Clock
from workflows.clocks import RUNGS

RUNG_COLUMNS = {
    "due_soon": Clock.due_soon_on,
    "due": Clock.due_rung_on,
    "overdue": Clock.overdue_on,
    "escalated": Clock.escalated_on,
}
assert tuple(RUNG_COLUMNS) == RUNGS


def dialect_insert(model):
    """INSERT with ON CONFLICT for the database in use (PostgreSQL or SQLite)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def claim_rungs_reached(on: date, now: datetime) -> list[Row]:
    """Claim every rung reached by `on` and not yet claimed; return the rows this call won.

    Each returned row has `clock_id`, `rung`, `due_on` and `status` (`sent` or `skipped`).
    """
    reached = []
    columns = list(RUNG_COLUMNS.items())
    for position, (rung, column) in enumerate(columns):
        higher = columns[position + 1][1] if position + 1 < len(columns) else None
        # The highest rung reached is sent: the one whose next rung has not come yet.
        status = (
            literal("sent", String)
            if higher is None
            else case((higher > on, literal("sent", String)), else_=literal("skipped", String))
        )
        reached.append(
            select(
                Clock.id.label("clock_id"),
                literal(rung, String).label("rung"),
                Clock.due_on.label("due_on"),
                status.label("status"),
            ).where(
                Clock.next_rung_on <= on,
                column >= Clock.next_rung_on,
                column <= on,
            )
        )
    rungs = union_all(*reached).subquery("reached")
    # SQLite needs a WHERE on an INSERT ... SELECT that has an ON CONFLICT clause.
    source = select(
        rungs.c.clock_id,
        rungs.c.rung,
        rungs.c.due_on,
        rungs.c.status,
        literal(now, DateTime),
    ).where(true())
    ledger = AlertClaim.__table__
    statement = (
        dialect_insert(ledger)
        .from_select(["clock_id", "rung", "due_on", "status", "claimed_at"], source)
        .on_conflict_do_nothing(index_elements=["clock_id", "rung", "due_on"])
        .returning(ledger.c.clock_id, ledger.c.rung, ledger.c.due_on, ledger.c.status)
    )
    return list(db.session.execute(statement))


def _claimed(rung: str):
    return exists().where(
        AlertClaim.clock_id == Clock.id,
        AlertClaim.rung == rung,
        AlertClaim.due_on == Clock.due_on,
    )


def next_rung_from_ledger():
    """SQL for the clock's next rung date: the first rung with no ledger row, or NULL."""
    return case(
        *[(~_claimed(rung), column) for rung, column in RUNG_COLUMNS.items()],
        else_=null().cast(Date),
    )


def advance_next_rungs(on: date) -> None:
    """Move every clock whose next rung has come on to its next unclaimed rung."""
    db.session.execute(
        update(Clock)
        .where(Clock.next_rung_on <= on)
        .values(next_rung_on=next_rung_from_ledger())
        .execution_options(synchronize_session=False)
    )
