"""The chronology: entries added one at a time, each checked, listed in date order."""

from __future__ import annotations

from datetime import date

from casework.review_templates import NOT_ANSWERED, display_entry, entries_in_date_order
from casework.review_templates.model import Question

EVENTS = Question(id="events", type="chronology", label="Significant events", mandatory=True)


def entry_form(day="3", month="2", year="2024", **texts) -> dict[str, str]:
    form = {"events-date-day": day, "events-date-month": month, "events-date-year": year}
    defaults = {
        "what_happened": "Home visit; the baby was asleep in an adult bed.",
        "practitioner_role": "Health visitor",
        "why_it_matters": "Safe sleeping advice had been given twice before.",
    }
    form |= {f"events-{name}": texts.get(name, text) for name, text in defaults.items()}
    return form


def test_an_entry_is_cleaned_into_its_four_fields():
    cleaned = EVENTS.clean(entry_form(practitioner_role="  Health visitor "))
    assert cleaned.value == {
        "date": "2024-02-03",
        "what_happened": "Home visit; the baby was asleep in an adult bed.",
        "practitioner_role": "Health visitor",
        "why_it_matters": "Safe sleeping advice had been given twice before.",
    }


def test_every_field_of_an_entry_is_required():
    assert EVENTS.clean({}).errors == {
        "events-date": "Enter the date of the event",
        "events-what_happened": "Enter what happened",
        "events-practitioner_role": "Enter the practitioner's role",
        "events-why_it_matters": "Enter why it matters",
    }


def test_the_date_of_an_entry_is_real_and_not_in_the_future():
    assert EVENTS.clean(entry_form(day="30")).errors == {
        "events-date": "The date of the event must be a real date"
    }
    assert EVENTS.clean(entry_form(month="")).errors == {
        "events-date": "The date of the event must include a month"
    }
    assert EVENTS.clean(entry_form(year="224")).errors == {
        "events-date": "The date of the event must have a year with 4 numbers"
    }
    today = date(2024, 2, 2)
    assert EVENTS.clean(entry_form(), today=today).errors == {
        "events-date": "The date of the event must be today or in the past"
    }
    assert EVENTS.clean(entry_form(day="2"), today=today).ok


def test_the_date_of_an_entry_is_between_1990_and_2099_as_every_date_is():
    """A year typed wrong (0001) was taken, listed as "1 February 1" and went into the
    compiled returns and the Panel's document."""
    out_of_range = {"events-date": "The date of the event must be between 1990 and 2099"}
    assert EVENTS.clean(entry_form(year="0001")).errors == out_of_range
    assert EVENTS.clean(entry_form(day="31", month="12", year="1989")).errors == out_of_range
    assert EVENTS.clean(entry_form(day="1", month="1", year="2100")).errors == out_of_range
    assert EVENTS.clean(entry_form(day="1", month="1", year="1990")).ok
    assert EVENTS.clean(entry_form(day="31", month="12", year="2099")).ok


def test_entry_texts_have_limits():
    errors = EVENTS.clean(entry_form(what_happened="x" * 2001, practitioner_role="r" * 201)).errors
    assert errors == {
        "events-what_happened": "What happened must be 2000 characters or less",
        "events-practitioner_role": "The practitioner's role must be 200 characters or less",
    }


def test_the_list_is_answered_once_it_has_an_entry_and_displays_in_date_order():
    later = EVENTS.clean(entry_form(day="9")).value
    earlier = EVENTS.clean(entry_form(day="1", what_happened="Missed appointment.")).value
    same_day = EVENTS.clean(entry_form(day="9", what_happened="Call to the GP.")).value
    entries = [later, earlier, same_day]
    assert (
        EVENTS.is_answered(entries) and not EVENTS.is_answered([]) and not EVENTS.is_answered(None)
    )
    assert [index for index, _ in entries_in_date_order(entries)] == [1, 0, 2]
    assert display_entry(earlier) == {
        "Date": "1 February 2024",
        "What happened": "Missed appointment.",
        "Practitioner's role": "Health visitor",
        "Why it matters": "Safe sleeping advice had been given twice before.",
    }
    text = EVENTS.display(entries)
    assert text.startswith("Date: 1 February 2024\nWhat happened: Missed appointment.\n")
    assert text.index("Home visit") < text.index("Call to the GP.")
    assert EVENTS.display([]) == NOT_ANSWERED


def test_an_entry_goes_back_into_its_page_for_the_change_link():
    entry = EVENTS.clean(entry_form()).value
    assert EVENTS.form_values(entry) == entry_form()
    assert EVENTS.clean(EVENTS.form_values(entry)).value == entry
    assert set(EVENTS.form_values(None)) == set(EVENTS.field_names)
