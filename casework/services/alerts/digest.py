"""The daily digest: one email per person per working day listing their clocks at a rung.

Each clock is shown at the highest rung it has reached (met, cancelled and paused clocks are
not shown), to the people its alerts go to. Nothing is sent on a day that is not a working day
of the partnership. One digest per person per day: its Message-ID is made from the day and the
person, and the outbox refuses a second one, so running it again, or from the command line as
well as the scheduler, sends nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import or_, select, update

from casework.extensions import db
from casework.mail import mail_settings
from casework.models import OutboxMessage, Partnership
from casework.models.time import utcnow
from casework.services.alerts.ladder import dialect_insert
from casework.services.alerts.messages import ClockLine, digest_message_id, digest_text
from casework.services.alerts.recipients import Directory, Person
from casework.services.alerts.sweep import _closures
from casework.services.clocks import clocks_due
from workflows.calendar import is_working_day


def digest(on: date, partnership_ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Write the digests for `on` (every partnership, or those given). Returns how many."""
    now = now or utcnow()
    try:
        written = _digest(on, partnership_ids, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return written


def _digest(on: date, partnership_ids: list[int] | None, now: datetime) -> int:
    query = select(Partnership.id, Partnership.escalation_enabled)
    if partnership_ids is not None:
        query = query.where(Partnership.id.in_(partnership_ids))
    partnerships = {pid: enabled for pid, enabled in db.session.execute(query)}
    closures = _closures(partnerships)
    working = {p for p in partnerships if is_working_day(on, closures[p])}
    written = _write_digests(on, working, partnerships, closures, now) if working else 0
    if partnerships:
        db.session.execute(
            update(Partnership)
            .where(Partnership.id.in_(list(partnerships)))
            .values(last_digest_on=on)
        )
    return written


def _write_digests(
    on: date,
    working: set[int],
    escalation: dict[int, bool],
    closures: dict[int, frozenset[date]],
    now: datetime,
) -> int:
    due = [d for d in clocks_due(on) if d.partnership_id in working]
    people = Directory(working)
    lines: dict[int, list[ClockLine]] = defaultdict(list)
    persons: dict[int, Person] = {}
    partnership_of: dict[int, int] = {}
    for clock in due:
        line = ClockLine(
            clock.case_id,
            clock.case_reference,
            clock.pseudonym,
            clock.kind,
            clock.statutory,
            clock.due_on,
            clock.rung,
            clock.agency_request_id,
        )
        for person in people.recipients(
            clock.partnership_id,
            clock.kind,
            clock.rung,
            escalation_enabled=escalation[clock.partnership_id],
            agency_id=clock.agency_id,
        ):
            lines[person.id].append(line)
            persons[person.id] = person
            partnership_of[person.id] = clock.partnership_id
    settings = mail_settings()
    rows = []
    for user_id, user_lines in lines.items():
        subject, body = digest_text(
            user_lines,
            on,
            closures[partnership_of[user_id]],
            settings.base_url,
            contributor=persons[user_id].role == "agency_contributor",
        )
        rows.append(
            {
                "kind": "digest",
                "user_id": user_id,
                "recipient": persons[user_id].email,
                "subject": subject,
                "body": body,
                "message_id": digest_message_id(on, user_id, settings.message_id_domain),
                "digest_on": on,
                "created_at": now,
                "attempts": 0,
                "next_attempt_at": now,
            }
        )
    if not rows:
        return 0
    written = db.session.execute(
        dialect_insert(OutboxMessage)
        .on_conflict_do_nothing(index_elements=["message_id"])
        .returning(OutboxMessage.id),
        rows,
    )
    return len(written.all())


def digest_due(now_london: datetime, today: date | None = None) -> int:
    """The scheduler's check, every minute: write today's digest for each partnership whose
    digest time has come (Europe/London) and that has not had today's yet. A scheduler that was
    down at the digest time sends it when it comes back, the same day.
    """
    today = today or now_london.date()
    due = db.session.scalars(
        select(Partnership.id).where(
            Partnership.digest_time <= now_london.strftime("%H:%M"),
            or_(Partnership.last_digest_on.is_(None), Partnership.last_digest_on < today),
        )
    ).all()
    if not due:
        return 0
    return digest(today, list(due))
