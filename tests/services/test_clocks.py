"""Clock rows kept true to the case history: what a change of settings may and may not move.

Dates on the England and Wales calendar of 2023: Good Friday 7 April and Easter Monday 10 April.
The case follows tests/factories.py: the decision to hold a CSPR on Tue 14 March, the Panel's
agreement on Thu 30 March (commissioning from then).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import Clock
from casework.services import admin_settings
from casework.services.events import fire_event
from tests.factories import advance_case, make_case

REVIEWER = {"name": "A. Reviewer", "organisation": "Independent"}


def clock(case_id: int, kind: str) -> tuple[date, date | None]:
    """The clock's due date and the day it was met."""
    _db.session.expire_all()
    row = _db.session.scalars(select(Clock).where(Clock.case_id == case_id, Clock.kind == kind))
    (found,) = row.all()
    return found.due_on, found.met_on


def commissioning(manager, leads) -> int:
    case = make_case(manager)
    advance_case(case.id, manager, leads, "commissioning")
    return case.id


def test_a_settings_change_moves_running_clocks_and_leaves_met_ones_as_judged(
    admin_user, business_manager, leads
):
    case_id = commissioning(business_manager, leads)
    # 20 working days from Tue 14 March: Thu 13 April. Appointed the day before: met.
    fire_event(
        business_manager, case_id, "appoint_reviewer", {"on": "2023-04-12", "reviewer": REVIEWER}
    )
    assert clock(case_id, "reviewer_appointment") == (date(2023, 4, 13), date(2023, 4, 12))

    admin_settings.update_settings(
        admin_user, {"reviewer_appointment_days": "10", "terms_of_reference_days": "20"}
    )
    # Met under a 20-day target, it stays met on its own due date rather than "late by 9".
    assert clock(case_id, "reviewer_appointment") == (date(2023, 4, 13), date(2023, 4, 12))
    # Still running, the terms of reference follow the new 20 days: Thu 13 April too.
    assert clock(case_id, "terms_of_reference") == (date(2023, 4, 13), None)

    # Nor does the case's next event, which works every clock out again from the history.
    fire_event(business_manager, case_id, "agree_terms_of_reference", {"on": "2023-04-20"})
    assert clock(case_id, "reviewer_appointment") == (date(2023, 4, 13), date(2023, 4, 12))
    assert clock(case_id, "terms_of_reference") == (date(2023, 4, 13), date(2023, 4, 20))


def test_an_event_that_changes_a_met_clock_still_moves_it(business_manager, leads):
    case_id = commissioning(business_manager, leads)
    fire_event(
        business_manager, case_id, "appoint_reviewer", {"on": "2023-04-12", "reviewer": REVIEWER}
    )
    # A hold from Mon 3 April, recorded late, paused the appointment until it was made on Wed
    # 12 April: 4, 5, 6, 11 and 12 April, 5 working days, so it was due 5 working days later
    # than Thu 13 April: 14, 17, 18, 19, Thu 20 April.
    fire_event(business_manager, case_id, "place_hold", {"on": "2023-04-03", "reason": "inquest"})
    assert clock(case_id, "reviewer_appointment") == (date(2023, 4, 20), date(2023, 4, 12))
