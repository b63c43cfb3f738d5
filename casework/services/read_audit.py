"""The audit of reads: every read of a case's detail is a row in `case_reads`, and each
person's running total for the case is kept beside it in `case_read_totals` by a trigger on
`case_reads` (migration 0010), which is what the case page's "who has read it" summary reads
(one row per reader, however often it was read).

Only the services that load case detail record reads, in the transaction of the read; the
caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, insert

from casework.extensions import db
from casework.models import CaseRead, User
from casework.models.time import utcnow

# Built once and run with each read's values: it runs on every read of a case's detail.
_READ = insert(CaseRead).values(
    case_id=bindparam("case_id"),
    user_id=bindparam("user_id"),
    read_at=bindparam("at"),
    via=bindparam("via"),
)


def record_reads(user: User, case_ids: Iterable[int], *, via: str) -> None:
    """Record that `user` read each case's detail now (through `via`: "web", "api", ...)."""
    ids = sorted(set(case_ids))  # one total per case; in key order, so two lists can't deadlock
    if not ids:
        return
    now = utcnow()
    values = [{"case_id": i, "user_id": user.id, "at": now, "via": via} for i in ids]
    db.session.execute(_READ, values)
