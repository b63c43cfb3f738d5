"""Working-day arithmetic for England and Wales.

A working day is a Monday to Friday that is neither an England and Wales bank holiday nor one
of the partnership's own closure days. Bank holidays come from the ``holidays`` package, which
works them out from rules, so any year can be answered offline. Its list includes substitute
days (for example 27 December 2022, because Christmas Day fell on a Sunday) and one-off days
(3 June 2022, 19 September 2022, 8 May 2023). Closure days are passed in by the caller as
``closures``; a closure that falls on a weekend or bank holiday changes nothing.

Counting always starts on the day AFTER the anchor date. Working day 1 is the first working day
strictly after the anchor, whether the anchor itself is a working day, a weekend or a holiday.
So "5 working days after Tuesday 20 December 2022" is Thursday 29 December 2022: 21, 22, 23,
then 26 and 27 are bank holidays, then 28 and 29.

``working_days_between(start, end)`` counts the working days d with start < d <= end, which is
the same rule seen from the other side: ``working_days_between(s, add_working_days(s, n)) == n``.

Counting backwards ("7 working days before the planned date") gives the latest working day from
which the planned date is at least that many working days away. The answer is always a working
day, and it does not change if the planned date moves off a working day onto the weekend after.
A deadline is a different question: the last day on which something may happen and still leave
that many working days before a date. ``last_day_leaving(end, n)`` answers it, and may give a
weekend or a bank holiday: an advance copy sent on Saturday 8 June 2024 leaves the same 7
working days before Tuesday 18 June as one sent on the Friday, so it is on time.

``add_months`` moves by calendar months and clamps to the last day of a short month, so
31 August 2023 plus 6 months is 29 February 2024.
"""

from bisect import bisect_right
from collections.abc import Collection
from datetime import date, timedelta
from functools import lru_cache

import holidays

_ONE_DAY = timedelta(days=1)

# date.weekday() numbers Monday as 0, so Saturday and Sunday are 5 and 6.
_SATURDAY = 5


@lru_cache(maxsize=256)
def bank_holidays(year: int) -> frozenset[date]:
    """Every England and Wales bank holiday date in ``year``.

    Weekend originals (such as Sunday 25 December 2022) are listed as well as the weekday
    substitutes; they are harmless because weekends are never working days anyway.
    """
    # Building the holiday table is slow compared with a set lookup, and the answer for a year
    # never changes, so each year is computed once per process. The bound only matters for
    # callers sweeping through hundreds of years.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date, closures: Collection[date] = ()) -> bool:
    """True if ``day`` is a Monday to Friday, not a bank holiday and not a closure day."""
    if day.weekday() >= _SATURDAY:
        return False
    if day in bank_holidays(day.year):
        return False
    return day not in closures


def add_working_days(start: date, n: int, closures: Collection[date] = ()) -> date:
    """The date ``n`` working days after ``start`` (before it when ``n`` is negative).

    ``n == 0`` returns ``start`` unchanged, even if it is not a working day. For ``n > 0`` the
    result is the n-th working day strictly after ``start``. For ``n < 0`` it is the latest
    working day d with ``working_days_between(d, start) >= -n``.
    """
    if n == 0:
        return start
    # A frozenset makes each membership test O(1) even if the caller passed a list.
    closed = frozenset(closures)
    try:
        return _step_working_days(start, n, closed)
    except OverflowError as exc:
        raise ValueError(f"{start.isoformat()} plus {n} working days is out of range") from exc


def _step_working_days(start: date, n: int, closed: frozenset[date]) -> date:
    if n > 0:
        day = start
        found = 0
        while found < n:
            day += _ONE_DAY
            if is_working_day(day, closed):
                found += 1
        return day

    # Walking back from start (inclusive), the first -n working days met are exactly the ones
    # that a result must leave between itself and start. The latest working day that leaves
    # all of them in (result, start] is therefore the next working day met: number -n + 1.
    wanted = -n + 1
    day = start
    found = 1 if is_working_day(day, closed) else 0
    while found < wanted:
        day -= _ONE_DAY
        if is_working_day(day, closed):
            found += 1
    return day


def last_day_leaving(end: date, n: int, closures: Collection[date] = ()) -> date:
    """The latest date d with ``working_days_between(d, end) >= n`` (for ``n >= 1``).

    It is the day before the n-th working day counted back from ``end`` (``end`` included), so
    it may be a weekend, a bank holiday or a closure day, unlike ``add_working_days(end, -n)``,
    the latest working day that far back.
    """
    closed = frozenset(closures)
    return add_working_days(add_working_days(end, -n, closed), 1, closed) - _ONE_DAY


def working_days_between(start: date, end: date, closures: Collection[date] = ()) -> int:
    """The number of working days d with ``start < d <= end``.

    When ``end`` is before ``start`` the answer is negative: minus the number of working days d
    with ``end < d <= start``. Equal dates give 0.
    """
    if end < start:
        return -working_days_between(end, start, closures)

    # Count weekdays arithmetically and then take off the holidays and closures that land on
    # weekdays inside the range, so long ranges cost no more than short ones.
    total_days = (end - start).days
    full_weeks, extra_days = divmod(total_days, 7)
    weekdays = full_weeks * 5
    for offset in range(1, extra_days + 1):
        if (start + timedelta(days=offset)).weekday() < _SATURDAY:
            weekdays += 1

    # Bank holidays on weekdays, counted by bisecting each year's sorted list; then closure
    # days, but only those on a weekday that is not a bank holiday already (counted once).
    lost = 0
    for year in range(start.year, end.year + 1):
        days = _weekday_bank_holidays(year)
        lost += bisect_right(days, end) - bisect_right(days, start)
    for day in set(closures):
        if start < day <= end and day.weekday() < _SATURDAY and day not in bank_holidays(day.year):
            lost += 1
    return weekdays - lost


@lru_cache(maxsize=256)
def _weekday_bank_holidays(year: int) -> tuple[date, ...]:
    """The year's bank holidays that fall on a weekday, in order (for bisecting)."""
    return tuple(sorted(day for day in bank_holidays(year) if day.weekday() < _SATURDAY))


def add_months(start: date, months: int) -> date:
    """``start`` moved by whole calendar months, clamped to the last day of a shorter month.

    Raises ValueError if the result would fall outside the years ``date`` supports (1 to 9999).
    """
    # Counting months from year 0 turns the year rollover into plain division.
    month_index = start.year * 12 + (start.month - 1) + months
    year, month_zero_based = divmod(month_index, 12)
    month = month_zero_based + 1
    if not 1 <= year <= 9999:
        raise ValueError(f"{start.isoformat()} plus {months} months is outside years 1 to 9999")
    day = min(start.day, _days_in_month(year, month))
    return date(year, month, day)


def last_working_day_on_or_before(day: date, closures: Collection[date] = ()) -> date:
    """``day`` itself if it is a working day, otherwise the nearest working day before it."""
    closed = frozenset(closures)
    try:
        while not is_working_day(day, closed):
            day -= _ONE_DAY
    except OverflowError as exc:
        raise ValueError("no working day on or before the earliest supported date") from exc
    return day


def _days_in_month(year: int, month: int) -> int:
    # Asking for the day before the 1st of the next month avoids a table of month lengths and
    # a leap-year rule of our own.
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - _ONE_DAY).day


# How dates are written to people, here so that the workflow's own messages say "8 March 2023"
# as the pages do (casework.services.wording re-exports it). English names from a table, not
# strftime, whose %B follows the process's locale.
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(day: date | None) -> str:
    """8 March 2023 ("" for no date)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}" if day else ""
