"""Requests to agencies for their rapid review returns: the business manager's side.

From a case in `rapid_review` a business manager asks agencies for their returns. The first
request pins the review template and its version on the case; every later request uses the
pinned one. Each request has its own `agency_return` clock (a local target, one per request:
`seq` counts the case's agency return clocks), stored with its alert ladder like every other
clock. A request can be chased (recorded, nothing else changes), extended (the clock's due date
moves later and its ladder re-arms), cancelled (the clock is cancelled) and, once submitted,
returned for amendment: it reopens with a new clock and the submitted version stays unchanged
in the history. Every change writes an `AgencyRequestEvent` naming who made it.

The request is itself the grant for the agency's contributors (see the model), so sending one
gives them access to it and cancelling it takes that away.

Checks run in the domain's order: a case the actor may not see is NotFound, a role other than
business manager NotPermitted, bad input Invalid, a wrong state or request status Refused, an
agency already asked Conflict. Each service commits once, or rolls everything back.

When the case leaves the rapid review, `close_agency_clocks` (called by `fire_event` in the
same transaction) cancels the open clocks; requests still open keep their status and show as
"closed". If the case comes back (the Panel disagrees), sending to that agency again resumes
its request, with whatever the agency had saved, under a new clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from casework.extensions import db
from casework.models import (
    Agency,
    AgencyRequest,
    AgencyRequestEvent,
    Case,
    Clock,
    ReturnSubmission,
    User,
)
from casework.models.time import utcnow
from casework.services.agency_clocks import (
    current_clock,
    due_now,
    follow_holds,
    held,
    is_open,
    meet_agency_clock,
    start_clock,
    stop_alerts,
)
from casework.services.errors import Conflict, Invalid, NotFound, NotPermitted, Refused
from casework.services.partnerships import clock_settings
from casework.services.permissions import visible_cases_clause
from casework.services.today import london_today
from casework.services.wording import long_date
from workflows.calendar import add_working_days
from workflows.facts import MAX_TEXT

TEMPLATE_ID = "agency_return"
STATUSES = (
    "open",
    "overdue",
    "returned_for_amendment",
    "submitted",
    "nil_return",
    "cancelled",
    "closed",  # still open, but the case left the rapid review and its clock was cancelled
)
STATUTORY_ORDER = {"local_authority": 0, "police": 1, "health": 2}
CONFLICT_MESSAGE = (
    "Someone else changed these requests at the same moment. Nothing was saved: reload the "
    "page and try again."
)

T = TypeVar("T")


def _current_template() -> tuple[str, int]:
    """The template and version a case's first request pins: the newest agency return."""
    from casework.review_templates import latest  # the registry loads its files once

    template = latest(TEMPLATE_ID)
    return template.id, template.version


# Views -----------------------------------------------------------------------------------


def _case_for_manager(actor: User, case_id: int, *, lock: bool = False) -> Case:
    query = select(Case).where(Case.id == case_id, visible_cases_clause(actor, london_today()))
    if lock:
        query = query.with_for_update(of=Case).execution_options(populate_existing=True)
    case = db.session.scalar(query)
    if case is None:
        raise NotFound("There is no case with that id.")
    if actor.role != "business_manager":
        raise NotPermitted("Only a business manager sends and manages requests to agencies.")
    return case


def _request_for_manager(
    actor: User, request_id: int, case_id: int | None, *, lock: bool = False
) -> tuple[AgencyRequest, Case]:
    """The request and its case. NotFound unless the actor sees the case and the request is
    on it (when `case_id` is given, the case is checked first: another partnership's case is a
    404 and a role that may not act a 403, whatever the request id)."""
    known = isinstance(request_id, int) and 0 < request_id < 2**31
    if case_id is None:
        found = None
        if known:
            found = db.session.scalar(
                select(AgencyRequest.case_id).where(AgencyRequest.id == request_id)
            )
        if found is None:
            raise NotFound("There is no such request.")
        case_id = found
    case = _case_for_manager(actor, case_id, lock=lock)
    request = db.session.get(AgencyRequest, request_id, populate_existing=lock) if known else None
    if request is None or request.case_id != case.id:
        raise NotFound("There is no such request on this case.")
    return request, case


def _in_transaction(work: Callable[[], T]) -> T:
    try:
        result = work()
        db.session.commit()
    except (StaleDataError, IntegrityError, OperationalError) as error:
        db.session.rollback()
        if isinstance(error, OperationalError) and "locked" not in str(error).lower():
            raise
        raise Conflict(CONFLICT_MESSAGE) from None
    except Exception:
        db.session.rollback()
        raise
    return result


# Input ------------------------------------------------------------------------------------


def _text(value: str | None, field: str, errors: dict[str, str], *, missing: str | None):
    """Stripped text, or None when blank; a message in `errors` when missing or too long."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if missing:
            errors[field] = missing
        return None
    if len(text) > MAX_TEXT:
        errors[field] = f"Use {MAX_TEXT:,} characters or fewer"
    return text


def _names(names: Iterable[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _require_rapid_review(case: Case, what: str) -> None:
    if case.state != "rapid_review":
        stage = case.state.replace("_", " ")
        raise Refused(f"You can {what} only while the case is in the rapid review: it is {stage}.")


# Sending ----------------------------------------------------------------------------------


def send_requests(
    actor: User,
    case_id: int,
    agency_ids: Iterable[int],
    due_on: date | None = None,
    note: str | None = None,
    today: date | None = None,
) -> list[AgencyRequest]:
    """Ask each agency for its return on the case, each with its own `agency_return` clock.

    `due_on` defaults to the partnership's `agency_return_days` working days after today.
    Refused outside the rapid review; Conflict (naming them) for agencies already asked.
    """
    today = today or london_today()
    return _in_transaction(lambda: _send(actor, case_id, list(agency_ids), due_on, note, today))


def _send(
    actor: User,
    case_id: int,
    agency_ids: list[int],
    due_on: date | None,
    note: str | None,
    today: date,
) -> list[AgencyRequest]:
    case = _case_for_manager(actor, case_id, lock=True)
    settings = clock_settings(case.partnership_id)
    errors: dict[str, str] = {}
    agencies = _chosen_agencies(case, agency_ids, errors)
    if due_on is None:
        due_on = add_working_days(today, settings.agency_return_days, settings.closures)
    elif not isinstance(due_on, date):
        errors["due_on"] = "Enter the due date"
    elif due_on <= today:
        errors["due_on"] = "The due date must be after today"
    note = _text(note, "note", errors, missing=None)
    if errors:
        raise Invalid("The requests could not be sent: check the fields.", errors)
    _require_rapid_review(case, "send requests to agencies")

    standing = {
        r.agency_id: r
        for r in db.session.scalars(
            select(AgencyRequest).where(
                AgencyRequest.case_id == case.id,
                AgencyRequest.agency_id.in_([a.id for a in agencies]),
                AgencyRequest.status != "cancelled",
            )
        )
    }
    asked = [
        a.name
        for a in agencies
        if a.id in standing
        and (standing[a.id].status != "open" or is_open(current_clock(case, standing[a.id].id)))
    ]
    if asked:
        verb = "has" if len(asked) == 1 else "have"
        raise Conflict(f"{_names(asked)} {verb} already been asked for a return on this case.")

    if case.return_template_id is None:
        case.return_template_id, case.return_template_version = _current_template()
    sent = []
    for agency in agencies:
        request = standing.get(agency.id)
        if request is None:
            request = AgencyRequest(
                case_id=case.id,
                agency_id=agency.id,
                template_id=case.return_template_id,
                template_version=case.return_template_version,
                requested_on=today,
                due_on=due_on,
                note=note,
                status="open",
                answers={},
                created_by_id=actor.id,
            )
            db.session.add(request)
            db.session.flush()  # its id, for the clock
        else:  # open, but its clock stopped when the case left the rapid review: resume it
            request.due_on, request.note = due_on, note
        start_clock(case, request, today, due_on, settings)
        _record(request, actor, "sent", note, due_on)
        sent.append(request)
    return sent


def _chosen_agencies(case: Case, agency_ids: list[int], errors: dict[str, str]) -> list[Agency]:
    try:
        ids = {int(i) for i in agency_ids}
    except (TypeError, ValueError):
        ids = {-1}
    if not ids:
        errors["agency_ids"] = "Choose at least one agency"
        return []
    known = [i for i in ids if 0 < i < 2**31]
    agencies = list(
        db.session.scalars(
            select(Agency).where(
                Agency.id.in_(known),
                Agency.partnership_id == case.partnership_id,
                Agency.active.is_(True),
            )
        )
    )
    if len(agencies) != len(ids):
        errors["agency_ids"] = "Choose agencies from the list"
    return sorted(agencies, key=_agency_order)


def _agency_order(agency: Agency) -> tuple[int, str]:
    return STATUTORY_ORDER.get(agency.statutory_partner or "", 3), agency.name.lower()


def _record(
    request: AgencyRequest, actor: User, kind: str, note: str | None, due_on: date | None = None
) -> None:
    db.session.add(
        AgencyRequestEvent(
            request_id=request.id, kind=kind, actor_id=actor.id, note=note, due_on=due_on
        )
    )


# Chasing, extending, cancelling, returning for amendment ------------------------------------


def chase(
    actor: User,
    request_id: int,
    note: str | None = None,
    *,
    case_id: int | None = None,
) -> AgencyRequest:
    """Record that the agency was chased for its return. Nothing else changes."""

    def work() -> AgencyRequest:
        request, case = _request_for_manager(actor, request_id, case_id, lock=True)
        errors: dict[str, str] = {}
        text = _text(note, "note", errors, missing=None)
        if errors:
            raise Invalid("The chase could not be recorded.", errors)
        _require_open(case, request, "chase an agency")
        _record(request, actor, "chased", text)
        return request

    return _in_transaction(work)


def extend(
    actor: User,
    request_id: int,
    new_due_on: date | None,
    reason: str | None,
    *,
    case_id: int | None = None,
    today: date | None = None,
) -> AgencyRequest:
    """Give the agency longer: the clock's due date moves later and its alert ladder re-arms.

    The new date must be later than the current one (the date asked, moved later by any hold),
    and not in the past. The clock then runs from today: a hold already counted in the current
    date is not counted again on top of the new one.
    """
    today = today or london_today()

    def work() -> AgencyRequest:
        request, case = _request_for_manager(actor, request_id, case_id, lock=True)
        current = due_now(request, current_clock(case, request.id))
        errors: dict[str, str] = {}
        if not isinstance(new_due_on, date):
            errors["new_due_on"] = "Enter the new due date"
        elif new_due_on <= current:
            errors["new_due_on"] = (
                f"The new due date must be later than the current one, {long_date(current)}"
            )
        elif new_due_on < today:
            errors["new_due_on"] = "The new due date cannot be in the past"
        text = _text(reason, "reason", errors, missing="Enter the reason for the extension")
        if errors:
            raise Invalid("The request could not be extended: check the fields.", errors)
        clock = _require_open(case, request, "extend a request")
        if held(clock):
            # Its due date is not known until the hold is lifted: an extension now could
            # end up earlier than the hold alone would make it.
            raise Refused(
                "The request is paused while the case is on hold: lift the hold before "
                "extending it (lifting it moves the due date later by the days held)."
            )
        assert new_due_on is not None
        request.due_on = new_due_on
        clock.anchor_on = today
        follow_holds(case, clock, new_due_on, clock_settings(case.partnership_id))
        _record(request, actor, "extended", text, new_due_on)
        return request

    return _in_transaction(work)


def cancel(
    actor: User,
    request_id: int,
    reason: str | None,
    *,
    case_id: int | None = None,
    today: date | None = None,
) -> AgencyRequest:
    """Withdraw the request: its clock is cancelled and the agency no longer sees it."""
    today = today or london_today()

    def work() -> AgencyRequest:
        request, case = _request_for_manager(actor, request_id, case_id, lock=True)
        errors: dict[str, str] = {}
        text = _text(reason, "reason", errors, missing="Enter the reason for cancelling")
        if errors:
            raise Invalid("The request could not be cancelled.", errors)
        clock = _require_open(case, request, "cancel a request")
        clock.cancelled_on, clock.cancelled_by = today, "cancel_request"
        stop_alerts(clock)
        request.status = "cancelled"
        _record(request, actor, "cancelled", text)
        return request

    return _in_transaction(work)


def return_for_amendment(
    actor: User,
    request_id: int,
    comment: str | None,
    *,
    case_id: int | None = None,
    today: date | None = None,
) -> AgencyRequest:
    """Send a submitted return back to the agency: the request reopens under a new clock.

    The submitted version (the latest ReturnSubmission) is marked returned, with who, when and
    the comment; its answers are never changed.
    """
    today = today or london_today()

    def work() -> AgencyRequest:
        request, case = _request_for_manager(actor, request_id, case_id, lock=True)
        errors: dict[str, str] = {}
        text = _text(comment, "comment", errors, missing="Enter what needs amending")
        if errors:
            raise Invalid("The return could not be sent back.", errors)
        _require_rapid_review(case, "return a return for amendment")
        if request.status != "submitted":
            raise Refused("Only a submitted return can be returned for amendment.")
        latest = db.session.scalar(
            select(ReturnSubmission)
            .where(ReturnSubmission.request_id == request.id)
            .order_by(ReturnSubmission.round.desc())
            .limit(1)
        )
        if latest is not None:
            latest.returned_at, latest.returned_by_id = utcnow(), actor.id
            latest.return_comment = text
        meet_agency_clock(case, request, request.submitted_on or today)  # if not met already
        settings = clock_settings(case.partnership_id)
        due_on = add_working_days(today, settings.agency_return_days, settings.closures)
        request.status = "open"
        request.amendment_round += 1
        request.submitted_on = request.submitted_by_id = request.nil_return = None
        request.due_on = due_on
        start_clock(case, request, today, due_on, settings)
        _record(request, actor, "returned", text, due_on)
        return request

    return _in_transaction(work)


def _require_open(case: Case, request: AgencyRequest, what: str) -> Clock:
    """The request's running clock; Refused unless the request is open in the rapid review."""
    _require_rapid_review(case, what)
    clock = current_clock(case, request.id)
    if request.status != "open" or not is_open(clock):
        done = {"submitted": "has been submitted", "cancelled": "was cancelled"}
        raise Refused(
            f"You can {what} only while the request is open: it "
            f"{done.get(request.status, 'is closed')}."
        )
    assert clock is not None
    return clock


# Reading ----------------------------------------------------------------------------------
