"""The in-app alerts: the list, the unread count on every page, marking read; failed email."""

from __future__ import annotations

from casework.services.alerts import sweep
from casework.services.today import london_today
from tests.factories import make_case, make_user
from workflows.calendar import working_days_between


def test_an_overdue_clock_reaches_the_managers_alerts_page_and_can_be_read(
    web, business_manager, partnership
):
    case = make_case(business_manager)  # notification due 8 March 2023: long overdue
    sweep(london_today())
    browser = web(business_manager)
    home = browser.get("/")
    assert "Alerts (1 unread)" in home.get_data(as_text=True)
    page = browser.get("/alerts/")
    assert page.title == "Alerts – Casework"
    text = page.get_data(as_text=True)
    assert case.reference in text and "Unread" in text
    late = working_days_between(case.clocks[0].due_on, london_today())
    assert f"Overdue by {late} working days" in text
    alert_id = text.split('action="/alerts/')[1].split("/read")[0]

    someone_else = make_user(partnership, "business_manager")
    assert web(someone_else).post(f"/alerts/{alert_id}/read").status_code == 404

    response = browser.post(f"/alerts/{alert_id}/read")
    assert response.status_code == 302
    after = browser.get("/alerts/").get_data(as_text=True)
    assert "Unread" not in after and "Alerts (1 unread)" not in after


def test_people_without_alerts_see_an_empty_state(web, scrutineer):
    page = web(scrutineer).get("/alerts/")
    assert "You have no alerts." in page.get_data(as_text=True)


def test_only_admins_see_undelivered_email(web, admin_user, business_manager):
    page = web(admin_user).get("/admin/failed-messages")
    assert page.status_code == 200 and page.title == "Undelivered email – Casework"
    assert "Every message has been delivered" in page.get_data(as_text=True)
    assert web(business_manager).get("/admin/failed-messages").status_code == 403
