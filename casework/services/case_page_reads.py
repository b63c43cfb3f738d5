"""The case page's reads: the read it records, then one statement for the case and everything
the page shows around it.

The page used to load the case as ORM objects (the case, then its sign-offs, holds and clocks
in a statement each), then its history, its grants and its readers: nine statements and the
ORM's bookkeeping for objects that the page only reads. On the benchmark's case that was most
of the page's time. Here the case's columns, its partnership's clock settings and closure days,
and each list (as JSON, see `json_rows`) come back in one row of one statement, built once per
kind of reader, and are read into plain records. `CaseRecord` answers what the workflow asks of
a case exactly as `Case` does (`CaseQuestions`), so the guards and the clock statuses are the
same code as everywhere else.

The read is recorded first, by an INSERT that selects the case through the same visibility
clause: no row inserted means the case is not the reader's (a 404, with nothing recorded). The
reader's running total is kept by a trigger (migration 0010), so the audit the page shows
already includes this read.

Where that INSERT commits as it runs (a reads-only request on PostgreSQL, see
`transactions.reads_only`), it commits asynchronously: PostgreSQL returns once the read is in
its write-ahead log, and writes the log to disk within a fraction of a second (three times
`wal_writer_delay` at most, 0.6 s by default) rather than before answering. Waiting for that
write held the reader's running total locked meanwhile, so that two reads of a case by one
person queued behind each other's disk write: on the benchmark that cost the page a third of
its throughput (issue 3). What it risks: if the database server itself crashes, the reads of
its last fraction of a second may be missing from the audit; nothing else is lost and nothing
is left half-written. Every change to a case still commits synchronously, in its own
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import DateTime, Integer, String, bindparam, func, insert, inspect, select
from sqlalchemy.orm import aliased

from casework.models import (
    Case,
    CaseAccess,
    CaseEvent,
    CaseRead,
    CaseReadTotal,
    Clock,
    Hold,
    Partnership,
    SignOff,
    User,
)
from casework.models.cases import CaseQuestions
from casework.models.time import utcnow
from casework.services.access import SEES_GRANTS, GrantEntry
from casework.services.errors import NotFound
from casework.services.json_rows import json_rows, loads, nested_json
from casework.services.partnerships import (
    SETTING_NAMES,
    closures_column,
    parse_closures,
    settings_from,
)
from casework.services.permissions import (
    SEES_ALL_CASES,
    SEES_GRANTED_CASES,
    granted,
    require_case_reader,
)
from casework.services.prepared import Prepared
from casework.services.transactions import autocommits
from workflows.clocks import ClockSettings

SEES_READ_AUDIT = frozenset({"business_manager", "scrutineer"})


@dataclass(frozen=True)
class SignOffRecord:
    id: int
    round: int
    subject: str
    partner: str
    signed_on: date
    given_by: str | None


@dataclass(frozen=True)
class HoldRecord:
    id: int
    reason: str
    note: str | None
    panel_informed_on: date | None
    placed_on: date
    lifted_on: date | None


@dataclass
class ClockRecord:
    id: int
    kind: str
    seq: int
    statutory: bool
    anchor_on: date | None
    due_on: date | None
    met_on: date | None
    cancelled_on: date | None
    paused: bool
    hold_days: int
    case: CaseRecord | None = None  # as Clock.case: its statuses ask about the case's hold


class CaseRecord(CaseQuestions):
    """One case as the page reads it: every column of `Case` as an attribute, and its
    sign-offs, holds and clocks (oldest first) as records."""

    def __init__(
        self,
        columns: dict[str, Any],
        sign_offs: list[SignOffRecord],
        holds: list[HoldRecord],
        clocks: list[ClockRecord],
    ) -> None:
        self.__dict__.update(columns)
        self.sign_offs = sign_offs
        self.holds = holds
        self.clocks = clocks
        for clock in clocks:
            clock.case = self


class HistoryEntry(NamedTuple):
    on: date
    event: str
    facts: dict[str, Any]
    from_state: str | None
    to_state: str | None
    recorded_at: datetime  # UTC, as stored
    actor_name: str
    actor_role: str


class ReaderEntry(NamedTuple):
    name: str
    role: str
    reads: int
    last_read_at: datetime  # UTC, as stored


@dataclass(frozen=True)
class CasePageReads:
    case: CaseRecord
    settings: ClockSettings
    history: list[HistoryEntry]  # oldest first
    grants: list[GrantEntry] | None  # oldest first; None: this reader does not see grants
    readers: list[ReaderEntry] | None  # in no order; None: this reader does not see the audit


def read_case_page(user: User, case_id: int, today: date) -> CasePageReads:
    """Record that `user` read the case now, then read everything its page shows (the caller
    commits). NotFound, with nothing recorded, if the user may not see the case."""
    require_case_reader(user)
    if user.role not in SEES_ALL_CASES | SEES_GRANTED_CASES:
        raise NotFound("There is no case with that id.")  # agency contributors: requests only
    sees = "all" if user.role in SEES_ALL_CASES else "granted"
    where = {
        "case_id": case_id,
        "partnership_id": user.partnership_id,
        "user_id": user.id,
        "today": today,
    }
    record = _record_read(sees, asynchronously=autocommits())
    recorded = record.count({**where, "reader": user.id, "at": utcnow(), "via": "web"})
    if recorded != 1:
        raise NotFound("There is no case with that id.")
    statement = _page_statement(sees, user.role in SEES_GRANTS, user.role in SEES_READ_AUDIT)
    row = statement.one(where)
    return CasePageReads(
        case=_case_record(row),
        settings=settings_from(row, parse_closures(row.closures)),
        history=[_history_entry(*values) for values in _sorted(row.history)],
        grants=[_grant_entry(*values) for values in _sorted(row.grants)]
        if user.role in SEES_GRANTS
        else None,
        readers=[_reader_entry(*values) for values in loads(row.readers)]
        if user.role in SEES_READ_AUDIT
        else None,
    )


# --------------------------------------------------------------------------------------------
# The statements, built once for each kind of reader
# --------------------------------------------------------------------------------------------


def _visible(sees: str) -> list[Any]:
    """As `visible_cases_clause`, in bound parameters so the statement can be built once."""
    where = [Case.id == bindparam("case_id"), Case.partnership_id == bindparam("partnership_id")]
    if sees == "granted":
        where.append(granted(bindparam("user_id"), bindparam("today")))
    return where


_RECORD_READ: dict[tuple[str, bool], Prepared] = {}


def _record_read(sees: str, *, asynchronously: bool) -> Prepared:
    """The INSERT of the read; `asynchronously` (only for a statement that is its own
    transaction, on PostgreSQL) commits it without waiting for the disk (see above)."""
    key = (sees, asynchronously)
    if key not in _RECORD_READ:
        where = _visible(sees)
        if asynchronously:
            # SET LOCAL for the statement's own transaction, from inside the statement.
            where.append(func.set_config("synchronous_commit", "off", True) == "off")
        the_case = select(
            Case.id,
            bindparam("reader", type_=Integer),
            bindparam("at", type_=DateTime),
            bindparam("via", type_=String),
        ).where(*where)
        _RECORD_READ[key] = Prepared(
            insert(CaseRead.__table__).from_select(
                ["case_id", "user_id", "read_at", "via"], the_case
            )
        )
    return _RECORD_READ[key]


_CASE_COLUMNS = tuple(attribute.key for attribute in inspect(Case).column_attrs)
_SIGN_OFF = (SignOff.id, SignOff.round, SignOff.subject, SignOff.partner, SignOff.signed_on)
_HOLD = (Hold.id, Hold.reason, Hold.note, Hold.panel_informed_on, Hold.placed_on, Hold.lifted_on)
_CLOCK = (
    Clock.id,
    Clock.kind,
    Clock.seq,
    Clock.statutory,
    Clock.anchor_on,
    Clock.due_on,
    Clock.met_on,
    Clock.cancelled_on,
    Clock.paused,
    Clock.hold_days,
)
_GRANTED_BY = aliased(User, name="granted_by")
_PAGE_STATEMENTS: dict[tuple[str, bool, bool], Prepared] = {}


def _page_statement(sees: str, grants: bool, readers: bool) -> Prepared:
    key = (sees, grants, readers)
    if key not in _PAGE_STATEMENTS:
        lists = {
            "sign_offs": select(json_rows(*_SIGN_OFF, SignOff.given_by)).where(
                SignOff.case_id == Case.id
            ),
            "holds": select(json_rows(*_HOLD)).where(Hold.case_id == Case.id),
            "clocks": select(json_rows(*_CLOCK)).where(Clock.case_id == Case.id),
            "history": select(
                json_rows(
                    CaseEvent.id,
                    CaseEvent.on,
                    CaseEvent.event,
                    CaseEvent.facts,
                    CaseEvent.from_state,
                    CaseEvent.to_state,
                    CaseEvent.recorded_at,
                    User.name,
                    User.role,
                )
            )
            .select_from(CaseEvent)
            .join(User, User.id == CaseEvent.actor_id)
            .where(CaseEvent.case_id == Case.id),
        }
        if grants:
            lists["grants"] = (
                select(
                    json_rows(
                        CaseAccess.id,
                        User.id,
                        User.name,
                        User.email,
                        User.role,
                        User.active,
                        CaseAccess.purpose,
                        CaseAccess.until_on,
                        _GRANTED_BY.name,
                        CaseAccess.revoked_at,
                    )
                )
                .select_from(CaseAccess)
                .join(User, User.id == CaseAccess.user_id)
                .join(_GRANTED_BY, _GRANTED_BY.id == CaseAccess.granted_by_id)
                .where(CaseAccess.case_id == Case.id)
            )
        if readers:
            lists["readers"] = (
                select(
                    json_rows(User.name, User.role, CaseReadTotal.reads, CaseReadTotal.last_read_at)
                )
                .select_from(CaseReadTotal)
                .join(User, User.id == CaseReadTotal.user_id)
                .where(CaseReadTotal.case_id == Case.id)
            )
        _PAGE_STATEMENTS[key] = Prepared(
            select(
                *(getattr(Case, name) for name in _CASE_COLUMNS),
                closures_column(Case.partnership_id).label("closures"),
                *(getattr(Partnership, name) for name in SETTING_NAMES),
                *(query.scalar_subquery().label(name) for name, query in lists.items()),
            )
            .join(Partnership, Partnership.id == Case.partnership_id)
            .where(*_visible(sees))
        )
    return _PAGE_STATEMENTS[key]


# --------------------------------------------------------------------------------------------
# Reading the row
# --------------------------------------------------------------------------------------------


def _sorted(value: str | None) -> list[list[Any]]:
    """A list's rows by their first value, the id (the aggregate keeps no order)."""
    return sorted(loads(value), key=lambda values: values[0])


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _case_record(row: Any) -> CaseRecord:
    mapping = row._asdict()
    return CaseRecord(
        {name: mapping[name] for name in _CASE_COLUMNS},
        [
            SignOffRecord(i, round_, subject, partner, date.fromisoformat(on), given_by)
            for i, round_, subject, partner, on, given_by in _sorted(row.sign_offs)
        ],
        [
            HoldRecord(i, reason, note, _day(told), date.fromisoformat(placed), _day(lifted))
            for i, reason, note, told, placed, lifted in _sorted(row.holds)
        ],
        [
            ClockRecord(
                i,
                kind,
                seq,
                bool(statutory),  # SQLite gives 1 and 0
                _day(anchor),
                _day(due),
                _day(met),
                _day(cancelled),
                bool(paused),
                hold_days,
            )
            for i, kind, seq, statutory, anchor, due, met, cancelled, paused, hold_days in _sorted(
                row.clocks
            )
        ],
    )


def _history_entry(
    _id: int,
    on: str,
    event: str,
    facts: Any,
    from_state: str | None,
    to_state: str | None,
    recorded_at: str,
    actor_name: str,
    actor_role: str,
) -> HistoryEntry:
    return HistoryEntry(
        date.fromisoformat(on),
        event,
        nested_json(facts) or {},
        from_state,
        to_state,
        # PostgreSQL writes "2026-11-27T10:05:00.123456", SQLite "2026-11-27 10:05:00.123456".
        datetime.fromisoformat(recorded_at),
        actor_name,
        actor_role,
    )


def _grant_entry(
    i: int,
    user_id: int,
    name: str,
    email: str,
    role: str,
    active: Any,
    purpose: str,
    until_on: str,
    granted_by: str,
    revoked_at: str | None,
) -> GrantEntry:
    return GrantEntry(
        i,
        user_id,
        name,
        email,
        role,
        bool(active),
        purpose,
        date.fromisoformat(until_on),
        granted_by,
        revoked_at is not None,
    )


def _reader_entry(name: str, role: str, reads: int, last_read_at: str) -> ReaderEntry:
    return ReaderEntry(name, role, reads, datetime.fromisoformat(last_read_at))
