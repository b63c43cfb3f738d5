"""Dates as GOV.UK asks for them: day, month and year in three boxes, stored as YYYY-MM-DD."""

from __future__ import annotations

from datetime import date

from workflows.calendar import long_date

PARTS = ("day", "month", "year")


class DateProblem(ValueError):
    """What is wrong with the boxes: `key` names the message, `missing` the empty boxes."""

    def __init__(self, key: str, missing: str = ""):
        super().__init__(key)
        self.key, self.missing = key, missing


def parse_parts(day: str, month: str, year: str) -> date | None:
    """The date in three boxes; None when all three are blank; DateProblem when it is wrong.

    The checks run in GOV.UK's order: a box left empty, then a year without 4 numbers, then a
    date that does not exist (letters, 31 April, 29 February outside a leap year).
    """
    parts = [part.strip() for part in (day, month, year)]
    if not any(parts):
        return None
    missing = [name for name, part in zip(PARTS, parts, strict=True) if not part]
    if missing:
        raise DateProblem("incomplete_date", " and a ".join(missing))
    if len(parts[2]) != 4:
        raise DateProblem("invalid_year")
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise DateProblem("invalid_date")
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        raise DateProblem("invalid_date") from None


def display_date(iso: str) -> str:
    """'2024-01-02' as GOV.UK writes it: '2 January 2024'."""
    return long_date(date.fromisoformat(iso))


def date_parts(iso: str | None) -> tuple[str, str, str]:
    """A stored date back into its three boxes, for a page showing a saved answer."""
    if not iso:
        return ("", "", "")
    on = date.fromisoformat(iso)
    return (str(on.day), str(on.month), str(on.year))


def is_iso_date(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10
