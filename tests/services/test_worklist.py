"""What needs doing: the home page's lists, on real dates (March 2023, no bank holiday)."""

from __future__ import annotations

from datetime import date

from casework.services import worklist as worklist_module
from casework.services.events import fire_event
from casework.services.worklist import worklist
from tests.factories import make_case, make_user

# Notification is due 5 working days after awareness; the ladder (defaults) is due soon 2
# working days before, overdue the working day after, escalated 5 working days after.
FRIDAY = date(2023, 3, 10)


def _shown(items):
    return [(item.clock.case_reference, item.clock.kind, item.working_days) for item in items]


def test_a_manager_sees_the_longest_overdue_first_then_the_soonest_due(
    business_manager, other_manager
):
    due_8th = make_case(business_manager, la_aware_on="2023-03-01")  # overdue 2 days on Fri 10
    due_9th = make_case(business_manager, la_aware_on="2023-03-02")  # overdue 1 day
    due_13th = make_case(business_manager, la_aware_on="2023-03-06")  # due soon: 1 day left
    make_case(business_manager, la_aware_on="2023-03-10")  # due Fri 17: not yet due soon
    notified = make_case(business_manager, la_aware_on="2023-02-27")
    fire_event(
        business_manager, notified.id, "notify", {"on": "2023-03-03", "sin_reference": "S-1"}
    )
    make_case(other_manager, la_aware_on="2023-03-01")  # another partnership's

    work = worklist(business_manager, FRIDAY)

    assert _shown(work.overdue) == [
        (due_8th.reference, "notification", 2),
        (due_9th.reference, "notification", 1),
    ]
    assert all(item.overdue for item in work.overdue)
    assert _shown(work.due_soon) == [(due_13th.reference, "notification", 1)]
    assert not any(item.overdue for item in work.due_soon)
    assert (work.overdue_total, work.due_soon_total, work.more) == (2, 1, False)


def test_on_a_weekend_after_the_due_date_the_clock_is_overdue_already(business_manager):
    """Due Fri 10 March 2023; on Sat 11 it is overdue (by 0 working days), as its status and
    the API say, though the overdue alert waits for Monday. It was shown as due in 0."""
    due_10th = make_case(business_manager, la_aware_on="2023-03-03")

    work = worklist(business_manager, date(2023, 3, 11))

    assert _shown(work.overdue) == [(due_10th.reference, "notification", 0)]
    assert work.due_soon == [] and (work.overdue_total, work.due_soon_total) == (1, 0)


def test_a_long_list_shows_its_first_items_and_counts_them_all(business_manager, monkeypatch):
    first = make_case(business_manager, la_aware_on="2023-03-01")
    make_case(business_manager, la_aware_on="2023-03-02")
    monkeypatch.setattr(worklist_module, "LIMIT", 1)

    work = worklist(business_manager, FRIDAY)

    assert _shown(work.overdue) == [(first.reference, "notification", 2)]
    assert (work.overdue_total, work.more) == (2, True)


def test_a_partner_lead_sees_the_escalated_clocks(business_manager, police_lead):
    escalated = make_case(business_manager, la_aware_on="2023-03-01")  # escalated Wed 15
    make_case(business_manager, la_aware_on="2023-03-02")  # escalated Thu 16

    work = worklist(police_lead, date(2023, 3, 15))

    assert _shown(work.escalated) == [(escalated.reference, "notification", 5)]
    assert work.overdue == work.due_soon == []


def test_a_scrutineer_sees_cases_not_clocks(business_manager, partnership):
    scrutineer = make_user(partnership, "scrutineer")
    case = make_case(business_manager, la_aware_on="2023-03-01")

    work = worklist(scrutineer, FRIDAY)

    assert [c.id for c in work.cases] == [case.id]
    assert work.overdue == work.escalated == []


def test_working_days_late_and_left_skip_the_partnerships_closure_days(
    business_manager, other_manager
):
    """The days are counted by the partnership's own closure days (read with the clocks), not
    another partnership's. Days are added straight to the table: the service refuses past
    days, and these tests run in March 2023."""
    from casework.extensions import db
    from casework.models import ClosureDay

    due_8th = make_case(business_manager, la_aware_on="2023-03-01")  # overdue 2 days on Fri 10
    due_13th = make_case(business_manager, la_aware_on="2023-03-06")  # 1 working day left
    for manager, day in ((business_manager, 9), (other_manager, 13)):
        db.session.add(
            ClosureDay(partnership_id=manager.partnership_id, day=date(2023, 3, day), name="Shut")
        )
    db.session.commit()

    work = worklist(business_manager, FRIDAY)

    assert _shown(work.overdue) == [(due_8th.reference, "notification", 1)]
    assert _shown(work.due_soon) == [(due_13th.reference, "notification", 1)]
