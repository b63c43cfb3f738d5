"""In-app alerts: each person's own, with the days left or late worked out when viewed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, ScalarSelect, and_, exists, func, literal, or_, select, update
from sqlalchemy.sql.elements import BindParameter

from casework.extensions import db
from casework.models import AgencyRequest, Alert, Case, Clock, ClosureDay, User
from casework.models.time import utcnow
from casework.services.alerts.messages import CLOCK_WORDS
from casework.services.errors import NotFound
from casework.services.permissions import (
    READS_THROUGH_REQUESTS,
    SEES_ALL_CASES,
    SEES_GRANTED_CASES,
    granted,
)
from casework.services.today import london_today
from casework.services.wording import status_words
from workflows.clocks import status, working_days_late, working_days_left


@dataclass(frozen=True)
class AlertView:
    id: int
    case_id: int
    case_reference: str
    pseudonym: str | None
    clock_kind: str
    clock_words: str
    statutory: bool
    rung: str
    alert_due_on: date  # the due date the alert was raised for
    due_on: date | None  # the clock's due date now (later if it was extended)
    status: str  # the clock's status on the day viewed: running, overdue, met, ...
    working_days_left: int | None
    working_days_late: int | None
    status_words: str  # as the case page's tag says it: "Due in 3 working days", "Overdue"
    created_at: datetime
    read: bool
    request_id: int | None = None  # an agency request's clock: its contributors' page


def _still_theirs(today: date | BindParameter[date]) -> ColumnElement[bool]:
    """An alert is shown only while its case is still the person's to see: after a change of
    role, agency or access, the old alerts no longer name a case they may not read.

    Written in terms of the person's own columns (`User`, joined or correlated by the caller),
    not of a person known in advance, so that the unread count can be asked in the statement
    that loads the signed-in person: one round trip on every page instead of two. The rule is
    `visible_cases_clause`'s, plus an agency's contributors' live requests; a test holds the
    two to the same answers for every role. The roles are written as values in the SQL, not
    one list parameter, so the statement can be compiled once (`services.prepared`)."""
    live_request = exists(
        select(AgencyRequest.id).where(
            AgencyRequest.id == Clock.agency_request_id,
            AgencyRequest.status != "cancelled",  # as their requests page hides it
        )
    )
    return and_(
        User.active,
        Case.partnership_id == User.partnership_id,
        or_(
            _role_in(SEES_ALL_CASES),
            and_(_role_in(SEES_GRANTED_CASES), granted(User.id, today)),
            and_(
                _role_in(READS_THROUGH_REQUESTS),
                Clock.agency_id == User.agency_id,
                live_request,
            ),
        ),
    )


def _role_in(roles: frozenset[str]) -> ColumnElement[bool]:
    return User.role.in_([literal(role) for role in sorted(roles)])


def unread_alerts_column(today: date | BindParameter[date]) -> ScalarSelect[int]:
    """How many of the person's alerts are unread, for a statement that selects `User`."""
    return (
        select(func.count(Alert.id))
        .join(Clock, Clock.id == Alert.clock_id)
        .join(Case, Case.id == Clock.case_id)
        .where(Alert.user_id == User.id, Alert.read_at.is_(None), _still_theirs(today))
        .correlate(User)
        .scalar_subquery()
    )


def alerts_for(
    user: User, on: date | None = None, *, unread_only: bool = False, limit: int = 100
) -> list[AlertView]:
    """The user's own alerts, newest first, their clocks judged on `on` (default today)."""
    if not user.active:
        return []
    on = on or london_today()
    query = (
        select(Alert, Clock, Case.reference, Case.pseudonym)
        .join(Clock, Clock.id == Alert.clock_id)
        .join(Case, Case.id == Clock.case_id)
        .join(User, User.id == Alert.user_id)
        .where(Alert.user_id == user.id, _still_theirs(london_today()))
        .order_by(Alert.created_at.desc(), Alert.id.desc())
        .limit(limit)
    )
    if unread_only:
        query = query.where(Alert.read_at.is_(None))
    rows = db.session.execute(query).all()
    closures = frozenset(
        db.session.scalars(
            select(ClosureDay.day).where(ClosureDay.partnership_id == user.partnership_id)
        )
    )
    views = []
    for alert, clock, reference, pseudonym in rows:
        now_status = status(
            anchor_on=clock.anchor_on,
            due_on=clock.due_on,
            met_on=clock.met_on,
            cancelled_on=clock.cancelled_on,
            paused=clock.paused,
            on=on,
        )
        left = working_days_left(now_status, clock.due_on, on, closures)
        late = working_days_late(now_status, clock.due_on, clock.met_on, on, closures)
        views.append(
            AlertView(
                id=alert.id,
                case_id=clock.case_id,
                case_reference=reference,
                pseudonym=pseudonym,
                clock_kind=clock.kind,
                clock_words=CLOCK_WORDS.get(clock.kind, clock.kind),
                statutory=clock.statutory,
                rung=alert.rung,
                alert_due_on=alert.due_on,
                due_on=clock.due_on,
                status=now_status,
                working_days_left=left,
                working_days_late=late,
                status_words=status_words(now_status, left, late, clock.due_on, on),
                created_at=alert.created_at,
                read=alert.read_at is not None,
                request_id=clock.agency_request_id,
            )
        )
    return views


def unread_alert_count(user: User) -> int:
    """How many of the user's alerts are unread (for the count on every page; a signed-in
    page has it already, from `services.auth.load_user`)."""
    return (
        db.session.scalar(select(unread_alerts_column(london_today())).where(User.id == user.id))
        or 0
    )


def mark_alert_read(user: User, alert_id: int) -> None:
    """Mark one of the user's own alerts read. Someone else's is NotFound, as if absent."""
    owned = db.session.scalar(
        select(Alert.id).where(Alert.id == alert_id, Alert.user_id == user.id)
    )
    if owned is None or not user.active:
        raise NotFound("There is no alert with that id.")
    db.session.execute(
        update(Alert).where(Alert.id == alert_id, Alert.read_at.is_(None)).values(read_at=utcnow())
    )
    db.session.commit()
