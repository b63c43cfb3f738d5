"""Dates and times as GOV.UK writes them: "8 March 2023", "Wednesday 8 March 2023", "2:05pm".

Month and day names come from these tables, not from `strftime`, whose `%B` and `%A` follow
the process's locale: English is what the service is in, wherever it runs.
"""

from __future__ import annotations

from datetime import date, datetime

from workflows.calendar import long_date

__all__ = ["clock_time", "date_at_time", "long_date", "plural", "status_words", "weekday_date"]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday_date(day: date) -> str:
    """Wednesday 8 March 2023."""
    return f"{WEEKDAYS[day.weekday()]} {long_date(day)}"


def clock_time(moment: datetime) -> str:
    """2:05pm, 12:30am: the 12-hour clock, no leading zero, as GOV.UK writes times."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d}{'am' if moment.hour < 12 else 'pm'}"


def date_at_time(moment: datetime) -> str:
    """8 March 2023 at 2:05pm."""
    return f"{long_date(moment)} at {clock_time(moment)}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def status_words(
    status: str, days_left: int | None, days_late: int | None, due_on: date | None, today: date
) -> str:
    """A clock's status as its tag says it: "Due in 3 working days", "Met late by 2 …"."""
    if status == "running":
        if days_left:
            return f"Due in {plural(days_left, 'working day')}"
        # No working day is left, yet the due date may be ahead: a Saturday, seen on the Friday.
        if due_on is None or due_on <= today:
            return "Due today"
        return f"Due on {weekday_date(due_on)}"
    if status == "overdue":
        return f"Overdue by {plural(days_late, 'working day')}" if days_late else "Overdue"
    if status == "met_late":
        return f"Met late by {plural(days_late, 'working day')}" if days_late else "Met late"
    return {"met": "Met", "paused": "Paused", "cancelled": "Cancelled"}.get(status, "Not started")
