"""Clocks: the deadlines a case runs against, and what meets them.

A clock exists once its stage is reached. The `notification` clock starts when the case is
opened: the Panel must be notified within 5 working days of the local authority becoming aware.
Notifying starts the `rapid_review` clock (15 working days). Each submission of the rapid review
starts a `panel_response` clock, the local target for chasing the Panel's reply. When the case
enters `commissioning`, three CSPR clocks start from the date of the decision to hold the review:
`reviewer_appointment` and `terms_of_reference` (local targets) and `publication` (6 calendar
months, national guidance). Planning a publication date starts the `advance_copy` clock, 7
working days before it; moving the date moves the clock. A final report sent back for changes
cancels that clock, and when the revised report comes back for approval with its date still
planned the advance copy is owed again: a new clock starts against that date.

An event meets the clock it names (the `met_by` column). A clock whose stage the case leaves by
another route is cancelled (a withdrawal cancels the rapid review clock, say). Local targets
pause while a hold is open and their due date moves later by the working days the hold lasted;
statutory clocks never pause.

Clocks are worked out afresh from the case's history whenever an event touches the case, so
they can never drift from what happened. Clocks that belong to other records (one
`agency_return` per agency request, one `action` per action) are kept by those records.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from workflows.calendar import (
    add_months,
    add_working_days,
    last_day_leaving,
    last_working_day_on_or_before,
    working_days_between,
)

STATUSES = ("pending", "running", "overdue", "paused", "met", "met_late", "cancelled")
RUNGS = ("due_soon", "due", "overdue", "escalated")
RAPID_REVIEW_ANCHORS = ("sin_submitted_on", "la_aware_on")


@dataclass(frozen=True)
class ClockRule:
    kind: str
    statutory: bool
    live_in: frozenset[str]  # the states of its stage; leaving them unmet cancels the clock
    met_by: str | None  # the case event that meets it (None: met by its own record)


_CSPR = frozenset({"commissioning", "in_review", "approval", "pre_publication"})
RULES: dict[str, ClockRule] = {
    r.kind: r
    for r in (
        ClockRule("notification", True, frozenset({"referred"}), "notify"),
        ClockRule("rapid_review", True, frozenset({"rapid_review"}), "submit_rapid_review"),
        ClockRule("panel_response", False, frozenset({"awaiting_panel"}), "record_panel_response"),
        ClockRule("agency_return", False, frozenset({"rapid_review"}), None),
        ClockRule("reviewer_appointment", False, frozenset({"commissioning"}), "appoint_reviewer"),
        ClockRule(
            "terms_of_reference",
            False,
            frozenset({"commissioning"}),
            "agree_terms_of_reference",
        ),
        ClockRule("publication", True, _CSPR, "publish"),
        ClockRule(
            "advance_copy", True, frozenset({"approval", "pre_publication"}), "send_advance_copy"
        ),
        ClockRule("action", False, frozenset({"learning"}), None),
    )
}
KINDS = tuple(RULES)
CASE_CLOCK_KINDS = tuple(k for k, r in RULES.items() if r.met_by is not None)
MET_BY = {r.met_by: r.kind for r in RULES.values() if r.met_by}

NOTIFICATION_WORKING_DAYS = 5
ADVANCE_COPY_WORKING_DAYS = 7


@dataclass(frozen=True)
class ClockSettings:
    """A partnership's clock settings; the defaults are the national and usual local ones."""

    rapid_review_anchor: str = "sin_submitted_on"
    rapid_review_days: int = 15
    panel_response_days: int = 10
    agency_return_days: int = 5
    reviewer_appointment_days: int = 20
    terms_of_reference_days: int = 30
    publication_months: int = 6
    pause_local_clocks_on_hold: bool = True
    due_soon_days: int = 2
    escalate_after_days: int = 5
    closures: frozenset[date] = frozenset()


@dataclass
class Clock:
    kind: str
    seq: int
    anchor_on: date | None
    base_due_on: date | None
    met_on: date | None = None
    cancelled_on: date | None = None
    cancelled_by: str | None = None
    hold_days: int = 0  # working days of holds that paused it
    paused: bool = False  # a hold is open and this local target is paused
    closures: frozenset[date] = field(default=frozenset(), repr=False)

    @property
    def statutory(self) -> bool:
        return RULES[self.kind].statutory

    @property
    def is_open(self) -> bool:
        return self.met_on is None and self.cancelled_on is None

    @property
    def due_on(self) -> date | None:
        if self.base_due_on is None or not self.hold_days:
            return self.base_due_on
        return add_working_days(self.base_due_on, self.hold_days, self.closures)


class HistoryEntry(Protocol):
    event: str
    on: date
    facts: dict[str, Any]
    to_state: str | None


Hold = tuple[date, date | None]  # (placed_on, lifted_on or None while open)


def _union(holds: Iterable[Hold]) -> list[Hold]:
    """The holds by date, overlapping ones as one: a hold recorded late can be dated into an
    earlier one, and the days both cover pause a target once."""
    merged: list[Hold] = []
    for placed_on, lifted_on in sorted(holds, key=lambda hold: hold[0]):
        if merged and (merged[-1][1] is None or placed_on <= merged[-1][1]):
            start, end = merged[-1]
            merged[-1] = (start, None if end is None or lifted_on is None else max(end, lifted_on))
        else:
            merged.append((placed_on, lifted_on))
    return merged


def held(
    anchor_on: date, ended_on: date | None, holds: Iterable[Hold], closures: Collection[date]
) -> tuple[int, bool]:
    """The working days the holds paused a local target anchored on `anchor_on` that stopped
    on `ended_on` (met or cancelled; None while it runs), and whether a hold pauses it now.

    Worked out from the holds' dates alone, so the order events were recorded in does not
    matter: people record a hold, or a target met during it, days later.
    """
    days, paused = 0, False
    for placed_on, lifted_on in _union(holds):
        ends = [day for day in (lifted_on, ended_on) if day is not None]
        if not ends:  # still open, and the target still running: paused now
            paused = True
            continue
        start = max(placed_on, anchor_on)
        days += max(0, working_days_between(start, min(ends), closures))
    return days, paused


def hold_pause(
    anchor_on: date,
    holds: Iterable[Hold],
    settings: ClockSettings,
    until: date | None = None,
) -> tuple[int, bool]:
    """How the case's holds affect a local target kept outside its history (an agency request's
    return): the working days they paused it, counted as `derive_clocks` counts them, and
    whether an open hold pauses it now. `until` is the day it was met, when holds stop
    counting. Nothing when the partnership's holds do not pause local targets.
    """
    if not settings.pause_local_clocks_on_hold:
        return 0, False
    return held(anchor_on, until, holds, settings.closures)


def derive_clocks(
    la_aware_on: date, history: Iterable[HistoryEntry], settings: ClockSettings
) -> list[Clock]:
    """Replay a case's history (oldest first) and return its clocks, oldest first."""
    closures = settings.closures
    clocks: list[Clock] = []
    state = "referred"
    decision_on: date | None = None
    planned_on: date | None = None  # the planned publication date
    holds: list[Hold] = []  # in the order recorded: a lift ends the hold open before it

    def running(kind: str) -> Clock | None:
        return next((c for c in clocks if c.kind == kind and c.is_open), None)

    def start(kind: str, anchor_on: date | None, base_due_on: date | None) -> None:
        seq = 1 + sum(1 for c in clocks if c.kind == kind)
        clocks.append(Clock(kind, seq, anchor_on, base_due_on, closures=closures))

    def working_days_after(anchor: date | None, days: int) -> date | None:
        return None if anchor is None else add_working_days(anchor, days, closures)

    def advance_copy_due(planned: date) -> date:
        # The last day the copy can go and still be on time, as the send check judges it
        # (7 working days left before the planned date): a weekend or bank holiday included.
        return last_day_leaving(planned, ADVANCE_COPY_WORKING_DAYS, closures)

    start(
        "notification",
        la_aware_on,
        add_working_days(la_aware_on, NOTIFICATION_WORKING_DAYS, closures),
    )
    for entry in history:
        event, on = entry.event, entry.on

        met = running(MET_BY[event]) if event in MET_BY else None
        if met is not None:
            met.met_on = on

        if event == "place_hold":
            holds.append((on, None))
        elif event == "lift_hold" and holds and holds[-1][1] is None:
            holds[-1] = (holds[-1][0], on)
        elif event == "record_decision":
            decision_on = on

        if entry.to_state and entry.to_state != state:
            for clock in clocks:
                if clock.is_open and entry.to_state not in RULES[clock.kind].live_in:
                    clock.cancelled_on, clock.cancelled_by = on, event
            previous, state = state, entry.to_state
            if event == "reopen" and previous == "not_notified":
                # Reopening brings the notification clock back with its original due date.
                notification = clocks[0]
                notification.cancelled_on = notification.cancelled_by = None

        if event == "notify" and not any(c.kind == "rapid_review" for c in clocks):
            anchor = la_aware_on if settings.rapid_review_anchor == "la_aware_on" else on
            start("rapid_review", anchor, working_days_after(anchor, settings.rapid_review_days))
        elif event == "submit_rapid_review":
            start("panel_response", on, working_days_after(on, settings.panel_response_days))
        elif event == "record_panel_response" and state == "commissioning":
            if not any(c.kind == "publication" for c in clocks):
                start(
                    "reviewer_appointment",
                    decision_on,
                    working_days_after(decision_on, settings.reviewer_appointment_days),
                )
                start(
                    "terms_of_reference",
                    decision_on,
                    working_days_after(decision_on, settings.terms_of_reference_days),
                )
                publication_due = (
                    None
                    if decision_on is None
                    else add_months(decision_on, settings.publication_months)
                )
                start("publication", decision_on, publication_due)
        elif event == "submit_final_report" and planned_on is not None:
            # The report is back from changes with its publication date still planned: the
            # advance copy is owed again, against that date (request_changes cancelled the
            # clock that ran before).
            start("advance_copy", planned_on, advance_copy_due(planned_on))
        elif event == "schedule_publication":
            # A stored fact, checked when it was recorded: read as it is (the range allowed for
            # new input may be narrower than what older records hold).
            planned_on = date.fromisoformat(entry.facts["planned_on"])
            due = advance_copy_due(planned_on)
            # Once sent, the advance copy stays met: moving the date moves that clock rather
            # than starting one nobody could meet (send_advance_copy is not allowed again).
            clock = next(
                (c for c in reversed(clocks) if c.kind == "advance_copy" and not c.cancelled_on),
                None,
            )
            if clock is None:
                start("advance_copy", planned_on, due)
            else:
                clock.anchor_on, clock.base_due_on = planned_on, due

    # Holds move local targets (never statutory ones) by the working days they overlapped,
    # counted from the holds' dates once the whole history is known.
    if holds and settings.pause_local_clocks_on_hold:
        for clock in clocks:
            if not clock.statutory and clock.anchor_on is not None:
                ended_on = clock.met_on or clock.cancelled_on
                clock.hold_days, clock.paused = held(clock.anchor_on, ended_on, holds, closures)
    return clocks


def status(
    *,
    anchor_on: date | None,
    due_on: date | None,
    met_on: date | None,
    cancelled_on: date | None,
    paused: bool,
    on: date,
) -> str:
    """A clock's status judged on the date `on` (from what is recorded now)."""
    if cancelled_on is not None:
        return "cancelled"
    if met_on is not None:
        return "met" if due_on is None or met_on <= due_on else "met_late"
    if anchor_on is None or due_on is None:
        return "pending"
    if paused:
        return "paused"
    # A due date may fall on a non-working day; the clock is overdue from the next day.
    return "overdue" if on > due_on else "running"


def working_days_late(
    clock_status: str,
    due_on: date | None,
    met_on: date | None,
    on: date,
    closures: frozenset[date] = frozenset(),
) -> int | None:
    """Working days past due, for `overdue` and `met_late` clocks (None otherwise)."""
    if due_on is None:
        return None
    if clock_status == "overdue":
        return working_days_between(due_on, on, closures)
    if clock_status == "met_late" and met_on is not None:
        return working_days_between(due_on, met_on, closures)
    return None


def working_days_left(
    clock_status: str, due_on: date | None, on: date, closures: frozenset[date] = frozenset()
) -> int | None:
    """Working days until due, for `running` clocks (None otherwise)."""
    if clock_status != "running" or due_on is None:
        return None
    return working_days_between(on, due_on, closures)


def rung_dates(due_on: date, settings: ClockSettings) -> dict[str, date]:
    """The date of each rung of the alert ladder, all on the partnership's working days.

    `due_soon` on the working day N before the due date, `due` on the last working day on or
    before it, `overdue` on the first working day after it, `escalated` M working days after it.
    """
    closures = settings.closures
    return {
        "due_soon": add_working_days(due_on, -settings.due_soon_days, closures)
        if settings.due_soon_days > 0
        else last_working_day_on_or_before(due_on, closures),
        "due": last_working_day_on_or_before(due_on, closures),
        "overdue": add_working_days(due_on, 1, closures),
        "escalated": add_working_days(due_on, settings.escalate_after_days, closures),
    }


def rung_reached(rungs: dict[str, date | None], on: date) -> str | None:
    """The highest rung whose date has come by `on`, or None before the first."""
    reached = None
    for rung in RUNGS:
        day = rungs.get(rung)
        if day is not None and day <= on:
            reached = rung
    return reached


def next_rung(rungs: dict[str, date | None], claimed: Iterable[str]) -> str | None:
    """The first rung of the ladder not yet claimed (sent or skipped), or None if none is left.

    Rungs are claimed from the bottom up (a catch-up claims the lower ones as skipped), so the
    rungs below the one returned are all claimed.
    """
    taken = set(claimed)
    return next((r for r in RUNGS if rungs.get(r) is not None and r not in taken), None)
