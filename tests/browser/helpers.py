"""Steps shared by the browser journeys: dates, radios, and carrying out an event from a case.

Each step works with the mouse (the default) or with the keyboard alone: Tab and Shift+Tab to
move, typing, Space for radios and checkboxes, Enter for buttons and links. `locator.focus()`
stands in for tabbing to a field from far away; no step clicks when `keyboard=True`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.browser.conftest import Browser

DATE_BOXES = ("day", "month", "year")


def enter_date(person: Browser, field: str, when: str, keyboard: bool = False) -> None:
    """Type `when` ("6 3 2023") into the day, month and year boxes of date field `field`."""
    page = person.page
    values = when.split()
    boxes = [page.locator(f"#{field}-{part}") for part in DATE_BOXES]
    if keyboard:
        # Tabbing into a box selects what it holds (the prefilled today), so typing replaces it.
        boxes[1].focus()
        page.keyboard.press("Shift+Tab")
        for index, value in enumerate(values):
            if index:
                page.keyboard.press("Tab")
            page.keyboard.type(value)
    else:
        for box, value in zip(boxes, values, strict=True):
            box.fill(value)
    assert [box.input_value() for box in boxes] == values


def long_date(when: str) -> str:
    """The date typed as "6 3 2023", in the pages' words: "6 March 2023"."""
    day = datetime.strptime(when, "%d %m %Y")
    return f"{day.day} {day:%B %Y}"


def choose(person: Browser, label: str, keyboard: bool = False) -> None:
    """Select the radio or tick the checkbox labelled `label`."""
    option = person.page.get_by_label(label, exact=True)
    if keyboard:
        option.focus()
        person.page.keyboard.press("Space")
    else:
        option.check()
    assert option.is_checked()


def write(person: Browser, label: str, text: str, keyboard: bool = False) -> None:
    """Fill the text input or text area labelled `label`."""
    if keyboard:
        person.type_into(label, text)
    else:
        person.page.get_by_label(label, exact=True).fill(text)


def follow(person: Browser, link, keyboard: bool = False) -> None:
    """Follow `link` (a locator), with Enter or a click, and check the page it leads to."""
    with person.page.expect_navigation():
        if keyboard:
            link.focus()
            person.page.keyboard.press("Enter")
        else:
            link.click()
    person.check()


def banner(person: Browser) -> str:
    """The success banner's message."""
    success = person.page.locator(".govuk-notification-banner--success")
    return success.locator(".govuk-notification-banner__content").inner_text().strip()


def summary_value(person: Browser, key: str) -> str:
    """The value beside `key` in a summary list ("State" -> "Rapid review since 6 March 2023")."""
    page = person.page
    row = page.locator(".govuk-summary-list__row", has=page.get_by_text(key, exact=True))
    return row.locator(".govuk-summary-list__value").inner_text().strip()


def state_shown(person: Browser) -> str:
    """The stage in the case page's heading tag ("Rapid review")."""
    return person.page.locator(".casework-heading-tag").text_content().strip()


def carry_out(
    person: Browser,
    action: str,
    *,
    on: str,
    submit: str,
    done: str,
    state: str,
    answers: Callable[[], None] | None = None,
    keyboard: bool = False,
    shots: tuple[str, str] | None = None,
    url: str | None = None,
) -> None:
    """From the case page: press the event's button, answer its form, confirm if asked.

    `submit` is the form's button ("Continue" leads to the check page and its Confirm);
    `done` is what the success banner says and `state` the stage shown afterwards. `shots`
    names screenshots of the form and of the check page. With `url`, the form is opened by
    its address instead of by the case page's button.
    """
    page = person.page
    if url:
        person.goto(url)
    else:
        person.press_button(action, keyboard=keyboard)
        person.check()
    enter_date(person, "on", on, keyboard=keyboard)
    if answers:
        answers()
    if shots:
        person.screenshot(shots[0])
    person.press_button(submit, keyboard=keyboard)
    person.check()
    if submit == "Continue":
        heading = page.get_by_role("heading", level=1).inner_text()
        assert heading.startswith("Check before you"), heading
        assert "Nothing has been saved yet." in page.inner_text("main")
        assert summary_value(person, "Stage after this") == state
        if shots:
            person.screenshot(shots[1])
        person.press_button("Confirm", keyboard=keyboard)
        person.check()
    assert page.title().startswith("Case "), page.title()
    assert banner(person) == done
    assert state_shown(person) == state
