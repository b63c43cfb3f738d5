"""The panel meeting: saved with the decision it records, or not at all; the warning when a
statutory partner had nobody there; and who may record and read it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casework.extensions import db as _db
from casework.models import Agency, Case, CaseEvent, CaseRead, PanelMeeting
from casework.services import panel_meetings as panel_meetings_service
from casework.services.errors import Invalid, NotFound, NotPermitted, TransitionNotAllowed
from casework.services.events import fire_event
from casework.services.panel_meetings import (
    CRITERIA,
    meeting_warning,
    panel_meetings,
    record_panel_meeting,
)
from casework.services.partnerships import create_agency
from tests.factories import grant_access, make_case, make_user


def agencies(partnership) -> dict[str, int]:
    """Agency ids by statutory partner (or by name for the others)."""
    rows = _db.session.scalars(select(Agency).where(Agency.partnership_id == partnership.id))
    return {a.statutory_partner or a.name: a.id for a in rows}


def case_in_rapid_review(manager) -> Case:
    case = make_case(manager)
    return fire_event(manager, case.id, "notify", {"on": "2023-03-06"})


def meeting_data(partnership, **changes) -> dict:
    ids = agencies(partnership)
    data = {
        "held_on": "2023-03-14",
        "attendees": [
            {"name": "Jo Lane, Head of Safeguarding", "agency_id": ids["local_authority"]},
            {"name": "", "agency_id": ""},  # a blank row, ignored
            {"name": "DI Sam Okafor", "agency_id": str(ids["police"])},
            {"name": "Dr Ana Patel", "agency_id": ids["health"]},
        ],
        "criteria": {key: f"The panel's view on {key}" for key in CRITERIA},
        "facts": "The child was admitted to hospital with injuries.",
        "immediate_actions": [
            {"action": "Strategy meeting for the siblings", "owner": "Children's services"},
            {"action": "", "owner": ""},
        ],
        "learning": "Information sharing between the GP and school.",
        "dissent": None,
        "decision": "lcspr",
        "rationale": "The criteria for a local review are met.",
    }
    data.update(changes)
    return data


def counts(case_id: int) -> tuple[int, int]:
    _db.session.expire_all()
    meetings = _db.session.scalar(
        select(func.count()).select_from(PanelMeeting).where(PanelMeeting.case_id == case_id)
    )
    decisions = _db.session.scalar(
        select(func.count())
        .select_from(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.event == "record_decision")
    )
    return meetings, decisions


def test_the_meeting_and_its_decision_are_saved_together(business_manager, partnership):
    case = case_in_rapid_review(business_manager)
    meeting = record_panel_meeting(business_manager, case.id, meeting_data(partnership))

    _db.session.expire_all()
    stored = _db.session.get(PanelMeeting, meeting.id)
    entry = _db.session.get(CaseEvent, stored.decision_event_id)
    assert entry.event == "record_decision" and entry.case_id == case.id
    assert entry.facts["decision"] == "lcspr"
    assert entry.facts["rationale"] == "The criteria for a local review are met."
    assert str(entry.on) == str(stored.held_on) == "2023-03-14"
    refreshed = _db.session.get(Case, case.id)
    assert refreshed.decision == "lcspr" and str(refreshed.decision_on) == "2023-03-14"
    assert refreshed.state == "rapid_review"
    # Blank rows are ignored; each attendee keeps the agency's name as it was.
    assert [a["name"] for a in stored.attendees] == [
        "Jo Lane, Head of Safeguarding",
        "DI Sam Okafor",
        "Dr Ana Patel",
    ]
    assert stored.attendees[1]["agency"] == "Police"
    assert stored.immediate_actions == [
        {"action": "Strategy meeting for the siblings", "owner": "Children's services"}
    ]
    assert set(stored.criteria) == set(CRITERIA)
    assert stored.dissent is None and stored.recorded_by_id == business_manager.id
    assert meeting_warning(stored) is None
    assert counts(case.id) == (1, 1)


@pytest.mark.parametrize(
    "held_on, error",
    [
        ("2023-03-05", Invalid),  # before the case entered rapid_review (2023-03-06)
        ("2999-01-01", Invalid),  # in the future
    ],
)
def test_a_refused_date_saves_neither(business_manager, partnership, held_on, error):
    case = case_in_rapid_review(business_manager)
    with pytest.raises(error) as refusal:
        record_panel_meeting(business_manager, case.id, meeting_data(partnership, held_on=held_on))
    assert "held_on" in refusal.value.fields  # put beside the meeting's date on the page
    assert counts(case.id) == (0, 0)
    assert _db.session.get(Case, case.id).decision is None


def test_a_case_not_in_rapid_review_saves_neither(business_manager, partnership):
    case = make_case(business_manager)  # still referred
    with pytest.raises(TransitionNotAllowed):
        record_panel_meeting(business_manager, case.id, meeting_data(partnership))
    assert counts(case.id) == (0, 0)


def test_a_failure_saving_the_meeting_undoes_the_decision(
    business_manager, partnership, monkeypatch
):
    case = case_in_rapid_review(business_manager)

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    # Fails inside `also`, once the decision's event is recorded.
    monkeypatch.setattr(panel_meetings_service, "PanelMeeting", broken)
    with pytest.raises(RuntimeError):
        record_panel_meeting(business_manager, case.id, meeting_data(partnership))
    assert counts(case.id) == (0, 0)


def test_a_statutory_partner_with_nobody_there_is_a_warning_not_a_refusal(
    business_manager, partnership
):
    case = case_in_rapid_review(business_manager)
    ids = agencies(partnership)
    school = create_agency(partnership, "Northbridge Primary School")
    attendees = [
        {"name": "Jo Lane", "agency_id": ids["local_authority"]},
        {"name": "Head teacher", "agency_id": school.id},
    ]
    meeting = record_panel_meeting(
        business_manager, case.id, meeting_data(partnership, attendees=attendees)
    )
    warning = meeting_warning(meeting)
    assert warning is not None
    assert "the police" in warning and "health (the ICB)" in warning
    assert "local authority" not in warning
    assert counts(case.id) == (1, 1)
    page = panel_meetings(business_manager, case.id)
    assert page.meetings[0].warning == warning and page.meetings[0].current


def test_the_meeting_is_checked_field_by_field(business_manager, partnership, other_partnership):
    case = case_in_rapid_review(business_manager)
    elsewhere = create_agency(other_partnership, "Southmoor School")
    data = meeting_data(
        partnership,
        attendees=[
            {"name": "", "agency_id": ""},
            {"name": "No agency given", "agency_id": ""},
            {"name": "", "agency_id": agencies(partnership)["police"]},
            {"name": "Another partnership's", "agency_id": elsewhere.id},
        ],
        criteria={"improvements_needed": "Yes", "made_up": "?"},
        facts="  ",
        immediate_actions=[
            {"action": "Review the plan", "owner": ""},
            {"action": "", "owner": "GP"},
        ],
        decision="maybe",
        rationale="",
    )
    with pytest.raises(Invalid) as refusal:
        record_panel_meeting(business_manager, case.id, data)
    fields = refusal.value.fields
    assert set(fields) == {
        "attendee_2_agency",
        "attendee_3_name",
        "attendee_4_agency",
        "criterion_made_up",
        "criterion_recurrent_themes",
        "criterion_agencies_working_together",
        "criterion_local_review_more_appropriate",
        "facts",
        "action_1_owner",
        "action_2_action",
        "decision",
        "rationale",
    }
    with pytest.raises(Invalid) as refusal:
        record_panel_meeting(business_manager, case.id, meeting_data(partnership, attendees=[]))
    assert refusal.value.fields == {"attendee_1_name": "Enter at least one person who attended"}
    assert counts(case.id) == (0, 0)


def test_only_the_partnerships_business_managers_record_meetings(
    business_manager, partnership, police_lead, other_manager
):
    case = case_in_rapid_review(business_manager)
    with pytest.raises(NotPermitted):
        record_panel_meeting(police_lead, case.id, meeting_data(partnership))
    with pytest.raises(NotFound):
        record_panel_meeting(other_manager, case.id, meeting_data(partnership))
    assert counts(case.id) == (0, 0)


def test_a_second_meeting_is_kept_beside_the_first(business_manager, partnership, leads):
    case = case_in_rapid_review(business_manager)
    record_panel_meeting(business_manager, case.id, meeting_data(partnership))
    record_panel_meeting(
        business_manager,
        case.id,
        meeting_data(partnership, held_on="2023-03-16", decision="no_lcspr", dissent="Police"),
    )
    page = panel_meetings(business_manager, case.id)
    assert [str(m.held_on) for m in page.meetings] == ["2023-03-16", "2023-03-14"]
    assert [m.current for m in page.meetings] == [True, False]
    assert page.meetings[0].decision.startswith("No local review")
    assert page.meetings[0].dissent == "Police"


def test_who_reads_the_meeting(business_manager, partnership, scrutineer, admin_user, leads):
    case = case_in_rapid_review(business_manager)
    record_panel_meeting(business_manager, case.id, meeting_data(partnership))
    panel = make_user(partnership, "panel_member")
    contributor = make_user(partnership, "agency_contributor", agency="Police")
    for user in (business_manager, leads["police"], scrutineer):
        assert len(panel_meetings(user, case.id).meetings) == 1
    with pytest.raises(NotFound):
        panel_meetings(panel, case.id)  # no grant yet
    grant_access(case.id, panel, business_manager, until_on=case.la_aware_on.replace(year=2999))
    grant_access(
        case.id, contributor, business_manager, until_on=case.la_aware_on.replace(year=2999)
    )
    assert len(panel_meetings(panel, case.id).meetings) == 1
    with pytest.raises(NotFound):
        panel_meetings(contributor, case.id)
    with pytest.raises(NotPermitted):
        panel_meetings(admin_user, case.id)
    vias = _db.session.scalars(select(CaseRead.via).where(CaseRead.case_id == case.id)).all()
    assert vias.count("meeting") == 4
