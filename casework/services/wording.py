"""Dates and times as GOV.UK writes them: "8 March 2023", "Wednesday 8 March 2023", "2:05pm".

Month and day names come from these tables, not from `strftime`, whose `%B` and `%A` follow
the process's locale: English is what the service is in, wherever it runs.
"""

from __future__ import annotations

from datetime import date, datetime

from workflows.calendar import long_date

__all__ = ["clock_time", "long_date", "weekday_date"]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday_date(day: date) -> str:
    """Wednesday 8 March 2023."""
    return f"{WEEKDAYS[day.weekday()]} {long_date(day)}"


def clock_time(moment: datetime) -> str:
    """2:05pm, 12:30am: the 12-hour clock, no leading zero, as GOV.UK writes times."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d}{'am' if moment.hour < 12 else 'pm'}"
