"""The main journeys in a real browser, each person signed in as themselves.

Every page met is checked for CSP violations and serious or critical axe-core violations
(`Browser.check`); screenshots of the main pages go to test-artifacts/screenshots/. The dates
are HAPPY_PATH's (tests/factories.py): in the past, in order, and far enough apart for every
rule (the advance copy 7 working days before the planned date, publication 7 after it).
A user of one partnership asking for another's case is in test_signing_in.py.
"""

from __future__ import annotations

import re
from datetime import timedelta

from casework.services.today import london_today
from tests.browser.helpers import (
    banner,
    carry_out,
    choose,
    enter_date,
    follow,
    long_date,
    state_shown,
    summary_value,
    write,
)
from tests.factories import advance_case, grant_access, make_case
from workflows.cases import PARTNER_NAMES


def open_case_in_browser(manager, keyboard: bool = False, shots: bool = False) -> str:
    """From the home page, through the case list, to a new case; returns the case page's path."""
    page = manager.page
    manager.press_button("Cases", keyboard=keyboard)
    manager.check(screenshot="case-list" if shots else None)
    manager.press_button("Open a case", keyboard=keyboard)
    manager.check(screenshot="new-case-form" if shots else None)
    if keyboard:
        page.get_by_label("Death", exact=True).focus()
        page.keyboard.press("ArrowDown")  # arrow keys move through the radios and select
        assert page.get_by_label("Serious harm", exact=True).is_checked()
    else:
        choose(manager, "Serious harm")
    enter_date(manager, "incident_on", "27 2 2023", keyboard=keyboard)
    enter_date(manager, "la_aware_on", "1 3 2023", keyboard=keyboard)
    write(manager, "Summary (optional)", "Referred by the police.", keyboard=keyboard)
    manager.press_button("Open the case", keyboard=keyboard)
    manager.check(screenshot="case-referred" if shots else None)
    assert re.fullmatch(r"Case \S+ is open\.", banner(manager))
    assert state_shown(manager) == "Referred"
    assert summary_value(manager, "State").startswith("Referred since")
    return page.url.removeprefix(manager.base_url)


def notify_and_decide(manager, keyboard: bool = False, shots: bool = False) -> None:
    def notification():
        label = "Serious Incident Notification reference (optional)"
        write(manager, label, "SIN-0001", keyboard)

    carry_out(
        manager,
        "Notify the Panel",
        on="6 3 2023",
        answers=notification,
        submit="Continue",
        done="The Panel has been notified. The case has moved to rapid review.",
        state="Rapid review",
        keyboard=keyboard,
        shots=("notify-form", "notify-check") if shots else None,
    )

    def decision():
        choose(manager, "Hold a local child safeguarding practice review", keyboard)
        write(manager, "Rationale", "Criteria met", keyboard)

    carry_out(
        manager,
        "Record the decision",
        on="14 3 2023",
        answers=decision,
        submit="Save",
        done="The rapid review decision has been recorded.",
        state="Rapid review",
        keyboard=keyboard,
    )
    # The rapid review waits for the partners, and the page says so in plain English.
    main = manager.page.inner_text("main")
    assert "The rapid review cannot be submitted until the local authority, the police" in main


def sign_off(lead, partner: str, reference: str, on: str, subject: str, keyboard=False) -> None:
    """A partner lead, on their home page, follows the case waiting for them and signs it off."""
    page = lead.page
    waiting = page.locator("li", has_text=reference)
    what = "the rapid review decision" if subject == "decision" else "the final report"
    assert waiting.inner_text().endswith(what)
    follow(lead, waiting.get_by_role("link", name=reference), keyboard=keyboard)
    lead.press_button("Sign off", keyboard=keyboard)
    lead.check()
    assert page.get_by_role("heading", level=1).inner_text() == f"Sign off the {subject}"
    name = PARTNER_NAMES[partner]
    main = page.inner_text("main")
    assert f"You are signing off for {name}" in main
    # No partner field, and nobody else to name: the lead signs as themselves.
    assert page.get_by_role("radio").count() == 0
    assert "Which statutory partner" not in main
    assert page.get_by_label("Who gave the sign-off?").count() == 0
    enter_date(lead, "on", on, keyboard=keyboard)
    lead.press_button("Sign off", keyboard=keyboard)
    lead.check()
    assert banner(lead) == f"Your sign-off for {name} has been recorded."
    assert summary_value(lead, name[:1].upper() + name[1:]).startswith(
        f"Signed off {long_date(on)}"
    )
    # Done: the button has gone.
    assert page.get_by_role("button", name="Sign off", exact=True).count() == 0


def test_the_whole_process_from_referral_to_closure(person, business_manager, leads):
    manager = person("manager")
    manager.sign_in(business_manager)
    manager.screenshot("home")
    case_path = open_case_in_browser(manager, shots=True)
    reference = manager.page.get_by_role("heading", level=1).inner_text().split()[0]
    notify_and_decide(manager, shots=True)

    browsers = {}
    for partner, user in leads.items():
        lead = browsers[partner] = person(partner)
        lead.sign_in(user)  # lands on "What needs doing"
        sign_off(lead, partner, reference, "15 3 2023", "decision")
    browsers["police"].screenshot("case-signed-off")

    manager.goto(case_path)
    assert manager.page.locator(".govuk-tag", has_text="Signed off").count() == 3
    assert "cannot be submitted until" not in manager.page.inner_text("main")
    carry_out(
        manager,
        "Submit the rapid review",
        on="20 3 2023",
        submit="Continue",
        done="The rapid review has been submitted. The case has moved to awaiting panel.",
        state="Awaiting panel",
    )
    carry_out(
        manager,
        "Record the Panel's response",
        on="30 3 2023",
        answers=lambda: choose(manager, "The Panel agrees with the decision"),
        submit="Continue",
        done="The Panel's response has been recorded. The case has moved to commissioning.",
        state="Commissioning",
    )

    def reviewer():
        write(manager, "Reviewer's name", "A. Reviewer")
        write(manager, "Reviewer's organisation", "Independent")

    carry_out(
        manager,
        "Appoint the reviewer",
        on="12 4 2023",
        answers=reviewer,
        submit="Save",
        done="The reviewer has been appointed.",
        state="Commissioning",
    )
    assert summary_value(manager, "Reviewer") == "A. Reviewer, Independent"
    carry_out(
        manager,
        "Agree the terms of reference",
        on="20 4 2023",
        submit="Save",
        done="The terms of reference have been agreed.",
        state="Commissioning",
    )
    carry_out(
        manager,
        "Start the review",
        on="24 4 2023",
        submit="Continue",
        done="The review has started. The case has moved to in review.",
        state="In review",
    )
    carry_out(
        manager,
        "Submit the final report",
        on="1 8 2023",
        submit="Continue",
        done="The final report has been submitted. The case has moved to approval.",
        state="Approval",
    )
    manager.screenshot("case-approval")

    for partner, lead in browsers.items():
        lead.goto("/")  # the final report is now waiting for them
        sign_off(lead, partner, reference, "3 8 2023", "final report")

    manager.goto(case_path)
    carry_out(
        manager,
        "Plan the publication date",
        on="3 8 2023",
        answers=lambda: enter_date(manager, "planned_on", "1 9 2023"),
        submit="Save",
        done="The publication date has been planned.",
        state="Approval",
    )
    assert summary_value(manager, "Planned publication") == "1 September 2023"
    # Recorded late: the button is offered whatever today is, and the date given is judged.
    carry_out(
        manager,
        "Send the advance copy",
        on="10 8 2023",
        submit="Continue",
        done="The advance copy has been recorded as sent. The case has moved to pre publication.",
        state="Pre publication",
    )

    def publication():
        choose(manager, "The full report")
        write(manager, "Pseudonym", "Child Q")
        choose(manager, "Neglect")

    carry_out(
        manager,
        "Publish the report",
        on="1 9 2023",
        answers=publication,
        submit="Continue",
        done="The report has been recorded as published. The case has moved to learning.",
        state="Learning",
    )
    carry_out(
        manager,
        "Close the case",
        on="2 10 2023",
        submit="Continue",
        done="The case has been closed.",
        state="Closed",
    )
    assert summary_value(manager, "State") == "Closed since 2 October 2023"
    assert summary_value(manager, "Published") == "1 September 2023"
    manager.screenshot("case-closed")


def test_the_first_steps_with_the_keyboard_alone(person, business_manager, police_lead):
    manager = person("manager")
    manager.sign_in(business_manager, keyboard=True)
    open_case_in_browser(manager, keyboard=True)
    reference = manager.page.get_by_role("heading", level=1).inner_text().split()[0]
    notify_and_decide(manager, keyboard=True)

    lead = person("police")
    lead.sign_in(police_lead, keyboard=True)
    sign_off(lead, "police", reference, "15 3 2023", "decision", keyboard=True)
    lead.screenshot("signed-off-with-the-keyboard")


def test_a_wrong_date_is_explained_and_its_link_moves_focus_to_the_day(person, business_manager):
    case = make_case(business_manager)
    manager = person("manager")
    manager.sign_in(business_manager)
    manager.goto(f"/cases/{case.id}/events/notify")
    enter_date(manager, "on", "31 2 2023")
    manager.press_button("Continue")
    manager.check(screenshot="date-error")
    page = manager.page
    assert page.title().startswith("Error: ")
    assert page.locator("#on-error").inner_text().endswith("The date must be a real date")
    # The summary takes focus when the page loads; its link moves focus to the day box.
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    link = page.locator(".govuk-error-summary").get_by_role("link")
    assert link.all_inner_texts() == ["The date must be a real date"]
    link.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "on-day"
    assert page.locator("#on-day").input_value() == "31"  # kept, for the person to correct


def assert_no_action_anywhere(viewer, case, screenshot: str) -> None:
    """From the home page: the case page offers nothing to do, and its forms are forbidden."""
    page = viewer.page
    follow(viewer, page.get_by_role("link", name=case.reference).first)
    viewer.screenshot(screenshot)
    assert page.get_by_role("heading", level=1).inner_text().startswith(case.reference)
    assert "What you can do" not in page.inner_text("main")
    assert page.locator(".casework-actions, a[href*='/events/'], a[href$='/access']").count() == 0
    # The only form, and the only button, is signing out.
    assert page.locator("form").count() == 1
    assert page.locator("form").get_attribute("action") == "/sign-out"
    assert [b.strip() for b in page.get_by_role("button").all_inner_texts()] == ["Sign out"]
    for path in ("events/schedule_publication", "access"):
        response = viewer.goto(f"/cases/{case.id}/{path}")
        assert response.status == 403
        assert viewer.page.title() == "You cannot do this – Casework"


def test_a_scrutineer_and_a_panel_member_find_no_action(
    person, business_manager, leads, scrutineer, panel_member
):
    case = make_case(business_manager, pseudonym="Child R")
    advance_case(case.id, business_manager, leads, "approval")  # a manager has much to do here

    manager = person("manager")
    manager.sign_in(business_manager)
    manager.goto(f"/cases/{case.id}")
    manager.press_button("Manage access")
    manager.check()
    choose(manager, f"{panel_member.name} (Panel member, {panel_member.email})")
    write(manager, "Purpose", "Rapid review panel meeting")
    until = london_today() + timedelta(days=30)
    enter_date(manager, "until_on", f"{until.day} {until.month} {until.year}")
    manager.press_button("Give access")
    manager.check(screenshot="access-page")
    assert f"{panel_member.name} has access to this case until" in banner(manager)
    assert "Has access" in manager.page.locator("table").inner_text()

    member = person("panel-member")
    member.sign_in(panel_member)
    assert_no_action_anywhere(member, case, "case-as-panel-member")

    watcher = person("scrutineer")
    watcher.sign_in(scrutineer)
    watcher.press_button("Cases")
    watcher.check()
    assert watcher.page.get_by_role("link", name="Open a case").count() == 0
    assert_no_action_anywhere(watcher, case, "case-as-scrutineer")


def test_taking_back_access_and_deactivating_someone_ask_first(
    person, business_manager, admin_user, panel_member
):
    """Each button leads to a question; Cancel changes nothing; the red button acts."""
    case = make_case(business_manager, pseudonym="Child T")
    grant_access(case.id, panel_member, business_manager, london_today() + timedelta(days=30))
    name = panel_member.name

    manager = person("manager")
    manager.sign_in(business_manager)
    manager.goto(f"/cases/{case.id}/access")
    page = manager.page
    manager.press_button(f"Take back access from {name}")
    manager.check(screenshot="take-back-access")
    question = f"Take back {name}'s access to {case.reference}?"
    assert page.get_by_role("heading", level=1).inner_text() == question
    assert page.title() == f"{question} – Casework"
    follow(manager, page.get_by_role("link", name="Cancel", exact=True))
    assert "Has access" in page.locator("table").inner_text()
    manager.press_button(f"Take back access from {name}")
    manager.check()
    manager.press_button("Take back access")
    manager.check()
    assert banner(manager) == f"{name} no longer has access to this case."
    assert "Taken back" in page.locator("table").inner_text()

    admin = person("admin")
    admin.sign_in(admin_user)
    admin.goto(f"/admin/users/{panel_member.id}")
    page = admin.page
    admin.press_button(f"Deactivate {name}")
    admin.check(screenshot="deactivate-user")
    assert page.get_by_role("heading", level=1).inner_text() == f"Deactivate {name}?"
    assert "signed out everywhere" in page.inner_text("main")
    follow(admin, page.get_by_role("link", name="Cancel", exact=True))
    assert summary_value(admin, "Status") == "Active"
    admin.press_button(f"Deactivate {name}")
    admin.check()
    admin.press_button(f"Deactivate {name}")
    admin.check()
    assert banner(admin) == f"{name} is deactivated and can no longer sign in."
    assert summary_value(admin, "Status") == "Deactivated"
