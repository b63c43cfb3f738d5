"""Agency return clocks and closure days: a closure day added or removed within a request's
time moves the date the agency was asked for (`agency_clocks.keep_working_days`)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from casework.extensions import db as _db
from casework.models import AgencyRequest, AgencyRequestEvent
from casework.services.admin_settings import add_closure_day, remove_closure_day
from casework.services.agency_request_views import request_detail, request_overview
from casework.services.agency_requests import extend, send_requests
from casework.services.alerts import sweep
from casework.services.events import fire_event
from tests.services.test_agency_requests import (
    DUE_ON,
    SENT_ON,
    agencies,
    case,
    claims,
    clocks_of,
    send_one,
)

__all__ = ["agencies", "case"]  # fixtures

# Sent Tuesday 14 March 2023; Friday 24 March is a closure day in most tests below.
FRIDAY = date(2023, 3, 24)
# Sent Monday 3 April 2023, before Easter: Good Friday 7 April and Easter Monday 10 April are
# bank holidays, and Thursday 6 April the partnership's closure day.
EASTER_MONDAY_SENT_ON = date(2023, 4, 3)
MAUNDY_THURSDAY = date(2023, 4, 6)


def due(request_id: int) -> tuple[date, date]:
    """The date the agency was asked for, and its current clock's (with any holds)."""
    clock = clocks_of(request_id)[-1]
    return _db.session.get(AgencyRequest, request_id).due_on, clock.due_on


def history(request_id: int) -> list[tuple[str, date | None, date | None, str | None]]:
    """The request's events that set a due date: kind, the date, the closure day, the note."""
    rows = _db.session.scalars(
        select(AgencyRequestEvent)
        .where(AgencyRequestEvent.request_id == request_id, AgencyRequestEvent.due_on.is_not(None))
        .order_by(AgencyRequestEvent.id)
    )
    return [(e.kind, e.due_on, e.closure_on, e.note) for e in rows]


def place_and_lift_hold(manager, case, placed: str, lifted: str) -> None:
    fire_event(manager, case.id, "place_hold", {"on": placed, "reason": "criminal_proceedings"})
    fire_event(manager, case.id, "lift_hold", {"on": lifted})


# A closure day removed never moves a due date before it --------------------------------------


@pytest.mark.parametrize(
    ("sent_on", "closed", "asked"),
    [
        (SENT_ON, FRIDAY, date(2023, 3, 25)),
        (SENT_ON, FRIDAY, date(2023, 3, 26)),
        (EASTER_MONDAY_SENT_ON, MAUNDY_THURSDAY, date(2023, 4, 7)),
        (EASTER_MONDAY_SENT_ON, MAUNDY_THURSDAY, date(2023, 4, 10)),
    ],
    ids=["saturday", "sunday", "good-friday", "easter-monday"],
)
def test_a_closure_day_removed_on_the_day_leaves_a_request_due_that_day_not_overdue(
    business_manager, admin_user, case, agencies, sent_on, closed, asked
):
    """Due by hand on the weekend or bank holiday after a closure day, which is then removed on
    the day itself: a working day back from the due date is the day before the closure day,
    which made the request overdue at once and sent its overdue alert that morning."""
    closure = add_closure_day(admin_user, closed, "Office move", today=sent_on)
    [request] = send_requests(
        business_manager, case.id, [agencies["police"].id], due_on=asked, today=sent_on
    )
    remove_closure_day(admin_user, closure.id, today=closed)
    assert due(request.id) == (closed, closed)
    [line] = request_overview(business_manager, case.id, today=closed).requests
    assert (line.status, line.due_on, line.working_days_left) == ("open", closed, 0)
    [clock] = clocks_of(request.id)
    sweep(closed, now=datetime.combine(closed, datetime.min.time()).replace(hour=7))
    assert ("due", closed) in claims(clock.id)
    assert "overdue" not in {rung for rung, _ in claims(clock.id)}


def test_a_due_date_after_the_day_removed_moves_back_a_working_day_but_not_before_it(
    business_manager, admin_user, case, agencies
):
    """Due Monday 27 by hand with Friday 24 a closure day: removed, the agency has Friday back
    and is due on it. Due Tuesday 28, it is due Monday 27: a working day back."""
    closure = add_closure_day(admin_user, FRIDAY, "Office move", today=SENT_ON)
    monday = send_one(business_manager, case, agencies["police"], due_on=date(2023, 3, 27))
    tuesday = send_one(business_manager, case, agencies["health"], due_on=date(2023, 3, 28))
    remove_closure_day(admin_user, closure.id, today=date(2023, 3, 20))
    assert due(monday.id) == (FRIDAY, FRIDAY)
    assert due(tuesday.id) == (date(2023, 3, 27), date(2023, 3, 27))


@pytest.mark.parametrize("hold_first", [True, False], ids=["hold-then-removal", "removal-first"])
def test_a_closure_day_removed_and_a_hold_give_the_same_date_in_either_order(
    business_manager, admin_user, case, agencies, hold_first
):
    """Due Saturday 25 by hand, with Friday 24 a closure day; held from Friday 17 to Wednesday
    22 (20, 21 and 22 March: 3 working days). Friday 24 removed, the date asked is Friday 24
    and the clock, 3 working days later, Wednesday 29, whichever came first."""
    closure = add_closure_day(admin_user, FRIDAY, "Office move", today=SENT_ON)
    request = send_one(business_manager, case, agencies["police"], due_on=date(2023, 3, 25))
    if hold_first:
        place_and_lift_hold(business_manager, case, "2023-03-17", "2023-03-22")
        assert due(request.id) == (date(2023, 3, 25), date(2023, 3, 29))
        remove_closure_day(admin_user, closure.id, today=date(2023, 3, 22))
    else:
        remove_closure_day(admin_user, closure.id, today=SENT_ON)
        place_and_lift_hold(business_manager, case, "2023-03-17", "2023-03-22")
    assert due(request.id) == (FRIDAY, date(2023, 3, 29))
    assert clocks_of(request.id)[0].hold_days == 3


def test_an_extension_to_a_weekend_keeps_the_closure_day_removed_after_it(
    business_manager, admin_user, case, agencies
):
    """Extended on Monday 20 to Sunday 26, with Friday 24 a closure day; removing the closure
    day on the Friday leaves it due that Friday, not overdue from Thursday."""
    closure = add_closure_day(admin_user, FRIDAY, "Office move", today=SENT_ON)
    request = send_one(business_manager, case, agencies["police"])
    extend(business_manager, request.id, date(2023, 3, 26), "Staff away", today=date(2023, 3, 20))
    remove_closure_day(admin_user, closure.id, today=FRIDAY)
    assert due(request.id) == (FRIDAY, FRIDAY)
    [line] = request_overview(business_manager, case.id, today=FRIDAY).requests
    assert line.status == "open"


# Each move is recorded in the request's history --------------------------------------------


def test_each_request_a_closure_day_moves_records_the_day_and_the_date_it_set(
    business_manager, admin_user, case, agencies
):
    """The history said "Sent: due 21 March" while the request was due 22 March."""
    monday = date(2023, 3, 20)
    police = send_one(business_manager, case, agencies["police"])  # due 21 March
    school = send_one(business_manager, case, agencies["school"], due_on=date(2023, 3, 17))
    closure = add_closure_day(admin_user, monday, "Staff training", today=SENT_ON)
    remove_closure_day(admin_user, closure.id, today=SENT_ON)

    assert history(police.id) == [
        ("sent", DUE_ON, None, None),
        ("closure_added", date(2023, 3, 22), monday, "Staff training"),
        ("closure_removed", DUE_ON, monday, "Staff training"),
    ]
    assert history(school.id) == [("sent", date(2023, 3, 17), None, None)]  # due before it
    moves = _db.session.scalars(
        select(AgencyRequestEvent).where(AgencyRequestEvent.closure_on.is_not(None))
    ).all()
    assert {event.actor_id for event in moves} == {admin_user.id}
    lines = request_detail(business_manager, case.id, police.id, today=SENT_ON).events
    assert [(e.kind, e.due_before, e.due_on) for e in lines] == [
        ("sent", None, DUE_ON),
        ("closure_added", DUE_ON, date(2023, 3, 22)),
        ("closure_removed", date(2023, 3, 22), DUE_ON),
    ]


def test_a_request_due_on_the_day_removed_records_that_its_date_stays(
    business_manager, admin_user, case, agencies
):
    closure = add_closure_day(admin_user, FRIDAY, "Office move", today=SENT_ON)
    request = send_one(business_manager, case, agencies["police"], due_on=FRIDAY)
    remove_closure_day(admin_user, closure.id, today=FRIDAY)
    assert history(request.id)[-1] == ("closure_removed", FRIDAY, FRIDAY, "Office move")
    [*_, line] = request_detail(business_manager, case.id, request.id, today=FRIDAY).events
    assert line.due_before == line.due_on == FRIDAY


def test_a_closure_day_move_is_stored_only_with_its_day_and_date(business_manager, case, agencies):
    request = send_one(business_manager, case, agencies["police"])
    for kind, closure_on, due_on in [
        ("closure_added", None, DUE_ON),
        ("closure_removed", FRIDAY, None),
        ("sent", FRIDAY, DUE_ON),
    ]:
        _db.session.add(
            AgencyRequestEvent(
                request_id=request.id,
                kind=kind,
                actor_id=business_manager.id,
                closure_on=closure_on,
                due_on=due_on,
            )
        )
        with pytest.raises(IntegrityError):
            _db.session.flush()
        _db.session.rollback()


# A change undone puts the date back exactly -------------------------------------------------

MONDAY = date(2023, 3, 20)


@pytest.mark.parametrize(
    ("sent_on", "closed", "asked"),
    [
        (SENT_ON, MONDAY, date(2023, 3, 25)),
        (SENT_ON, MONDAY, date(2023, 3, 26)),
        (SENT_ON, MONDAY, FRIDAY),
        (SENT_ON, MONDAY, DUE_ON),
        (SENT_ON, FRIDAY, FRIDAY),  # on the closure day itself
        (EASTER_MONDAY_SENT_ON, date(2023, 4, 5), date(2023, 4, 7)),
    ],
    ids=["saturday", "sunday", "friday", "tuesday", "the-day-itself", "good-friday"],
)
@pytest.mark.parametrize("closed_first", [False, True], ids=["add-remove", "remove-add"])
def test_a_closure_day_added_and_removed_again_leaves_the_date_asked(
    business_manager, admin_user, case, agencies, sent_on, closed, asked, closed_first
):
    """Due Saturday 25 by hand, Monday 20 made a closure day moves it to Monday 27; a working
    day back from that, on removal, is Friday 24. Undone, it is Saturday 25 again, and the
    other way round: removed first, then added back."""

    def change() -> None:
        nonlocal closure
        if closure is None:
            closure = add_closure_day(admin_user, closed, "Office move", today=sent_on)
        else:
            remove_closure_day(admin_user, closure.id, today=sent_on)
            closure = None

    closure = None
    if closed_first:
        change()
    [request] = send_requests(
        business_manager, case.id, [agencies["police"].id], due_on=asked, today=sent_on
    )
    change()
    assert due(request.id) != (asked, asked) or closed == asked
    change()
    assert due(request.id) == (asked, asked)
    [*_, first, second] = history(request.id)
    assert (first[2], second[2], second[1]) == (closed, closed, asked)


def test_closure_days_undone_in_reverse_order_leave_the_date_asked(
    business_manager, admin_user, case, agencies
):
    """Due Saturday 25: Monday 20 closed (Monday 27), then Monday 27 itself (Tuesday 28);
    reopened the other way round, Monday 27 then Monday 20, it is due Saturday 25 again."""
    saturday, monday_after = date(2023, 3, 25), date(2023, 3, 27)
    request = send_one(business_manager, case, agencies["police"], due_on=saturday)
    first = add_closure_day(admin_user, MONDAY, "Staff training", today=SENT_ON)
    second = add_closure_day(admin_user, monday_after, "Office move", today=SENT_ON)
    assert due(request.id) == (date(2023, 3, 28), date(2023, 3, 28))
    remove_closure_day(admin_user, second.id, today=SENT_ON)
    assert due(request.id) == (monday_after, monday_after)
    remove_closure_day(admin_user, first.id, today=SENT_ON)
    assert due(request.id) == (saturday, saturday)


@pytest.mark.parametrize("when", ["before-hold", "during-hold", "after-hold"])
def test_a_closure_day_added_and_removed_around_a_hold_leaves_the_date_asked(
    business_manager, admin_user, case, agencies, when
):
    """Due Saturday 25 by hand, held Friday 17 to Wednesday 22 (3 working days): due Wednesday
    29. Monday 20 closed and reopened before, during or after the hold changes neither."""
    request = send_one(business_manager, case, agencies["police"], due_on=date(2023, 3, 25))

    def close_and_reopen() -> None:
        closure = add_closure_day(admin_user, MONDAY, "Staff training", today=SENT_ON)
        remove_closure_day(admin_user, closure.id, today=SENT_ON)

    if when == "before-hold":
        close_and_reopen()
    fire_event(business_manager, case.id, "place_hold", {"on": "2023-03-17", "reason": "inquest"})
    if when == "during-hold":
        close_and_reopen()
    fire_event(business_manager, case.id, "lift_hold", {"on": "2023-03-22"})
    if when == "after-hold":
        close_and_reopen()
    assert due(request.id) == (date(2023, 3, 25), date(2023, 3, 29))
    assert clocks_of(request.id)[0].hold_days == 3


def test_a_hold_while_a_closure_day_stands_gives_the_same_date_as_without_it(
    business_manager, admin_user, case, agencies
):
    """Monday 20 closed within the hold: held 2 working days, not 3, and the date asked moves
    from Saturday 25 to Monday 27; the clock is due Wednesday 29 all the same."""
    request = send_one(business_manager, case, agencies["police"], due_on=date(2023, 3, 25))
    add_closure_day(admin_user, MONDAY, "Staff training", today=SENT_ON)
    place_and_lift_hold(business_manager, case, "2023-03-17", "2023-03-22")
    assert due(request.id) == (date(2023, 3, 27), date(2023, 3, 29))
    assert clocks_of(request.id)[0].hold_days == 2


def test_an_extended_request_comes_back_to_the_date_it_was_extended_to(
    business_manager, admin_user, case, agencies
):
    """Extended on Monday 20 to Sunday 26: Thursday 23 closed moves it to Monday 27, and
    reopened it is Sunday 26 again (not Friday 24). A closure day before the extension was
    given, Monday 20 itself, does not move it."""
    request = send_one(business_manager, case, agencies["police"])
    extend(business_manager, request.id, date(2023, 3, 26), "Staff away", today=MONDAY)
    add_closure_day(admin_user, MONDAY, "Staff training", today=MONDAY)
    assert due(request.id) == (date(2023, 3, 26), date(2023, 3, 26))
    thursday = add_closure_day(admin_user, date(2023, 3, 23), "Office move", today=MONDAY)
    assert due(request.id) == (date(2023, 3, 27), date(2023, 3, 27))
    remove_closure_day(admin_user, thursday.id, today=MONDAY)
    assert due(request.id) == (date(2023, 3, 26), date(2023, 3, 26))
