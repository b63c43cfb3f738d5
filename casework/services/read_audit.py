"""The audit of reads: every read of a case's detail is a row in `case_reads`, and each
person's running total for the case is kept beside it in `case_read_totals`, which is what the
case page's "who has read it" summary reads (one row per reader, however often it was read).

Only the services that load case detail call `record_reads`, in the transaction of the read;
the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.dialects import postgresql, sqlite

from casework.extensions import db
from casework.models import CaseRead, CaseReadTotal, User
from casework.models.time import utcnow


def record_reads(user: User, case_ids: Iterable[int], *, via: str) -> None:
    """Record that `user` read each case's detail now (through `via`: "web", "api", ...)."""
    ids = sorted(set(case_ids))  # one total per case; in key order, so two lists can't deadlock
    if not ids:
        return
    now = utcnow()
    db.session.add_all(CaseRead(case_id=i, user_id=user.id, via=via, read_at=now) for i in ids)
    insert = (
        postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    statement = insert(CaseReadTotal).values(
        [{"case_id": i, "user_id": user.id, "reads": 1, "last_read_at": now} for i in ids]
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[CaseReadTotal.case_id, CaseReadTotal.user_id],
            set_={
                "reads": CaseReadTotal.reads + 1,
                "last_read_at": statement.excluded.last_read_at,
            },
        )
    )
