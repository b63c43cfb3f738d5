"""What needs doing: the home page's list, for each kind of user."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, exists, not_, or_, select

from casework.extensions import db
from casework.models import Case, SignOff, User
from casework.services.cases import list_cases
from casework.services.clocks import DueClock, PartnershipDue, partnership_clocks_due
from casework.services.permissions import require_case_reader, visible_cases_clause
from workflows.calendar import working_days_between

LIMIT = 25  # per list; the case list's overdue filter has the rest


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
    overdue_total: int = 0
    due_soon_total: int = 0


def worklist(user: User, today: date) -> Worklist:
    """Overdue and due-soon clocks for managers, sign-offs for leads, granted cases otherwise."""
    work = Worklist()
    if user.role == "admin":
        return work
    require_case_reader(user)
    if user.role == "business_manager":
        due = partnership_clocks_due(today, user.partnership_id, LIMIT)
        work.overdue, work.due_soon = _items(today, due)
        work.overdue_total, work.due_soon_total = due.overdue_total, due.due_total
        work.more = work.overdue_total > LIMIT or work.due_soon_total > LIMIT
    elif user.role == "partner_lead":
        work.awaiting_sign_off = _awaiting_sign_off(user, today)
        due = partnership_clocks_due(today, user.partnership_id, LIMIT, escalated_only=True)
        work.escalated = _items(today, due)[0]  # escalated clocks are all overdue
    elif user.role != "agency_contributor":  # contributors work from their requests
        page = list_cases(user, per_page=LIMIT)
        work.cases, work.more = page.items, page.total > LIMIT
    return work


def _items(today: date, due: PartnershipDue) -> tuple[list[WorkItem], list[WorkItem]]:
    """Working days late or left, counted only for the clocks shown."""
    late = [
        WorkItem(d, True, working_days_between(d.due_on, today, due.closures)) for d in due.overdue
    ]
    left = [
        WorkItem(d, False, working_days_between(today, d.due_on, due.closures)) for d in due.due
    ]
    return late, left


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
