"""The case page reads its case in one statement, into plain records: what those records answer
must be what the mapped `Case` answers, and a refused read must record nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from casework.extensions import db as _db
from casework.models import Case, CaseAccess, CaseRead
from casework.services.access import grants_for_case
from casework.services.case_page_reads import read_case_page
from casework.services.case_pages import case_page
from casework.services.case_views import allowed_events_for, clock_view
from casework.services.cases import case_history
from casework.services.errors import NotFound, NotPermitted
from casework.services.events import fire_event
from casework.services.partnerships import clock_settings
from tests.factories import HAPPY_PATH, grant_access, make_case, make_user

TODAY = date(2023, 11, 1)


def _mapped(case_id: int) -> Case:
    _db.session.expire_all()
    case = _db.session.get(Case, case_id)
    assert case is not None
    return case


def _compare(record, case: Case, people) -> None:
    settings = clock_settings(case.partnership_id)
    for column in Case.__table__.columns:
        assert getattr(record, column.key) == getattr(case, column.key), column.key
    assert [(s.partner, s.signed_on, s.given_by, s.round) for s in record.current_sign_offs] == [
        (s.partner, s.signed_on, s.given_by, s.round) for s in case.current_sign_offs
    ]
    assert record.signed_off_partners == case.signed_off_partners
    assert record.hold_open == case.hold_open
    hold, mapped_hold = record.open_hold, case.open_hold
    assert (hold and (hold.reason, hold.placed_on, hold.panel_informed_on, hold.note)) == (
        mapped_hold
        and (
            mapped_hold.reason,
            mapped_hold.placed_on,
            mapped_hold.panel_informed_on,
            mapped_hold.note,
        )
    )
    for day in (TODAY, date(2023, 3, 7)):
        assert [clock_view(c, day, settings) for c in record.clocks] == [
            clock_view(c, day, settings) for c in case.clocks
        ]
    for person in people:
        assert allowed_events_for(person, record, TODAY, settings) == allowed_events_for(
            person, case, TODAY, settings
        )


def test_the_page_record_answers_as_the_mapped_case_at_every_step(
    business_manager, leads, police_lead
):
    case = make_case(business_manager)
    people = [business_manager, police_lead]
    steps = list(HAPPY_PATH)
    # A hold placed and lifted, one placed and left open, and a sign-off given on someone's
    # behalf, so that every list is more than empty.
    steps.insert(4, ("place_hold", {"on": "2023-03-21", "reason": "inquest"}, "awaiting_panel"))
    steps.insert(5, ("lift_hold", {"on": "2023-03-22"}, "awaiting_panel"))
    for event, facts, _state in steps:
        if event == "sign_offs":
            for index, (partner, lead) in enumerate(leads.items()):
                if index == 0:
                    fire_event(
                        business_manager,
                        case.id,
                        "sign_off",
                        {"on": facts["on"], "partner": partner, "given_by": "A. Deputy"},
                    )
                else:
                    fire_event(lead, case.id, "sign_off", {"on": facts["on"]})
                reads = read_case_page(business_manager, case.id, TODAY)
                _compare(reads.case, _mapped(case.id), people)
        else:
            fire_event(business_manager, case.id, event, dict(facts))
        reads = read_case_page(business_manager, case.id, TODAY)
        _db.session.commit()
        _compare(reads.case, _mapped(case.id), people)
        assert reads.settings == clock_settings(case.partnership_id)
        mapped = case_history(_mapped(case.id))
        assert [
            (h.on, h.event, h.facts, h.from_state, h.to_state, h.recorded_at, h.actor_name)
            for h in reads.history
        ] == [
            (h.on, h.event, h.facts, h.from_state, h.to_state, h.recorded_at, h.actor.name)
            for h in mapped
        ]
    fire_event(business_manager, case.id, "reopen", {"on": "2023-10-10", "reason": "New facts"})
    fire_event(business_manager, case.id, "place_hold", {"on": "2023-10-11", "reason": "inquest"})
    reads = read_case_page(business_manager, case.id, TODAY)
    assert reads.case.hold_open
    _compare(reads.case, _mapped(case.id), people)


def test_the_page_lists_grants_as_the_access_page_does(business_manager, panel_member, partnership):
    case = make_case(business_manager)
    later = date.today() + timedelta(days=30)
    live = make_user(partnership, "panel_member")
    grant_access(case.id, live, business_manager, later)
    grant_access(case.id, panel_member, business_manager, date.today() - timedelta(days=1))
    taken_back = make_user(partnership, "reviewer")
    grant_access(case.id, taken_back, business_manager, later)
    _db.session.execute(
        update(CaseAccess)
        .where(CaseAccess.user_id == taken_back.id)
        .values(revoked_at=func.now(), revoked_by_id=business_manager.id)
    )
    moved = make_user(partnership, "reviewer")
    grant_access(case.id, moved, business_manager, later)
    moved.role = "scrutineer"
    gone = make_user(partnership, "panel_member")
    grant_access(case.id, gone, business_manager, later)
    gone.active = False
    _db.session.commit()

    page = case_page(business_manager, case.id)
    expected = grants_for_case(business_manager, _mapped(case.id))
    assert page.grants == expected
    assert {g.status for g in page.grants} == {
        "live",
        "expired",
        "taken_back",
        "role_changed",
        "deactivated",
    }
    assert page.grants[0].status == "live"


def _reads() -> int:
    return _db.session.scalar(select(func.count()).select_from(CaseRead)) or 0


def test_a_case_page_refused_records_no_read(
    business_manager, other_manager, panel_member, partnership, admin_user
):
    case = make_case(business_manager)
    reviewer = make_user(partnership, "reviewer")
    grant_access(case.id, reviewer, business_manager, date.today() - timedelta(days=1))
    contributor = make_user(partnership, "agency_contributor")
    before = _reads()
    for stranger in (other_manager, panel_member, reviewer, contributor):
        with pytest.raises(NotFound):
            case_page(stranger, case.id)
        _db.session.rollback()
    with pytest.raises(NotPermitted):
        case_page(admin_user, case.id)
    _db.session.rollback()
    with pytest.raises(NotFound):
        case_page(business_manager, case.id + 1000)
    _db.session.rollback()
    assert _reads() == before
    # The same people are shown it, and their reads recorded, once it is theirs.
    grant_access(case.id, panel_member, business_manager, date.today())
    assert case_page(panel_member, case.id).case.id == case.id
    assert _reads() == before + 1
