"""What the manager's request pages show: each request's status, clock and history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select

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
from casework.services.agency_clocks import current_clock, due_now, held
from casework.services.agency_requests import (
    _agency_order,
    _case_for_manager,
    _request_for_manager,
)
from casework.services.partnerships import clock_settings
from casework.services.today import LONDON, london_today
from casework.services.wording import plural, weekday_date
from workflows.calendar import add_working_days, working_days_between


@dataclass(frozen=True)
class RequestLine:
    id: int
    agency_id: int
    agency_name: str
    status: str  # one of STATUSES
    requested_on: date
    due_on: date
    working_days_left: int | None  # open and not yet due
    working_days_late: int | None  # overdue, or submitted after the due date
    days_words: str  # "2 working days left", "Due on Saturday 11 March 2023", "1 working day late"
    submitted_on: date | None
    amendment_round: int
    has_contributor: bool  # the agency has an active contributor to answer it
    note: str | None


@dataclass(frozen=True)
class AgencyChoice:
    id: int
    name: str
    statutory_partner: str | None
    has_contributor: bool
    asked: bool  # a live request stands: it cannot be asked again


@dataclass(frozen=True)
class RequestOverview:
    case: Case
    today: date
    requests: list[RequestLine]
    agencies: list[AgencyChoice]  # the partnership's active agencies, statutory partners first
    default_due_on: date
    may_send: bool  # the case is in the rapid review


@dataclass(frozen=True)
class EventLine:
    kind: str
    at: datetime  # Europe/London
    actor_name: str
    note: str | None  # closure_*: the closure day's name
    due_on: date | None
    closure_on: date | None = None  # closure_*: the closure day added or removed
    due_before: date | None = None  # closure_*: the due date it moved (or left) as it was


@dataclass(frozen=True)
class SubmissionLine:
    round: int
    submitted_on: date
    submitted_by: str
    nil_return: bool
    returned_at: datetime | None  # Europe/London
    returned_by: str | None
    return_comment: str | None


@dataclass(frozen=True)
class RequestDetail:
    case: Case
    request: RequestLine
    events: list[EventLine]
    submissions: list[SubmissionLine]
    may_change: bool  # chase, extend, cancel: an open request of a case in the rapid review
    may_return: bool  # return for amendment: a submitted request of a case in the rapid review


# Loading, with the permission checks -------------------------------------------------------


def _with_contributors(partnership_id: int) -> set[int]:
    """The partnership's agencies that have at least one active contributor."""
    return set(
        db.session.scalars(
            select(User.agency_id)
            .where(
                User.partnership_id == partnership_id,
                User.role == "agency_contributor",
                User.active.is_(True),
                User.agency_id.is_not(None),
            )
            .group_by(User.agency_id)
        )
    )


def _status(request: AgencyRequest, clock: Clock | None, today: date) -> str:
    if request.status == "cancelled":
        return "cancelled"
    if request.status == "submitted":
        return "nil_return" if request.nil_return else "submitted"
    if clock is not None and clock.cancelled_on is not None:
        return "closed"
    if held(clock):
        return "paused"
    if today > due_now(request, clock):
        return "overdue"
    return "returned_for_amendment" if request.amendment_round else "open"


def _days_words(status: str, left: int | None, late: int | None, due_on: date, today: date) -> str:
    # As a clock's tag says it: no working day late yet (a weekend after the due date) is
    # "Overdue", and a return sent then is "Submitted late".
    if status == "overdue":
        return f"{plural(late, 'working day')} late" if late else "Overdue"
    if left is not None:
        if left:
            return f"{plural(left, 'working day')} left"
        # No working day left, yet the due date may be ahead: a Saturday, seen on the Friday.
        return "Due today" if due_on <= today else f"Due on {weekday_date(due_on)}"
    if late is not None:
        return f"Submitted {plural(late, 'working day')} late" if late else "Submitted late"
    return ""


def _line(
    request: AgencyRequest, case: Case, contributors: set[int], today: date, closures
) -> RequestLine:
    clock = current_clock(case, request.id)
    status = _status(request, clock, today)
    due_on = due_now(request, clock)
    left = late = None
    if status in ("open", "returned_for_amendment"):
        left = working_days_between(today, due_on, closures)
    elif status == "overdue":
        late = working_days_between(due_on, today, closures)
    elif request.submitted_on and request.submitted_on > due_on:
        late = working_days_between(due_on, request.submitted_on, closures)
    return RequestLine(
        id=request.id,
        agency_id=request.agency_id,
        agency_name=request.agency.name,
        status=status,
        requested_on=request.requested_on,
        due_on=due_on,
        working_days_left=left,
        working_days_late=late,
        days_words=_days_words(status, left, late, due_on, today),
        submitted_on=request.submitted_on,
        amendment_round=request.amendment_round,
        has_contributor=request.agency_id in contributors,
        note=request.note,
    )


def request_overview(actor: User, case_id: int, today: date | None = None) -> RequestOverview:
    """The case's requests with their status and days left or late, and the agencies to ask."""
    today = today or london_today()
    case = _case_for_manager(actor, case_id)
    settings = clock_settings(case.partnership_id)
    contributors = _with_contributors(case.partnership_id)
    requests = list(
        db.session.scalars(
            select(AgencyRequest)
            .join(Agency, Agency.id == AgencyRequest.agency_id)
            .where(AgencyRequest.case_id == case.id)
            .order_by(AgencyRequest.requested_on, func.lower(Agency.name), AgencyRequest.id)
        )
    )
    lines = [_line(r, case, contributors, today, settings.closures) for r in requests]
    # An open request whose clock stopped (the case left the rapid review) may be sent again.
    live = {line.agency_id for line in lines if line.status not in ("cancelled", "closed")}
    agencies = db.session.scalars(
        select(Agency).where(Agency.partnership_id == case.partnership_id, Agency.active.is_(True))
    )
    return RequestOverview(
        case=case,
        today=today,
        requests=lines,
        agencies=[
            AgencyChoice(a.id, a.name, a.statutory_partner, a.id in contributors, a.id in live)
            for a in sorted(agencies, key=_agency_order)
        ],
        default_due_on=add_working_days(today, settings.agency_return_days, settings.closures),
        may_send=case.state == "rapid_review",
    )


def contributors_missing(actor: User, case_id: int) -> list[AgencyChoice]:
    """The agencies asked on this case (a live request) that have no active contributor."""
    overview = request_overview(actor, case_id)
    asked = {
        line.agency_id for line in overview.requests if line.status not in ("cancelled", "closed")
    }
    return [a for a in overview.agencies if a.id in asked and not a.has_contributor]


def _london(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(LONDON)


def _event_lines(events: Iterable[tuple[AgencyRequestEvent, str]]) -> list[EventLine]:
    """The request's history; a closure day's move with the due date it moved."""
    lines: list[EventLine] = []
    due: date | None = None
    for event, name in events:
        moved = event.closure_on is not None
        lines.append(
            EventLine(
                event.kind,
                _london(event.at),
                name,
                event.note,
                event.due_on,
                event.closure_on,
                due if moved else None,
            )
        )
        due = event.due_on or due
    return lines


def request_detail(
    actor: User, case_id: int, request_id: int, today: date | None = None
) -> RequestDetail:
    """One request: its status, its history of events and its submitted versions."""
    today = today or london_today()
    request, case = _request_for_manager(actor, request_id, case_id)
    settings = clock_settings(case.partnership_id)
    line = _line(request, case, _with_contributors(case.partnership_id), today, settings.closures)
    events = db.session.execute(
        select(AgencyRequestEvent, User.name)
        .join(User, User.id == AgencyRequestEvent.actor_id)
        .where(AgencyRequestEvent.request_id == request.id)
        .order_by(AgencyRequestEvent.at, AgencyRequestEvent.id)
    ).all()
    submissions = db.session.scalars(
        select(ReturnSubmission)
        .where(ReturnSubmission.request_id == request.id)
        .order_by(ReturnSubmission.round)
    ).all()
    people = {s.submitted_by_id for s in submissions} | {s.returned_by_id for s in submissions}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(people))).all())
    in_review = case.state == "rapid_review"
    return RequestDetail(
        case=case,
        request=line,
        events=_event_lines(events),
        submissions=[
            SubmissionLine(
                s.round,
                s.submitted_on,
                names.get(s.submitted_by_id, ""),
                s.nil_return,
                _london(s.returned_at) if s.returned_at else None,
                names.get(s.returned_by_id) if s.returned_by_id else None,
                s.return_comment,
            )
            for s in submissions
        ],
        may_change=in_review
        and line.status in ("open", "overdue", "paused", "returned_for_amendment"),
        may_return=in_review and request.status == "submitted",
    )
