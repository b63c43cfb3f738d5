"""Firing an event on a case: the one way a case changes.

The checks run in the order the domain reference gives for refusals: the case must be visible
(NotFound), the user's role and partner must allow the event (NotPermitted), the event and its
facts must be well formed (Invalid), the event must be allowed in the current state
(TransitionNotAllowed) and no guard may refuse it (Refused).

Firing is atomic: the state, the facts, the history row, sign-offs, holds and the recomputed
clocks are committed together or not at all. Two people firing on the same case at once end
with one success and one Conflict: the row is locked (`SELECT ... FOR UPDATE` on PostgreSQL)
and its version is checked on write (SQLite), so no update is lost.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import aliased, joinedload, lazyload
from sqlalchemy.orm.exc import StaleDataError

from casework.extensions import db
from casework.models import Case, CaseEvent, Hold, SignOff, User
from casework.models.time import utcnow
from casework.services.cases import CheckInput, HistoryRow, history_column, parse_history
from casework.services.clocks import recompute_clocks
from casework.services.errors import (
    Conflict,
    Invalid,
    NotFound,
    Refused,
    TransitionNotAllowed,
)
from casework.services.partnerships import clock_settings, closures_column, parse_closures
from casework.services.permissions import (
    require_case_reader,
    require_may_fire,
    visible_cases_clause,
)
from casework.services.today import london_today
from casework.services.wording import long_date
from workflows import cases as workflow
from workflows.clocks import ClockSettings
from workflows.facts import EVENT_FACTS, FactErrors, clean

CONFLICT_MESSAGE = (
    "Someone else changed this case at the same moment. Nothing was saved: reload the case "
    "and try again."
)


# Built once: they are the same for every case (the subqueries follow the case).
_CLOSURES = closures_column(Case.partnership_id)
_HISTORY = history_column(Case.id)
_Seen = aliased(Case)
# The case's version as the statement's snapshot saw it: see `_load_for_update`.
_VERSION_SEEN = select(_Seen.version_id).where(_Seen.id == Case.id).scalar_subquery()


def _load_for_update(
    user: User, case_id: int, event: str
) -> tuple[Case, list[HistoryRow], ClockSettings]:
    """The case, locked, with its clocks, its history and its partnership's clock settings.

    Every event recomputes the clocks from the whole history, so these come in the same
    statement; so do the sign-offs and holds when the event's guard reads them (elsewhere
    they load when first asked for): fewer round trips. Joining two collections returns a row
    per clock and sign-off (about 4 clocks and up to 9 sign-offs late in a case), each with
    the history: still cheaper than a round trip of its own (measured: selectinload for the
    sign-offs was 8% slower over the benchmark's events).

    On PostgreSQL a `SELECT ... FOR UPDATE` that waited for another event's lock returns the
    case as that event left it, but reads everything else in the statement (history, clocks,
    sign-offs) as it was before: the other event's rows would be missing, and the clocks
    recomputed without them. Every event changes the case's version, so when the version the
    statement's snapshot saw differs from the locked one, the case is loaded again: the lock
    is ours by then, and the new statement sees what the other event committed.
    """
    require_case_reader(user)
    options = [
        joinedload(Case.clocks),
        joinedload(Case.sign_offs)
        if event in workflow.READS_SIGN_OFFS
        else lazyload(Case.sign_offs),
        joinedload(Case.holds) if event in workflow.READS_HOLDS else lazyload(Case.holds),
    ]
    statement = (
        select(Case, _HISTORY, _CLOSURES, _VERSION_SEEN)
        .where(Case.id == case_id, visible_cases_clause(user, london_today()))
        .options(*options)
        .with_for_update(of=Case)
        .execution_options(populate_existing=True)
    )
    for _attempt in range(2):
        row = db.session.execute(statement).unique().one_or_none()
        if row is None:
            raise NotFound("There is no case with that id.")
        case, history, closures, version_seen = row
        if version_seen == case.version_id:
            return (
                case,
                parse_history(history),
                clock_settings(case.partnership_id, parse_closures(closures)),
            )
    raise Conflict(CONFLICT_MESSAGE)  # cannot happen while the lock is held; kept safe


def _earliest(case: Case, event: str, history: list[HistoryRow]) -> tuple[date, str]:
    """The first date `event` may carry, and what it is: the latest of the day the local
    authority became aware, the day the case entered its state and the steps the event's
    guard depends on (the first of equal dates names it)."""
    bounds = [
        (case.la_aware_on, "the date the local authority became aware"),
        (case.state_entered_on, "the date the case entered its current state"),
        *workflow.steps_before(event, history),
    ]
    return max(bounds, key=lambda bound: bound[0])


def _as_json(facts: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(facts, default=lambda d: d.isoformat()))


AlsoInTransaction = Callable[[Case, CaseEvent], None]


def fire_event(
    user: User,
    case_id: int,
    event: str,
    raw: dict[str, Any],
    today: date | None = None,
    *,
    also: AlsoInTransaction | None = None,
    check_input: CheckInput | None = None,
) -> Case:
    """Fire `event` on the case with the facts in `raw` (`on` and the event's own facts).

    `also(case, entry)` runs in the same transaction once the event is recorded (the panel
    meeting is saved with the decision it records this way): if it fails, nothing is saved.
    `check_input()` checks the rest of the caller's input (the API's query string, say) with
    the facts: after the case is found and the user may fire the event, since 404 and 403
    come before a 422, and before anything is written.
    """
    today = today or london_today()
    try:
        return _fire(user, case_id, event, raw, today, also, check_input)
    except (StaleDataError, OperationalError) as error:
        db.session.rollback()
        if isinstance(error, OperationalError) and "locked" not in str(error).lower():
            raise
        raise Conflict(CONFLICT_MESSAGE) from None
    except Exception:
        db.session.rollback()
        raise


def _fire(
    user: User,
    case_id: int,
    event: str,
    raw: dict[str, Any],
    today: date,
    also: AlsoInTransaction | None,
    check_input: CheckInput | None,
) -> Case:
    case, history, settings = _load_for_update(user, case_id, event)
    partner, given_by = raw.get("partner"), raw.get("given_by")
    require_may_fire(user, event, partner, given_by)

    if check_input is not None:
        check_input()
    if event not in EVENT_FACTS:
        raise Invalid(f"'{event}' is not an event.", {"event": "Unknown event"})
    earliest, earliest_reason = _earliest(case, event, history)
    try:
        on, facts = clean(
            event, raw, today, earliest, earliest_reason, la_aware_on=case.la_aware_on
        )
    except FactErrors as error:
        raise Invalid("Check the facts given with the event.", error.fields) from None
    if event == "sign_off":
        facts = _sign_off_facts(user, facts)
    if event == "lift_hold" and case.open_hold and on < case.open_hold.placed_on:
        raise Invalid(
            "A hold cannot be lifted before it was placed.",
            {
                "on": "The date cannot be before the hold was placed "
                f"({long_date(case.open_hold.placed_on)})"
            },
        )

    if event not in workflow.events_from(case.state):
        allowed_now = workflow.allowed_events(case, settings.closures)
        raise TransitionNotAllowed(event, case.state, allowed_now)
    reason = workflow.refusal(case, event, facts, on, settings.closures)
    if reason:
        raise Refused(reason)

    from_state = case.state
    case.updated_at = utcnow()  # bumps the version even for facts-only events
    workflow.trigger(case, event, facts)
    workflow.record_facts(case, event, on, facts)
    _record_rows(user, case, event, on, facts, from_state)
    entry = CaseEvent(
        case_id=case.id,
        event=event,
        from_state=from_state,
        to_state=case.state,
        actor_id=user.id,
        on=on,
        facts=_as_json(facts),
    )
    db.session.add(entry)
    recompute_clocks(case, [*history, entry], settings, fired=True)
    db.session.flush()  # the entry's id, for what follows
    _follow_on(case, entry, from_state, settings)
    if also is not None:
        also(case, entry)
    db.session.commit()
    return case


def _follow_on(case: Case, entry: CaseEvent, from_state: str, settings: ClockSettings) -> None:
    """What the rapid review online adds to some events, in the same transaction."""
    # Imported here: those services read cases through this module's neighbours.
    from casework.services.agency_clocks import close_agency_clocks, follow_holds_on
    from casework.services.submission_documents import produce_submission_document

    if from_state == "rapid_review" and case.state != "rapid_review":
        close_agency_clocks(case, entry)  # requests no longer awaited: their clocks stop
    elif entry.event in ("place_hold", "lift_hold"):
        follow_holds_on(case, settings)  # agency returns are local targets: they pause too
    if entry.event == "submit_rapid_review":
        produce_submission_document(case, entry)


def _sign_off_facts(user: User, facts: dict[str, Any]) -> dict[str, Any]:
    """A lead signs for their own partner; a manager records one given outside the system."""
    if user.role == "partner_lead":
        return {**facts, "partner": user.partner}
    missing = {}
    if "partner" not in facts:
        missing["partner"] = "Say which statutory partner gave the sign-off"
    if "given_by" not in facts:
        missing["given_by"] = "Say who gave the sign-off outside the system"
    if missing:
        raise Invalid("A recorded sign-off needs the partner and who gave it.", missing)
    return facts


def _record_rows(
    user: User, case: Case, event: str, on: date, facts: dict[str, Any], from_state: str
) -> None:
    """Sign-offs and holds are rows of their own beside the case."""
    if event == "sign_off":
        db.session.add(
            SignOff(
                case=case,
                round=case.sign_off_round,
                subject="decision" if from_state == "rapid_review" else "final_report",
                partner=facts["partner"],
                signed_on=on,
                recorded_by_id=user.id,
                given_by=facts.get("given_by"),
            )
        )
    elif event == "place_hold":
        db.session.add(
            Hold(
                case=case,
                reason=facts["reason"],
                note=facts.get("note"),
                panel_informed_on=facts.get("panel_informed_on"),
                placed_on=on,
                placed_by_id=user.id,
            )
        )
    elif event == "lift_hold":
        hold = case.open_hold
        assert hold is not None
        hold.lifted_on = on
        hold.lifted_by_id = user.id
