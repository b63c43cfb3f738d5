"""The shared form fields: which boxes of a date input are at fault when its date is wrong."""

from __future__ import annotations

import pytest

from casework.web.forms import boxes_at_fault, date_error_href, date_items

ALL = ("day", "month", "year")


@pytest.mark.parametrize(
    ("typed", "at_fault"),
    [
        # Nothing entered: the date as a whole.
        (("", "", ""), ALL),
        ((" ", None, "  "), ALL),
        # Some boxes left empty: those boxes.
        (("6", "", "2023"), ("month",)),
        (("6", "3", ""), ("year",)),
        (("", "3", "2023"), ("day",)),
        (("", "", "2023"), ("day", "month")),
        # A year without 4 numbers: the year.
        (("6", "3", "23"), ("year",)),
        (("6", "3", "02023"), ("year",)),
        # One box that cannot be right, whatever the others say: that box.
        (("6", "13", "2023"), ("month",)),
        (("6", "0", "2023"), ("month",)),
        (("32", "3", "2023"), ("day",)),
        (("six", "3", "2023"), ("day",)),
        (("-1", "3", "2023"), ("day",)),
        (("6", "March", "2023"), ("month",)),
        (("6", "3", "20x3"), ("year",)),
        (("6", "3", "0000"), ("year",)),
        # More than one box wrong, or not clear which: the date as a whole.
        (("32", "13", "2023"), ALL),
        (("31", "4", "2023"), ALL),
        (("29", "2", "2023"), ALL),
        # A real date that breaks a rule (in the future, out of range, before another date).
        (("6", "3", "2023"), ALL),
        (("1", "2", "0001"), ALL),
    ],
)
def test_the_boxes_at_fault_follow_the_gov_uk_rule(typed, at_fault):
    assert boxes_at_fault(*typed) == at_fault


def test_date_items_style_only_the_boxes_at_fault_and_keep_what_was_typed():
    values = {"when-day": "6", "when-month": "13", "when-year": "2023"}
    assert date_items(values, "when", "The date must be a real date") == [
        {"name": "day", "value": "6", "classes": "govuk-input--width-2"},
        {"name": "month", "value": "13", "classes": "govuk-input--width-2 govuk-input--error"},
        {"name": "year", "value": "2023", "classes": "govuk-input--width-4"},
    ]
    assert date_error_href(values, "when") == "#when-month"
    # Without an error nothing is styled, and a real date that is refused is wrong as a whole.
    assert "govuk-input--error" not in str(date_items(values, "when", None))
    real = {"when-day": "6", "when-month": "3", "when-year": "2023"}
    assert all("govuk-input--error" in item["classes"] for item in date_items(real, "when", "x"))
    assert date_error_href(real, "when") == "#when-day"
    assert date_error_href({}, "when") == "#when-day"
