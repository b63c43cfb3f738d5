"""Administration services: users, agencies, clock settings, closure days and their history."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from casework.extensions import db as _db
from casework.models import AdminChange, Agency, Clock, ClosureDay, Partnership, User
from casework.services import admin, admin_settings, admin_users
from casework.services.auth import accept_invitation, invitation_for, sign_in
from casework.services.errors import Conflict, Invalid, NotFound, NotPermitted, Refused
from casework.services.events import fire_event
from casework.services.today import london_today
from casework.services.users import user_for_token
from tests.factories import make_case, make_token, make_user

PASSWORD = "a long enough password"


@pytest.fixture(autouse=True)
def quick_invitation_passwords(monkeypatch):
    """Accepting an invitation hashes with scrypt (0.1 s+); one pbkdf2 round is enough here."""
    fast = functools.partial(generate_password_hash, method="pbkdf2:sha256:1")
    monkeypatch.setattr("casework.services.auth.generate_password_hash", fast)


def changes(**where) -> list[tuple[str, str, str | None, str | None]]:
    query = select(AdminChange).order_by(AdminChange.id)
    for name, value in where.items():
        query = query.where(getattr(AdminChange, name) == value)
    return [(c.subject, c.field, c.old_value, c.new_value) for c in _db.session.scalars(query)]


def agency_named(partnership, name: str) -> Agency:
    return _db.session.scalar(
        select(Agency).where(Agency.partnership_id == partnership.id, Agency.name == name)
    )


def clock(case_id: int, kind: str) -> Clock:
    return _db.session.scalar(select(Clock).where(Clock.case_id == case_id, Clock.kind == kind))


def invite(actor, role="panel_member", email="new.person@nscp.example.org", **fields):
    return admin_users.invite_user(actor, name="New Person", email=email, role=role, **fields)


# Inviting --------------------------------------------------------------------------------


def test_an_admin_invites_a_partner_lead_who_then_sets_a_password(admin_user, partnership):
    user, token = invite(
        admin_user, "partner_lead", partner="police", email=" Lead@NSCP.example.org "
    )
    assert (user.email, user.role, user.partner) == (
        "lead@nscp.example.org",
        "partner_lead",
        "police",
    )
    assert user.password_hash is None and user.agency.statutory_partner == "police"
    assert changes(actor_id=admin_user.id) == [
        (f"user {user.id}", "invited", None, "New Person <lead@nscp.example.org>"),
        (f"user {user.id}", "role", None, "partner_lead"),
        (f"user {user.id}", "partner", None, "police"),
        (f"user {user.id}", "agency", None, "Police"),
    ]
    with pytest.raises(Invalid):
        sign_in(user.email, PASSWORD)
    accept_invitation(token, PASSWORD, PASSWORD)
    assert sign_in(user.email, PASSWORD).id == user.id
    with pytest.raises(NotFound):
        invitation_for(token)


def test_a_business_manager_invites_contributors_for_the_partnerships_agencies(
    business_manager, partnership, other_partnership
):
    police = agency_named(partnership, "Police")
    user, _ = invite(business_manager, "agency_contributor", agency_id=str(police.id))
    assert user.agency_id == police.id
    theirs = agency_named(other_partnership, "Police")
    with pytest.raises(Invalid) as error:
        invite(business_manager, "agency_contributor", "b@x.org", agency_id=theirs.id)
    assert set(error.value.fields) == {"agency"}
    options = admin_users.role_options(business_manager)
    assert options.roles == ("panel_member", "agency_contributor", "reviewer")
    assert options.partners == ()
    assert police.id in {i for i, _ in options.agencies}
    assert theirs.id not in {i for i, _ in options.agencies}


@pytest.mark.parametrize("role", ["partner_lead", "business_manager", "scrutineer", "admin"])
def test_a_business_manager_cannot_invite_other_roles(business_manager, role):
    with pytest.raises(NotPermitted):
        invite(business_manager, role, partner="police")
    assert _db.session.scalar(select(User).where(User.email.like("new.person%"))) is None
    assert changes() == []


def test_invitation_fields_are_checked_together(admin_user, business_manager):
    with pytest.raises(Invalid) as error:
        admin_users.invite_user(admin_user, name=" ", email="not-an-email", role="partner_lead")
    assert set(error.value.fields) == {"name", "email", "partner"}
    with pytest.raises(Invalid) as error:
        admin_users.invite_user(admin_user, name="A", email=business_manager.email, role="nobody")
    assert error.value.fields == {
        "email": "There is already a user with this email address",
        "role": "Choose the person's role",
    }
    with pytest.raises(Invalid) as error:
        invite(admin_user, "agency_contributor")
    assert set(error.value.fields) == {"agency"}


def test_a_partner_or_agency_given_for_another_role_is_dropped(admin_user, partnership):
    police = agency_named(partnership, "Police")
    user, _ = invite(admin_user, "reviewer", partner="police", agency_id=police.id)
    assert (user.partner, user.agency_id) == (None, None)


@pytest.mark.parametrize("role", ["scrutineer", "partner_lead", "panel_member", "reviewer"])
def test_other_roles_cannot_administer(partnership, role, admin_user):
    actor = make_user(partnership, role, partner="health" if role == "partner_lead" else None)
    target = make_user(partnership, "panel_member")
    police = agency_named(partnership, "Police")
    attempts = [
        lambda: admin_users.list_users(actor),
        lambda: admin_users.role_options(actor),
        lambda: admin_users.get_user(actor, target.id),
        lambda: invite(actor),
        lambda: admin_users.reinvite_user(actor, target.id),
        lambda: admin_users.change_role(actor, target.id, role="reviewer"),
        lambda: admin_users.set_user_active(actor, target.id, False),
        lambda: admin_users.deactivation_of(actor, target.id),
        lambda: admin.list_agencies(actor),
        lambda: admin.add_agency(actor, "A school"),
        lambda: admin.rename_agency(actor, police.id, "Constabulary"),
        lambda: admin.set_agency_active(actor, police.id, False),
        lambda: admin.list_changes(actor),
        lambda: admin_settings.get_settings(actor),
        lambda: admin_settings.update_settings(actor, {"rapid_review_days": "10"}),
        lambda: admin_settings.add_closure_day(actor, date(2023, 12, 27), "Closed"),
    ]
    for attempt in attempts:
        with pytest.raises(NotPermitted):
            attempt()
    assert changes() == []
    assert _db.session.get(User, target.id).role == "panel_member"


def test_a_contributor_cannot_administer(partnership):
    contributor = make_user(partnership, "agency_contributor")
    with pytest.raises(NotPermitted):
        admin_users.list_users(contributor)


def test_a_deactivated_admin_can_do_nothing(admin_user, partnership):
    admin_user.active = False
    _db.session.commit()
    with pytest.raises(NotPermitted):
        admin_users.list_users(admin_user)


def test_a_business_manager_lists_users_but_changes_no_role(business_manager, panel_member):
    people = admin_users.list_users(business_manager)
    assert {p.id for p in people} == {business_manager.id, panel_member.id}
    assert all(p.has_password for p in people)
    detail = admin_users.get_user(business_manager, panel_member.id)
    assert not detail.may_change and not detail.may_reinvite
    with pytest.raises(NotPermitted):
        admin_users.change_role(business_manager, panel_member.id, role="reviewer")
    with pytest.raises(NotPermitted):
        admin_users.set_user_active(business_manager, panel_member.id, False)
    with pytest.raises(NotPermitted):
        admin_users.deactivation_of(business_manager, panel_member.id)
    with pytest.raises(NotPermitted):
        admin.list_agencies(business_manager)
    with pytest.raises(NotPermitted):
        admin_settings.get_settings(business_manager)


def test_another_partnerships_user_and_agency_are_not_found(
    admin_user, other_partnership, other_manager
):
    theirs = agency_named(other_partnership, "Police")
    for attempt in (
        lambda: admin_users.get_user(admin_user, other_manager.id),
        lambda: admin_users.change_role(admin_user, other_manager.id, role="reviewer"),
        lambda: admin_users.set_user_active(admin_user, other_manager.id, False),
        lambda: admin_users.deactivation_of(admin_user, other_manager.id),
        lambda: admin_users.reinvite_user(admin_user, other_manager.id),
        lambda: admin.get_agency(admin_user, theirs.id),
        lambda: admin.rename_agency(admin_user, theirs.id, "Mine now"),
        lambda: admin.set_agency_active(admin_user, theirs.id, False),
        lambda: admin_users.get_user(admin_user, 999_999),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert other_manager.role == "business_manager" and other_manager.active
    assert changes() == []


# Roles and deactivation ------------------------------------------------------------------


def test_role_changes_keep_the_partner_and_agency_rules(admin_user, partnership, panel_member):
    police = agency_named(partnership, "Police")
    with pytest.raises(Invalid) as error:
        admin_users.change_role(admin_user, panel_member.id, role="partner_lead")
    assert set(error.value.fields) == {"partner"}
    with pytest.raises(Invalid) as error:
        admin_users.change_role(admin_user, panel_member.id, role="agency_contributor")
    assert set(error.value.fields) == {"agency"}

    changed = admin_users.change_role(
        admin_user, panel_member.id, role="partner_lead", partner="health"
    )
    assert changed == ["role", "partner", "agency"]
    _db.session.expire_all()
    lead = _db.session.get(User, panel_member.id)
    assert (lead.role, lead.partner, lead.agency.statutory_partner) == (
        "partner_lead",
        "health",
        "health",
    )
    admin_users.change_role(
        admin_user, lead.id, role="agency_contributor", partner="police", agency_id=police.id
    )
    _db.session.expire_all()
    lead = _db.session.get(User, panel_member.id)
    assert (lead.role, lead.partner, lead.agency_id) == ("agency_contributor", None, police.id)
    assert admin_users.change_role(admin_user, lead.id, role="scrutineer") == ["role", "agency"]
    assert admin_users.change_role(admin_user, lead.id, role="scrutineer") == []
    subject = f"user {panel_member.id}"
    assert changes(subject=subject) == [
        (subject, "role", "panel_member", "partner_lead"),
        (subject, "partner", None, "health"),
        (subject, "agency", None, "Integrated Care Board (health)"),
        (subject, "role", "partner_lead", "agency_contributor"),
        (subject, "partner", "health", None),
        (subject, "agency", "Integrated Care Board (health)", "Police"),
        (subject, "role", "agency_contributor", "scrutineer"),
        (subject, "agency", "Police", None),
    ]


def test_nobody_changes_their_own_role_or_deactivates_themselves(admin_user):
    with pytest.raises(NotPermitted):
        admin_users.change_role(admin_user, admin_user.id, role="business_manager")
    with pytest.raises(NotPermitted):
        admin_users.set_user_active(admin_user, admin_user.id, False)
    with pytest.raises(NotPermitted):
        admin_users.deactivation_of(admin_user, admin_user.id)
    assert admin_users.get_user(admin_user, admin_user.id).may_change is False
    assert admin_user.role == "admin" and admin_user.active


def test_deactivation_blocks_sign_in_and_tokens_until_reactivated(admin_user, partnership):
    user, token = invite(admin_user)
    accept_invitation(token, PASSWORD, PASSWORD)
    api_token = make_token(user)
    assert user_for_token(api_token).id == user.id

    admin_users.set_user_active(admin_user, user.id, False)
    with pytest.raises(Invalid):
        sign_in(user.email, PASSWORD)
    assert user_for_token(api_token) is None
    admin_users.set_user_active(admin_user, user.id, False)  # no change, no record

    admin_users.set_user_active(admin_user, user.id, True)
    assert sign_in(user.email, PASSWORD).id == user.id
    assert user_for_token(api_token).id == user.id
    assert changes(field="active") == [
        (f"user {user.id}", "active", "yes", "no"),
        (f"user {user.id}", "active", "no", "yes"),
    ]


def test_a_link_sent_before_deactivation_does_not_work_after_reactivation(admin_user):
    user, token = invite(admin_user)
    admin_users.set_user_active(admin_user, user.id, False)
    admin_users.set_user_active(admin_user, user.id, True)
    with pytest.raises(NotFound):
        invitation_for(token)
    with pytest.raises(NotFound):
        accept_invitation(token, PASSWORD, PASSWORD)
    _, fresh = admin_users.reinvite_user(admin_user, user.id)  # a new link is the way back
    assert accept_invitation(fresh, PASSWORD, PASSWORD).id == user.id


def test_a_fresh_link_replaces_the_earlier_ones(admin_user, business_manager):
    user, first = invite(business_manager)
    assert admin_users.get_user(admin_user, user.id).may_reinvite
    _, second = admin_users.reinvite_user(business_manager, user.id)
    with pytest.raises(NotFound):
        invitation_for(first)
    assert invitation_for(second).user_id == user.id
    assert changes(field="invitation") == [(f"user {user.id}", "invitation", None, "new link")]
    accept_invitation(second, PASSWORD, PASSWORD)
    with pytest.raises(Conflict):
        admin_users.reinvite_user(admin_user, user.id)
    assert not admin_users.get_user(admin_user, user.id).may_reinvite


def test_a_business_manager_cannot_reinvite_a_partner_lead(admin_user, business_manager):
    lead, _ = invite(admin_user, "partner_lead", partner="police")
    with pytest.raises(NotPermitted):
        admin_users.reinvite_user(business_manager, lead.id)
    assert not admin_users.get_user(business_manager, lead.id).may_reinvite
    admin_users.set_user_active(admin_user, lead.id, False)
    with pytest.raises(Conflict):
        admin_users.reinvite_user(admin_user, lead.id)


# Agencies --------------------------------------------------------------------------------


def test_agencies_are_added_renamed_and_deactivated(admin_user, partnership, business_manager):
    school = admin.add_agency(admin_user, "  Northbridge   Primary School ")
    assert school.name == "Northbridge Primary School" and school.active
    with pytest.raises(Invalid) as error:
        admin.add_agency(admin_user, "northbridge primary school")
    assert set(error.value.fields) == {"name"}
    with pytest.raises(Invalid):
        admin.add_agency(admin_user, "")
    admin.rename_agency(admin_user, school.id, "Northbridge Academy")
    admin.set_agency_active(admin_user, school.id, False)
    options = admin_users.role_options(business_manager)
    assert school.id not in {i for i, _ in options.agencies}
    with pytest.raises(Invalid):
        invite(business_manager, "agency_contributor", agency_id=school.id)
    admin.set_agency_active(admin_user, school.id, True)

    listed = admin.list_agencies(admin_user)
    assert [a.statutory_partner for a in listed[:3]] == ["health", "local_authority", "police"]
    assert listed[3].name == "Northbridge Academy"
    subject = f"agency {school.id}"
    assert changes(subject=subject) == [
        (subject, "added", None, "Northbridge Primary School"),
        (subject, "name", "Northbridge Primary School", "Northbridge Academy"),
        (subject, "active", "yes", "no"),
        (subject, "active", "no", "yes"),
    ]


def test_statutory_agencies_cannot_be_deactivated(admin_user, partnership):
    police = agency_named(partnership, "Police")
    with pytest.raises(NotPermitted):
        admin.set_agency_active(admin_user, police.id, False)
    assert police.active
    admin.rename_agency(admin_user, police.id, "Northbridge Police")  # renaming is fine
    assert agency_named(partnership, "Northbridge Police").statutory_partner == "police"


# Settings and closure days ---------------------------------------------------------------


NOTIFIED_ON = date(2023, 3, 6)  # "today" for the closure days added to the cases below


def notified_case(manager):
    case = make_case(manager)
    fire_event(manager, case.id, "notify", {"on": "2023-03-06"})
    return case


def test_changing_rapid_review_days_moves_open_clocks(admin_user, business_manager):
    case = notified_case(business_manager)
    assert clock(case.id, "rapid_review").due_on == date(2023, 3, 27)
    old_rungs = clock(case.id, "rapid_review").rungs

    changed = admin_settings.update_settings(admin_user, {"rapid_review_days": "10"})
    assert changed == ["rapid_review_days"]
    _db.session.expire_all()
    row = clock(case.id, "rapid_review")
    assert row.due_on == date(2023, 3, 20)
    assert row.due_rung_on == date(2023, 3, 20) and row.overdue_on == date(2023, 3, 21)
    assert row.rungs != old_rungs
    assert changes() == [("settings", "rapid_review_days", "15", "10")]
    assert admin_settings.get_settings(admin_user).values["rapid_review_days"] == 10


def test_the_anchor_and_ladder_move_clocks_and_terminal_cases_stay(admin_user, business_manager):
    case = notified_case(business_manager)  # la_aware_on 2023-03-01
    withdrawn = notified_case(business_manager)
    fire_event(business_manager, withdrawn.id, "withdraw", {"on": "2023-03-07", "reason": "No"})
    before = clock(withdrawn.id, "rapid_review").due_on

    admin_settings.update_settings(
        admin_user,
        {"rapid_review_anchor": "la_aware_on", "due_soon_days": "3", "escalate_after_days": 10},
    )
    _db.session.expire_all()
    row = clock(case.id, "rapid_review")
    assert (row.anchor_on, row.due_on) == (date(2023, 3, 1), date(2023, 3, 22))
    assert row.due_soon_on == date(2023, 3, 17)
    assert row.escalated_on == date(2023, 4, 5)
    assert clock(withdrawn.id, "rapid_review").due_on == before
    assert [c[1] for c in changes()] == [
        "rapid_review_anchor",
        "due_soon_days",
        "escalate_after_days",
    ]


def test_unchanged_settings_record_nothing(admin_user, business_manager):
    values = admin_settings.get_settings(admin_user).values
    assert admin_settings.update_settings(admin_user, values) == []
    assert changes() == []


def test_settings_are_validated_together(admin_user):
    with pytest.raises(Invalid) as error:
        admin_settings.update_settings(
            admin_user,
            {
                "rapid_review_days": "0",
                "panel_response_days": "ten",
                "publication_months": "",
                "due_soon_days": "-1",
                "escalate_after_days": "5.5",
                "rapid_review_anchor": "incident_on",
                "pause_local_clocks_on_hold": "maybe",
                "colour": "blue",
            },
        )
    fields = error.value.fields
    assert fields["rapid_review_days"] == (
        "The rapid review time must be between 1 and 60 working days"
    )
    assert fields["panel_response_days"] == (
        "The Panel response time must be a whole number of working days"
    )
    assert fields["publication_months"] == "Enter the publication time in calendar months"
    assert set(fields) == {
        "rapid_review_days",
        "panel_response_days",
        "publication_months",
        "due_soon_days",
        "escalate_after_days",
        "rapid_review_anchor",
        "pause_local_clocks_on_hold",
        "colour",
    }
    assert admin_settings.get_settings(admin_user).values["rapid_review_days"] == 15
    assert changes() == []


def test_the_due_soon_warning_must_be_shorter_than_every_clock_it_warns_of(
    admin_user, business_manager
):
    """A warning as long as a clock goes out the day the clock starts (a longer one is dated
    before it): every agency would be told its return is due soon the moment it is asked."""
    case = notified_case(business_manager)
    before = clock(case.id, "rapid_review").rungs
    refused = {
        "The due soon warning must be shorter than the time to notify the Panel, 5 working days": {
            "due_soon_days": "5"
        },
        "The due soon warning must be shorter than the agency return time, 2 working days": {
            "agency_return_days": "2"
        },
        "The due soon warning must be shorter than the rapid review time, 3 working days": {
            "rapid_review_days": "3",
            "due_soon_days": "4",
            "panel_response_days": "3",
        },
    }
    for message, raw in refused.items():
        with pytest.raises(Invalid) as error:
            admin_settings.update_settings(admin_user, raw)
        assert error.value.fields == {"due_soon_days": message}
    assert changes() == []
    _db.session.expire_all()
    assert clock(case.id, "rapid_review").rungs == before

    # One shorter than every clock is kept, and so is a shorter clock above it.
    admin_settings.update_settings(admin_user, {"due_soon_days": "4"})
    admin_settings.update_settings(admin_user, {"agency_return_days": "5"})
    admin_settings.update_settings(admin_user, {"due_soon_days": "1", "agency_return_days": "2"})
    assert admin_settings.get_settings(admin_user).values["agency_return_days"] == 2


def test_a_due_soon_warning_stored_as_long_as_a_clock_does_not_block_other_settings(
    admin_user,
):
    """Stored before the rule (2 and 2), it refused every save, whatever it changed; the web
    form sends every setting, changed or not."""
    _db.session.execute(
        update(Partnership)
        .where(Partnership.id == admin_user.partnership_id)
        .values(agency_return_days=2, due_soon_days=2)
    )
    _db.session.commit()
    form = admin_settings.get_settings(admin_user).values
    saved = admin_settings.update_settings(
        admin_user, {**form, "escalation_enabled": False, "rapid_review_days": 10}
    )
    assert saved == ["rapid_review_days", "escalation_enabled"]

    # Changing either of the two is checked, as before.
    for raw, days in (
        ({"due_soon_days": "3"}, "2 working days"),
        ({"agency_return_days": "1"}, "1 working day"),
    ):
        with pytest.raises(Invalid) as error:
            admin_settings.update_settings(admin_user, raw)
        assert error.value.fields == {
            "due_soon_days": "The due soon warning must be shorter than the agency return "
            f"time, {days}"
        }
    assert admin_settings.update_settings(admin_user, {"due_soon_days": "1"}) == ["due_soon_days"]


def test_a_number_too_long_to_read_is_refused_not_a_server_error(admin_user):
    """int() refuses more than 4,300 digits with a ValueError, which was a server error. It is
    a whole number, only too large (or, all zeros, too small): the range says so."""
    with pytest.raises(Invalid) as error:
        admin_settings.update_settings(
            admin_user, {"rapid_review_days": "9" * 5000, "panel_response_days": "0" * 5000}
        )
    assert error.value.fields == {
        "rapid_review_days": "The rapid review time must be between 1 and 60 working days",
        "panel_response_days": "The Panel response time must be between 1 and 60 working days",
    }
    # Leading zeros are no digits to count: 000…03 is 3.
    admin_settings.update_settings(admin_user, {"due_soon_days": "0" * 5000 + "3"})
    assert admin_settings.get_settings(admin_user).values["due_soon_days"] == 3


def test_pausing_local_clocks_on_hold_can_be_turned_off(admin_user, business_manager, leads):
    case = notified_case(business_manager)
    fire_event(
        business_manager,
        case.id,
        "record_decision",
        {"on": "2023-03-08", "decision": "lcspr", "rationale": "Met"},
    )
    for lead in leads.values():
        fire_event(lead, case.id, "sign_off", {"on": "2023-03-09"})
    fire_event(business_manager, case.id, "submit_rapid_review", {"on": "2023-03-10"})
    fire_event(
        business_manager,
        case.id,
        "place_hold",
        {"on": "2023-03-13", "reason": "inquest", "panel_informed_on": "2023-03-13"},
    )
    assert clock(case.id, "panel_response").paused
    admin_settings.update_settings(admin_user, {"pause_local_clocks_on_hold": "no"})
    _db.session.expire_all()
    row = clock(case.id, "panel_response")
    assert not row.paused and row.alert_from_on is not None
    assert changes() == [("settings", "pause_local_clocks_on_hold", "yes", "no")]


def test_closure_days_move_due_dates_and_are_recorded(admin_user, business_manager):
    case = notified_case(business_manager)
    closure = admin_settings.add_closure_day(
        admin_user, date(2023, 3, 15), " Staff  training ", today=NOTIFIED_ON
    )
    _db.session.expire_all()
    assert clock(case.id, "rapid_review").due_on == date(2023, 3, 28)
    with pytest.raises(Invalid) as error:
        admin_settings.add_closure_day(admin_user, date(2023, 3, 15), "Again", today=NOTIFIED_ON)
    assert error.value.fields == {"day": "This date is already a closure day"}
    with pytest.raises(Invalid) as error:
        admin_settings.add_closure_day(admin_user, None, "")
    assert set(error.value.fields) == {"day", "name"}

    assert [c.day for c in admin_settings.get_settings(admin_user).closures] == [date(2023, 3, 15)]
    admin_settings.remove_closure_day(admin_user, closure.id, today=NOTIFIED_ON)
    _db.session.expire_all()
    assert clock(case.id, "rapid_review").due_on == date(2023, 3, 27)
    with pytest.raises(NotFound):
        admin_settings.remove_closure_day(admin_user, closure.id)
    assert changes() == [
        ("closure days", "added", None, "2023-03-15 Staff training"),
        ("closure days", "removed", "2023-03-15 Staff training", None),
    ]


def test_events_fired_after_closure_days_are_added_count_them(
    admin_user, business_manager, other_manager
):
    # Two of ours (read with the case, in one statement), and another partnership's that
    # must not count: 15 working days from Monday 6 March 2023 skip 15 and 16 March.
    admin_settings.add_closure_day(
        admin_user, date(2023, 3, 15), "Staff training", today=NOTIFIED_ON
    )
    admin_settings.add_closure_day(
        admin_user, date(2023, 3, 16), "Staff training", today=NOTIFIED_ON
    )
    theirs = make_user(other_manager.partnership, "admin")
    admin_settings.add_closure_day(
        theirs, date(2023, 3, 20), "Their office move", today=NOTIFIED_ON
    )

    case = notified_case(business_manager)

    _db.session.expire_all()
    assert clock(case.id, "rapid_review").due_on == date(2023, 3, 29)


def test_another_partnerships_closure_day_is_not_found(admin_user, other_partnership):
    their_admin = make_user(other_partnership, "admin")
    theirs = admin_settings.add_closure_day(
        their_admin, date(2023, 12, 27), "Closed", today=NOTIFIED_ON
    )
    with pytest.raises(NotFound):
        admin_settings.remove_closure_day(admin_user, theirs.id)
    assert admin_settings.get_settings(admin_user).closures == []


PASSED_DAY = "The date of the closure day must be today or in the future"
PASSED_CLOSURE = "This closure day has passed, so it cannot be removed"


def test_a_closure_day_that_has_passed_is_neither_added_nor_removed(admin_user, business_manager):
    """A day gone by would rewrite history: clocks met on time would turn late (or the
    reverse), working days late would change and alerts could be sent again."""
    case = notified_case(business_manager)  # its rapid review ran over 15 March 2023
    yesterday = london_today() - timedelta(days=1)
    for day in (date(2023, 3, 15), yesterday):
        with pytest.raises(Invalid) as error:
            admin_settings.add_closure_day(admin_user, day, "Staff training")
        assert error.value.fields == {"day": PASSED_DAY}
    _db.session.expire_all()
    assert clock(case.id, "rapid_review").due_on == date(2023, 3, 27)
    assert admin_settings.get_settings(admin_user).closures == [] and changes() == []

    # One added back then stays, and the due dates it moved stay with it.
    _db.session.add(
        ClosureDay(partnership_id=admin_user.partnership_id, day=date(2023, 3, 15), name="Old")
    )
    admin_settings.recompute_open_clocks(admin_user.partnership_id)
    _db.session.commit()
    _db.session.expire_all()
    [closure] = admin_settings.get_settings(admin_user).closures
    with pytest.raises(Refused) as error:  # no field to correct: the day's state refuses it
        admin_settings.remove_closure_day(admin_user, closure.id)
    assert (error.value.message, error.value.fields) == (PASSED_CLOSURE, {})
    _db.session.expire_all()
    assert clock(case.id, "rapid_review").due_on == date(2023, 3, 28)
    assert len(admin_settings.get_settings(admin_user).closures) == 1 and changes() == []


def test_today_can_be_made_a_closure_day_and_unmade(admin_user):
    """A closure decided this morning (a power cut, a flood) counts from today."""
    today = london_today()
    closure = admin_settings.add_closure_day(admin_user, today, "Power cut")
    admin_settings.remove_closure_day(admin_user, closure.id)
    assert [field for _, field, _, _ in changes()] == ["added", "removed"]


def test_recomputing_takes_the_same_queries_for_few_or_many_cases(admin_user, business_manager, db):
    for _ in range(2):
        notified_case(business_manager)

    def count_queries() -> int:
        statements = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        engine = _db.engine
        sa_event.listen(engine, "before_cursor_execute", before)
        try:
            _db.session.expire_all()
            admin_settings.recompute_open_clocks(admin_user.partnership_id)
            _db.session.rollback()
        finally:
            sa_event.remove(engine, "before_cursor_execute", before)
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])

    few = count_queries()
    for _ in range(5):
        notified_case(business_manager)
    assert count_queries() == few


# History ---------------------------------------------------------------------------------


def test_history_is_newest_first_paginated_and_names_its_subjects(admin_user, partnership):
    user, _ = invite(admin_user)
    admin.add_agency(admin_user, "A school")
    admin_settings.update_settings(admin_user, {"panel_response_days": "12"})
    first = admin.list_changes(admin_user, page=1, per_page=3)
    assert first.total == 4 and first.pages == 2
    assert [(c.subject_name, c.field) for c in first.items] == [
        ("Partnership settings", "panel_response_days"),
        ("A school", "added"),
        ("New Person", "role"),
    ]
    assert first.items[2].user_id == user.id and first.items[1].user_id is None
    assert all(c.actor_name == admin_user.name for c in first.items)
    second = admin.list_changes(admin_user, page=2, per_page=3)
    assert [(c.subject_name, c.field) for c in second.items] == [("New Person", "invited")]
    with pytest.raises(NotFound):
        admin.list_changes(admin_user, page=3, per_page=3)


def test_history_is_per_partnership(admin_user, other_partnership):
    their_admin = make_user(other_partnership, "admin")
    admin.add_agency(their_admin, "Their school")
    assert admin.list_changes(admin_user).total == 0
