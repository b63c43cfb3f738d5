"""What needs doing: the home page's list, for each kind of user."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, exists, not_, or_, select

from casework.extensions import db
from casework.models import Case, SignOff, User
from casework.services.cases import list_cases
from casework.services.clocks import DueClock, clocks_due
from casework.services.partnerships import clock_settings
from casework.services.permissions import require_case_reader, visible_cases_clause
from workflows.calendar import working_days_between

LIMIT = 100  # per list; the case list has the rest


@dataclass
class WorkItem:
    clock: DueClock
    overdue: bool
    working_days: int  # late when overdue, left otherwise


@dataclass
class Worklist:
    overdue: list[WorkItem] = field(default_factory=list)
    due_soon: list[WorkItem] = field(default_factory=list)
    escalated: list[WorkItem] = field(default_factory=list)
    awaiting_sign_off: list[Case] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    more: bool = False


def worklist(user: User, today: date) -> Worklist:
    """Overdue and due-soon clocks for managers, sign-offs for leads, granted cases otherwise."""
    work = Worklist()
    if user.role == "admin":
        return work
    require_case_reader(user)
    if user.role == "business_manager":
        items = _clock_items(user, today)
        work.overdue = [i for i in items if i.overdue][:LIMIT]
        work.due_soon = [i for i in items if not i.overdue][:LIMIT]
        work.more = len(items) > 2 * LIMIT
    elif user.role == "partner_lead":
        work.awaiting_sign_off = _awaiting_sign_off(user, today)
        work.escalated = [i for i in _clock_items(user, today) if i.clock.rung == "escalated"][
            :LIMIT
        ]
    else:
        page = list_cases(user, per_page=LIMIT)
        work.cases, work.more = page.items, page.total > LIMIT
    return work


def _clock_items(user: User, today: date) -> list[WorkItem]:
    closures = clock_settings(user.partnership_id).closures
    items = []
    for due in clocks_due(today, user.partnership_id):
        overdue = due.rung in ("overdue", "escalated")
        days = (
            working_days_between(due.due_on, today, closures)
            if overdue
            else working_days_between(today, due.due_on, closures)
        )
        items.append(WorkItem(due, overdue, days))
    # Overdue first, the longest overdue first; then the soonest due.
    items.sort(key=lambda i: (not i.overdue, i.clock.due_on, i.clock.case_reference))
    return items


def _awaiting_sign_off(user: User, today: date) -> list[Case]:
    signed = exists(
        select(SignOff.id).where(
            SignOff.case_id == Case.id,
            SignOff.round == Case.sign_off_round,
            SignOff.partner == user.partner,
        )
    )
    waiting = or_(
        and_(Case.state == "rapid_review", Case.decision.is_not(None)),
        Case.state == "approval",
    )
    return list(
        db.session.scalars(
            select(Case)
            .where(visible_cases_clause(user, today), waiting, not_(signed))
            .order_by(Case.state_entered_on, Case.id)
            .limit(LIMIT)
        )
    )
