"""The case pages: the list and its filters, opening a case, and the case page for each role."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import url_for
from sqlalchemy import event as sa_event
from sqlalchemy import func, insert, select

from casework.extensions import db as _db
from casework.models import Case, Clock
from casework.services import case_list, case_pages
from casework.services.case_timeline import ClockMark, HoldSpan, Stage, draw_timeline
from casework.services.events import fire_event
from casework.services.today import london_today
from casework.services.wording import status_words
from casework.web.template_helpers import fixed_url, page_url
from tests.factories import advance_case, grant_access, make_case
from tests.web.pages import boxes_in_error


def on_day(monkeypatch, day: date) -> None:
    """Make the case pages judge clocks as if today were `day`."""
    monkeypatch.setattr(case_pages, "london_today", lambda: day)
    monkeypatch.setattr(case_list, "london_today", lambda: day)


def listed(response) -> list[int]:
    """The case ids the list links to, in order."""
    return [int(i) for i in re.findall(r'href="/cases/(\d+)"', response.get_data(as_text=True))]


def text_of(response) -> str:
    """The page as text, whitespace collapsed, for phrases split over template lines."""
    return " ".join(response.get_data(as_text=True).split())


def event_links(response) -> list[str]:
    return re.findall(r'href="/cases/\d+/events/(\w+)"', response.get_data(as_text=True))


def clock_tags(client, case_id: int) -> dict[str, str]:
    """Each clock's tag on the case page, by label: "Due in 3 working days (govuk-tag--blue)"."""
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    clocks = page[page.index(">Clocks</h2>") : page.index(">Timeline</h2>")]
    shown = {}
    for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", clocks, re.S)[1:]:
        label = re.search(r'<td class="govuk-table__cell">([^<]+)', row).group(1).strip()
        colour, words = re.findall(r'govuk-tag (govuk-tag--\w+)">([^<]+)<', row)[-1]
        shown[label] = f"{words} ({colour})"
    return shown


# ---- The list ------------------------------------------------------------------------------


def test_the_list_links_each_case_and_tags_the_overdue_ones(web, business_manager, monkeypatch):
    referred = make_case(business_manager, pseudonym="Child A")
    notified = make_case(business_manager, pseudonym="Child B")
    fire_event(business_manager, notified.id, "notify", {"on": "2023-03-06"})
    on_day(monkeypatch, date(2023, 3, 9))  # the referred case's notification was due 8 March

    response = web(business_manager).get("/cases/")
    assert response.status_code == 200 and response.title == "Cases – Casework"
    assert listed(response) == [notified.id, referred.id]  # newest first
    page = text_of(response)
    assert page.count("govuk-tag--red") == 1
    row = re.search(rf"{referred.reference}.*?</tr>", page).group(0)
    assert "Child A" in row and "Serious harm" in row and "Referred" in row
    assert "Overdue" in row and "1 March 2023" in row
    assert "Showing 1 to 2 of 2 cases" in page


def test_filters_on_state_overdue_nature_year_and_text(web, business_manager, monkeypatch):
    quinn = make_case(business_manager, pseudonym="Child Quinn", nature="death")
    older = make_case(
        business_manager, incident_on="2022-11-01", la_aware_on="2022-11-02", pseudonym="100%"
    )
    notified = make_case(business_manager, nature="other")
    fire_event(business_manager, notified.id, "notify", {"on": "2023-03-06"})
    on_day(monkeypatch, date(2023, 3, 9))
    client = web(business_manager)

    def ids(query: str) -> set[int]:
        response = client.get("/cases/?" + query)
        assert response.status_code == 200
        return set(listed(response))

    assert ids("state=rapid_review") == {notified.id}
    assert ids("overdue=true") == {quinn.id, older.id}
    assert ids("overdue=false") == {notified.id}
    assert ids("nature=death") == {quinn.id}
    assert ids("year=2022") == {older.id}
    assert ids("year=2023&nature=other") == {notified.id}
    assert ids("q=QUINN") == {quinn.id}  # the pseudonym, ignoring case
    assert ids(f"q={notified.reference.lower()}") == {notified.id}  # the reference
    assert ids("q=100%25") == {older.id}  # % is matched literally, not as a wildcard
    assert ids("q=0%25") == {older.id}
    assert ids("q=%25%25") == set()
    assert ids("state=&overdue=&nature=&year=&q=") == {quinn.id, older.id, notified.id}

    response = client.get("/cases/?state=rapid_review&nature=other")
    assert '<option value="rapid_review" selected>' in response.get_data(as_text=True)
    assert '<option value="other" selected>' in response.get_data(as_text=True)


def test_a_filter_that_makes_no_sense_is_shown_as_an_error(web, business_manager):
    make_case(business_manager)
    response = web(business_manager).get("/cases/?year=23&state=sideways")
    assert response.status_code == 200
    assert response.title == "Error: Cases – Casework"
    page = text_of(response)
    assert 'href="#year"' in page and "Enter a year with 4 digits, like 2023" in page
    assert 'href="#state"' in page and "Choose a state from the list" in page
    assert len(listed(response)) == 1  # the bad filters are ignored, not fatal
    response = web(business_manager).get("/cases/?year=0001")
    assert response.status_code == 200 and 'href="#year"' in text_of(response)


def test_pagination_keeps_the_filters_and_says_which_page(web, business_manager):
    made = [make_case(business_manager, nature="death").id for _ in range(27)]
    make_case(business_manager, nature="other")
    client = web(business_manager)

    first = client.get("/cases/?nature=death")
    assert first.title == "Cases (page 1 of 2) – Casework"
    assert listed(first) == made[::-1][:25]
    page = first.get_data(as_text=True)
    assert 'class="govuk-pagination"' in page
    assert 'href="/cases/?page=2&amp;nature=death" rel="next"' in page
    assert 'aria-current="page">1</a>' in page
    assert "Showing 1 to 25 of 27 cases" in text_of(first)

    second = client.get("/cases/?nature=death&page=2")
    assert second.title == "Cases (page 2 of 2) – Casework"
    assert listed(second) == made[::-1][25:]
    assert 'rel="prev"' in second.get_data(as_text=True)
    assert 'rel="next"' not in second.get_data(as_text=True)
    assert "Showing 26 to 27 of 27 cases" in text_of(second)

    beyond = client.get("/cases/?nature=death&page=9")
    assert listed(beyond) == [] and "There are no cases on this page" in text_of(beyond)
    assert beyond.title == "Cases (page 9: no cases on this page) – Casework"


def test_page_numbers_skip_the_middle():
    assert case_list.page_numbers(1, 1) == [1]
    assert case_list.page_numbers(1, 3) == [1, 2, 3]
    assert case_list.page_numbers(5, 20) == [1, None, 4, 5, 6, None, 20]
    assert case_list.page_numbers(20, 20) == [1, None, 19, 20]


def test_an_empty_list_says_so(web, business_manager, panel_member):
    page = text_of(web(business_manager).get("/cases/"))
    assert "No cases found" in page and "There are no cases yet" in page
    assert 'href="/cases/new"' in page
    page = text_of(web(panel_member).get("/cases/"))
    assert "A business manager gives access when your help is needed" in page
    assert 'href="/cases/new"' not in page
    page = text_of(web(business_manager).get("/cases/?state=closed"))
    assert "No case you can see matches these filters" in page


def test_the_list_shows_only_what_the_user_may_see(
    web, business_manager, other_manager, panel_member, admin_user
):
    ours = make_case(business_manager)
    granted = make_case(business_manager)
    make_case(other_manager)
    grant_access(granted.id, panel_member, business_manager, date.today() + timedelta(days=30))
    assert set(listed(web(business_manager).get("/cases/"))) == {ours.id, granted.id}
    assert listed(web(panel_member).get("/cases/")) == [granted.id]
    assert web(admin_user).get("/cases/").status_code == 403
    assert web(admin_user).get(f"/cases/{ours.id}").status_code == 403


# ---- Opening a case ------------------------------------------------------------------------


def test_only_business_managers_open_cases(web, leads, scrutineer, panel_member, admin_user):
    for user in (leads["police"], scrutineer, panel_member, admin_user):
        client = web(user)
        assert client.get("/cases/new").status_code == 403
        assert client.post("/cases/new", {"nature": "death"}).status_code == 403
    assert _db.session.scalar(select(Case.id)) is None


def test_opening_a_case_through_the_form(web, business_manager):
    client = web(business_manager)
    form = client.get("/cases/new")
    assert form.title == "Open a case – Casework"
    html = form.get_data(as_text=True)
    for box in ("incident_on-day", "incident_on-month", "incident_on-year", "la_aware_on-day"):
        assert f'id="{box}"' in html
    response = client.post(
        "/cases/new",
        {
            "nature": "death",
            "incident_on": ["27", "2", "2023"],
            "la_aware_on": ["1", "3", "2023"],
            "pseudonym": "Child R",
            "summary": "Referred by the hospital.",
        },
    )
    assert response.status_code == 302
    case = _db.session.scalar(select(Case))
    assert response.headers["Location"] == f"/cases/{case.id}"
    assert (case.nature, case.incident_on, case.la_aware_on) == (
        "death",
        date(2023, 2, 27),
        date(2023, 3, 1),
    )
    assert case.pseudonym == "Child R" and case.created_by_id == business_manager.id
    shown = client.get(response.headers["Location"])
    assert shown.title == f"Case {case.reference} – Casework"
    page = text_of(shown)
    assert "govuk-notification-banner--success" in page
    assert f"Case {case.reference} is open." in page


def test_a_nul_character_in_a_form_is_refused_and_nothing_is_saved(web, business_manager):
    """PostgreSQL cannot store a NUL in text: it used to fail as a server error there."""
    client = web(business_manager)
    response = client.post(
        "/cases/new",
        {
            "nature": "death",
            "incident_on": ["27", "2", "2023"],
            "la_aware_on": ["1", "3", "2023"],
            "summary": "Referred\x00 by the hospital.",
        },
    )
    assert response.status_code == 400
    assert "contains a character that cannot be saved (a NUL character" in text_of(response)
    assert _db.session.scalar(select(Case.id)) is None
    searched = client.get("/cases/?q=Child%00R")
    assert searched.status_code == 400
    assert "contains a character that cannot be saved" in text_of(searched)
    # isdigit() takes them all; int() (past 4,300 digits) or SQL did not
    for page in ("²", "99999999999999999999", "9" * 5000):
        assert client.get(f"/cases/?page={page}").status_code == 200


def test_an_impossible_date_is_an_error_linked_to_its_day_box(web, business_manager):
    client = web(business_manager)
    response = client.post(
        "/cases/new",
        {"nature": "death", "incident_on": ["31", "2", "2023"], "la_aware_on": ["1", "3", "2023"]},
    )
    assert response.status_code == 200
    assert response.title == "Error: Open a case – Casework"
    page = text_of(response)
    assert "govuk-error-summary" in page
    assert '<a href="#incident_on-day">The date of the incident must be a real date</a>' in page
    assert 'id="incident_on-error"' in page  # beside the field too
    assert 'value="31"' in page  # what was typed is kept
    assert _db.session.scalar(select(Case.id)) is None


def test_the_services_errors_land_beside_the_right_fields(web, business_manager):
    client = web(business_manager)
    tomorrow = london_today() + timedelta(days=1)  # the service's today is London's
    response = client.post(
        "/cases/new",
        {
            "incident_on": ["", "", ""],
            "la_aware_on": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)],
        },
    )
    page = text_of(response)
    assert '<a href="#nature">Select what happened to the child</a>' in page
    assert '<a href="#incident_on-day">Enter the date of the incident</a>' in page
    assert 'id="nature"' in page  # the first radio takes the summary's link

    response = client.post(
        "/cases/new",
        {
            "nature": "other",
            "incident_on": ["1", "3", "2023"],
            "la_aware_on": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)],
        },
    )
    assert '<a href="#la_aware_on-day">The date cannot be in the future</a>' in text_of(response)
    response = client.post(
        "/cases/new",
        {"nature": "other", "incident_on": ["2", "3", "2023"], "la_aware_on": ["1", "", "23"]},
    )
    assert "must include a month" in text_of(response)
    assert _db.session.scalar(select(Case.id)) is None


def test_a_date_error_highlights_and_links_only_the_boxes_at_fault(web, business_manager):
    """GOV.UK's date input rule: a date left empty, or a real date that breaks a rule, is
    wrong as a whole (every box); a missing year is the year box alone."""
    client = web(business_manager)
    response = client.post(
        "/cases/new",
        {"nature": "death", "incident_on": ["", "", ""], "la_aware_on": ["1", "3", ""]},
    )
    page = text_of(response)
    assert '<a href="#incident_on-day">Enter the date of the incident</a>' in page
    message = "The date the local authority became aware must include a year"
    assert f'<a href="#la_aware_on-year">{message}</a>' in page
    assert response.page.summary_links == ["#incident_on-day", "#la_aware_on-year"]
    assert boxes_in_error(response, "incident_on") == ["day", "month", "year"]
    assert boxes_in_error(response, "la_aware_on") == ["year"]

    next_week = date.today() + timedelta(days=7)
    response = client.post(
        "/cases/new",
        {
            "nature": "other",
            "incident_on": ["1", "3", "2023"],
            "la_aware_on": [str(next_week.day), str(next_week.month), str(next_week.year)],
        },
    )
    assert response.page.summary_links == ["#la_aware_on-day"]
    assert boxes_in_error(response, "la_aware_on") == ["day", "month", "year"]
    assert boxes_in_error(response, "incident_on") == []
    assert _db.session.scalar(select(Case.id)) is None


# ---- The case page: who sees it, and what ---------------------------------------------------


def test_another_partnerships_case_is_not_found(web, business_manager, other_manager):
    case = make_case(business_manager)
    response = web(other_manager).get(f"/cases/{case.id}")
    assert response.status_code == 404
    assert case.reference not in response.get_data(as_text=True)
    assert web(business_manager).get(f"/cases/{case.id + 1000}").status_code == 404


def test_a_panel_member_needs_a_grant_and_then_only_reads(web, business_manager, panel_member):
    case = make_case(business_manager)
    client = web(panel_member)
    assert client.get(f"/cases/{case.id}").status_code == 404
    grant_access(case.id, panel_member, business_manager, date.today() + timedelta(days=30))
    response = client.get(f"/cases/{case.id}")
    assert response.status_code == 200 and case.reference in response.title
    page = text_of(response)
    assert event_links(response) == []
    assert "govuk-inset-text" not in page and "What you can do" not in page
    assert "Manage access" not in page
    assert "Who holds access" not in page and "Who has read this case" not in page


def test_a_scrutineer_sees_no_action_but_sees_the_read_audit(
    web, business_manager, scrutineer, leads, panel_member, monkeypatch
):
    case = make_case(business_manager)
    fire_event(business_manager, case.id, "notify", {"on": "2023-03-06"})
    grant_access(case.id, panel_member, business_manager, date.today() + timedelta(days=30))
    on_day(monkeypatch, date(2023, 3, 9))
    manager = web(business_manager)
    manager.get(f"/cases/{case.id}")
    manager.get(f"/cases/{case.id}")
    response = web(scrutineer).get(f"/cases/{case.id}")

    page = text_of(response)
    assert event_links(response) == []
    assert "govuk-inset-text" not in page and "Manage access" not in page
    assert "govuk-button" not in page[page.index("<main") :]  # sign-out is the only button
    audit = page[page.index("Who has read this case") :]
    manager_row = re.search(rf"{business_manager.name}</td>.*?</tr>", audit).group(0)
    assert "Business manager" in manager_row and ">2</td>" in manager_row
    scrutineer_row = re.search(rf"{scrutineer.name}</td>.*?</tr>", audit).group(0)
    assert ">1</td>" in scrutineer_row
    assert audit.index(scrutineer.name) < audit.index(business_manager.name)  # latest first
    access = page[page.index("Who holds access") : page.index("Who has read this case")]
    assert panel_member.name in access and "rapid review panel" in access and "Has access" in access

    lead_page = text_of(web(leads["police"]).get(f"/cases/{case.id}"))
    assert "Who holds access" in lead_page and "Who has read this case" not in lead_page


def test_a_business_manager_sees_the_actions_and_manage_access(web, business_manager):
    case = make_case(business_manager)
    response = web(business_manager).get(f"/cases/{case.id}")
    assert event_links(response) == ["notify", "decline_notification", "place_hold"]
    page = response.get_data(as_text=True)
    assert f'href="/cases/{case.id}/access"' in page and "Manage access" in page
    assert "There is no open hold to lift" not in page


def test_a_hold_left_open_on_a_withdrawn_case_is_offered_for_lifting(web, business_manager):
    case = make_case(business_manager)
    fire_event(business_manager, case.id, "notify", {"on": "2023-03-06"})
    fire_event(business_manager, case.id, "place_hold", {"on": "2023-03-07", "reason": "inquest"})
    fire_event(business_manager, case.id, "withdraw", {"on": "2023-03-08", "reason": "x"})
    manager = web(business_manager)
    response = manager.get(f"/cases/{case.id}")
    assert event_links(response) == ["lift_hold"]
    page = text_of(response)
    assert "On hold since 7 March 2023: inquest." in page
    assert "On hold (inquest)" not in page  # the cancelled clock runs no longer

    lifted = manager.post(f"/cases/{case.id}/events/lift_hold", {"on": ["9", "3", "2023"]})
    assert lifted.status_code == 302, lifted.get_data(as_text=True)
    response = manager.get(f"/cases/{case.id}")
    assert event_links(response) == []
    assert "On hold" not in text_of(response)


def test_guards_show_the_reason_the_api_gives(web, business_manager, leads):
    case = make_case(business_manager)
    fire_event(business_manager, case.id, "notify", {"on": "2023-03-06"})
    manager = web(business_manager)

    page = text_of(manager.get(f"/cases/{case.id}"))
    assert (
        "Submit the rapid review:</span> The rapid review cannot be submitted until a decision "
        "is recorded." in page
    )
    assert "There is no decision to sign off yet: record the rapid review decision first." in page
    police = web(leads["police"]).get(f"/cases/{case.id}")
    assert event_links(police) == []
    assert "There is no decision to sign off yet" in text_of(police)

    fire_event(
        business_manager,
        case.id,
        "record_decision",
        {"on": "2023-03-14", "decision": "lcspr", "rationale": "Criteria met"},
    )
    fire_event(leads["local_authority"], case.id, "sign_off", {"on": "2023-03-15"})
    response = manager.get(f"/cases/{case.id}")
    assert "submit_rapid_review" not in event_links(response)
    assert "sign_off" in event_links(response)
    assert (
        "The rapid review cannot be submitted until the police and health (the ICB) have signed "
        "off the decision." in text_of(response)
    )
    police = web(leads["police"]).get(f"/cases/{case.id}")
    assert event_links(police) == ["sign_off"]
    assert "govuk-inset-text" not in text_of(police)
    la = web(leads["local_authority"]).get(f"/cases/{case.id}")
    assert event_links(la) == []
    assert "The local authority have already signed off this decision." in text_of(la)
    sign_offs = text_of(la)
    assert "Sign-offs of the decision" in sign_offs and "15 March 2023" in sign_offs


def test_clock_tags_say_the_status_in_working_days(web, business_manager, leads, monkeypatch):
    late = make_case(business_manager)  # aware Wed 1 March 2023: notification due Wed 8 March
    fire_event(business_manager, late.id, "notify", {"on": "2023-03-10"})  # 9 and 10: 2 late
    client = web(business_manager)

    def tags(case_id: int) -> dict[str, str]:
        return clock_tags(client, case_id)

    # The rapid review clock runs 15 working days from Fri 10 March: due Fri 31 March.
    on_day(monkeypatch, date(2023, 3, 22))
    assert tags(late.id) == {
        "Notification": "Met late by 2 working days (govuk-tag--orange)",
        "Rapid review": "Due in 7 working days (govuk-tag--blue)",  # 23, 24, 27 ... 31
    }
    on_day(monkeypatch, date(2023, 4, 5))
    assert tags(late.id)["Rapid review"] == "Overdue by 3 working days (govuk-tag--red)"

    case = make_case(business_manager)
    advance_case(case.id, business_manager, leads, "commissioning")
    # Decision Tue 14 March; Good Friday 7 April and Easter Monday 10 April are not working
    # days: reviewer appointment due Thu 13 April (20), terms of reference Thu 27 April (30).
    on_day(monkeypatch, date(2023, 4, 14))
    shown = tags(case.id)
    assert shown["Notification"] == "Met (govuk-tag--green)"
    assert shown["Rapid review"] == "Met (govuk-tag--green)"
    assert shown["Panel response"] == "Met (govuk-tag--green)"
    assert shown["Reviewer appointment"] == "Overdue by 1 working day (govuk-tag--red)"
    assert shown["Terms of reference"] == "Due in 9 working days (govuk-tag--blue)"
    assert shown["Publication"].startswith("Due in ")

    fire_event(business_manager, case.id, "place_hold", {"on": "2023-04-14", "reason": "inquest"})
    shown = tags(case.id)
    assert shown["Reviewer appointment"] == "Paused (govuk-tag--grey)"
    assert shown["Terms of reference"] == "Paused (govuk-tag--grey)"
    assert shown["Publication"].startswith("Due in ")  # statutory: never paused

    withdrawn = make_case(business_manager)
    fire_event(business_manager, withdrawn.id, "notify", {"on": "2023-03-06"})
    fire_event(business_manager, withdrawn.id, "withdraw", {"on": "2023-03-07", "reason": "x"})
    assert tags(withdrawn.id)["Rapid review"] == "Cancelled (govuk-tag--grey)"


def test_clock_words():
    def words(status, days_left, days_late, due_on=date(2024, 6, 14), today=date(2024, 6, 14)):
        return status_words(status, days_left, days_late, due_on, today)

    assert words("running", 1, None) == "Due in 1 working day"
    assert words("running", 0, None) == "Due today"
    assert words("overdue", None, 4) == "Overdue by 4 working days"
    assert words("overdue", None, 0) == "Overdue"  # due on a Saturday, looked at on Sunday
    assert words("met_late", None, 1) == "Met late by 1 working day"
    assert [words(s, None, None) for s in ("met", "paused", "cancelled", "pending")] == [
        "Met",
        "Paused",
        "Cancelled",
        "Not started",
    ]


def test_a_clock_due_on_a_saturday_is_not_due_today_on_the_friday(
    web, business_manager, leads, monkeypatch
):
    # Decision Fri 15 December 2023: publication due 6 calendar months later, Sat 15 June 2024.
    case = make_case(business_manager, incident_on="2023-12-01", la_aware_on="2023-12-04")
    for event, facts in (
        ("notify", {"on": "2023-12-05"}),
        ("record_decision", {"on": "2023-12-15", "decision": "lcspr", "rationale": "Met"}),
    ):
        fire_event(business_manager, case.id, event, facts)
    for lead in leads.values():
        fire_event(lead, case.id, "sign_off", {"on": "2023-12-15"})
    fire_event(business_manager, case.id, "submit_rapid_review", {"on": "2023-12-18"})
    fire_event(
        business_manager,
        case.id,
        "record_panel_response",
        {"on": "2024-01-08", "panel_response": "agree"},
    )
    client = web(business_manager)

    def publication_tag(day: date) -> str:
        on_day(monkeypatch, day)
        return clock_tags(client, case.id)["Publication"]

    assert publication_tag(date(2024, 6, 13)) == "Due in 1 working day (govuk-tag--blue)"
    assert publication_tag(date(2024, 6, 14)) == "Due on Saturday 15 June 2024 (govuk-tag--blue)"
    assert publication_tag(date(2024, 6, 15)) == "Due today (govuk-tag--blue)"
    assert publication_tag(date(2024, 6, 16)) == "Overdue (govuk-tag--red)"
    assert publication_tag(date(2024, 6, 17)) == "Overdue by 1 working day (govuk-tag--red)"


def test_the_case_page_shows_the_history_and_the_timeline(
    web, business_manager, leads, monkeypatch
):
    case = make_case(business_manager, pseudonym="Child S")
    fire_event(business_manager, case.id, "notify", {"on": "2023-03-10"})  # notification late
    fire_event(business_manager, case.id, "place_hold", {"on": "2023-03-13", "reason": "inquest"})
    fire_event(business_manager, case.id, "lift_hold", {"on": "2023-03-20"})
    fire_event(
        business_manager,
        case.id,
        "record_decision",
        {"on": "2023-03-14", "decision": "no_lcspr", "rationale": "Learning elsewhere"},
    )
    on_day(monkeypatch, date(2023, 3, 22))
    response = web(business_manager).get(f"/cases/{case.id}")
    html = response.get_data(as_text=True)
    page = text_of(response)

    history = page[page.index(">History</h2>") :]
    for words in ("Case opened", "Panel notified", "Hold placed", "Hold lifted"):
        assert words in history
    assert "Referred → Rapid review" in history and "Rapid review (no change)" in history
    assert "No local review: the learning is taken forward another way" in history
    assert business_manager.name in history
    assert "Learning elsewhere" in page and "Decision and the Panel's response" in page

    svg = html[
        html.index('<svg class="casework-timeline"') : html.index(
            "</svg>", html.index("casework-timeline")
        )
    ]
    assert 'role="img"' in svg and 'aria-labelledby="timeline-title timeline-desc"' in svg
    assert '<title id="timeline-title">' in svg and '<desc id="timeline-desc">' in svg
    assert svg.count('<rect class="casework-timeline__stage') == 2  # referred, rapid review
    assert svg.count("casework-timeline__stage--current") == 1
    assert svg.count("casework-timeline__hold") == 1
    assert "casework-timeline__met casework-timeline__late" in svg  # notified 2 days late
    assert "casework-timeline__today" in svg
    assert "style=" not in html and "<script>" not in html  # the CSP forbids inline styles

    stages = page[page.index("Stages</caption>") : page.index("Clock dates</caption>")]
    cells = re.findall(r'<td class="govuk-table__cell">([^<]*)</td>', stages)
    assert cells == [
        "Referred",
        "1 March 2023",
        "10 March 2023",
        "Rapid review",
        "10 March 2023",
        "Now",
    ]
    dates = page[page.index("Clock dates</caption>") : page.index("Holds</caption>")]
    assert "8 March 2023" in dates and "10 March 2023 (late)" in dates
    assert "31 March 2023" in dates and "Not yet" in dates


def test_what_people_typed_is_escaped_in_the_history(web, business_manager, leads, partnership):
    """The history's rows are written in Python (casework/web/page_rows.py), not by
    Jinja's autoescaping: markup typed into a fact or a name must still arrive as text."""
    from tests.factories import make_user

    case = make_case(business_manager)
    advance_case(case.id, business_manager, leads, "commissioning")
    hostile = '<script>alert("x")</script> & <b>'
    fire_event(
        business_manager,
        case.id,
        "appoint_reviewer",
        {"on": "2023-04-12", "reviewer": {"name": hostile, "organisation": "Org <i>"}},
    )
    manager = make_user(partnership, "business_manager")
    manager.name = "Ann <em>Smith</em>"
    _db.session.commit()
    fire_event(manager, case.id, "place_hold", {"on": "2023-04-13", "reason": "inquest"})
    html = web(business_manager).get(f"/cases/{case.id}").get_data(as_text=True)
    history = html[html.index(">History</h2>") :]
    assert "<script>" not in html and "<b>" not in html and "<em>" not in html
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;, Org &lt;i&gt;"
    assert escaped in history
    assert "Ann &lt;em&gt;Smith&lt;/em&gt;<br>" in history


def test_what_people_typed_is_escaped_in_the_case_list(web, business_manager):
    """The list's rows and its filters' options are written in Python too."""
    make_case(business_manager, pseudonym='Child <b>"Q"</b> & co')
    html = web(business_manager).get("/cases/?q=Child").get_data(as_text=True)
    assert "<b>" not in html
    assert "Child &lt;b&gt;&#34;Q&#34;&lt;/b&gt; &amp; co" in html
    assert '<option value="rapid_review">Rapid review</option>' in html
    filtered = web(business_manager).get("/cases/?state=rapid_review").get_data(as_text=True)
    assert '<option value="rapid_review" selected>Rapid review</option>' in filtered


def test_the_rows_written_in_python_escape_as_jinja_would():
    from markupsafe import Markup, escape

    from casework.web import page_rows

    values = ["Child Q", "O'Brien", 'say "hi"', "a > b", "a < b", "Tom & Jerry", "", 42, 1.5]
    values += [date(2023, 3, 1), Markup("<i>ok</i>")]
    for value in values:
        assert page_rows._text(value) == str(escape(value))


def test_the_timeline_geometry():
    timeline = draw_timeline(
        [
            Stage("referred", date(2023, 3, 1), date(2023, 3, 11)),
            Stage("rapid_review", date(2023, 3, 11), None),
        ],
        [ClockMark("Notification", date(2023, 3, 8), date(2023, 3, 10), True)],
        [HoldSpan("inquest", date(2023, 3, 13), None)],
        date(2023, 3, 21),
    )
    first, second = timeline.bars
    assert first.x == timeline.plot_left  # the earliest date is the left edge
    assert second.x == pytest.approx(first.x + first.width)
    assert second.x + second.width == timeline.today_x == timeline.plot_right  # today: the end
    assert second.current and not first.current
    (clock,) = timeline.clocks
    assert clock.met_late and not clock.due_late and clock.met_x > first.x
    (hold,) = timeline.holds
    assert hold.x + hold.width == pytest.approx(timeline.today_x)
    assert [t.label for t in timeline.ticks] == ["6 Mar", "13 Mar", "20 Mar"]
    assert "2 stages" in timeline.description and "1 late" in timeline.description
    long = draw_timeline([Stage("referred", date(2022, 1, 1), None)], [], [], date(2026, 1, 1))
    assert [t.label for t in long.ticks] == ["Jan 2023", "Jan 2024", "Jan 2025", "Jan 2026"]


def test_page_titles_tell_the_pages_apart(web, business_manager):
    first, second = make_case(business_manager), make_case(business_manager)
    client = web(business_manager)
    titles = {
        client.get(path).title
        for path in ("/cases/", "/cases/new", f"/cases/{first.id}", f"/cases/{second.id}")
    }
    assert len(titles) == 4
    assert f"Case {first.reference} – Casework" in titles


# ---- Query counts --------------------------------------------------------------------------


class Statements:
    """Count the SQL statements sent while the block runs."""

    def __init__(self):
        self.count = 0

    def _seen(self, *args):
        self.count += 1

    def __enter__(self):
        sa_event.listen(_db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        sa_event.remove(_db.engine, "before_cursor_execute", self._seen)


def add_cases(manager, count: int, start: int) -> None:
    """Many cases at once, each with an overdue clock, straight into the tables."""
    rows = [
        {
            "partnership_id": manager.partnership_id,
            "reference": f"BULK-{start + n:05d}",
            "nature": "death",
            "state": "referred",
            "state_entered_on": date(2023, 3, 1),
            "incident_on": date(2023, 2, 27),
            "la_aware_on": date(2023, 3, 1),
            "created_by_id": manager.id,
            "sign_off_round": 0,
            "version_id": 1,
        }
        for n in range(count)
    ]
    _db.session.execute(insert(Case), rows)
    ids = _db.session.scalars(select(Case.id).where(Case.reference.like("BULK-%"))).all()
    have = set(_db.session.scalars(select(Clock.case_id)).all())
    clocks = [
        {
            "case_id": i,
            "partnership_id": manager.partnership_id,
            "kind": "notification",
            "seq": 1,
            "statutory": True,
            "anchor_on": date(2023, 3, 1),
            "due_on": date(2023, 3, 8),
        }
        for i in ids
        if i not in have
    ]
    _db.session.execute(insert(Clock), clocks)
    _db.session.commit()


def test_the_list_costs_the_same_queries_for_100_cases_as_for_2000(web, business_manager):
    client = web(business_manager)
    client.get("/cases/")  # warm up: the first request loads what every request then reuses
    add_cases(business_manager, 100, 0)
    with Statements() as few:
        first = client.get("/cases/?overdue=true&page=2")
    add_cases(business_manager, 1900, 100)
    with Statements() as many:
        second = client.get("/cases/?overdue=true&page=2")
    assert listed(first) and len(listed(second)) == 25
    assert "Showing 26 to 50 of 2000 cases" in text_of(second)
    assert few.count == many.count
    assert few.count <= 4  # the user, the count, the page


def test_the_unfiltered_total_is_the_kept_count_and_agrees_with_the_filters(
    web, business_manager, other_manager, panel_member
):
    """Unfiltered, a manager's list takes its total from the number the database keeps (cases
    added in bulk, past the services, included); filtered, or for someone who sees only some
    cases, it counts them. Every way, the numbers agree with the rows."""
    from casework.models import CaseCount

    add_cases(business_manager, 40, 0)  # bulk, as the benchmarks and imports do
    make_case(other_manager)  # another partnership's: counted there, not here
    granted = make_case(business_manager, la_aware_on="2023-03-02")
    grant_access(granted.id, panel_member, business_manager, date(2099, 1, 1))
    kept = _db.session.scalar(
        select(CaseCount.cases).where(CaseCount.partnership_id == business_manager.partnership_id)
    )
    assert kept == 41

    manager = web(business_manager)
    assert "Showing 1 to 25 of 41 cases" in text_of(manager.get("/cases/"))
    aware_2023 = text_of(manager.get("/cases/?year=2023"))
    in_2023 = _db.session.scalar(
        select(func.count())
        .select_from(Case)
        .where(
            Case.partnership_id == business_manager.partnership_id,
            Case.la_aware_on >= date(2023, 1, 1),
            Case.la_aware_on < date(2024, 1, 1),
        )
    )
    assert f"of {in_2023} case" in aware_2023
    assert "Showing 1 to 1 of 1 case" in text_of(web(panel_member).get("/cases/"))


def test_the_case_page_costs_the_same_queries_whatever_its_history(
    web, business_manager, leads, scrutineer, panel_member
):
    short = make_case(business_manager)
    long = make_case(business_manager)
    advance_case(long.id, business_manager, leads, "closed")
    for user in (business_manager, scrutineer, leads["police"]):
        web(user).get(f"/cases/{long.id}")  # more readers in the audit
    grant_access(long.id, panel_member, business_manager, date.today() + timedelta(days=9))
    for user in (business_manager, scrutineer, leads["health"]):
        client = web(user)
        client.get(f"/cases/{short.id}")  # warm up
        with Statements() as few:
            assert client.get(f"/cases/{short.id}").status_code == 200
        with Statements() as many:
            assert client.get(f"/cases/{long.id}").status_code == 200
        assert few.count == many.count, user.role


def test_pagination_links_are_what_url_for_writes(app):
    query = {"q": "Child Q & co / 50%", "state": "rapid_review", "year": "2023", "nature": None}
    with app.test_request_context("/cases/", base_url="http://localhost/casework/"):
        for number in (1, 2, 17):
            expected = url_for("cases.index", page=number, **query)
            assert page_url(fixed_url("cases.index"), number, query) == expected
