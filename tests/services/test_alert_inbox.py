"""In-app alerts and the daily digest."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func

from casework.services.alerts import (
    alerts_for,
    deliver_outbox,
    digest,
    digest_due,
    mark_alert_read,
    sweep,
    unread_alert_count,
)
from casework.services.errors import NotFound
from casework.services.events import fire_event
from tests.factories import make_case, make_user

NOW = datetime(2023, 3, 1, 7, 0)


def test_alerts_are_each_persons_own_with_days_worked_out_when_viewed(
    business_manager, police_lead, other_manager
):
    case = make_case(business_manager, pseudonym="Child R")
    sweep(date(2023, 3, 6), now=NOW)  # due_soon
    sweep(date(2023, 3, 15), now=NOW)  # escalated (overdue and due skipped)
    assert unread_alert_count(business_manager) == 2
    assert unread_alert_count(police_lead) == 1
    assert unread_alert_count(other_manager) == 0

    seen = alerts_for(business_manager, date(2023, 3, 7))
    assert [a.rung for a in seen] == ["escalated", "due_soon"]
    assert seen[1].case_reference == case.reference and seen[1].pseudonym == "Child R"
    assert (seen[1].status, seen[1].working_days_left) == ("running", 1)
    assert seen[1].status_words == "Due in 1 working day"  # in the words of the case page
    later = alerts_for(business_manager, date(2023, 3, 16))
    assert (later[0].status, later[0].working_days_late) == ("overdue", 6)
    assert later[0].status_words == "Overdue by 6 working days"

    mark_alert_read(business_manager, seen[0].id)
    mark_alert_read(business_manager, seen[0].id)  # twice is harmless
    assert unread_alert_count(business_manager) == 1
    assert [a.rung for a in alerts_for(business_manager, unread_only=True)] == ["due_soon"]
    with pytest.raises(NotFound):
        mark_alert_read(police_lead, seen[1].id)
    with pytest.raises(NotFound):
        mark_alert_read(business_manager, 999_999)

    fire_event(business_manager, case.id, "notify", {"on": "2023-03-16"})
    met = alerts_for(business_manager, date(2023, 3, 17))[0]
    assert (met.status, met.status_words) == ("met_late", "Met late by 6 working days")


def _digests(smtp_server):
    return [m for m in smtp_server.received if "digest" in m["Subject"]]


def test_the_digest_lists_each_persons_clocks_at_their_highest_rung(
    smtp_server, business_manager, police_lead, scrutineer
):
    soon = make_case(business_manager, la_aware_on="2023-03-01")  # due 8 March
    late = make_case(business_manager, la_aware_on="2023-02-20", incident_on="2023-02-20")
    make_case(business_manager, la_aware_on="2023-03-08")  # no rung yet on 9 March
    assert digest(date(2023, 3, 9), now=NOW) == 2  # the manager and the police lead
    assert digest(date(2023, 3, 9), now=NOW) == 0  # once a day
    deliver_outbox(NOW)
    digests = _digests(smtp_server)
    to_manager = [m for m in digests if m["To"] == business_manager.email]
    assert len(digests) == 2 and len(to_manager) == 1
    body = to_manager[0].get_payload(decode=True).decode()
    assert "2 clocks need attention" in to_manager[0]["Subject"]
    assert body.index(late.reference) < body.index(soon.reference)  # most pressing first
    assert "Escalated" in body and "Overdue" in body
    to_lead = next(m for m in digests if m["To"] == police_lead.email)
    lead_body = to_lead.get_payload(decode=True).decode()
    assert late.reference in lead_body and soon.reference not in lead_body


def test_no_digest_on_a_weekend_or_bank_holiday(smtp_server, business_manager):
    make_case(business_manager)
    assert digest(date(2023, 3, 11), now=NOW) == 0  # Saturday
    assert digest(date(2023, 4, 7), now=NOW) == 0  # Good Friday
    assert digest(date(2023, 4, 11), now=NOW) == 1


def test_the_digest_waits_for_the_partnerships_digest_time(business_manager, admin_user):
    from casework.services.alerts import update_alert_settings

    make_case(business_manager)
    update_alert_settings(admin_user, digest_time="08:15")
    assert digest_due(datetime(2023, 3, 9, 8, 14)) == 0
    assert digest_due(datetime(2023, 3, 9, 8, 15)) == 1
    assert digest_due(datetime(2023, 3, 9, 9, 0)) == 0  # done for the day
    assert digest_due(datetime(2023, 3, 10, 12, 0)) == 1  # a late start still sends it


def test_a_contributor_gets_nothing_until_their_agencys_clocks_exist(
    smtp_server, business_manager, partnership
):
    contributor = make_user(partnership, "agency_contributor")
    make_case(business_manager)
    sweep(date(2023, 3, 15), now=NOW)
    digest(date(2023, 3, 15), now=NOW)
    deliver_outbox(NOW)
    assert contributor.email not in smtp_server.by_recipient()


def test_alerts_leave_the_list_when_their_case_is_no_longer_the_persons_to_see(
    business_manager, partnership, admin_user
):
    from casework.services.admin_users import change_role

    colleague = make_user(partnership, "business_manager")
    make_case(business_manager, pseudonym="Child R")
    sweep(date(2023, 3, 6), now=NOW)  # due_soon, to both managers
    assert unread_alert_count(colleague) == 1
    assert len(alerts_for(colleague, date(2023, 3, 7))) == 1

    change_role(admin_user, colleague.id, role="panel_member")  # no access to the case

    assert unread_alert_count(colleague) == 0
    assert alerts_for(colleague, date(2023, 3, 7)) == []
    assert unread_alert_count(business_manager) == 1


def test_a_contributors_alerts_go_with_a_cancelled_request(business_manager, leads, partnership):
    from casework.services.agency_requests import cancel, send_requests
    from tests.factories import advance_case

    police = make_user(partnership, "agency_contributor", agency="Police")
    case = advance_case(make_case(business_manager).id, business_manager, leads, "rapid_review")
    [request] = send_requests(
        business_manager, case.id, [police.agency_id], today=date(2023, 3, 14)
    )  # due 21 March: due soon from 17 March
    sweep(date(2023, 3, 17), now=datetime(2023, 3, 17, 7, 0))
    assert [a.clock_kind for a in alerts_for(police, date(2023, 3, 17))] == ["agency_return"]
    assert unread_alert_count(police) == 1

    cancel(business_manager, request.id, "Asked the wrong team", today=date(2023, 3, 17))

    assert alerts_for(police, date(2023, 3, 17)) == []
    assert unread_alert_count(police) == 0


def test_the_unread_count_follows_who_may_see_the_case_for_every_role(
    business_manager, partnership, other_partnership, admin_user
):
    """The count asked with the signed-in person (`load_user`) states the visibility rule in
    SQL of its own: it must agree with `visible_cases_clause` for every role and grant."""
    from sqlalchemy import select

    from casework.extensions import db
    from casework.models import Alert, Case, Clock
    from casework.services.auth import load_user
    from casework.services.permissions import visible_cases_clause
    from casework.services.today import london_today
    from tests.factories import grant_access

    today = london_today()
    mine, other = make_case(business_manager), make_case(business_manager)
    people = {
        "manager": business_manager,
        "lead": make_user(partnership, "partner_lead", partner="police"),
        "scrutineer": make_user(partnership, "scrutineer"),
        "panel, granted": make_user(partnership, "panel_member"),
        "panel, grant ended yesterday": make_user(partnership, "panel_member"),
        "panel, no grant": make_user(partnership, "panel_member"),
        "reviewer, granted": make_user(partnership, "reviewer"),
        "admin": admin_user,
        "another partnership's manager": make_user(other_partnership, "business_manager"),
    }
    grant_access(mine.id, people["panel, granted"], business_manager, today)
    grant_access(mine.id, people["panel, grant ended yesterday"], business_manager, date.min)
    grant_access(other.id, people["reviewer, granted"], business_manager, today)
    clocks = db.session.scalars(select(Clock).where(Clock.case_id.in_([mine.id, other.id]))).all()
    for person in people.values():
        for clock in clocks:
            db.session.add(Alert(user_id=person.id, clock_id=clock.id, rung="due", due_on=today))
    db.session.commit()

    for name, person in people.items():
        visible = db.session.scalars(
            select(Case.id).where(
                Case.id.in_([mine.id, other.id]), visible_cases_clause(person, today)
            )
        ).all()
        expected = db.session.scalar(
            select(func.count(Alert.id))
            .join(Clock, Clock.id == Alert.clock_id)
            .where(Alert.user_id == person.id, Clock.case_id.in_(visible))
        )
        loaded = load_user(person.get_id())
        assert (name, unread_alert_count(person)) == (name, expected)
        assert (name, loaded.unread_alerts) == (name, expected)
        db.session.expire_all()
    assert unread_alert_count(people["panel, granted"]) > 0  # the test sees something
    assert unread_alert_count(people["panel, no grant"]) == 0
