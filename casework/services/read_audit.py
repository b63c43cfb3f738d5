"""The audit of reads: every read of a case's detail is a row in `case_reads`, and each
person's running total for the case is kept beside it in `case_read_totals`, which is what the
case page's "who has read it" summary reads (one row per reader, however often it was read).

Only the services that load case detail call `record_reads`, in the transaction of the read;
the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, case, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from casework.extensions import db
from casework.models import CaseRead, CaseReadTotal, User
from casework.models.time import utcnow

# Both statements are built once and run with each read's values: they run on every view of a
# case page, where building them each time was a measurable part of its cost.
_READ = insert(CaseRead).values(
    case_id=bindparam("case_id"),
    user_id=bindparam("user_id"),
    read_at=bindparam("at"),
    via=bindparam("via"),
)
_TOTALS: dict[str, Insert] = {}


def _add_to_totals(dialect: str) -> Insert:
    """INSERT ... ON CONFLICT DO UPDATE, in the words of the dialect (SQLite or PostgreSQL)."""
    if dialect not in _TOTALS:
        dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = dialect_insert(CaseReadTotal).values(
            case_id=bindparam("case_id"),
            user_id=bindparam("user_id"),
            reads=1,
            last_read_at=bindparam("at"),
        )
        _TOTALS[dialect] = statement.on_conflict_do_update(
            index_elements=[CaseReadTotal.case_id, CaseReadTotal.user_id],
            set_={
                "reads": CaseReadTotal.reads + 1,
                # The later of the two: of two reads at once, the earlier may commit second.
                "last_read_at": case(
                    (
                        statement.excluded.last_read_at > CaseReadTotal.last_read_at,
                        statement.excluded.last_read_at,
                    ),
                    else_=CaseReadTotal.last_read_at,
                ),
            },
        )
    return _TOTALS[dialect]


def record_reads(user: User, case_ids: Iterable[int], *, via: str) -> None:
    """Record that `user` read each case's detail now (through `via`: "web", "api", ...)."""
    ids = sorted(set(case_ids))  # one total per case; in key order, so two lists can't deadlock
    if not ids:
        return
    now = utcnow()
    values = [{"case_id": i, "user_id": user.id, "at": now, "via": via} for i in ids]
    db.session.execute(_READ, values)
    db.session.execute(_add_to_totals(db.session.get_bind().dialect.name), values)
