"""Administration pages: users, invitations, agencies, settings, closure days and history."""

from __future__ import annotations

import functools
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from casework.extensions import db as _db
from casework.models import (
    AdminChange,
    Agency,
    CaseAccess,
    Clock,
    ClosureDay,
    Partnership,
    User,
)
from casework.services import admin_settings
from casework.services.events import fire_event
from casework.services.today import london_today
from tests.factories import grant_access, make_case, make_user
from tests.web.pages import boxes_in_error

PASSWORD = "a long enough password"


@pytest.fixture(autouse=True)
def quick_invitation_passwords(monkeypatch):
    """Accepting an invitation hashes with scrypt (0.1 s+); one pbkdf2 round is enough here."""
    fast = functools.partial(generate_password_hash, method="pbkdf2:sha256:1")
    monkeypatch.setattr("casework.services.auth.generate_password_hash", fast)


def text(response) -> str:
    return response.get_data(as_text=True)


def invitation_link(response) -> str:
    found = re.search(r"data-invitation-link>\s*([^<\s]+)\s*<", text(response))
    assert found, "the page shows the invitation link"
    return found.group(1)


def error_summary(response) -> list[tuple[str, str]]:
    """(href, message) for each link in the error summary."""
    page = text(response)
    assert "govuk-error-summary" in page, "an error summary"
    summary = page[
        page.index("govuk-error-summary") : page.index("</ul>", page.index("govuk-error-summary"))
    ]
    return re.findall(r'<a href="([^"]+)">\s*([^<]+?)\s*</a>', summary)


def count(model, *where) -> int:
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def agency_named(partnership, name: str) -> Agency:
    return _db.session.scalar(
        select(Agency).where(Agency.partnership_id == partnership.id, Agency.name == name)
    )


@pytest.fixture
def school(partnership):
    agency = Agency(partnership_id=partnership.id, name="Northbridge Primary School")
    _db.session.add(agency)
    _db.session.commit()
    return agency


@pytest.fixture
def invited(admin_user, web):
    """A panel member invited by the admin, who has not set a password yet."""
    response = web(admin_user).post(
        "/admin/users/invite",
        {"name": "Pat Invited", "email": "pat@nscp.example.org", "role": "panel_member"},
    )
    assert response.status_code == 302
    return _db.session.scalar(select(User).where(User.email == "pat@nscp.example.org"))


# Every page renders for an admin ---------------------------------------------------------


def test_every_admin_page_renders_for_an_admin(web, admin_user, panel_member, school):
    closure = ClosureDay(
        partnership_id=admin_user.partnership_id, day=date(2023, 12, 27), name="Winter"
    )
    _db.session.add(closure)
    _db.session.commit()
    browser = web(admin_user)
    pages = {
        "/admin/users": "Users",
        "/admin/users/invite": "Invite a user",
        f"/admin/users/{panel_member.id}": f"{panel_member.name} – Users",
        f"/admin/users/{panel_member.id}/role": f"Change role – {panel_member.name}",
        f"/admin/users/{panel_member.id}/deactivate": f"Deactivate {panel_member.name}?",
        f"/admin/users/{panel_member.id}/invitation-link": (
            f"Invitation link for {panel_member.name}"
        ),
        "/admin/agencies": "Agencies",
        "/admin/agencies/new": "Add an agency",
        f"/admin/agencies/{school.id}/rename": f"Rename {school.name}",
        "/admin/settings": "Settings",
        "/admin/closure-days/new": "Add a closure day",
        "/admin/history": "History of changes",
    }
    titles = set()
    for path, title in pages.items():
        response = browser.get(path)
        assert response.status_code == 200, path
        assert response.title == f"{title} – Casework", path
        titles.add(response.title)
    assert len(titles) == len(pages)
    users = text(browser.get("/admin/users"))
    assert panel_member.email in users and "Panel member" in users and "Administrator" in users
    agencies = text(browser.get("/admin/agencies"))
    assert "Northbridge Primary School" in agencies and "Local authority" in agencies
    settings = text(browser.get("/admin/settings"))
    assert "27 December 2023" in settings and "Winter" in settings
    assert 'value="15"' in settings and "When the Serious Incident Notification" in settings


def test_admin_pages_offer_no_case_content(web, admin_user):
    page = text(web(admin_user).get("/admin/users"))
    assert 'href="/cases' not in page
    assert web(admin_user).get("/cases/").status_code == 403


# Invitations -----------------------------------------------------------------------------


def test_an_invitation_link_works_once_end_to_end(web, admin_user, partnership):
    browser = web(admin_user)
    response = browser.post(
        "/admin/users/invite",
        {
            "name": "Sam Lead",
            "email": "Sam.Lead@nscp.example.org",
            "role": "partner_lead",
            "partner": "police",
            "agency": "",
        },
    )
    sam = _db.session.scalar(select(User).where(User.email == "sam.lead@nscp.example.org"))
    assert response.headers["Location"] == f"/admin/users/{sam.id}/invitation-link"
    shown = browser.get(response.headers["Location"])
    assert shown.title == "Invitation link for Sam Lead – Casework"
    link = invitation_link(shown)
    assert link.startswith("http://localhost/invitations/")
    assert "does not send emails yet" in text(shown)
    again = browser.get(response.headers["Location"])  # shown once only
    assert "data-invitation-link" not in text(again) and "shown only once" in text(again)
    assert "Not set yet" in text(browser.get("/admin/users"))

    person = web()
    path = link.removeprefix("http://localhost")
    form = person.get(path)
    assert form.status_code == 200 and "sam.lead@nscp.example.org" in text(form)
    short = person.post(path, {"password": "too short", "confirm": "too short"})
    assert "12 characters or more" in text(short)
    done = person.post(path, {"password": PASSWORD, "confirm": PASSWORD})
    assert done.headers["Location"] == "/"
    home = person.get("/")
    assert home.status_code == 200 and "Sam Lead" in text(home)
    assert person.get(path).status_code == 404
    assert "Set" in text(browser.get(f"/admin/users/{sam.id}"))


def test_a_fresh_link_for_someone_without_a_password(web, admin_user, invited):
    browser = web(admin_user)
    page = text(browser.get(f"/admin/users/{invited.id}"))
    assert "Create a new invitation link" in page
    response = browser.post(f"/admin/users/{invited.id}/invitation")
    link = invitation_link(browser.get(response.headers["Location"]))
    person = web()
    assert person.get(link.removeprefix("http://localhost")).status_code == 200


def test_invitation_errors_show_in_the_summary_and_beside_fields(web, admin_user, panel_member):
    browser = web(admin_user)
    response = browser.post(
        "/admin/users/invite", {"name": "", "email": panel_member.email, "role": ""}
    )
    assert response.status_code == 200
    assert response.title == "Error: Invite a user – Casework"
    assert error_summary(response) == [
        ("#name", "Enter the person&#39;s full name"),
        ("#email", "There is already a user with this email address"),
        ("#role", "Choose the person&#39;s role"),
    ]
    assert text(response).count("govuk-error-message") == 3
    response = browser.post(
        "/admin/users/invite",
        {"name": "A Lead", "email": "lead@nscp.example.org", "role": "partner_lead"},
    )
    assert error_summary(response) == [("#partner", "Choose the statutory partner they lead for")]
    assert count(User, User.email == "lead@nscp.example.org") == 0


def test_a_business_manager_invites_a_contributor_but_not_a_lead(
    web, business_manager, partnership, school
):
    browser = web(business_manager)
    assert browser.get("/admin/users").status_code == 200
    form = text(browser.get("/admin/users/invite"))
    assert "Agency contributor" in form and "Partner lead" not in form
    assert "Northbridge Primary School" in form
    response = browser.post(
        "/admin/users/invite",
        {
            "name": "Chris Teacher",
            "email": "chris@school.example.org",
            "role": "agency_contributor",
            "agency": str(school.id),
        },
    )
    assert response.status_code == 302
    chris = _db.session.scalar(select(User).where(User.email == "chris@school.example.org"))
    assert chris.agency_id == school.id and chris.password_hash is None
    refused = browser.post(
        "/admin/users/invite",
        {"name": "L", "email": "l@nscp.example.org", "role": "partner_lead", "partner": "police"},
    )
    assert refused.status_code == 403
    assert count(User, User.email == "l@nscp.example.org") == 0
    for path in ("/admin/agencies", "/admin/settings", "/admin/history", "/admin/agencies/new"):
        assert browser.get(path).status_code == 403, path
    assert browser.get(f"/admin/users/{chris.id}/role").status_code == 403
    assert browser.post(f"/admin/users/{chris.id}/deactivate").status_code == 403
    assert browser.post("/admin/settings", {"rapid_review_days": "10"}).status_code == 403
    assert browser.post("/admin/agencies/new", {"name": "X"}).status_code == 403
    _db.session.expire_all()
    assert _db.session.get(User, chris.id).active


# Roles and deactivation ------------------------------------------------------------------


def test_an_admin_changes_a_role_and_deactivates_someone(web, admin_user, partnership):
    contributor = make_user(partnership, "agency_contributor")
    browser = web(admin_user)
    page = browser.get(f"/admin/users/{contributor.id}/role")
    police = agency_named(partnership, "Police")
    assert 'value="agency_contributor" checked>' in text(page)
    assert f'<option value="{police.id}" selected>Police' in text(page)
    refused = browser.post(f"/admin/users/{contributor.id}/role", {"role": "partner_lead"})
    assert error_summary(refused) == [("#partner", "Choose the statutory partner they lead for")]
    done = browser.post(
        f"/admin/users/{contributor.id}/role",
        {"role": "partner_lead", "partner": "health", "agency": ""},
    )
    assert done.headers["Location"] == f"/admin/users/{contributor.id}"
    _db.session.expire_all()
    lead = _db.session.get(User, contributor.id)
    assert (lead.role, lead.partner) == ("partner_lead", "health")

    their_session = web(lead)
    assert their_session.get("/").status_code == 200
    browser.post(f"/admin/users/{lead.id}/deactivate")
    assert their_session.get("/").status_code == 302  # signed out at the next request
    page = text(browser.get(f"/admin/users/{lead.id}"))
    assert "Deactivated" in page and "Reactivate" in page
    browser.post(f"/admin/users/{lead.id}/reactivate")
    _db.session.expire_all()
    assert _db.session.get(User, lead.id).active


def test_deactivating_asks_first_and_says_what_it_ends(web, admin_user, business_manager):
    """The user page's button leads to a question that changes nothing; its red button
    deactivates: signed out, the unused link expired, the grant taken back."""
    from casework.services.auth import create_invitation

    person = make_user(admin_user.partnership, "panel_member")
    person.password_hash = None  # invited, not yet signed up
    _db.session.commit()
    link = f"/invitations/{create_invitation(person, admin_user)}"
    case = make_case(business_manager)
    grant_access(case.id, person, business_manager, london_today() + timedelta(days=30))
    their_session = web(person)
    browser = web(admin_user)
    ask = f"/admin/users/{person.id}/deactivate"

    page = text(browser.get(f"/admin/users/{person.id}"))
    assert f'href="{ask}"' in page  # a link to the question, not a form that acts
    assert f'action="{ask}"' not in page

    response = browser.get(ask)
    assert response.status_code == 200
    assert response.title == f"Deactivate {person.name}? – Casework"
    page = text(response)
    main = page[page.index("<main") : page.index("</main>")]
    assert f'<h1 class="govuk-heading-l">Deactivate {person.name}?</h1>' in main
    for said in (
        "they are signed out everywhere at once and cannot sign in",
        "their API tokens stop working",
        "their invitation link, which works until",
        "their access to 1 case, given by a business manager, is taken back",
        "their invitation links and their access to cases do not come back",
    ):
        assert said in main, said
    # One form, posting back to this address (with a CSRF token: checked by WebClient), whose
    # only button is the red one; and a way back.
    assert main.count("<form") == 1 and '<form method="post" novalidate>' in main
    assert re.findall(r'<button[^>]*class="([^"]*)"[^>]*>\s*([^<]*?)\s*</button>', main) == [
        ("govuk-button govuk-button--warning", f"Deactivate {person.name}")
    ]
    [cancel] = re.findall(r'<a class="govuk-link" href="([^"]+)">Cancel</a>', main)
    assert cancel == f"/admin/users/{person.id}"
    assert browser.get(cancel).title == f"{person.name} – Users – Casework"

    # Asking changed nothing: still active, signed in, their link and their grant working.
    _db.session.expire_all()
    assert _db.session.get(User, person.id).active
    assert their_session.get("/").status_code == 200
    assert web().get(link).status_code == 200
    assert _db.session.scalars(select(CaseAccess.revoked_at)).all() == [None]
    assert count(AdminChange) == 0

    done = browser.post(ask)  # the red button
    assert done.status_code == 302 and done.headers["Location"] == f"/admin/users/{person.id}"
    assert f"{person.name} is deactivated and can no longer sign in." in text(
        browser.get(done.headers["Location"])
    )
    _db.session.expire_all()
    assert not _db.session.get(User, person.id).active
    assert their_session.get("/").status_code == 302  # signed out
    assert web().get(link).status_code == 404  # the link has expired
    assert _db.session.scalars(select(CaseAccess.revoked_at)).one() is not None


def test_the_question_is_refused_as_deactivating_is(
    web, admin_user, business_manager, scrutineer, panel_member, other_manager
):
    ask = f"/admin/users/{panel_member.id}/deactivate"
    for user in (business_manager, scrutineer, panel_member):  # admins only
        assert web(user).get(ask).status_code == 403, user.role
    assert web(other_manager).get(ask).status_code == 403  # not an admin: refused first
    browser = web(admin_user)
    assert browser.get(f"/admin/users/{admin_user.id}/deactivate").status_code == 403  # oneself
    assert browser.get(f"/admin/users/{other_manager.id}/deactivate").status_code == 404
    assert browser.get(f"/admin/users/{2**40}/deactivate").status_code == 404
    _db.session.expire_all()
    assert all(user.active for user in _db.session.scalars(select(User)))
    assert count(AdminChange) == 0


def test_someone_already_deactivated_is_not_asked_about_again(web, admin_user, panel_member):
    """From a page left open, or the address again: back to the person, saying so."""
    browser = web(admin_user)
    browser.get(browser.post(f"/admin/users/{panel_member.id}/deactivate").headers["Location"])
    response = browser.get(f"/admin/users/{panel_member.id}/deactivate")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/users/{panel_member.id}"
    page = text(browser.get(response.headers["Location"]))
    assert f"{panel_member.name} is already deactivated." in page
    assert "Reactivate" in page and count(AdminChange) == 1


def test_an_admin_cannot_change_or_deactivate_themselves(web, admin_user):
    browser = web(admin_user)
    page = text(browser.get(f"/admin/users/{admin_user.id}"))
    assert "Change role" not in page and "Deactivate" not in page
    assert browser.post(f"/admin/users/{admin_user.id}/deactivate").status_code == 403
    assert browser.get(f"/admin/users/{admin_user.id}/role").status_code == 403
    response = browser.post(f"/admin/users/{admin_user.id}/role", {"role": "scrutineer"})
    assert response.status_code == 403
    _db.session.expire_all()
    me = _db.session.get(User, admin_user.id)
    assert me.active and me.role == "admin"


def test_another_partnerships_user_and_agency_are_404(
    web, admin_user, other_manager, other_partnership
):
    browser = web(admin_user)
    theirs = agency_named(other_partnership, "Police")
    assert browser.get(f"/admin/users/{other_manager.id}").status_code == 404
    assert browser.post(f"/admin/users/{other_manager.id}/deactivate").status_code == 404
    assert browser.get(f"/admin/agencies/{theirs.id}/rename").status_code == 404
    assert browser.post(f"/admin/agencies/{theirs.id}/rename", {"name": "Mine"}).status_code == 404


# Agencies --------------------------------------------------------------------------------


def test_agencies_are_added_renamed_and_deactivated(web, admin_user, partnership):
    browser = web(admin_user)
    response = browser.post("/admin/agencies/new", {"name": "Northbridge Housing"})
    assert response.headers["Location"] == "/admin/agencies"
    housing = agency_named(partnership, "Northbridge Housing")
    assert "Northbridge Housing is added." in text(browser.get("/admin/agencies"))

    empty = browser.post(f"/admin/agencies/{housing.id}/rename", {"name": " "})
    assert error_summary(empty) == [("#name", "Enter the agency&#39;s name")]
    taken = browser.post(f"/admin/agencies/{housing.id}/rename", {"name": "police"})
    assert error_summary(taken) == [("#name", "There is already an agency with this name")]
    browser.post(f"/admin/agencies/{housing.id}/rename", {"name": "Northbridge Homes"})
    browser.post(f"/admin/agencies/{housing.id}/deactivate")
    _db.session.expire_all()
    housing = _db.session.get(Agency, housing.id)
    assert (housing.name, housing.active) == ("Northbridge Homes", False)
    assert "Northbridge Homes is deactivated" in text(browser.get("/admin/agencies"))
    assert "Northbridge Homes" not in text(browser.get("/admin/users/invite"))

    police = agency_named(partnership, "Police")
    assert browser.post(f"/admin/agencies/{police.id}/deactivate").status_code == 403
    _db.session.expire_all()
    assert _db.session.get(Agency, police.id).active
    page = text(browser.get("/admin/agencies"))
    assert 'Reactivate<span class="govuk-visually-hidden"> Northbridge Homes' in page


# Settings and closure days ---------------------------------------------------------------


def settings_form(**changes) -> dict:
    values = {
        "rapid_review_anchor": "sin_submitted_on",
        "rapid_review_days": "15",
        "panel_response_days": "10",
        "agency_return_days": "5",
        "reviewer_appointment_days": "20",
        "terms_of_reference_days": "30",
        "publication_months": "6",
        "pause_local_clocks_on_hold": "yes",
        "due_soon_days": "2",
        "escalate_after_days": "5",
    }
    values.update(changes)
    return values


def rapid_review_due(case_id: int) -> date:
    _db.session.expire_all()
    return _db.session.scalar(
        select(Clock.due_on).where(Clock.case_id == case_id, Clock.kind == "rapid_review")
    )


def test_saving_settings_moves_open_clocks_and_records_it(web, admin_user, business_manager):
    case = make_case(business_manager)
    fire_event(business_manager, case.id, "notify", {"on": "2023-03-06"})
    assert rapid_review_due(case.id) == date(2023, 3, 27)
    browser = web(admin_user)
    response = browser.post("/admin/settings", settings_form(rapid_review_days="10"))
    assert response.headers["Location"] == "/admin/settings"
    assert "Settings saved: rapid review." in text(browser.get("/admin/settings"))
    assert rapid_review_due(case.id) == date(2023, 3, 20)
    history = text(browser.get("/admin/history"))
    assert "Partnership settings" in history and "Rapid review" in history
    assert admin_user.name in history


def test_settings_errors_show_in_the_summary_and_change_nothing(web, admin_user):
    browser = web(admin_user)
    response = browser.post(
        "/admin/settings",
        settings_form(rapid_review_days="0", publication_months="six", rapid_review_anchor=""),
    )
    assert response.status_code == 200 and response.title == "Error: Settings – Casework"
    assert error_summary(response) == [
        ("#rapid_review_anchor", "Choose when the rapid review clock starts"),
        ("#rapid_review_days", "The rapid review time must be between 1 and 60 working days"),
        ("#publication_months", "The publication time must be a whole number of calendar months"),
    ]
    assert 'id="rapid_review_days-error"' in text(response)
    _db.session.expire_all()
    assert _db.session.get(Partnership, admin_user.partnership_id).rapid_review_days == 15
    assert count(AdminChange) == 0


def test_a_number_too_long_to_read_is_refused_beside_it(web, admin_user):
    response = web(admin_user).post(
        "/admin/settings", settings_form(escalate_after_days="9" * 5000)
    )
    assert response.status_code == 200
    assert error_summary(response) == [
        ("#escalate_after_days", "The escalation must be between 1 and 60 working days")
    ]


def test_a_due_soon_warning_as_long_as_a_clock_is_refused_beside_it(web, admin_user):
    response = web(admin_user).post(
        "/admin/settings", settings_form(agency_return_days="3", due_soon_days="3")
    )
    assert response.status_code == 200 and response.title == "Error: Settings – Casework"
    assert error_summary(response) == [
        (
            "#due_soon_days",
            "The due soon warning must be shorter than the agency return time, 3 working days",
        )
    ]
    assert 'id="due_soon_days-error"' in text(response)
    _db.session.expire_all()
    assert _db.session.get(Partnership, admin_user.partnership_id).agency_return_days == 5
    assert count(AdminChange) == 0


def test_the_due_soon_hint_names_the_clocks_it_is_checked_against(web, admin_user):
    """It said "shorter than every clock: the times above", the publication time included,
    which is in months and not checked."""
    page = re.sub(r"\s+", " ", text(web(admin_user).get("/admin/settings")))
    assert (
        "It must be shorter than each time above in working days (not the publication time, in "
        "months) and than the 5 working days to notify the Panel."
    ) in page
    names = admin_settings.SETTING_NAMES
    above = names[: names.index("due_soon_days")]
    numbers = [n for n in above if n in admin_settings.NUMBERS]
    assert [n for n in numbers if admin_settings.NUMBERS[n].unit != "working days"] == [
        "publication_months"
    ]
    assert tuple(n for n in numbers if n != "publication_months") == (
        admin_settings.DUE_SOON_CLOCKS
    )


def test_closure_days_are_added_and_removed(web, admin_user, business_manager, monkeypatch):
    case = make_case(business_manager)
    fire_event(business_manager, case.id, "notify", {"on": "2023-03-06"})
    monkeypatch.setattr(admin_settings, "london_today", lambda: date(2023, 3, 6))
    browser = web(admin_user)
    bad = browser.post("/admin/closure-days/new", {"day": ["31", "2", "2023"], "name": ""})
    assert error_summary(bad) == [
        ("#day-day", "The date of the closure day must be a real date"),
        ("#name", "Enter the name of the closure day"),
    ]
    response = browser.post(
        "/admin/closure-days/new", {"day": ["15", "3", "2023"], "name": "Training"}
    )
    assert response.headers["Location"] == "/admin/settings"
    assert rapid_review_due(case.id) == date(2023, 3, 28)
    closure = _db.session.scalar(select(ClosureDay))
    assert "15 March 2023" in text(browser.get("/admin/settings"))
    browser.post(f"/admin/closure-days/{closure.id}/remove")
    assert rapid_review_due(case.id) == date(2023, 3, 27)
    assert count(ClosureDay) == 0
    assert count(AdminChange, AdminChange.subject == "closure days") == 2


def boxes(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def test_a_closure_day_that_has_passed_is_refused_beside_the_date(web, admin_user):
    browser = web(admin_user)
    yesterday = london_today() - timedelta(days=1)
    response = browser.post(
        "/admin/closure-days/new", {"day": boxes(yesterday), "name": "Staff training"}
    )
    assert response.status_code == 200 and response.title == "Error: Add a closure day – Casework"
    message = "The date of the closure day must be today or in the future"
    assert error_summary(response) == [("#day-day", message)]
    assert 'id="day-error"' in text(response)
    assert count(ClosureDay) == 0 and count(AdminChange) == 0


def test_a_closure_days_date_highlights_only_the_box_at_fault(web, admin_user):
    """Day 32 is the day box alone; a real date already passed is wrong as a whole."""
    browser = web(admin_user)
    form = {"name": "Staff training"}
    response = browser.post("/admin/closure-days/new", {**form, "day": ["32", "3", "2030"]})
    assert error_summary(response) == [
        ("#day-day", "The date of the closure day must be a real date")
    ]
    assert boxes_in_error(response, "day") == ["day"]
    yesterday = london_today() - timedelta(days=1)
    response = browser.post("/admin/closure-days/new", {**form, "day": boxes(yesterday)})
    assert boxes_in_error(response, "day") == ["day", "month", "year"]
    assert count(ClosureDay) == 0


def test_a_closure_day_that_has_passed_offers_no_removal_and_is_not_removed(web, admin_user):
    past = ClosureDay(partnership_id=admin_user.partnership_id, day=date(2023, 12, 27), name="Old")
    today = ClosureDay(partnership_id=admin_user.partnership_id, day=london_today(), name="Flood")
    _db.session.add_all([past, today])
    _db.session.commit()
    browser = web(admin_user)
    page = text(browser.get("/admin/settings"))
    assert f"/admin/closure-days/{past.id}/remove" not in page
    assert f"/admin/closure-days/{today.id}/remove" in page

    response = browser.post(f"/admin/closure-days/{past.id}/remove")  # a page left open
    assert response.headers["Location"] == "/admin/settings"
    response = browser.get("/admin/settings")
    assert response.title == "Error: Settings – Casework"
    message = "This closure day has passed, so it cannot be removed"
    assert error_summary(response) == [(f"#closure-{past.id}", message)]  # its row
    assert f'<tr class="govuk-table__row" id="closure-{past.id}">' in text(response)
    assert f'id="closure-{past.id}-error"' in text(response)
    assert count(ClosureDay) == 2 and count(AdminChange) == 0
    assert browser.get("/admin/settings").title == "Settings – Casework"  # said once


def test_the_settings_form_still_saves_after_a_refused_removal(web, admin_user):
    """The refusal was shown at the removal's address, and the settings form there (with no
    action of its own) posted back to the removal: the admin's changes were thrown away."""
    past = ClosureDay(partnership_id=admin_user.partnership_id, day=date(2023, 12, 27), name="Old")
    _db.session.add(past)
    _db.session.commit()
    browser = web(admin_user)
    browser.post(f"/admin/closure-days/{past.id}/remove")
    page = text(browser.get("/admin/settings"))
    forms = re.findall(r'<form method="post" action="([^"]+)" novalidate>', page)
    assert forms == ["/admin/settings"]

    saved = browser.post(forms[0], settings_form(escalate_after_days="9"))
    assert saved.headers["Location"] == "/admin/settings"
    _db.session.expire_all()
    assert _db.session.get(Partnership, admin_user.partnership_id).escalate_after_days == 9


# History ---------------------------------------------------------------------------------


def test_ids_and_pages_past_what_the_database_holds_are_ordinary_refusals(web, admin_user):
    """Both overflowed the database's integer, as a 500 (and on PostgreSQL no page at all)."""
    browser = web(admin_user)
    invite = {
        "name": "Chris",
        "email": "chris@school.example.org",
        "role": "agency_contributor",
        "agency": "99999999999999999999",
    }
    response = browser.post("/admin/users/invite", invite)
    assert response.status_code == 200
    assert "Choose the agency they work for" in text(response)
    assert count(User, User.email == "chris@school.example.org") == 0
    assert browser.get("/admin/history?page=99999999999999999999").status_code == 404


@pytest.mark.parametrize(
    "address",
    ["x;y@example.org", "a b@example.org", "ann@example", "ann@@example.org", "ann@-x.org"],
)
def test_an_address_the_mailer_could_not_send_to_is_not_invited(web, admin_user, address):
    """A looser check let "x;y@example.org" in; the mailer then refused it on every attempt."""
    invite = {"name": "Ann", "email": address, "role": "panel_member"}
    response = web(admin_user).post("/admin/users/invite", invite)
    assert response.status_code == 200
    assert "Enter an email address in the correct format" in text(response)
    assert count(User, User.name == "Ann") == 0


def test_history_is_newest_first_and_paginated(web, admin_user, partnership):
    browser = web(admin_user)
    for number in range(55):
        browser.post("/admin/agencies/new", {"name": f"Agency {number:02d}"})
    first = browser.get("/admin/history")
    assert first.status_code == 200
    page = text(first)
    assert page.index("Agency 54") < page.index("Agency 53")
    assert "Agency 04" not in page and 'href="/admin/history?page=2"' in page
    second = browser.get("/admin/history?page=2")
    assert second.title == "History of changes (page 2) – Casework"
    assert "Agency 04" in text(second)
    assert browser.get("/admin/history?page=3").status_code == 404


# Everyone else ---------------------------------------------------------------------------

ROLES_WITHOUT_ADMINISTRATION = [
    ("scrutineer", None),
    ("partner_lead", "police"),
    ("panel_member", None),
    ("agency_contributor", None),
    ("reviewer", None),
]


@pytest.mark.parametrize(("role", "partner"), ROLES_WITHOUT_ADMINISTRATION)
def test_other_roles_get_403_on_every_admin_page_and_change_nothing(
    web, partnership, admin_user, role, partner, school
):
    actor = make_user(partnership, role, partner=partner)
    target = make_user(partnership, "panel_member")
    closure = ClosureDay(partnership_id=partnership.id, day=date(2023, 12, 27), name="Winter")
    _db.session.add(closure)
    _db.session.commit()
    browser = web(actor)
    gets = [
        "/admin/users",
        "/admin/users/invite",
        f"/admin/users/{target.id}",
        f"/admin/users/{target.id}/role",
        f"/admin/users/{target.id}/invitation-link",
        f"/admin/users/{target.id}/deactivate",
        "/admin/agencies",
        "/admin/agencies/new",
        f"/admin/agencies/{school.id}/rename",
        "/admin/settings",
        "/admin/closure-days/new",
        "/admin/history",
    ]
    posts = {
        "/admin/users/invite": {"name": "X", "email": "x@x.org", "role": "panel_member"},
        f"/admin/users/{target.id}/role": {"role": "reviewer"},
        f"/admin/users/{target.id}/invitation": {},
        f"/admin/users/{target.id}/deactivate": {},
        f"/admin/users/{target.id}/reactivate": {},
        "/admin/agencies/new": {"name": "New"},
        f"/admin/agencies/{school.id}/rename": {"name": "Renamed"},
        f"/admin/agencies/{school.id}/deactivate": {},
        f"/admin/agencies/{school.id}/reactivate": {},
        "/admin/settings": settings_form(rapid_review_days="10"),
        "/admin/closure-days/new": {"day": ["1", "1", "2024"], "name": "New year"},
        f"/admin/closure-days/{closure.id}/remove": {},
    }
    for path in gets:
        assert browser.get(path).status_code == 403, path
    for path, data in posts.items():
        assert browser.post(path, data).status_code == 403, path
    _db.session.expire_all()
    assert count(AdminChange) == 0
    assert count(User) == 3 and _db.session.get(User, target.id).role == "panel_member"
    assert _db.session.get(Agency, school.id).name == "Northbridge Primary School"
    assert count(ClosureDay) == 1
    assert _db.session.get(Partnership, partnership.id).rapid_review_days == 15


def test_an_invitation_can_be_suggested_for_an_agency(web, business_manager, partnership):
    from casework.services.partnerships import create_agency

    school = create_agency(partnership, "Northbridge Academy")
    page = web(business_manager).get(
        f"/admin/users/invite?role=agency_contributor&agency={school.id}"
    )
    text = page.get_data(as_text=True)
    assert 'value="agency_contributor" checked' in text
    assert f'value="{school.id}" selected' in text
