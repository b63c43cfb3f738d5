"""A clock's due date moving while its alert emails wait in the outbox: one alert per rung for
the due date as it stands, never none and never a second copy of one delivered."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import insert, select

from casework.extensions import db as _db
from casework.mail import mail
from casework.models import AlertClaim, Clock, OutboxMessage, User
from casework.services.alerts import DeliveryReport, deliver_outbox, sweep
from casework.services.cases import get_case
from casework.services.events import fire_event
from tests.factories import advance_case, make_case, make_user
from tests.locks import waiting_for_a_lock_or_done
from tests.services.test_alerts import run_days, rung_of

FIRST_PLAN, SECOND_PLAN = "2023-09-01", "2023-10-02"


def at_seven(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=7)


def advance_copy(case_id: int) -> dict[str, Any]:
    """The advance copy clock's due date and rung dates as they are now."""
    _db.session.expire_all()
    clock = _db.session.scalars(
        select(Clock).where(Clock.case_id == case_id, Clock.kind == "advance_copy")
    ).one()
    return {
        "id": clock.id,
        "due_on": clock.due_on,
        "due_soon": clock.due_soon_on,
        "due": clock.due_rung_on,
        "overdue": clock.overdue_on,
    }


@pytest.fixture
def managers(partnership):
    return [make_user(partnership, "business_manager") for _ in range(2)]


@pytest.fixture
def case_with_a_planned_publication(managers, leads):
    """A case in approval whose publication is planned for 1 September 2023."""
    case = make_case(managers[0])
    advance_case(case.id, managers[0], leads, "approval")
    plan(managers[0], case.id, "2023-08-03", FIRST_PLAN)
    return case


def plan(manager, case_id: int, on: date | str, planned_on: str) -> None:
    on = on if isinstance(on, str) else on.isoformat()
    fire_event(manager, case_id, "schedule_publication", {"on": on, "planned_on": planned_on})


def every_rung_once(smtp_server, managers) -> None:
    """Each manager got each rung of the advance copy clock, in order, and no email twice."""
    for manager in managers:
        assert advance_copy_subjects(smtp_server, manager) == ["Due soon", "Due", "Overdue"]
    assert max(smtp_server.message_ids().values()) == 1


def advance_copy_subjects(smtp_server, manager) -> list[str]:
    return [rung_of(s) for s in smtp_server.subjects_to(manager.email) if "advance copy" in s]


class InAThread:
    """`work()` in a thread of its own, with its own session; `result()` waits for it."""

    def __init__(self, app, work: Callable[[], object], name: str | None = None) -> None:
        self.outcome: dict[str, object] = {}

        def run() -> None:
            with app.app_context():
                try:
                    self.outcome["result"] = work()
                finally:
                    _db.session.remove()

        self.thread = threading.Thread(target=run, name=name)
        self.thread.start()

    def result(self) -> object:
        self.thread.join(timeout=15)
        assert "result" in self.outcome, "it failed or is still waiting"
        return self.outcome["result"]


def moved_back_in_a_thread(app, manager_id: int, case_id: int, day: date) -> InAThread:
    def move_back() -> str:
        plan(_db.session.get(User, manager_id), case_id, day, FIRST_PLAN)
        return "done"

    return InAThread(app, move_back)


@contextmanager
def event_held_open(app, manager_id: int, case_id: int, day: date) -> Iterator[None]:
    """Bring the due date back to FIRST_PLAN in a thread of its own, held with its rows
    written (the case locked, the ledger read) until the block ends; then it commits."""
    holding, release = threading.Event(), threading.Event()

    def hold_until_released(case, entry) -> None:
        _db.session.flush()
        holding.set()
        release.wait(timeout=10)

    def move_back() -> str:
        manager = _db.session.get(User, manager_id)
        facts = {"on": day.isoformat(), "planned_on": FIRST_PLAN}
        fire_event(manager, case_id, "schedule_publication", facts, also=hold_until_released)
        return "done"

    event = InAThread(app, move_back)
    try:
        assert holding.wait(timeout=10)
        yield
    finally:
        release.set()
    assert event.result() == "done"


class HeldDelivery:
    """`deliver_outbox(now)` in a thread of its own, held until `finish()`, which returns its
    report: `after="its lock"`, just after its statement that locks the cases of stale emails;
    `after="its lease"`, with its batch leased and committed, about to send it."""

    def __init__(self, app, now: datetime, *, after: str) -> None:
        assert after in ("its lock", "its lease")
        self.app, self.now, self.after = app, now, after
        self.holding, self.go_on = threading.Event(), threading.Event()
        self.patch = pytest.MonkeyPatch()

    def _hold(self) -> None:
        if threading.current_thread().name == "held delivery" and not self.holding.is_set():
            self.holding.set()
            self.go_on.wait(timeout=10)

    def _after_statement(self, conn, cursor, statement: str, *args) -> None:
        if statement.lstrip().startswith("SELECT cases.id"):
            self._hold()

    def _connection(self, *args, **kwargs):
        self._hold()
        return self.get_connection(*args, **kwargs)

    def __enter__(self) -> HeldDelivery:
        self.engine = _db.engine
        if self.after == "its lock":
            sa_event.listen(self.engine, "after_cursor_execute", self._after_statement)
        else:
            self.get_connection = mail.get_connection
            self.patch.setattr(mail, "get_connection", self._connection)
        self.delivery = InAThread(self.app, lambda: deliver_outbox(self.now), "held delivery")
        assert self.holding.wait(timeout=10)
        return self

    def finish(self) -> DeliveryReport:
        self.go_on.set()
        report = self.delivery.result()
        assert isinstance(report, DeliveryReport)
        return report

    def __exit__(self, *exc_info) -> None:
        self.go_on.set()
        self.delivery.thread.join(timeout=15)
        if self.after == "its lock":
            sa_event.remove(self.engine, "after_cursor_execute", self._after_statement)
        self.patch.undo()


def test_a_rung_superseded_while_the_due_date_was_elsewhere_comes_when_it_moves_back(
    smtp_server, managers, case_with_a_planned_publication
):
    case = case_with_a_planned_publication
    first = advance_copy(case.id)
    day = first["due_soon"]
    sweep(day, now=at_seven(day))  # due_soon claimed; its emails wait in the outbox
    plan(managers[0], case.id, day, SECOND_PLAN)  # the due date moves later...
    assert deliver_outbox(at_seven(day)).superseded == 2  # ...so they are not sent
    plan(managers[0], case.id, day, FIRST_PLAN)  # and back, the same day
    assert advance_copy(case.id) == first

    run_days(day, first["overdue"])

    every_rung_once(smtp_server, managers)


def test_a_rung_delivered_before_the_due_date_moved_and_back_is_not_sent_again(
    smtp_server, managers, case_with_a_planned_publication
):
    case = case_with_a_planned_publication
    first = advance_copy(case.id)
    day = first["due_soon"]
    run_days(day, day)  # due_soon delivered
    plan(managers[0], case.id, day, SECOND_PLAN)
    deliver_outbox(at_seven(day))
    plan(managers[0], case.id, day, FIRST_PLAN)

    run_days(day, first["overdue"])

    for manager in managers:
        assert advance_copy_subjects(smtp_server, manager) == ["Due soon", "Due", "Overdue"]


def test_a_superseded_rung_comes_back_as_the_highest_reached_only(
    smtp_server, managers, case_with_a_planned_publication
):
    """Moved back after its next rung has come, the ladder catches up as after downtime: the
    highest rung reached is sent, once, and the superseded lower one is recorded skipped, not
    sent late."""
    case = case_with_a_planned_publication
    first = advance_copy(case.id)
    day = first["due_soon"]
    sweep(day, now=at_seven(day))
    plan(managers[0], case.id, day, SECOND_PLAN)
    deliver_outbox(at_seven(day))
    plan(managers[0], case.id, first["due"], FIRST_PLAN)

    run_days(first["due"], first["overdue"])

    for manager in managers:
        assert advance_copy_subjects(smtp_server, manager) == ["Due", "Overdue"]
    ledger = {
        (c.rung, c.status)
        for c in _db.session.scalars(
            select(AlertClaim).where(
                AlertClaim.clock_id == first["id"], AlertClaim.due_on == first["due_on"]
            )
        )
    }
    assert ledger == {("due_soon", "skipped"), ("due", "sent"), ("overdue", "sent")}


def test_one_person_delivered_and_one_superseded_each_end_with_one_copy(
    smtp_server, managers, case_with_a_planned_publication
):
    """The first manager's email went out before the due date moved; the second's waited for
    a retry and was superseded. Back on the first due date, only the second is sent it."""
    case = case_with_a_planned_publication
    first = advance_copy(case.id)
    day = first["due_soon"]
    sweep(day, now=at_seven(day))
    waiting = _db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == managers[1].id)
    ).one()
    waiting.next_attempt_at = at_seven(day) + timedelta(hours=1)  # as after a failed attempt
    _db.session.commit()
    assert deliver_outbox(at_seven(day)).sent == 1
    plan(managers[0], case.id, day, SECOND_PLAN)
    deliver_outbox(at_seven(day))
    plan(managers[0], case.id, day, FIRST_PLAN)

    run_days(day, day)
    deliver_outbox(at_seven(day) + timedelta(hours=2))

    for manager in managers:
        assert advance_copy_subjects(smtp_server, manager) == ["Due soon"]
    assert max(smtp_server.message_ids().values()) == 1


def test_a_rung_superseded_by_a_hold_lifted_the_same_day_comes_after_all(
    smtp_server, managers, leads
):
    """A hold placed and lifted on one day pauses a local target for no working day: its due
    date is unchanged, and the rung whose email the pause superseded is sent after all."""
    case = make_case(managers[0])
    advance_case(case.id, managers[0], leads, "commissioning")
    _db.session.expire_all()
    clock = _db.session.scalars(
        select(Clock).where(Clock.case_id == case.id, Clock.kind == "reviewer_appointment")
    ).one()
    due_on, day, due_day = clock.due_on, clock.due_soon_on, clock.due_rung_on
    sweep(day, now=at_seven(day))
    hold = {"on": day.isoformat(), "reason": "inquest"}
    fire_event(managers[0], case.id, "place_hold", hold)
    assert deliver_outbox(at_seven(day)).superseded == 2
    fire_event(managers[0], case.id, "lift_hold", {"on": day.isoformat()})
    _db.session.expire_all()
    assert _db.session.get(Clock, clock.id).due_on == due_on

    run_days(day, due_day)

    for manager in managers:
        subjects = smtp_server.subjects_to(manager.email)
        about = [rung_of(s) for s in subjects if "reviewer appointment" in s]
        assert about == ["Due soon", "Due"]


def test_delivery_waits_for_an_event_bringing_the_due_date_back(
    app, backend, smtp_server, managers, case_with_a_planned_publication
):
    """Delivery must not judge a waiting email by a due date an event is changing: it waits for
    the case as events do, then sends the email that is current again. SQLite has one writer
    and no row locks: there the event commits, then delivery runs, to the same end."""
    case = case_with_a_planned_publication
    first = advance_copy(case.id)
    day = first["due_soon"]
    sweep(day, now=at_seven(day))
    plan(managers[0], case.id, day, SECOND_PLAN)
    if backend == "postgresql":
        with event_held_open(app, managers[0].id, case.id, day):
            delivery = InAThread(app, lambda: deliver_outbox(at_seven(day)))
            waiting_for_a_lock_or_done(app, backend, delivery.thread)
            assert delivery.thread.is_alive()  # waiting for the event's lock
        report = delivery.result()
    else:
        plan(managers[0], case.id, day, FIRST_PLAN)
        report = deliver_outbox(at_seven(day))
    assert isinstance(report, DeliveryReport)
    assert (report.superseded, report.sent) == (0, 2)

    run_days(day, first["overdue"])

    every_rung_once(smtp_server, managers)


def test_an_email_gone_stale_after_delivery_locked_the_cases_waits_for_the_next_run(
    app, backend, smtp_server, managers, case_with_a_planned_publication
):
    """Delivery locks the cases of the emails that look stale, then supersedes. It used to
    supersede by a later look, emails of cases it had not locked included: one gone stale in
    between was superseded and its claim released while an event bringing the due date back,
    having read the ledger with the claim still there, did not re-arm the rung: lost for good.
    Now only the locked cases' emails are judged; the others wait for the next run."""
    case = case_with_a_planned_publication
    first = advance_copy(case.id)
    day = first["due_soon"]
    sweep(day, now=at_seven(day))
    with HeldDelivery(app, at_seven(day), after="its lock") as delivery:  # nothing stale: no lock
        plan(managers[0], case.id, day, SECOND_PLAN)  # the emails are stale from now
        if backend == "postgresql":
            with event_held_open(app, managers[0].id, case.id, day):
                report = delivery.finish()
        else:  # one writer at a time: the due date comes back after delivery
            report = delivery.finish()
            plan(managers[0], case.id, day, FIRST_PLAN)
    assert report.superseded == 0
    assert advance_copy(case.id) == first

    run_days(day, first["overdue"])

    every_rung_once(smtp_server, managers)


def test_a_case_delivery_has_locked_can_be_read_while_an_event_on_it_waits(
    app, backend, smtp_server, managers, case_with_a_planned_publication
):
    """Delivery's lock on the cases of stale emails is FOR NO KEY UPDATE: reading a case, which
    writes an audit row referring to it, does not wait for it; an event still does, and then
    re-arms the rung whose claim delivery released (PostgreSQL; SQLite takes no row lock)."""
    case = case_with_a_planned_publication
    first = advance_copy(case.id)
    day = first["due_soon"]
    sweep(day, now=at_seven(day))
    plan(managers[0], case.id, day, SECOND_PLAN)
    reader_id = managers[1].id
    with HeldDelivery(app, at_seven(day), after="its lock") as delivery:  # the case locked
        read = InAThread(app, lambda: get_case(_db.session.get(User, reader_id), case.id).id)
        waiting_for_a_lock_or_done(app, backend, read.thread)
        assert not read.thread.is_alive()  # read, not waiting for delivery
        assert read.result() == case.id
        back = moved_back_in_a_thread(app, managers[0].id, case.id, day)
        waiting_for_a_lock_or_done(app, backend, back.thread)
        if backend == "postgresql":
            assert back.thread.is_alive()  # the event waits for delivery
        report = delivery.finish()
    assert back.result() == "done"
    if backend == "postgresql":  # superseded, then re-armed by the event
        assert (report.superseded, report.sent) == (2, 0)
    else:  # the event came first: the emails were current again
        assert (report.superseded, report.sent) == (0, 2)

    run_days(day, first["overdue"])

    every_rung_once(smtp_server, managers)


def test_delivery_releases_thousands_of_claims_at_once_with_one_parameter(business_manager):
    """Releasing claims once sent three bind parameters for each: PostgreSQL's planning time
    grew with their square (2,000 took 750 ms, with every case concerned locked meanwhile), and
    beyond 21,845 psycopg refused the statement, so every delivery run failed."""
    case = make_case(business_manager)
    count, old, moved = 3000, date(2024, 6, 3), date(2024, 7, 1)
    now = at_seven(old)
    _db.session.execute(
        insert(Clock.__table__),
        [
            {
                "case_id": case.id,
                "partnership_id": case.partnership_id,
                "kind": "notification",
                "seq": 100 + n,
                "statutory": True,
                "due_on": moved,  # since their emails for `old` were written
                "hold_days": 0,
                "paused": False,
            }
            for n in range(count)
        ],
    )
    clock_ids = _db.session.scalars(select(Clock.id).where(Clock.seq >= 100)).all()
    # Each clock: `due_soon` delivered before the date moved (its claim stays), `due` waiting.
    claims, emails = [], []
    for clock_id in clock_ids:
        for rung, sent_at in (("due_soon", now - timedelta(days=2)), ("due", None)):
            key = {"clock_id": clock_id, "rung": rung, "due_on": old}
            claims.append({**key, "status": "sent", "claimed_at": now})
            emails.append(
                {
                    **key,
                    "kind": "alert",
                    "user_id": business_manager.id,
                    "recipient": business_manager.email,
                    "subject": "s",
                    "body": "b",
                    "message_id": f"<{clock_id}.{rung}@test>",
                    "created_at": now,
                    "attempts": 1 if sent_at else 0,
                    "next_attempt_at": now,
                    "sent_at": sent_at,
                }
            )
    _db.session.execute(insert(AlertClaim.__table__), claims)
    _db.session.execute(insert(OutboxMessage.__table__), emails)
    _db.session.commit()
    releases: list[Any] = []

    def watch(conn, cursor, statement, parameters, *args) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM ALERT_LEDGER"):
            releases.append(parameters)

    sa_event.listen(_db.engine, "before_cursor_execute", watch)
    try:
        report = deliver_outbox(now)
    finally:
        sa_event.remove(_db.engine, "before_cursor_execute", watch)

    assert report.superseded == count
    assert len(releases) == 1 and len(releases[0]) <= 5, [len(p) for p in releases]
    left = _db.session.execute(select(AlertClaim.rung, AlertClaim.due_on)).all()
    assert Counter(left) == {("due_soon", old): count}


def test_an_email_written_again_while_a_deliverer_sends_it_stays_that_deliverers(
    app, smtp_server, managers, case_with_a_planned_publication
):
    """One deliverer has leased the emails and is sending them; meanwhile another supersedes
    them (the due date moved) and the sweep writes them again when it comes back. Writing them
    again used to set their next attempt to now, ending the first deliverer's lease: the next
    run sent them too, a second copy of each. The later of the two times is kept now."""
    case = case_with_a_planned_publication
    first = advance_copy(case.id)
    day = first["due_soon"]
    now = at_seven(day)
    sweep(day, now=now)
    with HeldDelivery(app, now, after="its lease") as sending:
        plan(managers[0], case.id, day, SECOND_PLAN)
        assert deliver_outbox(now).superseded == 2
        plan(managers[0], case.id, day, FIRST_PLAN)
        assert sweep(day, now=now).emails == 2  # claimed again: the same two emails
        assert deliver_outbox(now + timedelta(minutes=1)).sent == 0  # still leased
        assert sending.finish().sent == 2

    run_days(day, first["overdue"])

    every_rung_once(smtp_server, managers)


def test_an_email_sent_after_another_deliverer_superseded_it_is_not_written_again(
    app, smtp_server, managers, case_with_a_planned_publication
):
    """A deliverer sends the emails it leased while another supersedes them: they end both
    sent and superseded. When the rung is claimed again they are left as they are, the record
    of what was sent, and nobody is sent a second copy."""
    case = case_with_a_planned_publication
    first = advance_copy(case.id)
    day = first["due_soon"]
    now = at_seven(day)
    sweep(day, now=now)
    with HeldDelivery(app, now, after="its lease") as sending:
        plan(managers[0], case.id, day, SECOND_PLAN)
        assert deliver_outbox(now).superseded == 2
        assert sending.finish().sent == 2

    def outbox() -> list[tuple]:
        _db.session.expire_all()
        return [
            (m.message_id, m.sent_at, m.superseded_at, m.created_at, m.attempts, m.body)
            for m in _db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]

    sent_and_superseded = outbox()
    assert all(row[1] and row[2] for row in sent_and_superseded)
    plan(managers[0], case.id, day, FIRST_PLAN)
    assert sweep(day, now=now + timedelta(hours=1)).emails == 2  # claimed again
    assert outbox() == sent_and_superseded

    run_days(day, first["overdue"])

    every_rung_once(smtp_server, managers)


def test_an_email_dropped_because_its_person_left_keeps_the_rung_claimed(
    smtp_server, managers, case_with_a_planned_publication
):
    """Only an email superseded because its clock moved on releases its rung's claim. One
    dropped because its person was deactivated does not: the rung is not theirs to give back,
    and the others would be sent it again whenever the clock was next worked out."""
    case = case_with_a_planned_publication
    first = advance_copy(case.id)
    day = first["due_soon"]
    sweep(day, now=at_seven(day))
    managers[1].active = False
    _db.session.commit()

    report = deliver_outbox(at_seven(day))

    assert (report.sent, report.superseded) == (1, 1)
    claims = _db.session.execute(
        select(AlertClaim.rung, AlertClaim.status).where(
            AlertClaim.clock_id == first["id"], AlertClaim.due_on == first["due_on"]
        )
    ).all()
    assert claims == [("due_soon", "sent")]
    plan(managers[0], case.id, day, FIRST_PLAN)  # the clock worked out again, date unchanged
    assert sweep(day, now=at_seven(day)).sent == 0
