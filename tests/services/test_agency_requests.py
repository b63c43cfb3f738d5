"""Requests to agencies, the business manager's side: sending, chasing, extending, cancelling
and returning for amendment, each with its `agency_return` clock."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import (
    Agency,
    AgencyRequest,
    AgencyRequestEvent,
    AlertClaim,
    Clock,
    ReturnSubmission,
)
from casework.services import agency_requests as service
from casework.services.agency_clocks import meet_agency_clock
from casework.services.agency_request_views import (
    contributors_missing,
    request_detail,
    request_overview,
)
from casework.services.agency_requests import (
    cancel,
    chase,
    extend,
    return_for_amendment,
    send_requests,
)
from casework.services.alerts import sweep
from casework.services.errors import Conflict, Invalid, NotFound, NotPermitted, Refused
from casework.services.events import fire_event
from casework.services.partnerships import create_agency
from tests.factories import advance_case, grant_access, make_case, make_user

# Sent on Tuesday 14 March 2023 with the default 5 working days: 15, 16, 17, 20, 21 March.
SENT_ON = date(2023, 3, 14)
DUE_ON = date(2023, 3, 21)


@pytest.fixture
def case(business_manager, leads):
    opened = make_case(business_manager)
    return advance_case(opened.id, business_manager, leads, "rapid_review")  # notified 6 March


@pytest.fixture
def agencies(partnership):
    """The three statutory partners by partner, and a school."""
    rows = _db.session.scalars(select(Agency).where(Agency.partnership_id == partnership.id))
    found = {a.statutory_partner: a for a in rows}
    found["school"] = create_agency(partnership, "Northbridge Academy")
    return found


def statutory_ids(agencies) -> list[int]:
    return [agencies[p].id for p in ("local_authority", "police", "health")]


def clocks_of(request_id: int) -> list[Clock]:
    _db.session.expire_all()
    return list(
        _db.session.scalars(
            select(Clock).where(Clock.agency_request_id == request_id).order_by(Clock.seq)
        )
    )


def events_of(request_id: int) -> list[tuple[str, str | None]]:
    rows = _db.session.scalars(
        select(AgencyRequestEvent)
        .where(AgencyRequestEvent.request_id == request_id)
        .order_by(AgencyRequestEvent.id)
    )
    return [(e.kind, e.note) for e in rows]


def request_count() -> int:
    _db.session.expire_all()
    return len(_db.session.scalars(select(AgencyRequest)).all())


def send_one(manager, case, agency, **kwargs) -> AgencyRequest:
    [request] = send_requests(manager, case.id, [agency.id], today=SENT_ON, **kwargs)
    return request


# Sending ----------------------------------------------------------------------------------


def test_sending_creates_a_request_and_a_clock_per_agency(
    business_manager, case, agencies, backend
):
    sent = send_requests(
        business_manager, case.id, statutory_ids(agencies), note="Please reply", today=SENT_ON
    )

    assert [r.agency.name for r in sent] == [
        "Local authority children's services",
        "Police",
        "Integrated Care Board (health)",
    ]
    seqs = []
    for request in sent:
        assert (request.status, request.requested_on, request.due_on) == ("open", SENT_ON, DUE_ON)
        assert request.note == "Please reply" and request.created_by_id == business_manager.id
        [clock] = clocks_of(request.id)
        assert (clock.case_id, clock.kind, clock.statutory) == (case.id, "agency_return", False)
        assert (clock.anchor_on, clock.due_on) == (SENT_ON, DUE_ON)
        assert clock.agency_id == request.agency_id
        assert clock.met_on is None and clock.cancelled_on is None
        # The ladder: due soon 2 working days before, due, overdue the day after, escalated +5.
        assert clock.rungs == {
            "due_soon": date(2023, 3, 17),
            "due": DUE_ON,
            "overdue": date(2023, 3, 22),
            "escalated": date(2023, 3, 28),
        }
        assert (clock.alert_from_on, clock.next_rung_on) == (date(2023, 3, 17), date(2023, 3, 17))
        assert events_of(request.id) == [("sent", "Please reply")]
        seqs.append(clock.seq)
    assert seqs == [1, 2, 3]


def test_a_due_date_can_be_given_and_must_be_after_today(business_manager, case, agencies):
    request = send_one(business_manager, case, agencies["school"], due_on=date(2023, 3, 24))
    assert request.due_on == clocks_of(request.id)[0].due_on == date(2023, 3, 24)

    with pytest.raises(Invalid) as error:
        send_one(business_manager, case, agencies["police"], due_on=SENT_ON)
    assert error.value.fields == {"due_on": "The due date must be after today"}


def test_the_days_left_are_said_in_words_a_weekend_due_date_included(
    business_manager, case, agencies
):
    """Due on Saturday 25 March 2023: on the Friday no working day is left, yet it is not due
    "today"; the list said so."""
    saturday = send_one(business_manager, case, agencies["school"], due_on=date(2023, 3, 25))
    friday = send_one(business_manager, case, agencies["police"], due_on=date(2023, 3, 24))
    monday = send_one(business_manager, case, agencies["health"], due_on=date(2023, 3, 27))

    def words(on: date) -> dict[int, str]:
        lines = request_overview(business_manager, case.id, today=on).requests
        return {line.id: line.days_words for line in lines}

    assert words(date(2023, 3, 24)) == {
        saturday.id: "Due on Saturday 25 March 2023",
        friday.id: "Due today",
        monday.id: "1 working day left",
    }
    assert words(date(2023, 3, 27))[friday.id] == "1 working day late"
    # The Sunday after the Saturday: overdue, though no working day late yet.
    assert words(date(2023, 3, 26))[saturday.id] == "Overdue"
    assert words(date(2023, 3, 20))[monday.id] == "5 working days left"


def test_closure_days_count_as_non_working(business_manager, admin_user, case, agencies):
    from casework.services.admin_settings import add_closure_day

    add_closure_day(admin_user, date(2023, 3, 20), "Staff training", today=SENT_ON)
    assert send_one(business_manager, case, agencies["police"]).due_on == date(2023, 3, 22)


def test_a_closure_day_added_or_removed_moves_open_requests_and_re_arms_them(
    business_manager, admin_user, case, agencies, partnership
):
    """Sent Tuesday 14 March 2023 for 5 working days: due Tuesday 21. Monday 20 March made a
    closure day on Friday 17 leaves the agency a working day short, so it is due Wednesday 22;
    removing it again gives back Tuesday 21. Requests submitted, cancelled or not running over
    the day keep their dates."""
    from casework.services.admin_settings import add_closure_day, remove_closure_day

    contributor = make_user(partnership, "agency_contributor", agency=agencies["health"].name)
    police, health, local_authority = (
        send_one(business_manager, case, agencies[p])
        for p in ("police", "health", "local_authority")
    )
    school = send_one(business_manager, case, agencies["school"], due_on=date(2023, 3, 17))
    submit(health, contributor, date(2023, 3, 16))
    cancel(business_manager, local_authority.id, "Sent twice", today=date(2023, 3, 15))
    friday = date(2023, 3, 17)
    sweep(friday, now=datetime(2023, 3, 17, 7, 0))  # the police's due soon, for 21 March
    [police_clock] = clocks_of(police.id)
    assert claims(police_clock.id) == [("due_soon", DUE_ON)]

    def due_dates() -> dict[int, tuple[date, date]]:
        """Each request's due date as the overview shows it, and its current clock's."""
        lines = request_overview(business_manager, case.id, today=friday).requests
        for line in lines:  # the request's own page says the same
            detail = request_detail(business_manager, case.id, line.id, today=friday)
            assert detail.request.due_on == line.due_on
        return {line.id: (line.due_on, clocks_of(line.id)[-1].due_on) for line in lines}

    before = due_dates()
    assert before[police.id] == (DUE_ON, DUE_ON) and len(before) == 4

    closure = add_closure_day(admin_user, date(2023, 3, 20), "Staff training", today=friday)
    moved = due_dates()
    assert moved[police.id] == (date(2023, 3, 22), date(2023, 3, 22))
    assert {i: d for i, d in moved.items() if i != police.id} == {
        i: d for i, d in before.items() if i != police.id
    }
    [police_clock] = clocks_of(police.id)
    assert police_clock.due_rung_on == date(2023, 3, 22)
    assert police_clock.next_rung_on == friday  # a due soon for the new date: re-armed
    sweep(friday, now=datetime(2023, 3, 17, 8, 0))
    assert claims(police_clock.id) == [("due_soon", DUE_ON), ("due_soon", date(2023, 3, 22))]

    remove_closure_day(admin_user, closure.id, today=friday)
    assert due_dates() == before
    [police_clock] = clocks_of(police.id)
    assert police_clock.next_rung_on == DUE_ON  # its due soon was sent for 21 March: next, due
    assert [r.due_on for r in (school, health, local_authority)] == [
        date(2023, 3, 17),
        DUE_ON,
        DUE_ON,
    ]


def test_a_due_date_asked_for_on_a_closure_day_stays_when_the_day_is_removed(
    business_manager, admin_user, case, agencies
):
    """Moving it to the working day before would take a day from the agency; a closure day on
    a weekend changes nothing at all."""
    from casework.services.admin_settings import add_closure_day, remove_closure_day

    closure = add_closure_day(admin_user, date(2023, 3, 20), "Staff training", today=SENT_ON)
    request = send_one(business_manager, case, agencies["police"], due_on=date(2023, 3, 20))
    add_closure_day(admin_user, date(2023, 3, 18), "A Saturday", today=SENT_ON)
    remove_closure_day(admin_user, closure.id, today=SENT_ON)
    assert clocks_of(request.id)[0].due_on == date(2023, 3, 20)
    assert _db.session.get(AgencyRequest, request.id).due_on == date(2023, 3, 20)


def test_the_first_request_pins_the_template_and_later_ones_use_it(
    business_manager, case, agencies, monkeypatch
):
    assert case.return_template_id is None
    first = send_one(business_manager, case, agencies["police"])
    _db.session.refresh(case)
    assert (case.return_template_id, case.return_template_version) == ("agency_return", 1)
    assert (first.template_id, first.template_version) == ("agency_return", 1)

    monkeypatch.setattr(service, "_current_template", lambda: ("agency_return", 2))
    later = send_one(business_manager, case, agencies["health"])
    assert (later.template_id, later.template_version) == ("agency_return", 1)
    _db.session.refresh(case)
    assert case.return_template_version == 1


def test_an_agency_already_asked_is_refused_by_name_and_nothing_is_sent(
    business_manager, case, agencies
):
    send_one(business_manager, case, agencies["police"])
    with pytest.raises(Conflict) as error:
        send_requests(
            business_manager,
            case.id,
            [agencies["school"].id, agencies["police"].id],
            today=SENT_ON,
        )
    assert error.value.message == "Police has already been asked for a return on this case."
    assert request_count() == 1
    assert len(_db.session.scalars(select(Clock).where(Clock.kind == "agency_return")).all()) == 1


def test_bad_choices_of_agency_are_invalid(
    business_manager, case, agencies, other_partnership, partnership
):
    theirs = _db.session.scalars(
        select(Agency).where(Agency.partnership_id == other_partnership.id)
    ).first()
    closed = create_agency(partnership, "Old Hospital Trust")
    closed.active = False
    _db.session.commit()
    for ids in ([], [theirs.id], [closed.id], [agencies["police"].id, 2**40]):
        with pytest.raises(Invalid) as error:
            send_requests(business_manager, case.id, ids, today=SENT_ON)
        assert "agency_ids" in error.value.fields
    assert request_count() == 0


def test_requests_are_refused_outside_the_rapid_review(business_manager, agencies):
    referred = make_case(business_manager)
    with pytest.raises(Refused) as error:
        send_requests(business_manager, referred.id, [agencies["police"].id], today=SENT_ON)
    assert "only while the case is in the rapid review" in error.value.message
    assert request_count() == 0


def test_only_the_partnerships_business_managers_send(
    case, agencies, business_manager, scrutineer, leads, panel_member, other_manager, admin_user
):
    grant_access(case.id, panel_member, business_manager, date(2099, 1, 1))
    for person in (scrutineer, leads["police"], panel_member):
        with pytest.raises(NotPermitted):
            send_requests(person, case.id, [agencies["police"].id], today=SENT_ON)
    for person in (other_manager, admin_user):
        with pytest.raises(NotFound):
            send_requests(person, case.id, [agencies["police"].id], today=SENT_ON)
    contributor = make_user(agencies["police"].partnership, "agency_contributor")
    with pytest.raises(NotFound):  # no grant: the case does not exist for them
        request_overview(contributor, case.id)
    assert request_count() == 0


def test_the_other_services_check_the_actor_and_the_case(
    business_manager, case, agencies, scrutineer, other_manager
):
    request = send_one(business_manager, case, agencies["police"])
    calls = [
        lambda who: chase(who, request.id, "Chased"),
        lambda who: extend(who, request.id, date(2023, 3, 28), "More time"),
        lambda who: cancel(who, request.id, "Not needed"),
        lambda who: return_for_amendment(who, request.id, "Add more"),
        lambda who: request_detail(who, case.id, request.id),
        lambda who: request_overview(who, case.id),
        lambda who: contributors_missing(who, case.id),
    ]
    for call in calls:
        with pytest.raises(NotPermitted):
            call(scrutineer)
        with pytest.raises(NotFound):
            call(other_manager)
    another = make_case(business_manager)
    with pytest.raises(NotFound):
        chase(business_manager, request.id, "Chased", case_id=another.id)
    with pytest.raises(NotFound):
        request_detail(business_manager, another.id, request.id)
    assert events_of(request.id) == [("sent", None)]


# Chasing, extending, cancelling -----------------------------------------------------------


def test_chasing_is_recorded_and_changes_nothing_else(business_manager, case, agencies):
    request = send_one(business_manager, case, agencies["police"])
    before = [(c.due_on, c.next_rung_on) for c in clocks_of(request.id)]
    chase(business_manager, request.id, "Phoned the safeguarding lead", case_id=case.id)
    assert events_of(request.id) == [("sent", None), ("chased", "Phoned the safeguarding lead")]
    assert [(c.due_on, c.next_rung_on) for c in clocks_of(request.id)] == before
    detail = request_detail(business_manager, case.id, request.id, today=SENT_ON)
    assert [e.actor_name for e in detail.events] == [business_manager.name] * 2


def test_extending_moves_the_due_date_and_re_arms_the_ladder(
    business_manager, case, agencies, backend
):
    request = send_one(business_manager, case, agencies["police"])
    [clock] = clocks_of(request.id)
    for day in (date(2023, 3, 16), date(2023, 3, 17)):
        sweep(day, now=datetime.combine(day, datetime.min.time()) + timedelta(hours=7))
    assert claims(clock.id) == [("due_soon", DUE_ON)]
    assert clocks_of(request.id)[0].next_rung_on == DUE_ON

    extend(
        business_manager,
        request.id,
        date(2023, 3, 28),
        "Staff away",
        case_id=case.id,
        today=date(2023, 3, 17),
    )
    [clock] = clocks_of(request.id)
    # It now runs from the extension: a hold before it is not counted again on top.
    assert clock.due_on == date(2023, 3, 28) and clock.anchor_on == date(2023, 3, 17)
    assert clock.next_rung_on == date(2023, 3, 24)  # a new due_soon for the new date
    _db.session.refresh(request)
    assert request.due_on == date(2023, 3, 28)
    assert events_of(request.id)[-1] == ("extended", "Staff away")

    for day in (date(2023, 3, 20), date(2023, 3, 21), date(2023, 3, 23), date(2023, 3, 24)):
        sweep(day, now=datetime.combine(day, datetime.min.time()) + timedelta(hours=7))
    assert claims(clock.id) == [("due_soon", DUE_ON), ("due_soon", date(2023, 3, 28))]


def test_extending_needs_a_reason_and_a_later_date(business_manager, case, agencies):
    request = send_one(business_manager, case, agencies["police"])
    with pytest.raises(Invalid) as error:
        extend(business_manager, request.id, DUE_ON, " ")
    assert error.value.fields == {
        "new_due_on": "The new due date must be later than the current one, 21 March 2023",
        "reason": "Enter the reason for the extension",
    }
    with pytest.raises(Invalid) as error:
        extend(business_manager, request.id, None, "Why")
    assert error.value.fields == {"new_due_on": "Enter the new due date"}
    with pytest.raises(Invalid) as error:  # later than due, but already gone by
        extend(business_manager, request.id, date(2023, 3, 22), "Why", today=date(2023, 3, 24))
    assert error.value.fields == {"new_due_on": "The new due date cannot be in the past"}
    assert clocks_of(request.id)[0].due_on == DUE_ON


def claims(clock_id: int) -> list[tuple[str, date]]:
    rows = _db.session.scalars(
        select(AlertClaim).where(AlertClaim.clock_id == clock_id).order_by(AlertClaim.id)
    )
    return [(c.rung, c.due_on) for c in rows]


def test_cancelling_cancels_the_clock_and_the_agency_may_be_asked_again(
    business_manager, case, agencies
):
    request = send_one(business_manager, case, agencies["police"])
    cancel(business_manager, request.id, "Sent to the wrong agency", today=date(2023, 3, 15))
    [clock] = clocks_of(request.id)
    assert clock.cancelled_on == date(2023, 3, 15)
    assert clock.alert_from_on is None and clock.next_rung_on is None
    _db.session.refresh(request)
    assert request.status == "cancelled"
    assert events_of(request.id)[-1] == ("cancelled", "Sent to the wrong agency")
    for refused in (
        lambda: chase(business_manager, request.id, "Chased"),
        lambda: extend(business_manager, request.id, date(2023, 3, 28), "More", today=SENT_ON),
        lambda: cancel(business_manager, request.id, "Again"),
        lambda: return_for_amendment(business_manager, request.id, "Amend"),
    ):
        with pytest.raises(Refused):
            refused()

    again = send_requests(
        business_manager, case.id, [agencies["police"].id], today=date(2023, 3, 16)
    )
    assert clocks_of(again[0].id)[0].seq == 2
    overview = request_overview(business_manager, case.id, today=date(2023, 3, 16))
    assert [(r.agency_name, r.status) for r in overview.requests] == [
        ("Police", "cancelled"),
        ("Police", "open"),
    ]


def test_withdrawing_the_case_cancels_the_open_request_clocks(business_manager, case, agencies):
    sent = send_requests(business_manager, case.id, statutory_ids(agencies), today=SENT_ON)
    fire_event(
        business_manager, case.id, "withdraw", {"on": "2023-03-16", "reason": "Criteria not met"}
    )
    for request in sent:
        [clock] = clocks_of(request.id)
        assert (clock.cancelled_on, clock.cancelled_by) == (date(2023, 3, 16), "withdraw")
        assert clock.next_rung_on is None
    overview = request_overview(business_manager, case.id, today=date(2023, 3, 16))
    assert {r.status for r in overview.requests} == {"closed"}
    assert not overview.may_send
    with pytest.raises(Refused):
        chase(business_manager, sent[0].id, "Chased")


# Returning for amendment --------------------------------------------------------------------

ANSWERS = {
    "nil_return": "no",
    "involvement": "Health visiting from birth",
    "chronology": [{"id": "e1", "date": "2023-01-04", "what": "Home visit"}],
}


def submit(request: AgencyRequest, contributor, on: date, round_: int = 0) -> None:
    """What the contributor's side does when a return is submitted (it is built elsewhere)."""
    request.answers = copy.deepcopy(ANSWERS)
    request.status, request.submitted_on, request.nil_return = "submitted", on, False
    request.submitted_by_id = contributor.id
    _db.session.add(
        ReturnSubmission(
            request_id=request.id,
            round=round_,
            submitted_on=on,
            submitted_by_id=contributor.id,
            nil_return=False,
            template_version=request.template_version,
            answers=copy.deepcopy(ANSWERS),
        )
    )
    meet_agency_clock(request_case(request), request, on)
    _db.session.commit()


def request_case(request):
    from casework.models import Case

    return _db.session.get(Case, request.case_id)


def test_return_for_amendment_keeps_the_submitted_answers_and_starts_a_new_clock(
    business_manager, case, agencies, partnership
):
    contributor = make_user(partnership, "agency_contributor", agency="Police")
    request = send_one(business_manager, case, agencies["police"])
    with pytest.raises(Refused):  # not yet submitted
        return_for_amendment(business_manager, request.id, "Too early")
    submit(request, contributor, date(2023, 3, 17))
    overview = request_overview(business_manager, case.id, today=date(2023, 3, 17))
    assert overview.requests[0].status == "submitted"

    with pytest.raises(Invalid) as error:
        return_for_amendment(business_manager, request.id, "")
    assert error.value.fields == {"comment": "Enter what needs amending"}

    return_for_amendment(
        business_manager,
        request.id,
        "Please add the GP's involvement",
        case_id=case.id,
        today=date(2023, 3, 20),
    )
    _db.session.expire_all()
    request = _db.session.get(AgencyRequest, request.id)
    assert (request.status, request.amendment_round) == ("open", 1)
    assert request.submitted_on is None and request.nil_return is None
    assert request.answers == ANSWERS  # kept for the agency to amend
    [submission] = _db.session.scalars(select(ReturnSubmission)).all()
    assert submission.answers == ANSWERS and submission.nil_return is False
    assert submission.returned_by_id == business_manager.id
    assert submission.returned_at is not None
    assert submission.return_comment == "Please add the GP's involvement"

    first, second = clocks_of(request.id)
    assert (first.seq, first.met_on, first.due_on) == (1, date(2023, 3, 17), DUE_ON)
    assert first.next_rung_on is None
    # Monday 20 March plus 5 working days: 21, 22, 23, 24, 27.
    assert (second.seq, second.anchor_on, second.due_on) == (
        2,
        date(2023, 3, 20),
        date(2023, 3, 27),
    )
    assert second.met_on is None and second.next_rung_on == date(2023, 3, 23)
    assert request.due_on == date(2023, 3, 27)
    assert events_of(request.id)[-1] == ("returned", "Please add the GP's involvement")

    overview = request_overview(business_manager, case.id, today=date(2023, 3, 21))
    assert overview.requests[0].status == "returned_for_amendment"
    detail = request_detail(business_manager, case.id, request.id, today=date(2023, 3, 21))
    assert detail.may_change and not detail.may_return
    assert [(s.round, s.returned_by) for s in detail.submissions] == [(0, business_manager.name)]

    # Resubmitted: round 1 is a new version, and round 0 is still as it was.
    submit(request, contributor, date(2023, 3, 23), round_=1)
    assert [s.round for s in _db.session.scalars(select(ReturnSubmission))] == [0, 1]
    assert clocks_of(request.id)[1].met_on == date(2023, 3, 23)


# Reading ----------------------------------------------------------------------------------


def test_the_overview_gives_status_days_and_contributors(
    business_manager, case, agencies, partnership
):
    make_user(partnership, "agency_contributor", agency="Police")
    send_requests(
        business_manager,
        case.id,
        [agencies["police"].id, agencies["school"].id],
        today=SENT_ON,
    )
    send_requests(
        business_manager, case.id, [agencies["health"].id], due_on=date(2023, 3, 28), today=SENT_ON
    )

    overview = request_overview(business_manager, case.id, today=date(2023, 3, 23))
    lines = {r.agency_name: r for r in overview.requests}
    police, school = lines["Police"], lines["Northbridge Academy"]
    health = lines["Integrated Care Board (health)"]
    assert (police.status, police.working_days_late, police.working_days_left) == (
        "overdue",
        2,
        None,
    )
    assert (school.status, school.has_contributor, police.has_contributor) == (
        "overdue",
        False,
        True,
    )
    assert (health.status, health.working_days_left) == ("open", 3)
    assert overview.may_send
    assert overview.default_due_on == date(2023, 3, 30)  # Thu 23 + 5 working days
    choices = [(a.name, a.asked, a.has_contributor) for a in overview.agencies]
    assert choices == [
        ("Local authority children's services", False, False),
        ("Police", True, True),
        ("Integrated Care Board (health)", True, False),
        ("Northbridge Academy", True, False),
    ]
    missing = contributors_missing(business_manager, case.id)
    assert [a.name for a in missing] == ["Integrated Care Board (health)", "Northbridge Academy"]


def test_an_open_request_closed_by_the_case_leaving_can_be_sent_again(
    business_manager, case, agencies, leads
):
    """After the Panel disagrees the case is back in the rapid review: asking the agency again
    resumes its open request (what it saved is kept) under a new clock."""
    [request] = send_requests(business_manager, case.id, [agencies["school"].id], today=SENT_ON)
    request.answers = {"involvement": "Saved halfway"}
    _db.session.commit()
    fire_event(
        business_manager,
        case.id,
        "record_decision",
        {"on": "2023-03-15", "decision": "no_lcspr", "rationale": "Learning elsewhere"},
    )
    for lead in leads.values():
        fire_event(lead, case.id, "sign_off", {"on": "2023-03-15"})
    fire_event(business_manager, case.id, "submit_rapid_review", {"on": "2023-03-16"})
    fire_event(
        business_manager,
        case.id,
        "record_panel_response",
        {"on": "2023-03-20", "panel_response": "disagree"},
    )
    overview = request_overview(business_manager, case.id, today=date(2023, 3, 20))
    assert overview.requests[0].status == "closed" and not overview.agencies[3].asked

    again = send_requests(
        business_manager, case.id, [agencies["school"].id], today=date(2023, 3, 20)
    )
    assert [r.id for r in again] == [request.id]
    first, second = clocks_of(request.id)
    assert first.cancelled_by == "submit_rapid_review"
    assert (second.seq, second.due_on) == (2, date(2023, 3, 27))
    _db.session.expire_all()
    resumed = _db.session.get(AgencyRequest, request.id)
    assert resumed.answers == {"involvement": "Saved halfway"} and resumed.status == "open"
    assert request_count() == 1


# Holds: an agency return is a local target ----------------------------------------------------

# Sent Tuesday 28 March 2023, due 5 working days later: Tuesday 4 April. A hold from Friday
# 31 March to Wednesday 12 April holds it 6 working days (3, 4, 5, 6, 11, 12 April: Good Friday
# 7 April and Easter Monday 10 April are bank holidays), so it is then due Friday 14 April.
EASTER_SENT_ON = date(2023, 3, 28)


def place_hold(manager, case, on: str):
    fire_event(manager, case.id, "place_hold", {"on": on, "reason": "criminal_proceedings"})


def test_a_hold_pauses_the_return_clock_and_lifting_it_moves_the_due_date(
    business_manager, case, agencies
):
    [request] = send_requests(
        business_manager, case.id, [agencies["police"].id], today=EASTER_SENT_ON
    )
    assert clocks_of(request.id)[0].due_on == date(2023, 4, 4)

    place_hold(business_manager, case, "2023-03-31")
    [held] = clocks_of(request.id)
    assert held.paused and held.due_on == date(2023, 4, 4)
    assert (held.alert_from_on, held.next_rung_on) == (None, None)  # no alerts while paused

    fire_event(business_manager, case.id, "lift_hold", {"on": "2023-04-12"})
    [clock] = clocks_of(request.id)
    assert not clock.paused and (clock.hold_days, clock.due_on) == (6, date(2023, 4, 14))
    assert clock.rungs == {
        "due_soon": date(2023, 4, 12),
        "due": date(2023, 4, 14),
        "overdue": date(2023, 4, 17),
        "escalated": date(2023, 4, 21),
    }
    assert clock.next_rung_on == date(2023, 4, 12)
    _db.session.refresh(request)
    assert request.due_on == date(2023, 4, 4)  # what the agency was asked stays as it was


def test_a_return_submitted_during_a_hold_counts_the_days_held_until_then(
    business_manager, case, agencies
):
    [request] = send_requests(
        business_manager, case.id, [agencies["police"].id], today=EASTER_SENT_ON
    )
    place_hold(business_manager, case, "2023-03-31")

    meet_agency_clock(request_case(request), request, date(2023, 4, 5))
    _db.session.commit()

    [clock] = clocks_of(request.id)
    # Held 3, 4 and 5 April: due 11 April (past Easter), so the return on 5 April is on time.
    assert (clock.hold_days, clock.due_on, clock.met_on) == (3, date(2023, 4, 11), date(2023, 4, 5))
    assert not clock.paused and clock.alert_from_on is None


def test_a_request_sent_during_a_hold_starts_paused(business_manager, case, agencies):
    place_hold(business_manager, case, "2023-03-27")
    [request] = send_requests(
        business_manager, case.id, [agencies["police"].id], today=EASTER_SENT_ON
    )
    [clock] = clocks_of(request.id)
    assert clock.paused and clock.alert_from_on is None

    fire_event(business_manager, case.id, "lift_hold", {"on": "2023-03-30"})
    [clock] = clocks_of(request.id)
    # Held from when it was sent: 29 and 30 March, so due 2 working days later, 6 April.
    assert (clock.hold_days, clock.due_on) == (2, date(2023, 4, 6))


def test_the_requests_page_shows_a_held_request_paused_then_due_later(
    business_manager, case, agencies
):
    send_requests(business_manager, case.id, [agencies["police"].id], today=EASTER_SENT_ON)
    place_hold(business_manager, case, "2023-03-31")

    # 6 April: past the date asked (4 April), but the hold pauses it: not overdue.
    [line] = request_overview(business_manager, case.id, today=date(2023, 4, 6)).requests
    assert (line.status, line.working_days_late, line.due_on) == ("paused", None, date(2023, 4, 4))

    fire_event(business_manager, case.id, "lift_hold", {"on": "2023-04-12"})
    [line] = request_overview(business_manager, case.id, today=date(2023, 4, 13)).requests
    assert (line.status, line.due_on, line.working_days_left) == ("open", date(2023, 4, 14), 1)


def test_an_extension_after_a_hold_gives_the_date_chosen(business_manager, case, agencies):
    [request] = send_requests(
        business_manager, case.id, [agencies["police"].id], today=EASTER_SENT_ON
    )
    place_hold(business_manager, case, "2023-03-31")
    fire_event(business_manager, case.id, "lift_hold", {"on": "2023-04-12"})  # due 14 April

    with pytest.raises(Invalid) as error:  # not later than the date the hold moved it to
        extend(
            business_manager, request.id, date(2023, 4, 14), "Staff away", today=date(2023, 4, 13)
        )
    assert "14 April 2023" in error.value.fields["new_due_on"]

    extend(business_manager, request.id, date(2023, 4, 20), "Staff away", today=date(2023, 4, 13))
    [clock] = clocks_of(request.id)
    assert (clock.due_on, clock.hold_days, clock.anchor_on) == (
        date(2023, 4, 20),
        0,
        date(2023, 4, 13),
    )


def test_a_paused_request_is_not_extended_until_the_hold_is_lifted(
    business_manager, case, agencies
):
    [request] = send_requests(
        business_manager, case.id, [agencies["police"].id], today=EASTER_SENT_ON
    )
    place_hold(business_manager, case, "2023-03-31")

    with pytest.raises(Refused) as error:
        extend(business_manager, request.id, date(2023, 4, 14), "Away", today=date(2023, 4, 13))
    assert "lift the hold" in str(error.value)
    assert clocks_of(request.id)[0].due_on == date(2023, 4, 4) and events_of(request.id) == [
        ("sent", None)
    ]


def test_the_compiled_returns_count_a_paused_agency_as_not_returned(
    business_manager, case, agencies
):
    from casework.services.compiled_returns import gather_returns

    send_requests(business_manager, case.id, [agencies["police"].id], today=EASTER_SENT_ON)
    place_hold(business_manager, case, "2023-03-31")

    returns = gather_returns(request_case_of(case), date(2023, 4, 6))

    assert [(a.agency, a.status) for a in returns.not_returned] == [("Police", "paused")]


def request_case_of(case):
    _db.session.expire_all()
    from casework.models import Case

    return _db.session.get(Case, case.id)


def test_a_new_due_date_re_arms_the_ladder_even_with_the_same_rung_dates(
    business_manager, case, agencies
):
    # Due Saturday 18 March 2023, then Sunday 19: both have their due-soon rung on Wednesday
    # 15, due on Friday 17 and overdue on Monday 20, but the ledger's claims are per due date.
    [request] = send_requests(
        business_manager,
        case.id,
        [agencies["police"].id],
        due_on=date(2023, 3, 18),
        today=date(2023, 3, 13),
    )
    [clock] = clocks_of(request.id)
    sweep(date(2023, 3, 15), now=datetime(2023, 3, 15, 7, 0))
    assert claims(clock.id) == [("due_soon", date(2023, 3, 18))]
    assert clocks_of(request.id)[0].next_rung_on == date(2023, 3, 17)

    extend(business_manager, request.id, date(2023, 3, 19), "Typo", today=date(2023, 3, 15))

    [clock] = clocks_of(request.id)
    assert clock.rungs["due_soon"] == date(2023, 3, 15) and clock.rungs["due"] == date(2023, 3, 17)
    assert clock.next_rung_on == date(2023, 3, 15)  # due soon again, for the new date


def test_a_contributor_s_alerts_link_to_their_request_not_to_the_case(
    business_manager, case, agencies, partnership
):
    """The case page is a 404 for a contributor: their emails and inbox point to the request."""
    from casework.models import OutboxMessage
    from casework.services.alerts import alerts_for, digest

    police = make_user(partnership, "agency_contributor", agency=agencies["police"].name)
    request = send_one(business_manager, case, agencies["police"])
    sweep(date(2023, 3, 17), now=datetime(2023, 3, 17, 7, 0))  # due soon
    digest(date(2023, 3, 17), now=datetime(2023, 3, 17, 7, 30))
    bodies = {(m.user_id, m.kind): m.body for m in _db.session.scalars(select(OutboxMessage))}
    for kind in ("alert", "digest"):
        assert f"/requests/{request.id}" in bodies[(police.id, kind)], kind
        assert f"/cases/{case.id}" not in bodies[(police.id, kind)], kind
        assert f"/cases/{case.id}" in bodies[(business_manager.id, kind)], kind
    [alert] = alerts_for(police, on=date(2023, 3, 17))
    assert alert.request_id == request.id
