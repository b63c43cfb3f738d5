"""Signing in, in a real browser, with the keyboard alone and with the mouse."""

from __future__ import annotations

from tests.factories import make_case


def test_manager_signs_in_with_the_keyboard_and_sees_what_needs_doing(person, business_manager):
    make_case(business_manager)  # its notification clock is long overdue
    manager = person("manager")
    manager.sign_in(business_manager, keyboard=True)
    assert manager.page.title() == "What needs doing – Casework"
    heading = manager.page.get_by_role("heading", name="Overdue (1)")
    assert heading.is_visible()
    manager.check(screenshot="home")


def test_a_wrong_password_is_explained_and_focus_goes_to_the_summary(person, business_manager):
    visitor = person("visitor")
    visitor.goto("/sign-in")
    visitor.page.get_by_label("Email address").fill(business_manager.email)
    visitor.page.get_by_label("Password", exact=True).fill("not the password")
    visitor.press_button("Sign in")
    summary = visitor.page.locator(".govuk-error-summary")
    assert "Enter a correct email address and password." in summary.inner_text()
    # GOV.UK Frontend moves focus to the error summary so a screen reader announces it.
    assert visitor.page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    visitor.check(screenshot="sign-in-error")


def test_another_partnerships_case_is_not_found_by_url(person, business_manager, other_manager):
    case = make_case(business_manager)
    outsider = person("outsider")
    outsider.sign_in(other_manager)
    response = outsider.goto(f"/cases/{case.id}")
    assert response.status == 404
    assert outsider.page.title() == "Page not found – Casework"
    outsider.check(screenshot="not-found")


def test_typing_in_a_form_tells_the_server_at_most_once_a_minute(person, business_manager):
    """So that an answer typed over more than the 30-minute idle time-out is not lost (the
    server side is tested in tests/web/test_sign_in.py). The page's clock is Playwright's."""
    manager = person("manager")
    manager.page.clock.install()
    manager.sign_in(business_manager)
    manager.goto("/cases/new")
    pings = []
    manager.page.on(
        "request", lambda r: pings.append(r.url) if r.url.endswith("/session/keep-alive") else None
    )
    manager.type_into("Pseudonym (optional)", "Child")  # within the first minute: not yet
    manager.page.clock.fast_forward("01:01")
    with manager.page.expect_response(lambda r: r.url.endswith("/session/keep-alive")) as ping:
        manager.page.keyboard.type(" R")
    assert ping.value.status == 204
    manager.page.keyboard.type("x")  # a moment later: not again
    manager.page.get_by_label("Pseudonym (optional)").evaluate("e => e.value")  # a round trip
    assert len(pings) == 1
    manager.check()
