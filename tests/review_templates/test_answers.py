"""Each answer type: clean what a page posted, say whether it is answered, display it."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from casework.review_templates import ANSWER_TYPES, NOT_ANSWERED
from casework.review_templates.model import Option, Question


def question(type_: str, **kwargs) -> Question:
    return Question(id="q", type=type_, label="Label", mandatory=True, **kwargs)


def test_short_text_is_trimmed_and_at_most_200_characters():
    q = question("short_text")
    assert q.clean({"q": "  Health visitor \n"}).value == "Health visitor"
    assert q.clean({"q": "   "}).value is None and q.clean({}).ok
    assert q.clean({"q": "x" * 200}).ok
    assert q.clean({"q": "x" * 201}).errors == {"q": "The answer must be 200 characters or less"}
    assert q.is_answered("a") and not q.is_answered("") and not q.is_answered(None)
    assert q.display("a") == "a" and q.display(None) == NOT_ANSWERED
    assert q.form_values("a") == {"q": "a"} and q.form_values(None) == {"q": ""}


def test_long_text_counts_characters_as_the_character_count_does():
    q = question("long_text", max_characters=10, messages={"too_long": "At most {max}, please"})
    assert q.clean({"q": "line one\r\nxy"}).errors == {"q": "At most 10, please"}
    assert q.clean({"q": "1234\r\n6789"}).value == "1234\n6789"  # \r\n counts as one
    unlimited = question("long_text")
    assert unlimited.clean({"q": "x" * 10_000}).ok
    assert not unlimited.clean({"q": "x" * 10_001}).ok


def test_yes_no():
    q = question("yes_no")
    assert [(o.value, o.label) for o in q.choices] == [("yes", "Yes"), ("no", "No")]
    assert q.clean({"q": "no"}).value == "no"
    assert q.clean({"q": "perhaps"}).errors == {"q": "Select yes or no"}
    assert q.clean({}).value is None
    assert q.display("yes") == "Yes" and q.display(None) == NOT_ANSWERED
    assert q.is_answered("no") and not q.is_answered(None)


def test_choice_is_restricted_to_its_options():
    q = question("choice", options=(Option("a", "Apple"), Option("b", "Banana")))
    assert q.clean({"q": "b"}).value == "b"
    assert q.clean({"q": "c"}).errors == {"q": "Select an answer from the list"}
    assert q.display("a") == "Apple"


def test_multiple_choice_keeps_the_options_order_and_an_exclusive_answer_alone():
    q = question(
        "multiple_choice",
        options=(Option("a", "Apple"), Option("b", "Banana"), Option("none", "None", True)),
    )
    form = MultiDict([("q", "b"), ("q", "a"), ("q", "b")])
    assert q.clean(form).value == ["a", "b"]
    assert q.clean({"q": ["none"]}).value == ["none"]
    assert q.clean({"q": "a"}).value == ["a"]
    assert q.clean({"q": ["a", "none"]}).errors == {
        "q": "Select 'None' or select the answers that apply, not both"
    }
    assert q.clean({"q": ["a", "z"]}).errors == {"q": "Select answers from the list"}
    assert q.clean({}).value is None
    assert q.display(["a", "b"]) == "Apple\nBanana"
    assert q.is_answered(["a"]) and not q.is_answered([]) and not q.is_answered(None)
    assert q.form_values(["a"]) == {"q": ["a"]}


def date_form(day: str, month: str, year: str) -> dict[str, str]:
    return {"q-day": day, "q-month": month, "q-year": year}


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("", "3", "2024"), "The date must include a day"),
        (("1", "", "2024"), "The date must include a month"),
        (("1", "", ""), "The date must include a month and a year"),
        (("1", "3", "24"), "The date must have a year with 4 numbers"),
        (("31", "4", "2024"), "The date must be a real date"),
        (("29", "2", "2023"), "The date must be a real date"),
        (("1", "March", "2024"), "The date must be a real date"),
        (("-1", "3", "2024"), "The date must be a real date"),
    ],
)
def test_a_date_is_checked_with_the_gov_uk_messages(parts, message):
    assert question("date").clean(date_form(*parts)).errors == {"q": message}


def test_a_date_is_stored_as_yyyy_mm_dd_and_displayed_in_words():
    q = question("date")
    assert q.field_names == ["q-day", "q-month", "q-year"]
    assert q.clean(date_form(" 29", "02 ", "2024")).value == "2024-02-29"
    assert q.clean(date_form("", " ", "")).value is None
    assert q.display("2024-02-09") == "9 February 2024"
    assert q.form_values("2024-02-09") == {"q-day": "9", "q-month": "2", "q-year": "2024"}
    assert q.form_values(None) == {"q-day": "", "q-month": "", "q-year": ""}
    assert q.message("required") == "Enter the date"


def test_a_template_may_override_the_date_messages():
    q = question(
        "date",
        messages={
            "incomplete_date": "The date of the strategy meeting must include a {missing}",
            "invalid_date": "The date of the strategy meeting must be a real date",
        },
    )
    assert q.clean(date_form("1", "", "")).errors == {
        "q": "The date of the strategy meeting must include a month and a year"
    }
    assert q.clean(date_form("30", "2", "2024")).errors == {
        "q": "The date of the strategy meeting must be a real date"
    }
    assert q.clean(date_form("1", "2", "202")).errors == {
        "q": "The date must have a year with 4 numbers"
    }


def test_every_answer_type_has_a_required_message():
    assert {name: "required" in handler.messages for name, handler in ANSWER_TYPES.items()} == {
        name: True for name in ANSWER_TYPES
    }


def test_what_a_page_posted_is_written_out_to_show_back_unsaved():
    """For a page that could not save an answer (the question stopped applying meanwhile): as
    "check your answers" writes it, or just as typed when it is not a valid answer."""
    text = question("long_text", max_characters=20)
    assert text.display_posted({"q": " Two visits\r\nin May "}) == "Two visits\nin May"
    too_long = "Two visits\r\nin May and June"  # not an answer, but theirs to copy
    assert text.display_posted({"q": too_long}) == "Two visits\nin May and June"
    assert text.display_posted({"q": "  "}) is None and text.display_posted({}) is None
    fruit = (Option("a", "Apple"), Option("b", "Banana"), Option("none", "None", True))
    assert question("multiple_choice", options=fruit).display_posted({"q": ["b", "a"]}) == (
        "Apple\nBanana"
    )
    assert question("yes_no").display_posted({"q": "no"}) == "No"
    assert question("date").display_posted(date_form("9", "2", "2024")) == "9 February 2024"
    assert question("date").display_posted(date_form("31", "4", "2024")) == "31 4 2024"
