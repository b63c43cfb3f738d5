"""Agency returns, the contributor's side: their agency's requests only, saving and coming
back, merging two people's saves answer by answer, the chronology, and submitting."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from casework.extensions import db as _db
from casework.models import (
    AgencyRequest,
    AgencyRequestEvent,
    AnswerChange,
    Clock,
    ReturnSubmission,
)
from casework.services.agency_request_views import request_overview
from casework.services.agency_requests import cancel, return_for_amendment, send_requests
from casework.services.errors import Invalid, NotFound, NotPermitted, Refused
from casework.services.events import fire_event
from casework.services.returns import (
    check_answers,
    chronology_for,
    entry_for,
    my_requests,
    request_for,
    submit_return,
)
from casework.services.returns_merge import (
    AnswerConflict,
    add_chronology_entry,
    change_chronology_entry,
    remove_chronology_entry,
    save_section,
)
from tests.factories import advance_case, make_case, make_user

SENT_ON = date(2023, 3, 14)  # due 21 March
SUBMITTED_ON = date(2023, 3, 17)
EVENTS = "significant_events"


# Setting up ---------------------------------------------------------------------------------


@pytest.fixture
def case(business_manager, leads):
    opened = make_case(business_manager, pseudonym="Child R", summary="Private detail")
    return advance_case(opened.id, business_manager, leads, "rapid_review")


@pytest.fixture
def police(partnership):
    return make_user(partnership, "agency_contributor", agency="Police")


@pytest.fixture
def police_colleague(partnership):
    return make_user(partnership, "agency_contributor", agency="Police")


@pytest.fixture
def health(partnership):
    return make_user(partnership, "agency_contributor", agency="Integrated Care Board (health)")


@pytest.fixture
def requests(business_manager, case, police, health):
    """The police's and health's requests on the case: {"police": id, "health": id}."""
    sent = send_requests(
        business_manager, case.id, [police.agency_id, health.agency_id], today=SENT_ON
    )
    return {("police" if r.agency_id == police.agency_id else "health"): r.id for r in sent}


@pytest.fixture
def request_id(requests):
    return requests["police"]


def stored(request_id: int) -> AgencyRequest:
    _db.session.expire_all()
    return _db.session.get(AgencyRequest, request_id)


def count(model) -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(model))


def clock_of(request_id: int) -> Clock:
    _db.session.expire_all()
    return _db.session.scalars(
        select(Clock).where(Clock.agency_request_id == request_id).order_by(Clock.seq.desc())
    ).first()


def save(user, request_id, section, form, *, require=False, loaded=None):
    if loaded is None:
        loaded = request_for(user, request_id).revision
    return save_section(user, request_id, section, form, loaded, require, today=SUBMITTED_ON)


def event_form(on: str, what: str = "Home visit", role: str = "Officer", why: str = "Concern"):
    year, month, day = on.split("-")
    return {
        f"{EVENTS}-date-day": day,
        f"{EVENTS}-date-month": month,
        f"{EVENTS}-date-year": year,
        f"{EVENTS}-what_happened": what,
        f"{EVENTS}-practitioner_role": role,
        f"{EVENTS}-why_it_matters": why,
    }


def add_event(user, request_id, on: str, **fields) -> int:
    return add_chronology_entry(user, request_id, EVENTS, event_form(on, **fields), SUBMITTED_ON)


TEXT_SECTIONS = (
    "involvement",
    "what_went_well",
    "done_differently",
    "immediate_actions",
    "learning",
)
TEXT_QUESTIONS = {
    "involvement": "involvement_summary",
    "what_went_well": "what_went_well",
    "done_differently": "done_differently",
    "immediate_actions": "immediate_actions",
    "learning": "learning",
}


def complete(user, request_id) -> None:
    """Every mandatory answer of a full return."""
    save(user, request_id, "involvement_check", {"had_involvement": "yes"}, require=True)
    for section in TEXT_SECTIONS:
        question = TEXT_QUESTIONS[section]
        save(user, request_id, section, {question: f"{section} text"}, require=True)
    add_event(user, request_id, "2023-02-01")
    form = {"parallel_processes": ["police_investigation"]}
    save(user, request_id, "parallel_processes", form, require=True)


# Seeing requests ----------------------------------------------------------------------------


def test_a_contributor_sees_their_agencys_requests_with_a_minimal_summary(
    police, health, requests, case
):
    [item] = my_requests(police, today=SENT_ON)
    assert item.id == requests["police"]
    assert (item.status, item.requested_on, item.due_on) == (
        "not_started",
        SENT_ON,
        date(2023, 3, 21),
    )
    summary = item.case
    assert (summary.reference, summary.nature, summary.pseudonym) == (
        case.reference,
        "serious_harm",
        "Child R",
    )
    assert (summary.incident_on, summary.la_aware_on) == (date(2023, 2, 27), date(2023, 3, 1))
    assert not hasattr(summary, "summary") and not hasattr(summary, "state")
    assert [i.id for i in my_requests(health, today=SENT_ON)] == [requests["health"]]


def test_the_request_comes_with_its_pinned_template_and_a_task_list(police, request_id):
    view = request_for(police, request_id, today=SENT_ON)
    assert (view.template.id, view.template.version) == ("agency_return", 1)
    assert (view.answers, view.revision, view.status, view.editable) == (
        {},
        0,
        "not_started",
        True,
    )
    assert view.agency_name == "Police"
    statuses = [(line.section.id, line.status) for line in view.sections]
    assert statuses[0] == ("involvement_check", "not_started")
    assert {status for _, status in statuses[1:]} == {"cannot_start"}
    assert [line.chronology for line in view.sections if line.chronology] == [EVENTS]


def test_another_agencys_or_a_cancelled_request_is_not_found_and_other_roles_refused(
    police, requests, business_manager, scrutineer
):
    theirs = requests["health"]
    attempts = {
        "request_for": lambda who, rid: request_for(who, rid),
        "check_answers": lambda who, rid: check_answers(who, rid),
        "chronology": lambda who, rid: chronology_for(who, rid, EVENTS),
        "save": lambda who, rid: save_section(who, rid, "involvement_check", {}, 0),
        "add": lambda who, rid: add_chronology_entry(who, rid, EVENTS, event_form("2023-01-01")),
        "change": lambda who, rid: change_chronology_entry(who, rid, EVENTS, 1, {}, 0),
        "remove": lambda who, rid: remove_chronology_entry(who, rid, EVENTS, 1, 0),
        "submit": lambda who, rid: submit_return(who, rid),
    }
    before = (count(AnswerChange), count(ReturnSubmission), stored(theirs).revision)
    for attempt in attempts.values():
        for request_id in (theirs, 2**40, -1):
            with pytest.raises(NotFound):
                attempt(police, request_id)
        for who in (business_manager, scrutineer):
            with pytest.raises(NotPermitted):
                attempt(who, requests["police"])
    _db.session.expire_all()
    with pytest.raises(NotPermitted):
        my_requests(business_manager)
    assert (count(AnswerChange), count(ReturnSubmission), stored(theirs).revision) == before

    cancel(business_manager, requests["police"], "Asked in error", today=SENT_ON)
    with pytest.raises(NotFound):
        request_for(police, requests["police"])
    assert my_requests(police) == []


def test_another_partnerships_contributor_never_finds_the_request(request_id, other_partnership):
    stranger = make_user(other_partnership, "agency_contributor", agency="Police")
    with pytest.raises(NotFound):
        request_for(stranger, request_id)
    assert my_requests(stranger) == []


# Saving and coming back ---------------------------------------------------------------------


def test_save_and_come_back_later_keeps_blanks_and_answers(police, request_id):
    save(police, request_id, "involvement_check", {"had_involvement": "yes"})
    saved = save(police, request_id, "parallel_processes", {"parallel_processes_details": "CPS"})
    assert saved.written == ["parallel_processes_details"] and saved.revision == 2

    # Signed out and back later: the answers are where they were left.
    _db.session.expire_all()
    view = request_for(police, request_id, today=SENT_ON)
    assert view.answers == {"had_involvement": "yes", "parallel_processes_details": "CPS"}
    assert (view.revision, view.status) == (2, "in_progress")
    statuses = dict((line.section.id, line.status) for line in view.sections)
    assert statuses["involvement_check"] == "completed"
    assert statuses["parallel_processes"] == "in_progress"
    assert statuses["learning"] == "not_started"
    changes = _db.session.scalars(select(AnswerChange).order_by(AnswerChange.id)).all()
    assert [(c.revision, c.answer_id, c.value, c.user_id) for c in changes] == [
        (1, "had_involvement", "yes", police.id),
        (2, "parallel_processes_details", "CPS", police.id),
    ]


def test_save_and_continue_requires_the_sections_mandatory_answers(police, request_id):
    with pytest.raises(Invalid) as error:
        save(police, request_id, "involvement_check", {}, require=True)
    assert list(error.value.fields) == ["had_involvement"]
    save(police, request_id, "involvement_check", {"had_involvement": "yes"}, require=True)
    with pytest.raises(Invalid) as error:
        save(police, request_id, "parallel_processes", {"parallel_processes": []}, require=True)
    assert list(error.value.fields) == ["parallel_processes"]
    with pytest.raises(Invalid) as error:  # too long is an error even when coming back later
        save(police, request_id, "learning", {"learning": "x" * 3001})
    assert "3000 characters or less" in error.value.fields["learning"]
    assert stored(request_id).answers == {"had_involvement": "yes"}


def test_a_section_that_does_not_apply_and_an_unknown_one_are_refused(police, request_id):
    with pytest.raises(Refused):
        save(police, request_id, "learning", {"learning": "Too soon"})
    with pytest.raises(NotFound):
        save(police, request_id, "no_such_section", {})
    with pytest.raises(Invalid):
        save(police, request_id, "involvement_check", {"had_involvement": "yes"}, loaded=7)
    assert count(AnswerChange) == 0


# Two people at once ----------------------------------------------------------------------------


def test_two_contributors_changing_different_answers_of_a_section_both_keep_them(
    police, police_colleague, request_id
):
    save(police, request_id, "involvement_check", {"had_involvement": "yes"})
    loaded = request_for(police, request_id).revision  # both open the page now
    save(
        police, request_id, "parallel_processes", {"parallel_processes": ["inquest"]}, loaded=loaded
    )
    save(
        police_colleague,
        request_id,
        "parallel_processes",
        {"parallel_processes": [], "parallel_processes_details": "Coroner's court"},
        loaded=loaded,
    )
    answers = stored(request_id).answers
    assert answers["parallel_processes"] == ["inquest"]
    assert answers["parallel_processes_details"] == "Coroner's court"
    assert stored(request_id).revision == 3


def test_the_same_answer_changed_two_ways_refuses_the_second_save_whole(
    police, police_colleague, request_id
):
    save(police, request_id, "involvement_check", {"had_involvement": "yes"})
    loaded = request_for(police, request_id).revision
    save(police, request_id, "parallel_processes", {"parallel_processes_details": "Police team"})
    before = (count(AnswerChange), stored(request_id).revision, dict(stored(request_id).answers))

    theirs = {"parallel_processes": ["inquest"], "parallel_processes_details": "Coroner"}
    with pytest.raises(AnswerConflict) as error:
        save(police_colleague, request_id, "parallel_processes", theirs, loaded=loaded)

    # Nothing of the second save is written, not even the answer nobody else touched.
    assert (count(AnswerChange), stored(request_id).revision, stored(request_id).answers) == before
    [clash] = error.value.clashes
    assert (clash.answer_id, clash.changed_by) == ("parallel_processes_details", police.name)
    assert (clash.theirs, clash.yours) == ("Police team", "Coroner")
    assert clash.changed_at is not None and clash.field == "parallel_processes_details"
    assert police.name in error.value.fields["parallel_processes_details"]
    # The page gets the person's input back, and the revision to save it against.
    assert error.value.answers["parallel_processes"] == ["inquest"]
    assert error.value.answers["parallel_processes_details"] == "Coroner"
    assert error.value.revision == before[1]

    # Having seen both, saving again keeps what is in the boxes.
    save(police_colleague, request_id, "parallel_processes", theirs, loaded=error.value.revision)
    assert stored(request_id).answers["parallel_processes_details"] == "Coroner"
    assert stored(request_id).answers["parallel_processes"] == ["inquest"]


def test_the_same_change_by_two_people_is_no_clash(police, police_colleague, request_id):
    loaded = request_for(police, request_id).revision
    save(police, request_id, "involvement_check", {"had_involvement": "yes"}, loaded=loaded)
    saved = save(
        police_colleague, request_id, "involvement_check", {"had_involvement": "yes"}, loaded=loaded
    )
    assert saved.written == [] and stored(request_id).revision == 1


def test_an_answer_left_as_loaded_keeps_someone_elses_later_change(
    police, police_colleague, request_id
):
    save(police, request_id, "involvement_check", {"had_involvement": "yes"})
    loaded = request_for(police, request_id).revision
    save(police, request_id, "involvement_check", {"had_involvement": "no"})
    saved = save(
        police_colleague, request_id, "involvement_check", {"had_involvement": "yes"}, loaded=loaded
    )
    assert saved.written == [] and stored(request_id).answers["had_involvement"] == "no"


# The chronology ------------------------------------------------------------------------------


def test_chronology_entries_are_added_changed_and_removed_one_per_page(police, request_id):
    save(police, request_id, "involvement_check", {"had_involvement": "yes"})
    first = add_event(police, request_id, "2023-02-10", what="Strategy meeting")
    second = add_event(police, request_id, "2023-01-05", what="Referral")
    third = add_event(police, request_id, "2023-02-10", what="Visit")
    assert (first, second, third) == (1, 2, 3)
    page = chronology_for(police, request_id, EVENTS)
    assert [(line.id, line.entry["what_happened"]) for line in page.entries] == [
        (2, "Referral"),
        (1, "Strategy meeting"),
        (3, "Visit"),
    ]
    assert stored(request_id).answers[f"{EVENTS}.1"]["date"] == "2023-02-10"

    revision = request_for(police, request_id).revision
    form = event_form("2023-02-11", what="Strategy meeting (rearranged)")
    change_chronology_entry(police, request_id, EVENTS, 1, form, revision, SUBMITTED_ON)
    _, line = entry_for(police, request_id, EVENTS, 1)
    assert line.entry["what_happened"] == "Strategy meeting (rearranged)"

    remove_chronology_entry(police, request_id, EVENTS, 2, request_for(police, request_id).revision)
    with pytest.raises(NotFound):
        entry_for(police, request_id, EVENTS, 2)
    # A removed entry's id is never used again.
    assert add_event(police, request_id, "2023-01-01") == 4
    view = request_for(police, request_id)
    assert [e["what_happened"] for e in view.answers[EVENTS]] == [
        "Strategy meeting (rearranged)",
        "Visit",
        "Home visit",
    ]
    last = _db.session.scalars(
        select(AnswerChange).where(AnswerChange.answer_id == f"{EVENTS}.2")
    ).all()
    assert [c.value for c in last][-1] is None  # the removal is in the history


def test_a_chronology_entry_needs_all_four_fields_and_no_future_date(police, request_id):
    save(police, request_id, "involvement_check", {"had_involvement": "yes"})
    with pytest.raises(Invalid) as error:
        add_chronology_entry(police, request_id, EVENTS, {}, SUBMITTED_ON)
    assert set(error.value.fields) == {
        f"{EVENTS}-date",
        f"{EVENTS}-what_happened",
        f"{EVENTS}-practitioner_role",
        f"{EVENTS}-why_it_matters",
    }
    with pytest.raises(Invalid) as error:
        add_chronology_entry(police, request_id, EVENTS, event_form("2023-03-18"), SUBMITTED_ON)
    assert error.value.fields == {
        f"{EVENTS}-date": "The date of the event must be today or in the past"
    }
    assert chronology_for(police, request_id, EVENTS).entries == []


def test_a_chronology_entry_dated_outside_1990_to_2099_is_refused(police, request_id):
    """A year typed as 0001 was stored, and went into the compiled returns."""
    save(police, request_id, "involvement_check", {"had_involvement": "yes"})
    out_of_range = {f"{EVENTS}-date": "The date of the event must be between 1990 and 2099"}
    with pytest.raises(Invalid) as error:
        add_chronology_entry(police, request_id, EVENTS, event_form("0001-02-01"), SUBMITTED_ON)
    assert error.value.fields == out_of_range
    entry_id = add_event(police, request_id, "1990-01-01")
    revision = request_for(police, request_id).revision
    with pytest.raises(Invalid) as error:
        change_chronology_entry(
            police, request_id, EVENTS, entry_id, event_form("1989-12-31"), revision, SUBMITTED_ON
        )
    assert error.value.fields == out_of_range
    assert [line.entry["date"] for line in chronology_for(police, request_id, EVENTS).entries] == [
        "1990-01-01"
    ]


def test_two_people_adding_events_keep_both_and_changing_a_removed_one_clashes(
    police, police_colleague, request_id
):
    save(police, request_id, "involvement_check", {"had_involvement": "yes"})
    add_event(police, request_id, "2023-02-01", what="Theirs")
    add_event(police_colleague, request_id, "2023-02-02", what="Mine")
    assert len(chronology_for(police, request_id, EVENTS).entries) == 2

    loaded = request_for(police, request_id).revision
    remove_chronology_entry(police, request_id, EVENTS, 1, loaded)
    with pytest.raises(AnswerConflict) as error:
        change_chronology_entry(
            police_colleague, request_id, EVENTS, 1, event_form("2023-02-01"), loaded
        )
    [clash] = error.value.clashes
    assert (clash.changed_by, clash.theirs) == (police.name, "Removed")
    assert "Date: 1 February 2023" in clash.yours
    assert f"{EVENTS}.1" not in stored(request_id).answers

    # Saving again, as the clash says, keeps what is in the boxes: the event comes back.
    change_chronology_entry(
        police_colleague, request_id, EVENTS, 1, event_form("2023-02-01"), error.value.revision
    )
    assert stored(request_id).answers[f"{EVENTS}.1"]["date"] == "2023-02-01"
    with pytest.raises(NotFound):  # an entry that never was is still not there
        change_chronology_entry(
            police, request_id, EVENTS, 99, event_form("2023-02-01"), error.value.revision + 1
        )


# Submitting ------------------------------------------------------------------------------------


def test_an_unfinished_return_cannot_be_submitted(police, request_id):
    with pytest.raises(Invalid) as error:
        submit_return(police, request_id, SUBMITTED_ON)
    assert list(error.value.fields) == ["had_involvement"]
    save(police, request_id, "involvement_check", {"had_involvement": "yes"})
    with pytest.raises(Invalid) as error:
        submit_return(police, request_id, SUBMITTED_ON)
    # show_when: the questions revealed by "yes" are now required; the optional one is not.
    assert list(error.value.fields) == [
        "involvement_summary",
        EVENTS,
        "what_went_well",
        "done_differently",
        "immediate_actions",
        "learning",
        "parallel_processes",
    ]
    missing = check_answers(police, request_id).missing
    assert [(m.question.id, m.section_id) for m in missing][:2] == [
        ("involvement_summary", "involvement"),
        (EVENTS, "chronology"),
    ]
    assert count(ReturnSubmission) == 0 and stored(request_id).status == "open"


def test_submitting_freezes_the_return_meets_the_clock_and_locks_it(
    police, police_colleague, request_id, backend
):
    complete(police, request_id)
    check = check_answers(police, request_id)
    assert check.may_submit and not check.nil_return
    assert [s.section.id for s in check.summary][:3] == [
        "involvement_check",
        "involvement",
        "chronology",
    ]

    submitted = submit_return(police_colleague, request_id, SUBMITTED_ON)
    assert (submitted.round, submitted.nil_return) == (0, False)
    request = stored(request_id)
    assert (request.status, request.submitted_on, request.submitted_by_id, request.nil_return) == (
        "submitted",
        SUBMITTED_ON,
        police_colleague.id,
        False,
    )
    [submission] = _db.session.scalars(select(ReturnSubmission)).all()
    assert (submission.round, submission.submitted_by_id, submission.template_version) == (
        0,
        police_colleague.id,
        1,
    )
    assert submission.answers[EVENTS] == [
        {
            "date": "2023-02-01",
            "what_happened": "Home visit",
            "practitioner_role": "Officer",
            "why_it_matters": "Concern",
        }
    ]
    assert f"{EVENTS}.1" not in submission.answers
    clock = clock_of(request_id)
    assert clock.met_on == SUBMITTED_ON
    assert (clock.alert_from_on, clock.next_rung_on, clock.overdue_on) == (None, None, None)
    events = _db.session.scalars(
        select(AgencyRequestEvent.kind).where(AgencyRequestEvent.request_id == request_id)
    ).all()
    assert events[-1] == "submitted"

    # Locked: nothing more can be saved or submitted.
    view = request_for(police, request_id)
    assert (view.status, view.editable) == ("submitted", False)
    changes = count(AnswerChange)
    with pytest.raises(Refused, match="locked"):
        save(police, request_id, "learning", {"learning": "More"})
    with pytest.raises(Refused):
        add_event(police, request_id, "2023-02-02")
    with pytest.raises(Refused):
        submit_return(police, request_id, SUBMITTED_ON)
    assert count(AnswerChange) == changes and count(ReturnSubmission) == 1


def test_a_nil_return_submits_at_once_and_meets_the_clock(police, request_id):
    save(police, request_id, "involvement_check", {"had_involvement": "no"}, require=True)
    check = check_answers(police, request_id)
    assert check.nil_return and check.missing == [] and check.may_submit
    assert [s.section.id for s in check.summary] == ["involvement_check"]
    assert [line.section.id for line in request_for(police, request_id).sections] == [
        "involvement_check"
    ]
    submitted = submit_return(police, request_id, SUBMITTED_ON)
    assert submitted.nil_return
    request = stored(request_id)
    assert (request.status, request.nil_return) == ("submitted", True)
    assert clock_of(request_id).met_on == SUBMITTED_ON
    [submission] = _db.session.scalars(select(ReturnSubmission)).all()
    assert submission.nil_return and submission.answers == {"had_involvement": "no"}


def test_answers_hidden_by_a_nil_return_are_kept_but_not_submitted(police, request_id):
    save(police, request_id, "involvement_check", {"had_involvement": "yes"})
    save(police, request_id, "learning", {"learning": "Kept for later"})
    save(police, request_id, "involvement_check", {"had_involvement": "no"})
    submit_return(police, request_id, SUBMITTED_ON)
    [submission] = _db.session.scalars(select(ReturnSubmission)).all()
    assert submission.answers == {"had_involvement": "no"}
    assert stored(request_id).answers["learning"] == "Kept for later"


def test_a_return_sent_back_for_amendment_reopens_and_is_submitted_again(
    police, business_manager, request_id
):
    complete(police, request_id)
    submit_return(police, request_id, SUBMITTED_ON)
    return_for_amendment(business_manager, request_id, "Add the school's referral")
    view = request_for(police, request_id)
    assert (view.status, view.editable, view.amendment_round) == (
        "returned_for_amendment",
        True,
        1,
    )
    assert view.amendment_comment == "Add the school's referral"
    add_event(police, request_id, "2023-01-20", what="School referral")
    assert submit_return(police, request_id, date(2023, 3, 24)).round == 1
    first, second = _db.session.scalars(
        select(ReturnSubmission).order_by(ReturnSubmission.round)
    ).all()
    assert len(first.answers[EVENTS]) == 1 and len(second.answers[EVENTS]) == 2
    assert first.return_comment == "Add the school's referral"


def test_a_return_for_amendment_past_its_new_due_date_is_overdue_as_the_manager_sees_it(
    police, business_manager, request_id, case
):
    """The manager's list and the compiled returns said overdue; the contributor's pages kept
    saying "returned for amendment", so the agency never learned it was late."""
    save(police, request_id, "involvement_check", {"had_involvement": "no"})
    submit_return(police, request_id, SUBMITTED_ON)
    return_for_amendment(business_manager, request_id, "Say why", today=date(2023, 3, 20))
    due = date(2023, 3, 27)  # 5 working days later
    on_time = request_for(police, request_id, today=due)
    assert (on_time.due_on, on_time.status) == (due, "returned_for_amendment")
    late = date(2023, 3, 28)
    assert request_for(police, request_id, today=late).status == "overdue"
    assert [item.status for item in my_requests(police, today=late)] == ["overdue"]
    lines = request_overview(business_manager, case.id, today=late).requests
    assert {line.id: line.status for line in lines}[request_id] == "overdue"


def test_a_request_closed_by_the_case_leaving_the_rapid_review_cannot_be_changed(
    police, business_manager, request_id, case
):
    save(police, request_id, "involvement_check", {"had_involvement": "yes"})
    fire_event(business_manager, case.id, "withdraw", {"on": "2023-03-15", "reason": "Error"})
    view = request_for(police, request_id)
    assert (view.status, view.editable) == ("closed", False)
    assert view.answers == {"had_involvement": "yes"}
    with pytest.raises(Refused, match="closed"):
        save(police, request_id, "involvement_check", {"had_involvement": "no"})
    with pytest.raises(Refused):
        submit_return(police, request_id, SUBMITTED_ON)
