"""Keeping clock rows true to the case history, and asking which clocks need attention."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    false,
    func,
    literal_column,
    not_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import contains_eager

from casework.extensions import db
from casework.models import AlertClaim, Case, Clock, User
from casework.services.errors import Invalid
from casework.services.partnerships import clock_settings, closures_column, parse_closures
from casework.services.permissions import require_case_reader, visible_cases_clause
from casework.services.prepared import Prepared
from casework.services.today import london_today
from workflows.cases import TERMINAL_STATES
from workflows.clocks import (
    CASE_CLOCK_KINDS,
    STATUSES,
    ClockSettings,
    HistoryEntry,
    derive_clocks,
    next_rung,
    rung_dates,
)
from workflows.clocks import Clock as DerivedClock
from workflows.clocks import rung_reached as _rung_reached


def recompute_clocks(
    case: Case,
    history: Sequence[HistoryEntry],
    settings: ClockSettings | None = None,
    claimed: dict[tuple[int, date], set[str]] | None = None,
    *,
    fired: bool = False,
) -> None:
    """Bring the case's clock rows in line with its whole history (oldest first).

    A clock that has ended (met or cancelled) keeps the due date it was judged against: the
    settings of the day it ended. A change of settings since (a shorter target, a closure day)
    moves the clocks still running, and must not turn one met on time into a late one, now or
    at the case's next event. An ended clock is worked out again only when the event being
    fired (`fired`: the last entry of `history`) changes what the history says of it: a hold
    recorded late that paused it, a publication date moved after the advance copy went, a
    reopening.

    `claimed` (the alert ledger's claims by clock and due date) is looked up where needed when
    not given (see `refresh_ladders`); callers recomputing many cases pass it, read once.
    """
    settings = settings or clock_settings(case.partnership_id)
    existing = {(c.kind, c.seq): c for c in case.clocks if c.kind in CASE_CLOCK_KINDS}
    before_event = (
        {(c.kind, c.seq): c for c in derive_clocks(case.la_aware_on, history[:-1], settings)}
        if fired
        else None
    )
    rows: list[tuple[Clock, Ladder | None]] = []
    for derived in derive_clocks(case.la_aware_on, history, settings):
        row = existing.pop((derived.kind, derived.seq), None)
        if row is None:
            row = Clock(kind=derived.kind, seq=derived.seq, partnership_id=case.partnership_id)
            case.clocks.append(row)
            before = None
            copy_derived(derived, row)
        else:
            before = ladder(row)
            if not _judged(row, derived, before_event):
                copy_derived(derived, row)
        rows.append((row, before))
    refresh_ladders(rows, settings, claimed)
    for stale in existing.values():  # only if history were rewritten; kept for safety
        case.clocks.remove(stale)
        db.session.delete(stale)


def _judged(
    row: Clock, derived: DerivedClock, before_event: dict[tuple[str, int], DerivedClock] | None
) -> bool:
    """Has the row's clock ended, with nothing the history says of it changed since?

    `before_event` is what the history said of each clock before the event being fired (None
    when no event is: the settings changed).
    """
    if row.met_on is None and row.cancelled_on is None:
        return False
    if (row.met_on, row.cancelled_on) != (derived.met_on, derived.cancelled_on):
        return False
    return before_event is None or before_event.get((derived.kind, derived.seq)) == derived


def copy_derived(derived: DerivedClock, row: Clock) -> None:
    """What the history says of a clock, onto its row (the ladder is set apart)."""
    row.statutory = derived.statutory
    row.anchor_on = derived.anchor_on
    row.due_on = derived.due_on
    row.met_on = derived.met_on
    row.cancelled_on = derived.cancelled_on
    row.cancelled_by = derived.cancelled_by
    row.hold_days = derived.hold_days
    row.paused = derived.paused


def refresh_ladders(
    rows: Sequence[tuple[Clock, Ladder | None]],
    settings: ClockSettings,
    claimed: dict[tuple[int, date], set[str]] | None = None,
) -> None:
    """Store each row's alert ladder for its due date and state, and its next rung.

    `rows` pairs each row with its `ladder` as it was before this change (None for a new row).
    The next rung depends on the ledger's claims for the due date, so it is worked out again
    only where the ladder moved; elsewhere the stored one stays true (the sweep keeps it so).
    `claimed` is read for those rows when not given.
    """
    moved: list[tuple[Clock, dict[str, date]]] = []
    for row, before in rows:
        rungs = _store_ladder(row, settings)
        if row.id is None or before is None or ladder(row) != before:
            moved.append((row, rungs))
    if claimed is None:
        # Only rows that can still alert and were stored before can have claims.
        with db.session.no_autoflush:  # the ledger does not depend on these changes
            claimed = claimed_rungs([row.id for row, rungs in moved if rungs and row.id])
    for row, rungs in moved:
        row.next_rung_on = _next_rung_on(rungs, claimed.get((row.id, row.due_on), ()))


def claimed_rungs(clock_ids: Collection[int]) -> dict[tuple[int, date], set[str]]:
    """The rungs claimed in the alert ledger for these clocks, by (clock id, due date)."""
    claimed: dict[tuple[int, date], set[str]] = defaultdict(set)
    if clock_ids:
        rows = db.session.execute(
            select(AlertClaim.clock_id, AlertClaim.due_on, AlertClaim.rung).where(
                AlertClaim.clock_id.in_(clock_ids)
            )
        )
        for clock_id, due_on, rung in rows:
            claimed[(clock_id, due_on)].add(rung)
    return claimed


def claimed_rungs_of_open_cases(partnership_id: int) -> dict[tuple[int, date], set[str]]:
    """The ledger's claims for every clock of the partnership's cases not in a terminal state."""
    claimed: dict[tuple[int, date], set[str]] = defaultdict(set)
    rows = db.session.execute(
        select(AlertClaim.clock_id, AlertClaim.due_on, AlertClaim.rung)
        .join(Clock, Clock.id == AlertClaim.clock_id)
        .join(Case, Case.id == Clock.case_id)
        .where(
            Case.partnership_id == partnership_id,
            Case.state.not_in(sorted(TERMINAL_STATES)),
        )
    )
    for clock_id, due_on, rung in rows:
        claimed[(clock_id, due_on)].add(rung)
    return claimed


def set_rungs(row: Clock, settings: ClockSettings, claimed: Collection[str] = ()) -> None:
    """Store the alert ladder for the row's due date; none while it cannot alert.

    `claimed` names the rungs already claimed in the ledger for this due date: the next rung
    date is the first one not among them. A new due date has none claimed, so it re-arms.
    """
    row.next_rung_on = _next_rung_on(_store_ladder(row, settings), claimed)


def _store_ladder(row: Clock, settings: ClockSettings) -> dict[str, date]:
    alerting = row.met_on is None and row.cancelled_on is None and not row.paused and row.due_on
    rungs = rung_dates(row.due_on, settings) if alerting else {}
    row.due_soon_on = rungs.get("due_soon")
    row.due_rung_on = rungs.get("due")
    row.overdue_on = rungs.get("overdue")
    row.escalated_on = rungs.get("escalated")
    row.alert_from_on = min(rungs.values()) if rungs else None
    return rungs


Ladder = tuple[date | None, ...]


def ladder(row: Clock) -> Ladder:
    """What a row's next rung depends on besides the ledger: its due date (the ledger's claims
    are kept per due date, so a new one re-arms even with the same rung dates, as from a
    Saturday to a Sunday) and its rung dates (none while it cannot alert)."""
    return (row.due_on, row.due_soon_on, row.due_rung_on, row.overdue_on, row.escalated_on)


def _next_rung_on(rungs: dict[str, date], claimed: Collection[str]) -> date | None:
    upcoming = next_rung(rungs, claimed)
    return rungs[upcoming] if upcoming else None


def _open() -> ColumnElement[bool]:
    return and_(Clock.met_on.is_(None), Clock.cancelled_on.is_(None))


def status_clause(status: str, on: date) -> ColumnElement[bool]:
    """SQL for "the clock's status on `on` is `status`" (see workflows.clocks.status)."""
    # Only the clause asked for is built: building SQL expressions is a measurable part of
    # the case list's time.
    if status in ("running", "overdue"):
        running = and_(_open(), not_(Clock.paused), Clock.due_on.is_not(None))
        return and_(running, Clock.due_on >= on if status == "running" else Clock.due_on < on)
    if status == "pending":
        return and_(_open(), Clock.due_on.is_(None))
    if status == "paused":
        return and_(_open(), Clock.paused)
    if status == "met":
        return and_(Clock.met_on.is_not(None), Clock.met_on <= Clock.due_on)
    if status == "met_late":
        return and_(Clock.met_on.is_not(None), Clock.met_on > Clock.due_on)
    if status == "cancelled":
        return Clock.cancelled_on.is_not(None)
    return false()


def open_clock_overdue_clause(on: date) -> ColumnElement[bool]:
    return status_clause("overdue", on)


@dataclass(slots=True)  # not frozen: a frozen constructor is slow (see services/case_pages.py)
class DueClock:
    clock_id: int
    case_id: int
    case_reference: str
    partnership_id: int
    kind: str
    statutory: bool
    due_on: date
    rung: str
    pseudonym: str | None = None
    agency_id: int | None = None  # an agency request's clock: the agency it waits for
    agency_request_id: int | None = None  # ... and the request, whose page its contributors see


def clocks_due(on: date, partnership_id: int | None = None) -> list[DueClock]:
    """Every open clock at or past a rung of the alert ladder on `on`, in one indexed query.

    The cost grows with the number of clocks due, not with the number of cases: the index on
    `alert_from_on` holds only clocks that can still alert, and each due clock's case is
    looked up by its key.
    """
    mine = true() if partnership_id is None else Clock.partnership_id == partnership_id
    return _due(on, mine)


@dataclass
class PartnershipDue:
    """A partnership's clocks at a rung of the alert ladder: the first few of each kind, with
    how many there are in all, and the closure days to count their working days by."""

    overdue: list[DueClock]  # past their due date, the longest overdue first
    overdue_total: int
    due: list[DueClock]  # due soon or due today, the soonest first
    due_total: int
    closures: frozenset[date]


def partnership_clocks_due(
    on: date, partnership_id: int, limit: int, *, escalated_only: bool = False
) -> PartnershipDue:
    """The partnership's clocks at a rung on `on`, split into overdue (past their due date)
    and not yet (due soon or due), each the first `limit` with how many there are in all.

    One statement, built once (the home page asked four, each reading the same index range
    again, and building it each time cost as much as running it)."""
    rows = _partnership_due_statement(escalated_only).rows(
        {"on": on, "partnership_id": partnership_id, "limit": limit}
    )
    shown: dict[bool, list[DueClock]] = {True: [], False: []}
    for row in rows:
        shown[bool(row.late)].append(_due_clock(row, on))
    # Every row carries both totals and the closure days; no row means nothing is due.
    first = rows[0] if rows else None
    return PartnershipDue(
        shown[True],
        first.overdue_total if first else 0,
        shown[False],
        first.due_total if first else 0,
        frozenset(parse_closures(first.closures if first else None)),
    )


@cache
def _partnership_due_statement(escalated_only: bool) -> Prepared:
    on, partnership_id = bindparam("on", type_=Date), bindparam("partnership_id", type_=Integer)
    limit = bindparam("limit", type_=Integer)
    # The clocks at a rung, read once (a CTE) for the two short lists and the two totals. A
    # row number and a count over windows did the same in one pass, but sorting every due
    # clock twice cost SQLite 4.5 ms at 444 due clocks; this is 1.5 ms on either database.
    due = (
        select(Clock.id, Clock.case_id, Clock.due_on)
        .where(
            Clock.partnership_id == partnership_id,
            Clock.alert_from_on <= on,
            Clock.escalated_on <= on if escalated_only else true(),
        )
        .cte("due")
    )
    # Overdue from the day after the due date, a weekend or bank holiday included, as its
    # status says; the overdue rung (when the alert goes) waits for the next working day.
    groups = {1: due.c.due_on < on, 0: due.c.due_on >= on}

    def first_of(late: int) -> Select:
        ids = (
            select(due.c.id)
            .where(groups[late])
            .order_by(due.c.due_on, due.c.case_id, due.c.id)
            .limit(limit)
            .subquery()
        )
        return select(ids.c.id, literal_column(str(late)).label("late"))

    def total(late: int) -> ScalarSelect[int]:
        return select(func.count()).select_from(due).where(groups[late]).scalar_subquery()

    picked = union_all(first_of(1), first_of(0)).subquery("picked")
    return Prepared(
        select(
            *_DUE_COLUMNS,
            picked.c.late,
            total(1).label("overdue_total"),
            total(0).label("due_total"),
            *_case_columns(Clock.case_id),
            closures_column(partnership_id).label("closures"),
        )
        .join_from(picked, Clock, Clock.id == picked.c.id)
        .order_by(picked.c.late.desc(), Clock.due_on, Clock.case_id, Clock.id)
    )


_DUE_COLUMNS = (
    Clock.id,
    Clock.case_id,
    Clock.partnership_id,
    Clock.kind,
    Clock.statutory,
    Clock.due_on,
    Clock.due_soon_on,
    Clock.due_rung_on,
    Clock.overdue_on,
    Clock.escalated_on,
    Clock.agency_id,
    Clock.agency_request_id,
)


def _case_columns(case_id: ColumnElement[int]) -> tuple[ColumnElement, ...]:
    """The case's reference and pseudonym, looked up by key for each clock returned: a join
    let both databases scan every case (a hash join) even when few clocks were due."""
    return (
        select(Case.reference).where(Case.id == case_id).scalar_subquery().label("reference"),
        select(Case.pseudonym).where(Case.id == case_id).scalar_subquery().label("pseudonym"),
    )


def _due(on: date, where: ColumnElement[bool]) -> list[DueClock]:
    query = (
        select(*_DUE_COLUMNS, *_case_columns(Clock.case_id))
        .where(Clock.alert_from_on <= on, where)
        .order_by(Clock.due_on, Clock.case_id, Clock.id)
    )
    return [_due_clock(row, on) for row in db.session.execute(query)]


def _due_clock(row: Any, on: date) -> DueClock:
    rungs = {
        "due_soon": row.due_soon_on,
        "due": row.due_rung_on,
        "overdue": row.overdue_on,
        "escalated": row.escalated_on,
    }
    return DueClock(
        row.id,
        row.case_id,
        row.reference,
        row.partnership_id,
        row.kind,
        row.statutory,
        row.due_on,
        _rung_reached(rungs, on) or "due_soon",  # alert_from_on <= on: a rung is reached
        row.pseudonym,
        row.agency_id,
        row.agency_request_id,
    )


@dataclass
class ClockPage:
    items: list[Clock]
    page: int
    per_page: int
    total: int


def list_clocks(
    user: User,
    *,
    status: str | None,
    on: date | None = None,
    page: int = 1,
    per_page: int = 100,
) -> ClockPage:
    """Clocks of the cases `user` may see: open ones by default, or those with `status` on `on`.

    Oldest due first.
    """
    require_case_reader(user)
    on = on or london_today()
    if status is not None and status not in STATUSES:
        raise Invalid("Unknown status.", {"status": f"Choose one of: {', '.join(STATUSES)}"})
    if page < 1 or not 1 <= per_page <= 500:
        raise Invalid(
            "Bad page.", {"page" if page < 1 else "per_page": "page >= 1, per_page 1 to 500"}
        )
    where = [visible_cases_clause(user, london_today())]
    where.append(status_clause(status, on) if status else _open())
    base = select(Clock).join(Case, Case.id == Clock.case_id).where(*where)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    items = db.session.scalars(
        base.options(contains_eager(Clock.case))
        .order_by(Clock.due_on, Clock.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return ClockPage(list(items), page, per_page, total)
