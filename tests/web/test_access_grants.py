"""The access page: a business manager gives a person access to a case for a purpose until a
date, and takes it back; everyone else is refused."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

from casework.extensions import db as _db
from casework.models import CaseAccess
from casework.services.cases import get_case
from casework.services.errors import NotFound
from casework.services.today import london_today
from tests.factories import grant_access, make_case, make_token, make_user
from tests.web.pages import boxes_in_error


def boxes(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def grant_rows() -> list[tuple[int, bool]]:
    _db.session.expire_all()
    return [(a.user_id, a.revoked_at is not None) for a in _db.session.query(CaseAccess)]


def can_see(user, case_id: int) -> bool:
    try:
        get_case(user, case_id)
    except NotFound:
        return False
    return True


def revoke_paths(page: str) -> list[str]:
    """Where the list's "Take back access" buttons lead: the page that asks first."""
    return re.findall(r'href="(/cases/\d+/access/\d+/revoke)"', page)


def main(response) -> str:
    page = text(response)
    return page[page.index("<main") : page.index("</main>")]


def test_giving_and_taking_back_access(web, client, business_manager, panel_member):
    case = make_case(business_manager)
    manager = web(business_manager)
    until = london_today() + timedelta(days=30)
    assert not can_see(panel_member, case.id)

    page = manager.get(f"/cases/{case.id}/access")
    assert page.status_code == 200 and page.title == f"Who has access – {case.reference} – Casework"
    assert "Nobody has been given access to this case yet." in text(page)
    assert f'value="{panel_member.id}"' in text(page) and panel_member.name in text(page)

    done = manager.post(
        f"/cases/{case.id}/access",
        {
            "user_id": str(panel_member.id),
            "purpose": "Rapid review panel",
            "until_on": boxes(until),
        },
    )
    assert done.status_code == 302 and done.headers["Location"] == f"/cases/{case.id}/access"
    response = manager.get(done.headers["Location"])
    button = f'Take back access<span class="govuk-visually-hidden"> from {panel_member.name}</span>'
    assert button in response.get_data(as_text=True)
    page = text(response)
    assert f"{panel_member.name} has access to this case until {until.day} {until:%B %Y}." in page
    assert "Rapid review panel" in page and business_manager.name in page and "Has access" in page
    assert can_see(panel_member, case.id)
    token = {"Authorization": f"Bearer {make_token(panel_member)}"}
    assert client.get(f"/api/v1/cases/{case.id}", headers=token).status_code == 200

    [revoke] = revoke_paths(page)
    assert manager.get(revoke).status_code == 200  # asks first
    done = manager.post(revoke)
    assert done.status_code == 302
    page = text(manager.get(done.headers["Location"]))
    assert f"{panel_member.name} no longer has access to this case." in page
    assert "Taken back" in page and revoke_paths(page) == []
    assert not can_see(panel_member, case.id)
    assert client.get(f"/api/v1/cases/{case.id}", headers=token).status_code == 404
    assert manager.post(revoke).status_code == 302  # taking back twice changes nothing
    assert grant_rows() == [(panel_member.id, True)]


def test_taking_back_asks_first_and_changes_nothing_until_confirmed(
    web, client, business_manager, panel_member
):
    case = make_case(business_manager, pseudonym="Child T")
    until = london_today() + timedelta(days=30)
    grant_access(case.id, panel_member, business_manager, until)
    grant_id = _db.session.query(CaseAccess).one().id
    manager = web(business_manager)
    token = {"Authorization": f"Bearer {make_token(panel_member)}"}

    listed = text(manager.get(f"/cases/{case.id}/access"))
    ask = f"/cases/{case.id}/access/{grant_id}/revoke"
    assert revoke_paths(listed) == [ask]  # a link to the page that asks, not a form that acts
    assert f'action="{ask}"' not in listed

    response = manager.get(ask)
    question = f"Take back {panel_member.name}'s access to {case.reference}?"
    assert response.status_code == 200 and response.title == f"{question} – Casework"
    page = main(response)
    assert f'<h1 class="govuk-heading-l">{question}</h1>' in page
    assert "rapid review panel" in page and f"{until.day} {until:%B %Y}" in page
    assert f"{panel_member.name} will no longer see this case" in page
    # One form, posting back to this address (with a CSRF token: checked by WebClient), whose
    # only button is the red one; and a way back that changes nothing.
    assert page.count("<form") == 1 and '<form method="post" novalidate>' in page
    assert re.findall(r'<button[^>]*class="([^"]*)"[^>]*>\s*([^<]*?)\s*</button>', page) == [
        ("govuk-button govuk-button--warning", "Take back access")
    ]
    [cancel] = re.findall(r'<a class="govuk-link" href="([^"]+)">Cancel</a>', page)
    assert cancel == f"/cases/{case.id}/access"
    back = manager.get(cancel)
    assert back.status_code == 200 and back.title == f"Who has access – {case.reference} – Casework"
    assert "Has access" in text(back) and "no longer has access" not in text(back)

    # Looking at the question took nothing back.
    assert grant_rows() == [(panel_member.id, False)]
    assert can_see(panel_member, case.id)
    assert client.get(f"/api/v1/cases/{case.id}", headers=token).status_code == 200

    done = manager.post(ask)  # the red button
    assert done.status_code == 302 and done.headers["Location"] == f"/cases/{case.id}/access"
    assert f"{panel_member.name} no longer has access to this case." in text(
        manager.get(done.headers["Location"])
    )
    assert grant_rows() == [(panel_member.id, True)]
    assert not can_see(panel_member, case.id)
    assert client.get(f"/api/v1/cases/{case.id}", headers=token).status_code == 404


def test_a_grant_taken_back_or_ended_is_not_asked_about_again(web, business_manager, panel_member):
    """From a page left open, or the address again: back to the list, saying why."""
    reviewer = make_user(panel_member.partnership, "reviewer")
    case = make_case(business_manager)
    grant_access(case.id, panel_member, business_manager, london_today() + timedelta(days=30))
    grant_access(case.id, reviewer, business_manager, date(2023, 3, 31))
    taken_back, ended = [a.id for a in _db.session.query(CaseAccess).order_by(CaseAccess.id)]
    manager = web(business_manager)
    manager.get(manager.post(f"/cases/{case.id}/access/{taken_back}/revoke").headers["Location"])
    for grant_id, why in (
        (taken_back, f"{panel_member.name}'s access to this case was already taken back."),
        (ended, f"{reviewer.name}'s access to this case has already ended."),
    ):
        response = manager.get(f"/cases/{case.id}/access/{grant_id}/revoke")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/cases/{case.id}/access"
        assert why in text(manager.get(response.headers["Location"]))
    # Nothing changed: the ended grant stays "Ended", not "Taken back".
    assert sorted(grant_rows()) == sorted([(panel_member.id, True), (reviewer.id, False)])


def test_the_page_that_asks_is_refused_as_taking_back_is(
    web, business_manager, police_lead, scrutineer, panel_member, other_manager, admin_user
):
    case = make_case(business_manager)
    other = make_case(business_manager)
    grant_access(case.id, panel_member, business_manager, date(2099, 1, 1))
    grant_id = _db.session.query(CaseAccess).one().id
    ask = f"/cases/{case.id}/access/{grant_id}/revoke"
    expected = {
        police_lead: 403,
        scrutineer: 403,
        panel_member: 403,  # sees the case through the grant, but may not manage grants
        other_manager: 404,  # another partnership's case
        admin_user: 404,  # sees no case at all
    }
    for user, status in expected.items():
        response = web(user).get(ask)
        assert response.status_code == status, user.role
        assert case.reference not in text(response) and "Take back" not in text(response)
    manager = web(business_manager)
    assert manager.get(f"/cases/{other.id}/access/{grant_id}/revoke").status_code == 404
    assert manager.get(f"/cases/{case.id}/access/{2**40}/revoke").status_code == 404
    assert manager.get(f"/cases/{2**40}/access/{grant_id}/revoke").status_code == 404
    assert grant_rows() == [(panel_member.id, False)]


def test_ended_grants_are_listed_without_a_button(web, business_manager, panel_member):
    case = make_case(business_manager)
    grant_access(case.id, panel_member, business_manager, date(2023, 3, 31))
    page = text(web(business_manager).get(f"/cases/{case.id}/access"))
    assert "Ended" in page and "31 March 2023" in page and revoke_paths(page) == []


def test_errors_go_beside_the_fields(web, business_manager, panel_member):
    case = make_case(business_manager)
    manager = web(business_manager)
    response = manager.post(f"/cases/{case.id}/access", {"purpose": "", "until_on": ["", "", ""]})
    assert response.status_code == 200 and response.title.startswith("Error: Who has access")
    page = text(response)
    assert '<a href="#user_id">Choose who needs access</a>' in page
    assert '<a href="#purpose">Enter the purpose of the access</a>' in page
    assert '<a href="#until_on-day">Enter the date the access ends</a>' in page

    yesterday = london_today() - timedelta(days=1)
    response = manager.post(
        f"/cases/{case.id}/access",
        {"user_id": str(panel_member.id), "purpose": "Panel", "until_on": boxes(yesterday)},
    )
    page = text(response)
    assert '<a href="#until_on-day">The date must be today or in the future</a>' in page
    assert 'id="until_on-error"' in page

    response = manager.post(
        f"/cases/{case.id}/access",
        {"user_id": str(panel_member.id), "purpose": "Panel", "until_on": ["30", "2", "2030"]},
    )
    assert '<a href="#until_on-day">The date the access ends must be a real date</a>' in text(
        response
    )
    assert grant_rows() == []


def test_the_end_date_highlights_only_the_box_at_fault(web, business_manager, panel_member):
    """Month 13 is the month box alone; a real date in the past is wrong as a whole."""
    case = make_case(business_manager)
    manager = web(business_manager)
    form = {"user_id": str(panel_member.id), "purpose": "Panel"}
    response = manager.post(f"/cases/{case.id}/access", {**form, "until_on": ["30", "13", "2030"]})
    message = "The date the access ends must be a real date"
    assert f'<a href="#until_on-month">{message}</a>' in text(response)
    assert boxes_in_error(response, "until_on") == ["month"]

    yesterday = london_today() - timedelta(days=1)
    response = manager.post(f"/cases/{case.id}/access", {**form, "until_on": boxes(yesterday)})
    assert response.page.summary_links == ["#until_on-day"]
    assert boxes_in_error(response, "until_on") == ["day", "month", "year"]
    assert grant_rows() == []


def test_a_second_live_grant_is_refused_at_the_top(web, business_manager, panel_member):
    case = make_case(business_manager)
    grant_access(case.id, panel_member, business_manager, date(2099, 1, 1))
    response = web(business_manager).post(
        f"/cases/{case.id}/access",
        {"user_id": str(panel_member.id), "purpose": "Again", "until_on": ["1", "1", "2098"]},
    )
    assert response.status_code == 200
    assert f"{panel_member.name} already has access to this case until 1 January 2099." in text(
        response
    )
    assert len(grant_rows()) == 1


@pytest.mark.parametrize(
    "user_id", ["", "abc", "0", "-1", str(2**40), "99999", "1.5"], ids=lambda v: v or "empty"
)
def test_no_bad_person_gives_a_server_error(web, business_manager, user_id):
    case = make_case(business_manager)
    response = web(business_manager).post(
        f"/cases/{case.id}/access",
        {"user_id": user_id, "purpose": "Panel", "until_on": ["1", "1", "2099"]},
    )
    assert response.status_code == 200
    assert '<a href="#user_id">Choose who needs access</a>' in text(response)
    assert grant_rows() == []


def test_only_grant_roles_of_the_partnership_are_offered(
    web, business_manager, police_lead, scrutineer, panel_member, other_partnership
):
    case = make_case(business_manager)
    reviewer = make_user(case.partnership, "reviewer")
    outsider = make_user(other_partnership, "panel_member")
    page = text(web(business_manager).get(f"/cases/{case.id}/access"))
    offered = set(re.findall(r'name="user_id" type="radio" value="(\d+)"', page))
    assert offered == {str(panel_member.id), str(reviewer.id)}
    assert str(outsider.id) not in offered
    response = web(business_manager).post(
        f"/cases/{case.id}/access",
        {"user_id": str(police_lead.id), "purpose": "Panel", "until_on": ["1", "1", "2099"]},
    )
    assert '<a href="#user_id">Choose who needs access</a>' in text(response)


def test_everyone_but_a_business_manager_is_refused(
    web, business_manager, police_lead, scrutineer, panel_member, other_manager, admin_user
):
    case = make_case(business_manager)
    grant_access(case.id, panel_member, business_manager, date(2099, 1, 1))
    grant_id = _db.session.query(CaseAccess).one().id
    give = {"user_id": str(panel_member.id), "purpose": "x", "until_on": ["1", "1", "2099"]}
    expected = {
        police_lead: 403,
        scrutineer: 403,
        panel_member: 403,  # sees the case through the grant, but may not manage grants
        other_manager: 404,  # another partnership's case
        admin_user: 404,  # sees no case at all
    }
    for user, status in expected.items():
        browser = web(user)
        assert browser.get(f"/cases/{case.id}/access").status_code == status, user.role
        assert browser.post(f"/cases/{case.id}/access", give).status_code == status, user.role
        revoke = browser.post(f"/cases/{case.id}/access/{grant_id}/revoke")
        assert revoke.status_code == status, user.role
    assert grant_rows() == [(panel_member.id, False)]


def test_unknown_grants_and_cases_are_not_found(web, business_manager, panel_member):
    case = make_case(business_manager)
    other = make_case(business_manager)
    grant_access(other.id, panel_member, business_manager, date(2099, 1, 1))
    grant_id = _db.session.query(CaseAccess).one().id
    manager = web(business_manager)
    assert manager.post(f"/cases/{case.id}/access/{grant_id}/revoke").status_code == 404
    assert manager.post(f"/cases/{case.id}/access/{2**40}/revoke").status_code == 404
    assert manager.get(f"/cases/{2**40}/access").status_code == 404
    assert manager.get("/cases/999999/access").status_code == 404
    assert grant_rows() == [(panel_member.id, False)]


def test_a_move_to_a_role_without_grants_takes_them_back_for_good(
    web, business_manager, panel_member, admin_user
):
    from casework.services.admin_users import change_role

    case = make_case(business_manager)
    grant_access(case.id, panel_member, business_manager, london_today() + timedelta(days=30))
    change_role(admin_user, panel_member.id, role="scrutineer")  # sees every case anyway
    change_role(admin_user, panel_member.id, role="panel_member")
    assert grant_rows() == [(panel_member.id, True)]
    assert not can_see(panel_member, case.id)
    page = text(web(business_manager).get(f"/cases/{case.id}/access"))
    assert "Taken back" in page and "Take back access" not in page


def test_a_deactivated_persons_grant_is_taken_back_and_stays_so(
    web, business_manager, panel_member, admin_user
):
    from casework.services.admin_users import set_user_active

    case = make_case(business_manager)
    grant_access(case.id, panel_member, business_manager, london_today() + timedelta(days=30))
    set_user_active(admin_user, panel_member.id, False)
    set_user_active(admin_user, panel_member.id, True)
    assert grant_rows() == [(panel_member.id, True)]
    assert not can_see(panel_member, case.id)


def test_a_grant_that_does_not_work_now_says_why_and_can_be_taken_back(
    web, business_manager, panel_member
):
    """Grants held before a role change took them back (or changed in the database): the
    lists say what is true, and the manager can still take them back."""
    case = make_case(business_manager)
    grant_access(case.id, panel_member, business_manager, london_today() + timedelta(days=30))
    panel_member.role = "scrutineer"
    _db.session.commit()
    manager = web(business_manager)
    access_page = text(manager.get(f"/cases/{case.id}/access"))
    assert "Role changed: no access" in access_page and "Has access" not in access_page
    assert "Take back access" in access_page
    case_page = text(manager.get(f"/cases/{case.id}"))
    held = case_page[case_page.index("Who holds access") :]
    assert "Role changed: no access" in held
    grant_id = _db.session.query(CaseAccess).one().id
    ask = text(manager.get(f"/cases/{case.id}/access/{grant_id}/revoke"))
    assert f"{panel_member.name} cannot see this case now (role changed: no access)" in ask
    manager.post(f"/cases/{case.id}/access/{grant_id}/revoke")
    assert grant_rows() == [(panel_member.id, True)]


def test_taking_back_all_leaves_an_ended_grant_ended(
    web, business_manager, panel_member, admin_user
):
    from casework.services.admin_users import set_user_active

    case = make_case(business_manager)
    grant_access(case.id, panel_member, business_manager, date(2023, 3, 31))
    set_user_active(admin_user, panel_member.id, False)
    assert grant_rows() == [(panel_member.id, False)]


def test_taking_back_an_ended_grant_by_its_address_leaves_it_ended(
    web, business_manager, panel_member
):
    """The page offers no button for it, but the address can still be posted to."""
    case = make_case(business_manager)
    grant_access(case.id, panel_member, business_manager, date(2023, 3, 31))
    grant_id = _db.session.query(CaseAccess).one().id
    response = web(business_manager).post(f"/cases/{case.id}/access/{grant_id}/revoke")
    assert response.status_code == 302
    assert grant_rows() == [(panel_member.id, False)]  # not recorded as taken back
