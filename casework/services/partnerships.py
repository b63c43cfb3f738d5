"""Partnerships, their statutory partners and agencies, and their clock settings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, String, cast, select

from casework.extensions import db
from casework.models import Agency, ClosureDay, Partnership
from casework.services.errors import Conflict, Invalid, NotFound
from casework.services.json_rows import comma_list
from workflows.clocks import ClockSettings

STATUTORY_AGENCY_NAMES = {
    "local_authority": "Local authority children's services",
    "police": "Police",
    "health": "Integrated Care Board (health)",
}


def create_partnership(name: str, code: str) -> Partnership:
    """A partnership with its three statutory partners as agencies."""
    name, code = name.strip(), code.strip().upper()
    if not name or not code or not code.replace("-", "").isalnum() or len(code) > 20:
        raise Invalid(
            "Give a name and a short code (letters, digits and hyphens, at most 20).",
            {"code": "Use letters, digits and hyphens"},
        )
    if db.session.scalar(select(Partnership.id).where(Partnership.code == code)):
        raise Conflict(f"A partnership with the code {code} already exists.")
    partnership = Partnership(name=name, code=code)
    db.session.add(partnership)
    for partner, agency_name in STATUTORY_AGENCY_NAMES.items():
        db.session.add(Agency(partnership=partnership, name=agency_name, statutory_partner=partner))
    db.session.commit()
    return partnership


def get_partnership_by_code(code: str) -> Partnership:
    partnership = db.session.scalar(
        select(Partnership).where(Partnership.code == code.strip().upper())
    )
    if partnership is None:
        raise NotFound(f"There is no partnership with the code {code}.")
    return partnership


def create_agency(partnership: Partnership, name: str) -> Agency:
    agency = Agency(partnership=partnership, name=name.strip())
    db.session.add(agency)
    db.session.commit()
    return agency


def clock_settings(partnership_id: int, closures: Iterable[date] | None = None) -> ClockSettings:
    """The partnership's clock settings and closure days, as the workflow wants them.

    `closures` may be given when the caller read them with something else (see
    `closures_column`), saving a query.
    """
    partnership = db.session.get(Partnership, partnership_id)
    assert partnership is not None
    if closures is None:
        closures = closure_days(partnership_id)
    return settings_from(partnership, closures)


# The partnership's columns that are clock settings: ClockSettings' fields but the closure days.
SETTING_NAMES = tuple(f.name for f in fields(ClockSettings) if f.name != "closures")


def settings_from(source: Any, closures: Iterable[date]) -> ClockSettings:
    """Clock settings from anything with the partnership's setting columns as attributes: the
    partnership, or a row that selected them (`SETTING_NAMES`) with something else."""
    return ClockSettings(
        **{name: getattr(source, name) for name in SETTING_NAMES}, closures=frozenset(closures)
    )


def closure_days(partnership_id: int) -> frozenset[date]:
    """The partnership's closure days alone, when the other clock settings are not needed."""
    return frozenset(
        db.session.scalars(
            select(ClosureDay.day).where(ClosureDay.partnership_id == partnership_id)
        )
    )


def closures_column(partnership_id: ColumnElement[int]) -> ScalarSelect[str | None]:
    """The partnership's closure days as one comma-separated text value, to read in the same
    statement as something else (a round trip fewer per event); `parse_closures` reads it.
    Dates as text are ISO on both databases (psycopg reads dates only in PostgreSQL's default
    ISO DateStyle, so the whole application relies on it already)."""
    return (
        select(comma_list(cast(ClosureDay.day, String)))
        .where(ClosureDay.partnership_id == partnership_id)
        .scalar_subquery()
    )


def parse_closures(value: str | None) -> list[date]:
    return [date.fromisoformat(day) for day in value.split(",")] if value else []
