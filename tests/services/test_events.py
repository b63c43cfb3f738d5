"""Firing events through the service layer: atomicity, concurrency, audit and permission."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from casework.extensions import db as _db
from casework.models import Case, CaseEvent, CaseRead, Clock, SignOff, User
from casework.services import events as events_service
from casework.services.cases import get_case, list_cases
from casework.services.clocks import clocks_due
from casework.services.errors import (
    Conflict,
    NotFound,
    NotPermitted,
    Refused,
    TransitionNotAllowed,
)
from casework.services.events import fire_event
from tests.factories import make_case, make_user
from tests.locks import waiting_for_a_lock_or_done


def history_count(case_id: int) -> int:
    return _db.session.scalar(select(func.count()).where(CaseEvent.case_id == case_id))


def test_a_failure_part_way_through_leaves_nothing_behind(business_manager, monkeypatch):
    case = make_case(business_manager)

    def broken(*args, **kwargs):
        raise RuntimeError("the clock service fell over")

    monkeypatch.setattr(events_service, "recompute_clocks", broken)
    with pytest.raises(RuntimeError):
        fire_event(business_manager, case.id, "notify", {"on": "2023-03-06"})
    _db.session.expire_all()
    stored = _db.session.get(Case, case.id)
    assert stored.state == "referred"
    assert stored.sin_submitted_on is None
    assert history_count(case.id) == 1
    assert [c.kind for c in stored.clocks] == ["notification"]


def _race(app, user_ids: list[int], case_id: int, event: str, facts_for) -> list[object]:
    """Fire from several threads at once (each with its own session); return the outcomes."""
    barrier = threading.Barrier(len(user_ids))
    outcomes: list[object] = [None] * len(user_ids)

    def worker(index: int, user_id: int) -> None:
        with app.app_context():
            from casework.models import User

            user = _db.session.get(User, user_id)
            barrier.wait()
            try:
                outcomes[index] = fire_event(user, case_id, event, facts_for(index)).state
            except (Conflict, TransitionNotAllowed) as error:
                outcomes[index] = error
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, u)) for i, u in enumerate(user_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.parametrize("attempt", range(3))
def test_two_people_firing_at_once_give_one_success_and_one_clear_conflict(
    app, business_manager, partnership, attempt
):
    second_manager = make_user(partnership, "business_manager")
    case = make_case(business_manager)
    outcomes = _race(
        app,
        [business_manager.id, second_manager.id],
        case.id,
        "notify",
        lambda i: {"on": "2023-03-06", "sin_reference": f"SIN-{i}"},
    )
    successes = [o for o in outcomes if o == "rapid_review"]
    conflicts = [o for o in outcomes if isinstance(o, Conflict | TransitionNotAllowed)]
    assert len(successes) == 1 and len(conflicts) == 1, outcomes
    assert conflicts[0].status == 409
    _db.session.expire_all()
    notifies = _db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.event == "notify")
    ).all()
    assert len(notifies) == 1
    assert _db.session.get(Case, case.id).sin_reference == notifies[0].facts["sin_reference"]


def test_concurrent_sign_offs_never_lose_one(app, business_manager, leads):
    case = make_case(business_manager)
    fire_event(business_manager, case.id, "notify", {"on": "2023-03-06"})
    fire_event(
        business_manager,
        case.id,
        "record_decision",
        {"on": "2023-03-14", "decision": "lcspr", "rationale": "r"},
    )
    lead_ids = [lead.id for lead in leads.values()]
    outcomes = _race(app, lead_ids, case.id, "sign_off", lambda i: {"on": "2023-03-15"})
    succeeded = sum(1 for o in outcomes if o == "rapid_review")
    assert succeeded >= 1
    assert all(o == "rapid_review" or isinstance(o, Conflict) for o in outcomes)
    _db.session.expire_all()
    stored = _db.session.scalar(select(func.count()).where(SignOff.case_id == case.id))
    recorded = _db.session.scalar(
        select(func.count()).where(CaseEvent.case_id == case.id, CaseEvent.event == "sign_off")
    )
    assert stored == recorded == succeeded


def _second_waits_for_first(app, backend, first, second) -> dict[str, object]:
    """Fire `first` and hold its transaction open, with the case locked, until `second` has
    started and waits for it; then let `first` commit. Each is (name, user id, case id,
    event, facts). Returns each one's outcome: the state after it, or the error it raised."""
    holding, release = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def fire(name: str, user_id: int, case_id: int, event: str, facts: dict, also=None) -> None:
        with app.app_context():
            user = _db.session.get(User, user_id)
            try:
                outcomes[name] = fire_event(user, case_id, event, facts, also=also).state
            except Exception as error:  # noqa: BLE001 (the test asserts which)
                outcomes[name] = error
            finally:
                _db.session.remove()

    def hold_until_released(case, entry) -> None:
        _db.session.flush()  # the first event's rows are written; the case stays locked
        holding.set()
        release.wait(timeout=10)

    one = threading.Thread(target=fire, args=first, kwargs={"also": hold_until_released})
    one.start()
    assert holding.wait(timeout=10)
    two = threading.Thread(target=fire, args=second)
    two.start()
    waiting_for_a_lock_or_done(app, backend, two)
    release.set()
    one.join(timeout=10)
    two.join(timeout=10)
    return outcomes


def test_a_hold_placed_while_an_appointment_committed_counts_the_appointment(
    app, backend, business_manager, leads
):
    """The hold waited for the appointment's lock: on PostgreSQL it must recompute the clocks
    with the appointment in the history (a met clock is never paused); SQLite refuses it."""
    from tests.factories import advance_case

    case = make_case(business_manager)
    advance_case(case.id, business_manager, leads, "commissioning")
    reviewer = {"name": "A. Reviewer", "organisation": "Reviews Ltd"}
    who = (business_manager.id, case.id)
    outcomes = _second_waits_for_first(
        app,
        backend,
        ("appoint", *who, "appoint_reviewer", {"on": "2023-04-04", "reviewer": reviewer}),
        ("hold", *who, "place_hold", {"on": "2023-04-05", "reason": "inquest"}),
    )
    assert outcomes["appoint"] == "commissioning"
    _db.session.expire_all()
    rows = {c.kind: c for c in _db.session.get(Case, case.id).clocks}
    assert rows["reviewer_appointment"].met_on == date(2023, 4, 4)
    assert not rows["reviewer_appointment"].paused
    if backend == "postgresql":
        assert outcomes["hold"] == "commissioning"
        assert rows["terms_of_reference"].paused
    else:  # SQLite has no row lock: the version check refuses the second
        assert isinstance(outcomes["hold"], Conflict)


def test_a_sign_off_recorded_for_a_partner_who_just_signed_is_refused(
    app, backend, business_manager, leads
):
    """The manager records the police's sign-off while the police lead signs online: the
    second sees the first (409, not a duplicate row and a server error)."""
    case = make_case(business_manager)
    fire_event(business_manager, case.id, "notify", {"on": "2023-03-06"})
    decision = {"on": "2023-03-14", "decision": "lcspr", "rationale": "r"}
    fire_event(business_manager, case.id, "record_decision", decision)
    outcomes = _second_waits_for_first(
        app,
        backend,
        ("lead", leads["police"].id, case.id, "sign_off", {"on": "2023-03-15"}),
        (
            "manager",
            business_manager.id,
            case.id,
            "sign_off",
            {"on": "2023-03-15", "partner": "police", "given_by": "DI Ash"},
        ),
    )
    assert outcomes["lead"] == "rapid_review"
    if backend == "postgresql":
        assert isinstance(outcomes["manager"], Refused), outcomes
        assert "already signed off" in str(outcomes["manager"])
    else:
        assert isinstance(outcomes["manager"], Conflict), outcomes
    _db.session.expire_all()
    signed = _db.session.scalars(select(SignOff.partner).where(SignOff.case_id == case.id))
    assert list(signed) == ["police"]


def test_reading_a_case_leaves_an_audit_record(business_manager, scrutineer):
    case = make_case(business_manager)
    get_case(scrutineer, case.id)
    get_case(scrutineer, case.id, via="web")
    reads = _db.session.scalars(select(CaseRead).where(CaseRead.case_id == case.id)).all()
    assert [(r.user_id, r.via) for r in reads] == [(scrutineer.id, "api"), (scrutineer.id, "web")]


def test_reading_a_case_one_may_not_see_is_not_audited_as_a_read(business_manager, other_manager):
    case = make_case(business_manager)
    with pytest.raises(NotFound):
        get_case(other_manager, case.id)
    assert _db.session.scalar(select(func.count()).select_from(CaseRead)) == 0


@pytest.mark.parametrize("role", ["panel_member", "agency_contributor", "reviewer", "scrutineer"])
def test_only_managers_and_leads_change_cases(business_manager, partnership, role):
    case = make_case(business_manager)
    user = make_user(partnership, role)
    with pytest.raises((NotPermitted, NotFound)):
        fire_event(user, case.id, "notify", {"on": "2023-03-06"})
    assert history_count(case.id) == 1


def test_cases_are_numbered_in_order_within_the_partnership(business_manager, other_manager):
    first = make_case(business_manager)
    second = make_case(business_manager)
    elsewhere = make_case(other_manager)
    year = first.created_at.year
    assert first.reference == f"NSCP-{year}-001"
    assert second.reference == f"NSCP-{year}-002"
    assert elsewhere.reference == f"SSCP-{year}-001"


def test_listing_filters_on_state_and_overdue(business_manager):
    referred = make_case(business_manager)
    notified = make_case(business_manager)
    fire_event(business_manager, notified.id, "notify", {"on": "2023-03-06"})
    # On 9 March the referred case's notification (due 8 March) is overdue; the notified
    # case's rapid review (due 27 March) is not.
    page = list_cases(business_manager, overdue=True, on=date(2023, 3, 9))
    assert [c.id for c in page.items] == [referred.id]
    page = list_cases(business_manager, state="rapid_review")
    assert [c.id for c in page.items] == [notified.id]
    page = list_cases(business_manager, per_page=1, page=2)
    assert page.total == 2 and [c.id for c in page.items] == [referred.id]


def test_clocks_due_climbs_the_ladder_and_stops_when_met(business_manager):
    case = make_case(business_manager)  # aware Wed 1 March 2023: notification due Wed 8 March
    ladder = {
        date(2023, 3, 3): [],
        date(2023, 3, 6): ["due_soon"],  # the 2nd working day before the 8th
        date(2023, 3, 8): ["due"],
        date(2023, 3, 9): ["overdue"],
        date(2023, 3, 14): ["overdue"],
        date(2023, 3, 15): ["escalated"],  # 5 working days after the due date
    }
    for on, rungs in ladder.items():
        assert [d.rung for d in clocks_due(on)] == rungs, on
    fire_event(business_manager, case.id, "notify", {"on": "2023-03-06"})
    assert [(d.kind, d.rung) for d in clocks_due(date(2023, 3, 15))] == []
    assert [(d.kind, d.rung) for d in clocks_due(date(2023, 3, 23))] == [
        ("rapid_review", "due_soon")
    ]


def test_clocks_due_is_one_query_however_many_are_due(business_manager, app):
    for _ in range(12):
        make_case(business_manager)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = _db.engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        few = clocks_due(date(2023, 3, 6))
        first = len(statements)
        statements.clear()
        many = clocks_due(date(2023, 3, 9))
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    assert len(few) == len(many) == 12
    assert first == len(statements) == 1


def test_paused_clocks_do_not_alert(business_manager, leads):
    case = make_case(business_manager)
    from tests.factories import advance_case

    advance_case(case.id, business_manager, leads, "commissioning")
    fire_event(
        business_manager,
        case.id,
        "place_hold",
        {"on": "2023-03-31", "reason": "inquest"},
    )
    due = {d.kind for d in clocks_due(date(2023, 9, 20))}
    assert due == {"publication"}  # statutory keeps alerting; the local targets are paused
    rows = _db.session.scalars(select(Clock).where(Clock.case_id == case.id)).all()
    assert {r.kind for r in rows if r.paused} == {"reviewer_appointment", "terms_of_reference"}
