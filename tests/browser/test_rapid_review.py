"""A real rapid review in a real browser, each person signed in as themselves.

The case is driven to the rapid review (notified on 6 March 2023) with `advance_case`; from
there everything happens in the browser: the business manager asks four agencies for their
returns, three contributors answer (one saving halfway and coming back after signing out, one
nil return), the fourth agency is overdue, one return goes back for amendment and comes back,
the panel meeting and its decision are recorded, the three partner leads sign off, the rapid
review is submitted, and the Word document downloads with exactly the chronology submitted.
Every page met is checked for CSP and serious or critical axe-core violations.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import docx
from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import Agency, AgencyRequest, Clock
from casework.services.partnerships import create_agency
from casework.services.today import london_today
from tests.browser.helpers import banner, carry_out, choose, enter_date, follow, write
from tests.browser.test_journeys import sign_off
from tests.factories import advance_case, make_case, make_user

SCHOOL = "Northbridge Primary School"
POLICE = "Police"
HEALTH = "Integrated Care Board (health)"
LA = "Local authority children's services"
EVENTS = "significant_events"


def link(person, name: str, within=None):
    """The link called `name` (exactly), in `within` or anywhere on the page."""
    return (within or person.page).get_by_role("link", name=name, exact=True)


def open_request(contributor, reference: str) -> None:
    """From the agency's requests, the return's task list."""
    contributor.goto("/requests/")
    follow(contributor, contributor.page.get_by_role("link", name=reference))
    assert contributor.page.get_by_role("heading", level=1).inner_text() == (
        "Rapid review: agency return"
    )


def task(contributor, title: str) -> None:
    """Follow a task on the return's task list."""
    follow(contributor, link(contributor, title))


def save(contributor, later: bool = False) -> None:
    contributor.press_button("Save and come back later" if later else "Save and continue")
    contributor.check()


def answer(contributor, label: str, text: str, later: bool = False) -> None:
    """Answer the one long question on a section page and save."""
    write(contributor, label, text)
    save(contributor, later)


def add_event(contributor, when: str, what: str, role: str, why: str) -> None:
    """From the chronology's list, add one event on its own page."""
    page = contributor.page
    contributor.press_button(
        "Add an event" if not page.locator(".govuk-summary-card").count() else "Add another event"
    )
    contributor.check()
    assert page.get_by_role("heading", level=1).inner_text() == "Add an event"
    enter_date(contributor, f"{EVENTS}-date", when)
    write(contributor, "What happened", what)
    write(contributor, "Practitioner's role", role)
    write(contributor, "Why it matters", why)
    contributor.press_button("Save the event")
    contributor.check()
    assert banner(contributor) == "The event has been added to the chronology."


def submit(contributor, button: str, panel: str) -> None:
    """From the check page: submit, and see the confirmation."""
    page = contributor.page
    contributor.press_button(button)
    contributor.check()
    assert page.locator(".govuk-panel__title").inner_text().strip() == panel


def status_in_row(person, name: str) -> str:
    """The status tag in the row of the table whose first cell names `name`."""
    page = person.page
    row = page.locator("tbody tr", has=page.get_by_role("link", name=name, exact=True))
    return row.locator("td").nth(1).inner_text().strip()


def test_a_rapid_review_from_the_requests_to_the_word_document(
    person, business_manager, leads, partnership
):
    # Set-up: a case in the rapid review since 6 March 2023, a fourth agency, and contributors
    # at three of the four agencies asked (the school has none).
    case = make_case(business_manager)
    case = advance_case(case.id, business_manager, leads, "rapid_review")
    case_id, reference = case.id, case.reference
    case_path = f"/cases/{case_id}"
    create_agency(partnership, SCHOOL)
    police = make_user(partnership, "agency_contributor", agency=POLICE)
    health = make_user(partnership, "agency_contributor", agency=HEALTH)
    council = make_user(partnership, "agency_contributor", agency=LA)

    # The manager asks the three statutory partners (ticked already) and the school.
    manager = person("manager")
    manager.sign_in(business_manager)
    manager.goto(case_path)
    follow(manager, link(manager, "Requests to agencies"))
    page = manager.page
    for name in (POLICE, HEALTH, LA):
        assert page.get_by_label(name, exact=True).is_checked()
    assert not page.get_by_label(SCHOOL, exact=True).is_checked()
    choose(manager, SCHOOL)
    write(manager, "Note to the agencies (optional)", "Cover the year before the incident.")
    manager.screenshot("send-requests")
    manager.press_button("Send requests")
    manager.check()
    assert banner(manager).startswith("Requests sent to ")
    for name in (POLICE, HEALTH, LA, SCHOOL):
        assert status_in_row(manager, name) == "Open"
    school_row = page.locator("tbody tr", has=link(manager, SCHOOL))
    assert "No contributor yet" in school_row.inner_text()

    # The form refuses a due date already passed ("The due date must be after today"), so the
    # school's request is made overdue here instead: its due date, and its clock's, are moved
    # to a week ago in the database, as if nobody had answered in time.
    _db.session.expire_all()
    school = _db.session.scalar(
        select(AgencyRequest)
        .join(Agency, Agency.id == AgencyRequest.agency_id)
        .where(AgencyRequest.case_id == case_id, Agency.name == SCHOOL)
    )
    week_ago = london_today() - timedelta(days=7)
    school.due_on = week_ago
    for clock in _db.session.scalars(select(Clock).where(Clock.agency_request_id == school.id)):
        clock.due_on = week_ago
    _db.session.commit()

    # Contributor A (police) starts the return, saves halfway and signs out.
    a = person("police")
    a.sign_in(police)
    open_request(a, reference)
    a.screenshot("task-list")
    task(a, "Your agency's involvement")
    choose(a, "Yes")
    save(a)
    answer(
        a,
        "Describe your agency's involvement with the child and family over the review period",
        "Two call-outs to the home and one welfare check.",
    )
    assert a.page.get_by_role("heading", level=1).inner_text() == (
        "Chronology of significant events"
    )
    add_event(
        a, "12 1 2023", "Welfare check at the home", "Police constable", "First sign of neglect"
    )
    add_event(a, "20 2 2023", "Domestic incident reported", "Response officer", "Child present")
    a.check(screenshot="chronology")
    assert a.page.locator(".govuk-summary-card").count() == 2
    a.press_button("Continue")
    a.check()
    answer(
        a,
        "What went well in your agency's work with the child and family?",
        "The referral was made the same day.",
        later=True,
    )
    assert banner(a) == "Your answers have been saved. You can come back to them at any time."
    a.sign_out()

    # ... and signs in again later to finish.
    a.sign_in(police)
    open_request(a, reference)
    assert "Domestic incident reported" not in a.page.inner_text("main")  # a task list
    task(a, "What could have been done differently")
    answer(a, "What could your agency have done differently?", "Share the incident sooner.")
    answer(
        a,
        "What immediate safeguarding actions has your agency taken since the incident?",
        "A strategy discussion for the siblings.",
    )
    answer(a, "What learning has your agency identified?", "More professional curiosity.")
    choose(a, "Police investigation")
    save(a)
    assert a.page.get_by_role("heading", level=1).inner_text() == (
        "Check your answers before submitting your return"
    )
    main = a.page.inner_text("main")
    assert "The referral was made the same day." in main  # saved before signing out
    a.screenshot("check-answers")
    submit(a, "Submit the return", "Return submitted")
    a.screenshot("submitted")

    # Contributor B (health) completes a return with one event, in one go.
    b = person("health")
    b.sign_in(health)
    open_request(b, reference)
    task(b, "Your agency's involvement")
    choose(b, "Yes")
    save(b)
    answer(
        b,
        "Describe your agency's involvement with the child and family over the review period",
        "Health visiting contacts.",
    )
    add_event(b, "3 2 2023", "Health visitor's home visit missed", "Health visitor", "No access")
    b.press_button("Continue")
    b.check()
    answer(b, "What went well in your agency's work with the child and family?", "Follow-up.")
    answer(b, "What could your agency have done differently?", "Escalate the missed visit.")
    answer(
        b,
        "What immediate safeguarding actions has your agency taken since the incident?",
        "Visits to the siblings.",
    )
    answer(b, "What learning has your agency identified?", "Missed visits need a plan.")
    choose(b, "None known")
    save(b)
    submit(b, "Submit the return", "Return submitted")

    # Contributor C (the local authority) makes a nil return: one question, then submit.
    c = person("council")
    c.sign_in(council)
    open_request(c, reference)
    task(c, "Your agency's involvement")
    choose(c, "No")
    save(c)
    assert "This is a nil return" in c.page.inner_text("main")
    c.check(screenshot="nil-return-check")
    submit(c, "Submit the nil return", "Nil return submitted")

    # The manager sees the three returns in and the school overdue, in red.
    manager.goto(f"{case_path}/requests")
    assert status_in_row(manager, POLICE) == "Submitted"
    assert status_in_row(manager, HEALTH) == "Submitted"
    assert status_in_row(manager, LA) == "Nil return"
    assert re.fullmatch(r"Overdue by \d+ working days?", status_in_row(manager, SCHOOL))
    school_tag = page.locator("tbody tr", has=link(manager, SCHOOL)).locator(".govuk-tag--red")
    assert school_tag.count() == 1
    manager.screenshot("requests-overdue")

    # The manager returns the police's return for amendment, with a comment.
    follow(manager, link(manager, POLICE))
    write(manager, "What needs amending?", "Add the school's referral of 1 March.")
    manager.press_button("Return for amendment")
    manager.check(screenshot="returned-for-amendment")
    assert banner(manager).startswith("The return is sent back for amendment.")

    # A sees the comment, adds the event and submits again.
    open_request(a, reference)
    main = a.page.inner_text("main")
    assert "Returned for amendment" in main
    assert "Add the school's referral of 1 March." in main
    task(a, "Chronology of significant events")
    add_event(
        a, "1 3 2023", "Referral received from the school", "Police constable", "Late referral"
    )
    assert a.page.locator(".govuk-summary-card").count() == 3
    follow(a, link(a, "Back to your return"))
    a.press_button("Check your answers and submit")
    a.check()
    submit(a, "Submit the return", "Return submitted")

    manager.goto(f"{case_path}/requests")
    assert status_in_row(manager, POLICE) == "Submitted"
    follow(manager, link(manager, "Back to the case"))
    follow(manager, link(manager, "Compiled agency returns"))
    main = page.inner_text("main")
    assert "Referral received from the school" in main
    manager.screenshot("compiled-returns")

    # The manager records the panel meeting and, with it, the decision.
    manager.goto(case_path)
    follow(manager, link(manager, "Panel meeting"))
    follow(manager, link(manager, "Record the panel meeting"))
    enter_date(manager, "held_on", "14 3 2023")
    attendees = [("Jo Lane", LA), ("DI Sam Okafor", POLICE), ("Dr Ann Reid", HEALTH)]
    for n, (name, agency) in enumerate(attendees, start=1):
        write(manager, f"Attendee {n}: name", name)
        page.get_by_label(f"Attendee {n}: agency", exact=True).select_option(label=agency)
    for criterion in page.locator("textarea[id^=criterion_]").all():
        criterion.fill("Yes: see the facts agreed.")
    write(manager, "The facts agreed", "The child was admitted to hospital.")
    write(manager, "Action 1", "Strategy meeting for the siblings")
    write(manager, "Action 1: owner", "Children's services")
    choose(manager, "Hold a local child safeguarding practice review")
    write(manager, "Rationale for the decision", "The criteria are met.")
    manager.screenshot("record-meeting")
    manager.press_button("Save the meeting and the decision")
    manager.check(screenshot="meeting")
    assert banner(manager) == "The panel meeting and its decision have been recorded."

    # The three partner leads sign off, each signed in as themselves.
    for partner, user in leads.items():
        lead = person(partner)
        lead.sign_in(user)
        sign_off(lead, partner, reference, "15 3 2023", "decision")

    # The manager submits the rapid review (through its check page).
    manager.goto(case_path)
    carry_out(
        manager,
        "Submit the rapid review",
        on="20 3 2023",
        submit="Continue",
        done="The rapid review has been submitted. The case has moved to awaiting panel.",
        state="Awaiting panel",
        shots=("submit-form", "submit-check"),
    )

    # The Word document downloads, and its chronology is exactly what was submitted.
    follow(manager, link(manager, "Documents submitted to the Panel"))
    manager.screenshot("documents")
    with page.expect_download() as download:
        link(manager, "Download submission 1 (Word)").click()
    document = docx.Document(download.value.path())
    [table] = [
        t
        for t in document.tables
        if [c.text for c in t.rows[0].cells][:2]
        == [
            "Date",
            "Agency",
        ]
    ]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert sorted((r[1], r[2]) for r in rows) == sorted(
        [
            (POLICE, "Welfare check at the home"),
            (POLICE, "Domestic incident reported"),
            (POLICE, "Referral received from the school"),
            (HEALTH, "Health visitor's home visit missed"),
        ]
    )
    dates = [datetime.strptime(r[0], "%d %B %Y").date() for r in rows]
    assert dates == sorted(dates)
