"""The `agency_return` clocks: one per agency request (a new one after each return for
amendment), kept by the requests' own records rather than derived from the case's history.

They are local targets, so the case's holds pause them as they pause the other local targets
(when the partnership's settings say so): while a hold is open the clock is paused and cannot
alert, and once lifted its due date moves later by the working days it was held.

Closure days count as they do for the case's clocks: a closure day added or removed within a
request's time moves the date the agency was asked for by a working day (`keep_working_days`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from casework.extensions import db
from casework.models import AgencyRequest, AgencyRequestEvent, Case, CaseEvent, Clock
from casework.models.rapid_review import CLOSURE_EVENT_KINDS
from casework.services.clocks import ladder, refresh_ladders
from casework.services.partnerships import clock_settings
from workflows.calendar import add_working_days, is_working_day
from workflows.clocks import ClockSettings, hold_pause

KIND = "agency_return"
# The events that ask for a date (sending, an extension, a return for amendment): the closure
# day moves of a request's due date count from the latest.
ASKED_KINDS = ("sent", "extended", "returned")


def clocks_of(case: Case, request_id: int) -> list[Clock]:
    return sorted(
        (c for c in case.clocks if c.kind == KIND and c.agency_request_id == request_id),
        key=lambda c: c.seq,
    )


def current_clock(case: Case, request_id: int) -> Clock | None:
    clocks = clocks_of(case, request_id)
    return clocks[-1] if clocks else None


def is_open(clock: Clock | None) -> bool:
    return clock is not None and clock.met_on is None and clock.cancelled_on is None


def due_now(request: AgencyRequest, clock: Clock | None) -> date:
    """When the request's return is due now: the date asked, moved later by the working days
    holds paused its current clock. Every page that judges a request late uses this."""
    return clock.due_on if clock is not None and clock.due_on is not None else request.due_on


def held(clock: Clock | None) -> bool:
    """The request's clock is paused by an open hold: not overdue, whatever the date."""
    return is_open(clock) and clock is not None and clock.paused


def start_clock(
    case: Case, request: AgencyRequest, on: date, due_on: date, settings: ClockSettings
) -> Clock:
    """A new clock for the request, due `due_on` (paused if a hold is open)."""
    seq = max((c.seq for c in case.clocks if c.kind == KIND), default=0) + 1
    clock = Clock(
        kind=KIND,
        seq=seq,
        partnership_id=case.partnership_id,
        agency_request_id=request.id,
        agency_id=request.agency_id,
        statutory=False,
        anchor_on=on,
        due_on=due_on,
        met_on=None,
        cancelled_on=None,
        cancelled_by=None,
        hold_days=0,
        paused=False,
    )
    case.clocks.append(clock)
    follow_holds(case, clock, due_on, settings)
    return clock


def follow_holds(
    case: Case,
    clock: Clock,
    due_on: date,
    settings: ClockSettings,
    until: date | None = None,
    claimed: dict[tuple[int, date], set[str]] | None = None,
) -> None:
    """Set the open clock's due date (`due_on`, the request's, moved later by the working
    days holds paused it), whether it is paused now, and its alert ladder."""
    holds = [(h.placed_on, h.lifted_on) for h in case.holds]
    before = None if clock.id is None else ladder(clock)
    clock.hold_days, clock.paused = hold_pause(clock.anchor_on, holds, settings, until)
    clock.due_on = add_working_days(due_on, clock.hold_days, settings.closures)  # 0: as is
    refresh_ladders([(clock, before)], settings, claimed)


def follow_holds_on(
    case: Case,
    settings: ClockSettings,
    claimed: dict[tuple[int, date], set[str]] | None = None,
) -> None:
    """A hold was placed or lifted, or the settings changed: every open agency return clock of
    the case follows (see `follow_holds`)."""
    open_clocks = [c for c in case.clocks if c.kind == KIND and is_open(c)]
    if not open_clocks:
        return
    due = dict(
        db.session.execute(
            select(AgencyRequest.id, AgencyRequest.due_on).where(
                AgencyRequest.id.in_([c.agency_request_id for c in open_clocks])
            )
        ).all()
    )
    for clock in open_clocks:
        follow_holds(case, clock, due[clock.agency_request_id], settings, claimed=claimed)


@dataclass(frozen=True)
class ClosureChange:
    """A closure day just added or removed, and by whom: each request it moves records it."""

    day: date
    name: str
    added: bool
    actor_id: int


def keep_working_days(
    partnership_id: int, change: ClosureChange, closures: frozenset[date]
) -> None:
    """`change.day` was made a closure day or stopped being one (`closures` are the
    partnership's closure days now): every open request whose time runs over it keeps the
    working days it was given, its due date moving a working day later, or back a working day
    earlier, and records it in its history (`closure_added`, `closure_removed`).

    A case clock is worked out again from its anchor and follows on its own; a request's due
    date was chosen (or worked out) once and stored, so it is moved here. Call it with the
    partnership's cases locked, before their clocks follow (`follow_holds_on`): that sets the
    clock's due date from the request's, with any holds, and re-arms its alert ladder.
    Submitted, cancelled and closed requests have no open clock and keep their dates.

    A removed day never moves a due date earlier than the day itself. Dates set by hand (when
    sending, and every extension) may fall on a weekend or bank holiday, and a working day back
    from one is counted from the working day before it: a request due on Saturday 25 March
    whose closure day Friday 24 is removed would be due Thursday 23, overdue at once if the day
    is removed on the Friday, its overdue alert sent the same morning. Kept on the removed day,
    it is due no sooner than the agency was told, and the day, today or later, is not past; a
    request due on the removed day itself stays there.

    A change that undoes the request's last move still standing (the same day added then
    removed, or removed then added) puts the due date back exactly where it was before that
    move. Stepping a working day there and back would not: due Saturday 25, a closure day
    Monday 20 added moves it to Monday 27, and a working day back from that is Friday 24.
    """
    if not is_working_day(change.day):  # a weekend or bank holiday: no working day gained or lost
        return
    requests = db.session.scalars(
        select(AgencyRequest)
        .join(Clock, Clock.agency_request_id == AgencyRequest.id)
        .where(
            Clock.partnership_id == partnership_id,
            Clock.kind == KIND,
            Clock.met_on.is_(None),
            Clock.cancelled_on.is_(None),
            # Working day 1 is the day after the request (or extension).
            Clock.anchor_on < change.day,
            AgencyRequest.due_on >= change.day,
        )
        # A contributor saving meanwhile waits, rather than failing on the version check.
        .with_for_update(of=AgencyRequest)
        .execution_options(populate_existing=True)
    ).all()
    standing = _standing_moves([request.id for request in requests])
    kind = "closure_added" if change.added else "closure_removed"
    opposite = "closure_removed" if change.added else "closure_added"
    for request in requests:
        moves = standing[request.id]
        last = (moves[-1].closure_on, moves[-1].kind, moves[-1].due_on) if moves else None
        if last == (change.day, opposite, request.due_on):  # this change undoes that move
            request.due_on = moves[-1].due_before
        elif change.added:
            request.due_on = add_working_days(request.due_on, 1, closures)
        else:
            request.due_on = max(add_working_days(request.due_on, -1, closures), change.day)
        db.session.add(
            AgencyRequestEvent(
                request_id=request.id,
                kind=kind,
                actor_id=change.actor_id,
                note=change.name,
                due_on=request.due_on,
                closure_on=change.day,
            )
        )


@dataclass(frozen=True)
class _Move:
    kind: str
    closure_on: date
    due_on: date  # the date it set
    due_before: date


def _standing_moves(request_ids: list[int]) -> dict[int, list[_Move]]:
    """Each request's closure day moves since its date was last asked for, oldest first,
    leaving out each move undone since and the move that undid it."""
    standing: dict[int, list[_Move]] = defaultdict(list)
    if not request_ids:
        return standing
    due: dict[int, date] = {}
    for event in db.session.execute(
        select(
            AgencyRequestEvent.request_id,
            AgencyRequestEvent.kind,
            AgencyRequestEvent.closure_on,
            AgencyRequestEvent.due_on,
        )
        .where(
            AgencyRequestEvent.request_id.in_(request_ids),
            AgencyRequestEvent.kind.in_(ASKED_KINDS + CLOSURE_EVENT_KINDS),
        )
        .order_by(AgencyRequestEvent.id)
    ):
        moves = standing[event.request_id]
        if event.kind in ASKED_KINDS:
            moves.clear()
        else:
            move = _Move(event.kind, event.closure_on, event.due_on, due[event.request_id])
            if moves and _undoes(move, moves[-1]):
                moves.pop()
            else:
                moves.append(move)
        due[event.request_id] = event.due_on
    return standing


def _undoes(move: _Move, last: _Move) -> bool:
    """`move` changed the day `last` changed the other way, back to the date before it."""
    return (
        move.closure_on == last.closure_on
        and move.kind != last.kind
        and move.due_on == last.due_before
    )


def stop_alerts(clock: Clock) -> None:
    clock.alert_from_on = clock.next_rung_on = None
    clock.due_soon_on = clock.due_rung_on = clock.overdue_on = clock.escalated_on = None


def close_agency_clocks(case: Case, entry: CaseEvent) -> None:
    """The case left the rapid review: open agency return clocks are cancelled."""
    for clock in case.clocks:
        if clock.kind == KIND and is_open(clock):
            clock.cancelled_on = entry.on
            clock.cancelled_by = entry.event
            stop_alerts(clock)


def meet_agency_clock(case: Case, request: AgencyRequest, on: date) -> None:
    """The agency submitted its return on `on`: the request's open clock is met, its due date
    counting the holds up to that day.

    For the contributor's side to call in its own transaction when a return is submitted.
    """
    clock = current_clock(case, request.id)
    if is_open(clock):
        assert clock is not None
        follow_holds(case, clock, request.due_on, clock_settings(case.partnership_id), until=on)
        clock.met_on = on
        stop_alerts(clock)
