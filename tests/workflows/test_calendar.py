"""Tests for workflows.calendar.

Every expected date below was worked out by hand from the England and Wales bank holiday list
published on GOV.UK, not by running the code under test. Day names are in the comments so that
a reader can check them against a printed calendar.
"""

from datetime import date, timedelta

import pytest

from workflows.calendar import (
    add_months,
    add_working_days,
    bank_holidays,
    is_working_day,
    last_day_leaving,
    last_working_day_on_or_before,
    working_days_between,
)

# A partnership closure over Christmas 2026: Thursday 24 December and Tuesday 29 to Thursday
# 31 December. Around it: Friday 25 December is Christmas Day, Saturday 26 December is Boxing
# Day, so Monday 28 December is the substitute bank holiday, and Friday 1 January 2027 is
# New Year's Day.
CLOSURES_2026 = frozenset(
    {date(2026, 12, 24), date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31)}
)


# --- worked examples from the product reference --------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Tue 20 Dec 2022: 21, 22, 23 count; Mon 26 (Boxing Day) and Tue 27 (substitute for
        # Christmas on a Sunday) do not; 28 is 4th, Thu 29 is 5th.
        (date(2022, 12, 20), 5, date(2022, 12, 29)),
        # ... then Fri 30 is 6th, Mon 2 Jan 2023 is the New Year substitute, Tue 3 Jan is 7th,
        # and so on to Fri 13 Jan as 15th.
        (date(2022, 12, 20), 15, date(2023, 1, 13)),
        # Mon 1 May 2023 (early May bank holiday): 2, 3, 4, 5 count; Mon 8 May (coronation)
        # does not; Tue 9 May is 5th.
        (date(2023, 5, 1), 5, date(2023, 5, 9)),
        # ... then 10, 11, 12, 15-19, 22, Tue 23 May is 15th.
        (date(2023, 5, 1), 15, date(2023, 5, 23)),
    ],
)
def test_reference_worked_examples(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n) == expected
    assert working_days_between(start, expected) == n


# --- bank holidays ------------------------------------------------------------------------


def test_bank_holidays_2022_weekdays_are_exactly_the_gov_uk_list() -> None:
    expected = {
        date(2022, 1, 3),  # Mon, substitute for New Year's Day on Saturday 1 January
        date(2022, 4, 15),  # Good Friday
        date(2022, 4, 18),  # Easter Monday
        date(2022, 5, 2),  # Early May bank holiday
        date(2022, 6, 2),  # Thu, spring bank holiday moved for the Platinum Jubilee
        date(2022, 6, 3),  # Fri, Platinum Jubilee bank holiday
        date(2022, 8, 29),  # Summer bank holiday
        date(2022, 9, 19),  # Mon, State Funeral of Queen Elizabeth II
        date(2022, 12, 26),  # Mon, Boxing Day
        date(2022, 12, 27),  # Tue, substitute for Christmas Day on Sunday 25 December
    }
    weekdays = {day for day in bank_holidays(2022) if day.weekday() < 5}
    assert weekdays == expected


def test_bank_holidays_2027_weekdays_are_exactly_the_gov_uk_list() -> None:
    # A year beyond any published list, to show the rules work for future years.
    expected = {
        date(2027, 1, 1),  # Fri, New Year's Day
        date(2027, 3, 26),  # Good Friday (Easter Sunday is 28 March 2027)
        date(2027, 3, 29),  # Easter Monday
        date(2027, 5, 3),  # Early May bank holiday
        date(2027, 5, 31),  # Spring bank holiday
        date(2027, 8, 30),  # Summer bank holiday
        date(2027, 12, 27),  # Mon, substitute for Christmas Day on Saturday 25 December
        date(2027, 12, 28),  # Tue, substitute for Boxing Day on Sunday 26 December
    }
    weekdays = {day for day in bank_holidays(2027) if day.weekday() < 5}
    assert weekdays == expected


def test_bank_holidays_is_cached_and_immutable() -> None:
    first = bank_holidays(2023)
    assert isinstance(first, frozenset)
    assert bank_holidays(2023) is first


@pytest.mark.parametrize(
    "day",
    [
        date(2020, 5, 8),  # Fri, VE Day (early May bank holiday moved from Monday 4 May)
        date(2020, 12, 28),  # Mon, substitute for Boxing Day on Saturday 26 December
        date(2021, 12, 27),  # Mon, substitute for Christmas Day on Saturday
        date(2021, 12, 28),  # Tue, substitute for Boxing Day on Sunday
        date(2022, 1, 3),  # Mon, substitute for New Year's Day on Saturday
        date(2022, 6, 2),  # Thu, spring bank holiday (moved)
        date(2022, 6, 3),  # Fri, Platinum Jubilee
        date(2022, 9, 19),  # Mon, State Funeral of Queen Elizabeth II
        date(2022, 12, 26),  # Mon, Boxing Day
        date(2022, 12, 27),  # Tue, substitute for Christmas Day on Sunday
        date(2023, 1, 2),  # Mon, substitute for New Year's Day on Sunday
        date(2023, 5, 8),  # Mon, coronation of King Charles III
        date(2023, 5, 29),  # Mon, spring bank holiday
        date(2024, 3, 29),  # Good Friday
        date(2024, 4, 1),  # Easter Monday
        date(2027, 12, 27),  # Mon, substitute for Christmas Day on Saturday
        date(2027, 12, 28),  # Tue, substitute for Boxing Day on Sunday
        date(2028, 1, 3),  # Mon, substitute for New Year's Day on Saturday
    ],
)
def test_bank_holidays_are_not_working_days(day: date) -> None:
    assert day.weekday() < 5
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2020, 5, 4),  # Mon, the usual early May date, moved to 8 May in 2020
        date(2022, 5, 30),  # Mon, the usual spring date, moved to 2 June in 2022
        date(2022, 12, 28),  # Wed, first working day after Christmas 2022
        date(2023, 12, 27),  # Wed, Christmas 2023 fell on Mon/Tue so no substitutes
        date(2024, 3, 28),  # Maundy Thursday
        date(2024, 4, 2),  # Tuesday after Easter Monday
        date(2027, 12, 29),  # Wed, after the 2027 substitutes
    ],
)
def test_ordinary_weekdays_are_working_days(day: date) -> None:
    assert is_working_day(day)


def test_weekends_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 7, 11))  # Saturday
    assert not is_working_day(date(2026, 7, 12))  # Sunday
    assert is_working_day(date(2026, 7, 13))  # Monday


def test_closures_are_not_working_days() -> None:
    assert is_working_day(date(2026, 12, 24))
    assert not is_working_day(date(2026, 12, 24), CLOSURES_2026)
    # Any collection works, not only a frozenset.
    assert not is_working_day(date(2026, 12, 30), [date(2026, 12, 30)])
    assert is_working_day(date(2026, 12, 23), CLOSURES_2026)


# --- add_working_days forwards --------------------------------------------------------------


def test_zero_working_days_returns_start_unchanged() -> None:
    assert add_working_days(date(2026, 7, 11), 0) == date(2026, 7, 11)  # a Saturday
    assert add_working_days(date(2022, 12, 27), 0) == date(2022, 12, 27)  # a bank holiday


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Christmas 2021: Thu 23 Dec; Fri 24 is 1st; Sat 25 to Tue 28 are weekend and
        # substitutes; Wed 29, Thu 30, Fri 31 are 2nd-4th; Mon 3 Jan 2022 is a substitute;
        # Tue 4 Jan is 5th.
        (date(2021, 12, 23), 1, date(2021, 12, 24)),
        (date(2021, 12, 23), 2, date(2021, 12, 29)),
        (date(2021, 12, 23), 4, date(2021, 12, 31)),
        (date(2021, 12, 23), 5, date(2022, 1, 4)),
        # Christmas 2022: Fri 23 Dec; Mon 26 and Tue 27 are holidays; Wed 28 is 1st.
        (date(2022, 12, 23), 1, date(2022, 12, 28)),
        # Fri 30 Dec 2022; Mon 2 Jan 2023 is a substitute; Tue 3 Jan is 1st.
        (date(2022, 12, 30), 1, date(2023, 1, 3)),
        # Christmas 2027: Fri 24 Dec; Sat 25 to Tue 28 are weekend and substitutes; Wed 29 is
        # 1st, Fri 31 is 3rd; Sat 1 to Mon 3 Jan 2028 are weekend and substitute; Tue 4 is 4th.
        (date(2027, 12, 24), 1, date(2027, 12, 29)),
        (date(2027, 12, 24), 3, date(2027, 12, 31)),
        (date(2027, 12, 24), 4, date(2028, 1, 4)),
    ],
)
def test_add_working_days_over_christmas_and_new_year(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Easter 2024 from Maundy Thursday 28 March: Good Friday 29 March and Easter Monday
        # 1 April are skipped, so Tue 2 April is 1st and Wed 3 April is 2nd.
        (date(2024, 3, 28), 1, date(2024, 4, 2)),
        (date(2024, 3, 28), 2, date(2024, 4, 3)),
        # Wed 1 June 2022: Thu 2 and Fri 3 June are bank holidays; Mon 6 June is 1st.
        (date(2022, 6, 1), 1, date(2022, 6, 6)),
        # Fri 16 Sep 2022: Mon 19 Sep is the State Funeral; Tue 20 Sep is 1st.
        (date(2022, 9, 16), 1, date(2022, 9, 20)),
        # Fri 5 May 2023: Mon 8 May is the coronation; Tue 9 May is 1st.
        (date(2023, 5, 5), 1, date(2023, 5, 9)),
    ],
)
def test_add_working_days_over_easter_and_one_off_holidays(
    start: date, n: int, expected: date
) -> None:
    assert add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # July 2026 has no bank holidays. Sat 11 and Sun 12 July both lead to Mon 13 July.
        (date(2026, 7, 11), 1, date(2026, 7, 13)),
        (date(2026, 7, 12), 1, date(2026, 7, 13)),
        (date(2026, 7, 11), 5, date(2026, 7, 17)),
        # A working-day anchor is not counted itself either: Fri 10 July + 1 is Mon 13 July.
        (date(2026, 7, 10), 1, date(2026, 7, 13)),
        # Anchor on a bank holiday: Good Friday 18 April 2025, Easter Monday 21 April is
        # skipped, Tue 22 April is 1st.
        (date(2025, 4, 18), 1, date(2025, 4, 22)),
        # Anchor on Easter Monday 1 April 2024: Tue 2 April is 1st.
        (date(2024, 4, 1), 1, date(2024, 4, 2)),
        # Anchor on Boxing Day 2022 (Mon): Tue 27 is a substitute; Wed 28 is 1st.
        (date(2022, 12, 26), 1, date(2022, 12, 28)),
    ],
)
def test_add_working_days_from_weekend_and_holiday_anchors(
    start: date, n: int, expected: date
) -> None:
    assert add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected_with_closures", "expected_without"),
    [
        # From Tue 22 Dec 2026. With closures, Wed 23 is 1st and everything up to Fri 1 Jan
        # 2027 is closed, weekend or holiday, so Mon 4 Jan is 2nd. Without closures, Thu 24,
        # Tue 29, Wed 30 and Thu 31 all count.
        (date(2026, 12, 22), 1, date(2026, 12, 23), date(2026, 12, 23)),
        (date(2026, 12, 22), 2, date(2027, 1, 4), date(2026, 12, 24)),
        (date(2026, 12, 22), 3, date(2027, 1, 5), date(2026, 12, 29)),
        (date(2026, 12, 22), 6, date(2027, 1, 8), date(2027, 1, 4)),
        # Anchored on a closure day itself, Thu 24 Dec 2026.
        (date(2026, 12, 24), 1, date(2027, 1, 4), date(2026, 12, 29)),
    ],
)
def test_add_working_days_skips_closures(
    start: date, n: int, expected_with_closures: date, expected_without: date
) -> None:
    assert add_working_days(start, n, CLOSURES_2026) == expected_with_closures
    assert add_working_days(start, n) == expected_without


def test_closures_accept_a_list() -> None:
    assert add_working_days(date(2026, 12, 22), 2, sorted(CLOSURES_2026)) == date(2027, 1, 4)


def test_closure_on_a_weekend_changes_nothing() -> None:
    saturday = date(2026, 7, 11)
    assert add_working_days(date(2026, 7, 10), 1, [saturday]) == date(2026, 7, 13)
    assert working_days_between(date(2026, 7, 10), date(2026, 7, 17), [saturday]) == 5


# --- add_working_days backwards -------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # The brief's example: 7 working days before Fri 10 July 2026 is Wed 1 July, because
        # between(Wed 1, Fri 10) counts 2, 3, 6, 7, 8, 9, 10 = 7.
        (date(2026, 7, 10), -7, date(2026, 7, 1)),
        # Starting on Sat 11 July gives the same answer: the Saturday is not counted.
        (date(2026, 7, 11), -7, date(2026, 7, 1)),
        (date(2026, 7, 12), -7, date(2026, 7, 1)),
        # One working day before Mon 13 July is Fri 10 July.
        (date(2026, 7, 13), -1, date(2026, 7, 10)),
        # One before Fri 10 July is Thu 9 July.
        (date(2026, 7, 10), -1, date(2026, 7, 9)),
        # One before Sun 12 July: between(Fri 10, Sun 12) is 0, so it must be Thu 9 July.
        (date(2026, 7, 12), -1, date(2026, 7, 9)),
        # Across Easter 2024: from Tue 2 April, one back skips Easter Monday and Good Friday.
        (date(2024, 4, 2), -1, date(2024, 3, 28)),
        (date(2024, 4, 2), -2, date(2024, 3, 27)),
        # Across Christmas 2022: from Wed 28 Dec, one back skips 27 and 26 to Fri 23 Dec.
        (date(2022, 12, 28), -1, date(2022, 12, 23)),
        # From Tue 3 Jan 2023, one back skips the Mon 2 Jan substitute to Fri 30 Dec 2022.
        (date(2023, 1, 3), -1, date(2022, 12, 30)),
        # Start on a bank holiday, Good Friday 18 April 2025: between(Wed 16, Fri 18) is 1
        # (Thu 17), between(Thu 17, Fri 18) is 0.
        (date(2025, 4, 18), -1, date(2025, 4, 16)),
        # Back over the 2022 jubilee weekend: from Mon 6 June, the Monday itself is the one
        # working day that must be left in between; Sun 5 and Sat 4 are the weekend, Fri 3 and
        # Thu 2 are bank holidays, so the result is Wed 1 June.
        (date(2022, 6, 6), -1, date(2022, 6, 1)),
        # From Tue 7 June, the Tuesday is the one to leave in between, so Mon 6 June.
        (date(2022, 6, 7), -1, date(2022, 6, 6)),
    ],
)
def test_add_working_days_backwards(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n) == expected


def test_add_working_days_backwards_with_closures() -> None:
    # From Mon 4 Jan 2027 with the Christmas closure, one back is Wed 23 Dec 2026: between
    # them only Mon 4 Jan counts.
    assert add_working_days(date(2027, 1, 4), -1, CLOSURES_2026) == date(2026, 12, 23)
    # Without the closure: Fri 1 Jan 2027 is New Year's Day, so it is Thu 31 Dec 2026.
    assert add_working_days(date(2027, 1, 4), -1) == date(2026, 12, 31)


# --- last_day_leaving ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        # Tue 18 June 2024: 18, 17, 14, 13, 12, 11 and Mon 10 June are the seven, so any day up
        # to Sun 9 June leaves them all: the weekend before the Monday is still on time.
        (date(2024, 6, 18), date(2024, 6, 9)),
        # Wed 17 May 2023: 17, 16, 15, 12, 11, 10, 9 are the seven; Mon 8 May (the coronation
        # bank holiday) is the last day before them.
        (date(2023, 5, 17), date(2023, 5, 8)),
        # Fri 5 Jan 2024: 5, 4, 3, 2 Jan (1 Jan a bank holiday), 29, 28, Wed 27 Dec are the
        # seven: Tue 26 Dec, Boxing Day.
        (date(2024, 1, 5), date(2023, 12, 26)),
        # Fri 6 Jan 2023: 6, 5, 4, 3 Jan (2 Jan the New Year substitute), 30, 29, Wed 28 Dec:
        # Tue 27 Dec 2022, the substitute for Christmas Day on a Sunday.
        (date(2023, 1, 6), date(2022, 12, 27)),
        # Fri 1 Sep 2023: 1 Sep, 31, 30, 29 Aug (28 Aug a bank holiday), 25, 24, 23 Aug: the
        # day before them, Tue 22 August, is a working day, as add_working_days gives.
        (date(2023, 9, 1), date(2023, 8, 22)),
        # Mon 1 Jul 2024: 1 Jul, 28, 27, 26, 25, 24, 21 Jun are the seven, Thu 20 June before.
        (date(2024, 7, 1), date(2024, 6, 20)),
    ],
)
def test_last_day_leaving_seven_working_days(end: date, expected: date) -> None:
    assert last_day_leaving(end, 7) == expected
    assert working_days_between(expected, end) == 7
    assert working_days_between(expected + timedelta(days=1), end) == 6


def test_last_day_leaving_with_a_closure_day() -> None:
    # Wed 19 June 2024 with Mon 10 June closed: 19, 18, 17, 14, 13, 12 and Tue 11 June are the
    # seven, so the closure day itself is the last day that leaves them.
    assert last_day_leaving(date(2024, 6, 19), 7, [date(2024, 6, 10)]) == date(2024, 6, 10)
    assert last_day_leaving(date(2024, 6, 19), 7) == date(2024, 6, 10)  # a working day then
    # Closing Tue 11 June instead moves it back over the weekend to Sun 9 June.
    assert last_day_leaving(date(2024, 6, 19), 7, [date(2024, 6, 11)]) == date(2024, 6, 9)


# --- working_days_between -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Fri 10 to Fri 17 July 2026: 13, 14, 15, 16, 17.
        (date(2026, 7, 10), date(2026, 7, 17), 5),
        (date(2026, 7, 17), date(2026, 7, 10), -5),
        (date(2026, 7, 10), date(2026, 7, 10), 0),
        (date(2026, 7, 11), date(2026, 7, 11), 0),
        # Start on a weekend: Sat 11 to Fri 17 is still 5; Sun 12 to Mon 13 is 1.
        (date(2026, 7, 11), date(2026, 7, 17), 5),
        (date(2026, 7, 12), date(2026, 7, 13), 1),
        # End on a weekend: Fri 10 to Sat 11 is 0; Mon 13 to Sun 19 is 14, 15, 16, 17 = 4.
        (date(2026, 7, 10), date(2026, 7, 11), 0),
        (date(2026, 7, 13), date(2026, 7, 19), 4),
        (date(2026, 7, 19), date(2026, 7, 13), -4),
        # Weekend to weekend with no working day inside.
        (date(2026, 7, 11), date(2026, 7, 12), 0),
        # Across Christmas 2022: Fri 23 to Fri 30 Dec counts 28, 29, 30.
        (date(2022, 12, 23), date(2022, 12, 30), 3),
        (date(2022, 12, 30), date(2022, 12, 23), -3),
        # Across Easter 2024: Maundy Thursday to Tue 2 April counts only the Tuesday.
        (date(2024, 3, 28), date(2024, 4, 2), 1),
        # Start on a bank holiday: Good Friday 2025 to Tue 22 April counts only the Tuesday.
        (date(2025, 4, 18), date(2025, 4, 22), 1),
        # End on a bank holiday: Fri 16 to Mon 19 Sep 2022 (State Funeral) is 0.
        (date(2022, 9, 16), date(2022, 9, 19), 0),
        # The whole of 2023: 365 days from Sun 1 Jan to Sun 31 Dec, so Monday to Friday each
        # occur 52 times (260 weekdays), less 9 weekday bank holidays (Mon 2 Jan substitute,
        # 7 and 10 Apr, 1, 8 and 29 May, 28 Aug, 25 and 26 Dec) = 251.
        (date(2022, 12, 31), date(2023, 12, 31), 251),
    ],
)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    assert working_days_between(start, end) == expected


def test_working_days_between_with_closures() -> None:
    # Tue 22 Dec 2026 to Mon 4 Jan 2027. Without closures: 23, 24, 29, 30, 31 Dec and 4 Jan.
    # With closures: only 23 Dec and 4 Jan.
    start, end = date(2026, 12, 22), date(2027, 1, 4)
    assert working_days_between(start, end) == 6
    assert working_days_between(start, end, CLOSURES_2026) == 2
    assert working_days_between(end, start, CLOSURES_2026) == -2


def test_closure_on_a_bank_holiday_is_not_taken_off_twice() -> None:
    # Mon 28 Dec 2026 is already a bank holiday; closing it as well changes nothing.
    start, end = date(2026, 12, 22), date(2027, 1, 4)
    assert working_days_between(start, end, [date(2026, 12, 28)]) == 6


# --- properties over three years --------------------------------------------------------


def _every_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def test_forward_and_between_agree_for_every_day_of_2022_to_2024() -> None:
    for start in _every_day(date(2022, 1, 1), date(2024, 12, 31)):
        for n in range(1, 31):
            result = add_working_days(start, n)
            assert is_working_day(result)
            assert working_days_between(start, result) == n, (start, n)
            # The result is the first date that reaches n: the day before falls short.
            assert working_days_between(start, result - timedelta(days=1)) == n - 1


def test_backward_result_is_the_latest_working_day_far_enough_away() -> None:
    for start in _every_day(date(2022, 1, 1), date(2024, 12, 31)):
        for n in range(1, 31):
            result = add_working_days(start, -n)
            assert is_working_day(result)
            assert working_days_between(result, start) >= n, (start, n)
            next_working_day = add_working_days(result, 1)
            assert working_days_between(next_working_day, start) < n, (start, n)


def test_last_day_leaving_is_the_last_day_far_enough_away() -> None:
    for end in _every_day(date(2022, 1, 1), date(2024, 12, 31)):
        for n in (1, 7, 15):
            result = last_day_leaving(end, n)
            assert working_days_between(result, end) >= n, (end, n)
            assert working_days_between(result + timedelta(days=1), end) < n, (end, n)


def test_between_matches_a_day_by_day_count() -> None:
    # A plain count over each day, as a cross-check on the arithmetic shortcut, with closures
    # so that they are exercised too.
    closures = CLOSURES_2026 | {date(2026, 8, 31), date(2026, 7, 11)}  # bank holiday; Saturday
    anchor = date(2026, 6, 15)
    for end in _every_day(date(2026, 6, 1), date(2027, 2, 28)):
        low, high = min(anchor, end), max(anchor, end)
        count = sum(
            1
            for day in _every_day(low + timedelta(days=1), high)
            if day.weekday() < 5 and day not in bank_holidays(day.year) and day not in closures
        )
        expected = count if end >= anchor else -count
        assert working_days_between(anchor, end, closures) == expected, end


def test_between_matches_a_day_by_day_count_across_years() -> None:
    # Ranges of up to three years either way from many starts (the count bisects each year's
    # bank holidays), with closures on a substitute day, a one-off holiday, a Saturday and
    # ordinary weekdays: each closure is taken off once, and only on a working day.
    closures = {date(2022, 12, 27), date(2023, 5, 8), date(2024, 6, 15), date(2023, 1, 3)}
    closures |= {date(2024, 12, 31), date(2025, 1, 2)}
    for start in _every_day(date(2022, 11, 1), date(2025, 2, 28))[::9]:
        for span in (-1100, -400, -33, -1, 0, 1, 6, 45, 370, 1100):
            end = start + timedelta(days=span)
            low, high = min(start, end), max(start, end)
            count = sum(
                1
                for day in _every_day(low + timedelta(days=1), high)
                if is_working_day(day) and day not in closures
            )
            assert working_days_between(start, end, closures) == (count if span >= 0 else -count)


# --- add_months -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 3, 15), 6, date(2026, 9, 15)),
        (date(2022, 8, 31), 6, date(2023, 2, 28)),
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2026, 3, 31), 6, date(2026, 9, 30)),
        (date(2026, 9, 30), 6, date(2027, 3, 30)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2026, 10, 15), 6, date(2027, 4, 15)),
        (date(2026, 12, 31), 1, date(2027, 1, 31)),
        (date(2026, 7, 1), 0, date(2026, 7, 1)),
        # Negative months.
        (date(2026, 9, 15), -6, date(2026, 3, 15)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2026, 1, 31), -2, date(2025, 11, 30)),
        (date(2027, 1, 15), -13, date(2025, 12, 15)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_add_months_out_of_range_raises_value_error() -> None:
    with pytest.raises(ValueError):
        add_months(date(9999, 12, 1), 1)
    with pytest.raises(ValueError):
        add_months(date(1, 1, 1), -1)


# --- last_working_day_on_or_before ----------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "closures", "expected"),
    [
        (date(2026, 7, 10), (), date(2026, 7, 10)),  # Friday, itself
        (date(2026, 7, 11), (), date(2026, 7, 10)),  # Saturday
        (date(2026, 7, 12), (), date(2026, 7, 10)),  # Sunday
        (date(2024, 4, 1), (), date(2024, 3, 28)),  # Easter Monday, back past Good Friday
        (date(2022, 12, 27), (), date(2022, 12, 23)),  # Christmas substitute
        (date(2028, 1, 3), (), date(2027, 12, 31)),  # New Year substitute, Fri 31 Dec works
        # Thu 31 Dec 2026 with the closure: 31, 30, 29 closed, 28 holiday, 27 and 26 weekend,
        # 25 Christmas Day, 24 closed, so Wed 23 Dec.
        (date(2026, 12, 31), CLOSURES_2026, date(2026, 12, 23)),
    ],
)
def test_last_working_day_on_or_before(
    day: date, closures: frozenset[date] | tuple[()], expected: date
) -> None:
    assert last_working_day_on_or_before(day, closures) == expected
