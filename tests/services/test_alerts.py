"""The sweep, the outbox and the SMTP delivery, against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import AlertClaim, Clock, OutboxMessage
from casework.services.alerts import deliver_outbox, sweep
from casework.services.events import fire_event
from tests.factories import make_case, make_user

# A case the local authority became aware of on Wed 1 March 2023: its notification clock is
# due Wed 8 March, so its rungs are due_soon Mon 6, due Wed 8, overdue Thu 9, escalated Wed 15.
RUNG_DAYS = {
    "due_soon": date(2023, 3, 6),
    "due": date(2023, 3, 8),
    "overdue": date(2023, 3, 9),
    "escalated": date(2023, 3, 15),
}
NOW = datetime(2023, 3, 1, 7, 0)


def days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def run_days(start: date, end: date) -> None:
    """The scheduler over simulated days: sweep twice and deliver on each."""
    for day in days(start, end):
        moment = datetime.combine(day, datetime.min.time()) + timedelta(hours=7)
        sweep(day, now=moment)
        sweep(day, now=moment)
        deliver_outbox(moment)


def rung_of(subject: str) -> str:
    return subject.split(":")[0]


@pytest.fixture
def managers(partnership):
    return [make_user(partnership, "business_manager") for _ in range(2)]


def test_each_recipient_gets_one_email_per_rung(smtp_server, managers, leads, scrutineer):
    make_case(managers[0])
    run_days(date(2023, 3, 1), date(2023, 3, 24))

    assert max(smtp_server.message_ids().values()) == 1
    for manager in managers:
        assert [rung_of(s) for s in smtp_server.subjects_to(manager.email)] == [
            "Due soon",
            "Due",
            "Overdue",
            "Escalated",
        ]
    for lead in leads.values():
        assert [rung_of(s) for s in smtp_server.subjects_to(lead.email)] == ["Escalated"]
    assert smtp_server.subjects_to(scrutineer.email) == []
    assert len(smtp_server.received) == 4 * 2 + 3


def test_the_rungs_come_on_their_working_days(smtp_server, managers):
    make_case(managers[0])
    for rung, day in RUNG_DAYS.items():
        before = len(smtp_server.received)
        run_days(day - timedelta(days=1), day - timedelta(days=1))
        assert len(smtp_server.received) == before, f"{rung} came early"
        run_days(day, day)
        assert [rung_of(m["Subject"]) for m in smtp_server.received[before:]] == [
            rung.replace("_", " ").capitalize()
        ] * 2


def test_meeting_the_clock_stops_further_mail(smtp_server, managers):
    case = make_case(managers[0])
    run_days(date(2023, 3, 1), date(2023, 3, 8))
    fire_event(managers[0], case.id, "notify", {"on": "2023-03-08"})
    run_days(date(2023, 3, 9), date(2023, 3, 24))
    assert Counter(rung_of(m["Subject"]) for m in smtp_server.received) == {
        "Due soon": 2,
        "Due": 2,
    }


def test_a_message_whose_clock_was_met_before_delivery_is_superseded(smtp_server, managers):
    case = make_case(managers[0])
    sweep(RUNG_DAYS["due_soon"], now=NOW)
    fire_event(managers[0], case.id, "notify", {"on": "2023-03-06"})
    report = deliver_outbox(NOW)
    assert report.superseded == 2 and report.sent == 0
    assert smtp_server.received == []
    statuses = {m.status for m in _db.session.scalars(select(OutboxMessage))}
    assert statuses == {"superseded"}


def test_catch_up_sends_only_the_highest_rung_and_records_the_rest_skipped(smtp_server, managers):
    make_case(managers[0])
    report = sweep(date(2023, 3, 10), now=NOW)  # due_soon, due and overdue have all come
    assert (report.sent, report.skipped, report.emails) == (1, 2, 2)
    deliver_outbox(NOW)
    assert [rung_of(m["Subject"]) for m in smtp_server.received] == ["Overdue", "Overdue"]
    ledger = {(c.rung, c.status) for c in _db.session.scalars(select(AlertClaim)).all()}
    assert ledger == {("due_soon", "skipped"), ("due", "skipped"), ("overdue", "sent")}
    clock = _db.session.scalars(select(Clock)).one()
    assert clock.next_rung_on == RUNG_DAYS["escalated"]
