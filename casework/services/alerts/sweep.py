"""The sweep: claim every rung due, and write its emails and in-app alerts, in one transaction.

The number of SQL statements does not depend on the number of clocks: one INSERT ... SELECT
claims every rung reached, one SELECT reads the clocks won, one the people, one the closure
days, one INSERT writes every outbox email, one every in-app alert, and one UPDATE moves every
clock on to its next rung. So a sweep over 2,000 due rungs costs about what one over 10 does.

The sweep decides nothing from memory: it asks the database which rungs have come by `on` and
are not claimed, so after downtime it catches up on its own (highest rung only).

A rung can be claimed again for the same due date: delivery releases a claim whose emails it
superseded because the clock moved on (see `delivery`), so that the rung comes again if the
clock comes back to that due date. Each person's email for a rung keeps its Message-ID, unique
in the outbox, so claiming again writes the same row again: afresh if it was superseded unsent
(keeping the lease of a deliverer still sending it), left alone if it was sent or failed. Each
person is so delivered at most one email per rung and due date, short of a deliverer stopping
or outlasting its lease between the server accepting a message and marking it sent (see
`casework.models.alerts`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, null, select

from casework.extensions import db
from casework.mail import mail_settings
from casework.models import Alert, Case, Clock, ClosureDay, OutboxMessage, Partnership
from casework.models.time import utcnow
from casework.services.alerts.bulk import id_in, rows_select
from casework.services.alerts.ladder import (
    advance_next_rungs,
    claim_rungs_reached,
    dialect_insert,
)
from casework.services.alerts.messages import ClockLine, alert_message_id, alert_text
from casework.services.alerts.recipients import Directory


@dataclass(frozen=True)
class SweepReport:
    on: date
    sent: int  # rungs claimed and sent
    skipped: int  # lower rungs recorded as skipped in a catch-up
    emails: int
    alerts: int


def sweep(on: date, now: datetime | None = None) -> SweepReport:
    """Claim every rung due by `on`, with its emails and in-app alerts. Safe to run at once."""
    now = now or utcnow()
    try:
        report = _sweep(on, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _sweep(on: date, now: datetime) -> SweepReport:
    claims = claim_rungs_reached(on, now)
    won = [c for c in claims if c.status == "sent"]
    emails: list[dict[str, Any]] = []
    alerts: list[dict[str, Any]] = []
    if won:
        clocks = _clocks(c.clock_id for c in won)
        partnership_ids = {row.partnership_id for row in clocks.values()}
        people = Directory(partnership_ids)
        closures = _closures(partnership_ids)
        settings = mail_settings()
        for claim in won:
            clock = clocks[claim.clock_id]
            line = ClockLine(
                clock.case_id,
                clock.reference,
                clock.pseudonym,
                clock.kind,
                clock.statutory,
                claim.due_on,
                claim.rung,
                clock.agency_request_id,
            )
            recipients = people.recipients(
                clock.partnership_id,
                clock.kind,
                claim.rung,
                escalation_enabled=clock.escalation_enabled,
                agency_id=clock.agency_id,  # an agency request's clock: its contributors too
            )
            to_leads = any(p.role == "partner_lead" for p in recipients)
            texts = {  # by whether the reader is a contributor: their link is the request
                contributor: alert_text(
                    line,
                    on,
                    closures[clock.partnership_id],
                    settings.base_url,
                    to_leads=to_leads,
                    contributor=contributor,
                )
                for contributor in {p.role == "agency_contributor" for p in recipients}
            }
            for person in recipients:
                subject, body = texts[person.role == "agency_contributor"]
                key = {"clock_id": claim.clock_id, "rung": claim.rung, "due_on": claim.due_on}
                alerts.append({"user_id": person.id, "created_at": now, **key})
                emails.append(
                    {
                        "kind": "alert",
                        "user_id": person.id,
                        "recipient": person.email,
                        "subject": subject,
                        "body": body,
                        "message_id": alert_message_id(
                            claim.clock_id,
                            claim.rung,
                            claim.due_on,
                            person.id,
                            settings.message_id_domain,
                        ),
                        "digest_on": None,
                        "created_at": now,
                        "attempts": 0,
                        "next_attempt_at": now,
                        **key,
                    }
                )
        _write_emails(emails)
        _write_alerts(alerts)
    advance_next_rungs(on)
    return SweepReport(on, len(won), len(claims) - len(won), len(emails), len(alerts))


def _write_emails(emails: list[dict[str, Any]]) -> None:
    """Write the emails; one superseded unsent for a claim released since is written afresh."""
    if not emails:
        return
    outbox = OutboxMessage.__table__
    write = dialect_insert(outbox).from_select(*rows_select(outbox, emails))
    again = {
        name: write.excluded[name]
        for name in ("recipient", "subject", "body", "created_at", "attempts")
    }
    # A deliverer may have leased the row before it was superseded and be sending it now:
    # its next attempt stays the later of the two, so the lease holds and the row is not sent
    # twice (the deliverer marks it sent, or fails it to be retried, as usual).
    later = func.greatest if db.session.get_bind().dialect.name == "postgresql" else func.max
    next_attempt_at = later(outbox.c.next_attempt_at, write.excluded.next_attempt_at)
    db.session.execute(
        write.on_conflict_do_update(
            index_elements=["message_id"],
            set_={
                **again,
                "next_attempt_at": next_attempt_at,
                "superseded_at": null(),
                "last_error": null(),
            },
            where=and_(
                outbox.c.superseded_at.is_not(None),
                outbox.c.sent_at.is_(None),
                outbox.c.failed_at.is_(None),
            ),
        )
    )


def _write_alerts(alerts: list[dict[str, Any]]) -> None:
    """Write the in-app alerts; a rung claimed again keeps the alert its first claim wrote."""
    if not alerts:
        return
    table = Alert.__table__
    db.session.execute(
        dialect_insert(table)
        .from_select(*rows_select(table, alerts))
        .on_conflict_do_nothing(index_elements=["user_id", "clock_id", "rung", "due_on"])
    )


def _clocks(clock_ids) -> dict[int, Any]:
    """The clocks won, with their case's reference and pseudonym and partnership settings."""
    rows = db.session.execute(
        select(
            Clock.id,
            Clock.kind,
            Clock.statutory,
            Clock.case_id,
            Clock.agency_id,
            Clock.agency_request_id,
            Case.reference,
            Case.pseudonym,
            Case.partnership_id,
            Partnership.escalation_enabled,
        )
        .join(Case, Case.id == Clock.case_id)
        .join(Partnership, Partnership.id == Case.partnership_id)
        .where(id_in(Clock.id, sorted(set(clock_ids))))
    )
    return {row.id: row for row in rows}


def _closures(partnership_ids: Collection[int]) -> dict[int, frozenset[date]]:
    found: dict[int, set[date]] = defaultdict(set)
    rows = db.session.execute(
        select(ClosureDay.partnership_id, ClosureDay.day).where(
            ClosureDay.partnership_id.in_(sorted(partnership_ids))
        )
    )
    for partnership_id, day in rows:
        found[partnership_id].add(day)
    return {p: frozenset(found[p]) for p in partnership_ids}
