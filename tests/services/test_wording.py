"""Dates and times in GOV.UK's style."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from casework.services.wording import clock_time, date_at_time, long_date, weekday_date


def test_every_month_by_its_english_name() -> None:
    names = [long_date(date(2024, month, 1)).split(" ")[1] for month in range(1, 13)]
    assert names == [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]  # fmt: skip


def test_no_leading_zero_and_no_date_is_empty() -> None:
    assert long_date(date(2023, 3, 8)) == "8 March 2023"
    assert long_date(date(2024, 12, 31)) == "31 December 2024"
    assert long_date(None) == ""


def test_weekday_names_on_a_known_week() -> None:
    # Monday 6 May 2024 (the early May bank holiday) to Sunday 12 May.
    days = [weekday_date(date(2024, 5, d)).split(" ")[0] for d in range(6, 13)]
    assert days == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert weekday_date(date(2023, 3, 8)) == "Wednesday 8 March 2023"


@pytest.mark.parametrize(
    ("hour", "minute", "words"),
    [
        (0, 5, "12:05am"),
        (9, 0, "9:00am"),
        (11, 59, "11:59am"),
        (12, 0, "12:00pm"),
        (13, 7, "1:07pm"),
        (23, 30, "11:30pm"),
    ],
)
def test_clock_time_is_twelve_hour_without_leading_zero(hour: int, minute: int, words: str) -> None:
    assert clock_time(datetime(2024, 1, 1, hour, minute)) == words


def test_a_moment_is_its_date_at_its_time() -> None:
    assert date_at_time(datetime(2023, 3, 8, 14, 5)) == "8 March 2023 at 2:05pm"
    assert date_at_time(datetime(2023, 12, 31, 0, 30)) == "31 December 2023 at 12:30am"
