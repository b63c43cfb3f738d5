"""Opening, finding and reading cases. Every read of a case's detail is recorded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Exists, ScalarSelect, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from casework.extensions import db
from casework.models import Case, CaseEvent, Clock, User
from casework.services.clocks import open_clock_overdue_clause, recompute_clocks
from casework.services.errors import Invalid, NotFound
from casework.services.json_rows import json_rows, loads, nested_json
from casework.services.partnerships import clock_settings, closures_column, parse_closures
from casework.services.permissions import (
    require_case_reader,
    require_may_open_cases,
    visible_cases_clause,
)
from casework.services.read_audit import record_reads
from casework.services.today import london_today
from workflows.cases import NATURES, STATES
from workflows.clocks import ClockSettings
from workflows.facts import MAX_TEXT, parse_date

CASE_FIELDS = ("nature", "incident_on", "la_aware_on", "pseudonym", "summary")
# A caller's own check of its input, run by a service at the point where a 422 comes.
CheckInput = Callable[[], None]


def _clean_case_fields(data: dict[str, Any], today: date) -> dict[str, Any]:
    errors: dict[str, str] = {}
    for name in data:
        if name not in CASE_FIELDS:
            errors[name] = f"'{name}' is not a field of a case"
    cleaned: dict[str, Any] = {}
    if data.get("nature") not in NATURES:
        errors["nature"] = f"Choose one of: {', '.join(NATURES)}"
    else:
        cleaned["nature"] = data["nature"]
    for name in ("incident_on", "la_aware_on"):
        if data.get(name) in (None, ""):
            errors[name] = "Enter the date"
            continue
        try:
            day = parse_date(data[name])
        except ValueError as error:
            errors[name] = str(error)
            continue
        if day > today:
            errors[name] = "The date cannot be in the future"
        else:
            cleaned[name] = day
    incident_on, la_aware_on = cleaned.get("incident_on"), cleaned.get("la_aware_on")
    if incident_on and la_aware_on and la_aware_on < incident_on:
        errors["la_aware_on"] = "The local authority cannot have become aware before the incident"
    for name, limit in (("pseudonym", 100), ("summary", MAX_TEXT)):
        value = data.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            cleaned[name] = None  # spaces alone are no pseudonym either
        elif not isinstance(value, str) or len(value) > limit:
            errors[name] = f"Use text of {limit:,} characters or fewer"
        else:
            cleaned[name] = value
    if errors:
        raise Invalid("The case could not be opened: check the fields.", errors)
    return cleaned


def _next_reference(partnership_code: str, partnership_id: int, year: int) -> str:
    prefix = f"{partnership_code}-{year}-"
    count = db.session.scalar(
        select(func.count(Case.id)).where(
            Case.partnership_id == partnership_id, Case.reference.like(prefix + "%")
        )
    )
    return f"{prefix}{count + 1:03d}"


def open_case(user: User, data: dict[str, Any], today: date | None = None) -> Case:
    """Open a case in `referred`, with its notification clock running."""
    require_may_open_cases(user)
    today = today or london_today()
    fields = _clean_case_fields(data, today)
    for _attempt in range(5):
        case = Case(
            partnership_id=user.partnership_id,
            reference=_next_reference(user.partnership.code, user.partnership_id, today.year),
            state="referred",
            state_entered_on=fields["la_aware_on"],
            created_by_id=user.id,
            **fields,
        )
        db.session.add(case)
        try:
            db.session.flush()
        except IntegrityError:
            # Two cases opened at once took the same reference: take the next one.
            db.session.rollback()
            continue
        opening = CaseEvent(
            case_id=case.id,
            event="open",
            from_state=None,
            to_state="referred",
            actor_id=user.id,
            on=fields["la_aware_on"],
            facts={"nature": fields["nature"], "incident_on": data["incident_on"]},
        )
        db.session.add(opening)
        recompute_clocks(case, [opening])
        db.session.commit()
        return case
    raise Invalid("Could not give the case a reference; try again.")  # pragma: no cover


def get_case(
    user: User, case_id: int, *, via: str = "api", check_input: CheckInput | None = None
) -> Case:
    """Load a case the user may see, recording the read. NotFound otherwise.

    `check_input` is as for `read_case`."""
    case, _settings = read_case(user, case_id, via=via, check_input=check_input)
    db.session.commit()
    return case


def read_case(
    user: User, case_id: int, *, via: str, check_input: CheckInput | None = None
) -> tuple[Case, ClockSettings]:
    """A case the user may see, with its partnership's clock settings (one statement), and
    its read recorded in the current transaction: the caller commits once it has read the
    rest, so a page is one transaction. NotFound if the user may not see the case.

    `check_input()` checks the rest of the caller's input (raising Invalid): it runs once the
    case is found, since a 404 comes before a 422, and before the read is recorded, since a
    case refused with a 422 was not shown."""
    require_case_reader(user)
    row = db.session.execute(
        select(Case, closures_column(Case.partnership_id))
        .where(Case.id == case_id, visible_cases_clause(user, london_today()))
        .options(joinedload(Case.partnership))
    ).first()
    if row is None:
        raise NotFound("There is no case with that id.")
    case, closures = row
    if check_input is not None:
        check_input()
    record_reads(user, [case.id], via=via)
    return case, clock_settings(case.partnership_id, parse_closures(closures))


def read_cases(user: User, *, via: str, **filters: Any) -> CasePage:
    """`list_cases` for a list that shows each case's detail (the API's list): every case
    returned is recorded as read, as `read_case` records one, and committed."""
    page = list_cases(user, **filters)
    record_reads(user, (case.id for case in page.items), via=via)
    db.session.commit()
    return page


def record_read(user: User, case: Case, *, via: str) -> None:
    """Record that `user` was shown the detail of a case already loaded for them (as the
    answer to an event they fired), and commit."""
    record_reads(user, [case.id], via=via)
    db.session.commit()


def case_history(case: Case) -> list[CaseEvent]:
    """The case's events, oldest first, each with its actor."""
    return list(db.session.scalars(case.history.select().order_by(CaseEvent.id)))


class HistoryRow(NamedTuple):
    """What the clocks need of one event of a case (see `workflows.clocks.HistoryEntry`)."""

    event: str
    on: date
    facts: dict[str, Any]
    to_state: str | None


def history_column(case_id: ColumnElement[int]) -> ScalarSelect[Any]:
    """The case's history as one JSON value, to read in the statement that loads (and locks)
    the case rather than in a round trip of its own; `parse_history` reads it."""
    return (
        select(
            json_rows(
                CaseEvent.id, CaseEvent.event, CaseEvent.on, CaseEvent.facts, CaseEvent.to_state
            )
        )
        .where(CaseEvent.case_id == case_id)
        .scalar_subquery()
    )


def parse_history(value: str | None) -> list[HistoryRow]:
    """The rows of `history_column`, oldest first (by id: the aggregate keeps no order)."""
    return [
        HistoryRow(event, date.fromisoformat(on), nested_json(facts), to_state)
        for _id, event, on, facts, to_state in sorted(loads(value), key=lambda row: row[0])
    ]


def _escape_like(text: str) -> str:
    """Searched text is matched literally: % and _ are not wildcards here."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class CasePage:
    items: list[Case]
    page: int
    per_page: int
    total: int


def case_filters(
    user: User,
    *,
    state: str | None = None,
    overdue: bool = False,
    on: date | None = None,
    not_overdue: bool = False,
    nature: str | None = None,
    aware_year: int | None = None,
    text: str | None = None,
) -> list[ColumnElement[bool]]:
    """WHERE clauses on `Case` for the cases `user` may see that pass the filters.

    `overdue` keeps the cases with a clock overdue on `on` (default today), `not_overdue` those
    without one; `aware_year` is the year the local authority became aware; `text` is looked
    for, ignoring case, in the reference and the pseudonym.

    The first clause is who may see the cases, and only a filter given adds more (the case
    list counts on it, to know when its total is every case of the partnership).
    """
    require_case_reader(user)
    on = on or london_today()
    if state is not None and state not in STATES:
        raise Invalid("Unknown state.", {"state": f"Choose one of: {', '.join(STATES)}"})
    if nature is not None and nature not in NATURES:
        raise Invalid("Unknown nature.", {"nature": f"Choose one of: {', '.join(NATURES)}"})
    if aware_year is not None and not 1900 <= aware_year <= 9998:
        raise Invalid("Bad year.", {"aware_year": "Give a year such as 2023"})
    where = [visible_cases_clause(user, london_today())]
    if state:
        where.append(Case.state == state)
    if overdue:
        where.append(has_overdue_clock(on))
    if not_overdue:
        where.append(~has_overdue_clock(on))
    if nature:
        where.append(Case.nature == nature)
    if aware_year is not None:
        # A range, not EXTRACT(year ...), so an index on la_aware_on could serve it.
        where.append(Case.la_aware_on >= date(aware_year, 1, 1))
        where.append(Case.la_aware_on < date(aware_year + 1, 1, 1))
    if text and text.strip():
        pattern = "%" + _escape_like(text.strip().lower()) + "%"
        where.append(
            or_(
                func.lower(Case.reference).like(pattern, escape="\\"),
                func.lower(Case.pseudonym).like(pattern, escape="\\"),
            )
        )
    return where


def has_overdue_clock(on: date) -> Exists:
    """SQL for "the case has a clock overdue on `on`"."""
    return exists(select(Clock.id).where(Clock.case_id == Case.id, open_clock_overdue_clause(on)))


def list_cases(
    user: User,
    *,
    state: str | None = None,
    overdue: bool = False,
    on: date | None = None,
    page: int = 1,
    per_page: int = 50,
    not_overdue: bool = False,
    nature: str | None = None,
    aware_year: int | None = None,
    text: str | None = None,
) -> CasePage:
    """The cases `user` may see, newest first, filtered (see `case_filters`) and paginated."""
    where = case_filters(
        user,
        state=state,
        overdue=overdue,
        on=on,
        not_overdue=not_overdue,
        nature=nature,
        aware_year=aware_year,
        text=text,
    )
    if page < 1 or not 1 <= per_page <= 100:
        raise Invalid(
            "Bad page.", {"page" if page < 1 else "per_page": "page >= 1, per_page 1 to 100"}
        )
    total = db.session.scalar(select(func.count(Case.id)).where(*where)) or 0
    items = db.session.scalars(
        select(Case)
        .where(*where)
        .order_by(Case.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return CasePage(list(items), page, per_page, total)
