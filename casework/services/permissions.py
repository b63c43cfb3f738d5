"""Who may see and do what. Deny by default: anything not listed here is refused.

Business managers, partner leads and the scrutineer see every case of their partnership.
Panel members, agency contributors and reviewers see a case only through a live grant. Admins
manage users and settings and see no case content. Only business managers open cases and fire
events; a partner lead fires `sign_off` for their own statutory partner.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, exists, false, select
from sqlalchemy.sql.elements import BindParameter

from casework.models import Case, CaseAccess, User
from casework.services.errors import NotPermitted
from workflows.cases import PARTNERS

SEES_ALL_CASES = frozenset({"business_manager", "partner_lead", "scrutineer"})
SEES_GRANTED_CASES = frozenset({"panel_member", "reviewer"})  # through a case_access grant
# Contributors see only their agency's requests, each with a minimal case summary: never a
# case page, the case list or another agency's return (the request is their grant).
READS_THROUGH_REQUESTS = frozenset({"agency_contributor"})
OPENS_CASES = frozenset({"business_manager"})
FIRES_EVENTS = frozenset({"business_manager"})


def visible_cases_clause(user: User, today: date) -> ColumnElement[bool]:
    """A WHERE clause on `Case` selecting the cases `user` may see."""
    if not user.active:
        return false()
    if user.role in SEES_ALL_CASES:
        return Case.partnership_id == user.partnership_id
    if user.role in SEES_GRANTED_CASES:
        return and_(Case.partnership_id == user.partnership_id, granted(user.id, today))
    return false()


def granted(
    user_id: int | ColumnElement[int], today: date | BindParameter[date]
) -> ColumnElement[bool]:
    """A live grant of `Case` to the user: for `visible_cases_clause`, and for queries that
    name the person as a column (the alerts still theirs, counted as the person loads)."""
    return exists(
        select(CaseAccess.id)
        .where(
            CaseAccess.case_id == Case.id,
            CaseAccess.user_id == user_id,
            CaseAccess.revoked_at.is_(None),
            CaseAccess.until_on >= today,
        )
        # The case and the person come from the enclosing query, however deep it nests this.
        .correlate_except(CaseAccess)
    )


def require_case_reader(user: User) -> None:
    """Refuse roles that never read case content (admins)."""
    readers = SEES_ALL_CASES | SEES_GRANTED_CASES | READS_THROUGH_REQUESTS
    if not user.active or user.role not in readers:
        raise NotPermitted("Your role does not give access to case records.")


def require_may_open_cases(user: User) -> None:
    if not user.active or user.role not in OPENS_CASES:
        raise NotPermitted("Only a business manager can open a case.")


def require_may_fire(user: User, event: str, partner: str | None, given_by: str | None) -> None:
    """May `user` fire `event`? A lead may only sign off, and only for their own partner."""
    if not user.active:
        raise NotPermitted("Your account is not active.")
    if user.role in FIRES_EVENTS:
        return
    if user.role == "partner_lead" and event == "sign_off":
        if partner in PARTNERS and partner != user.partner:
            raise NotPermitted("You can only sign off for your own statutory partner.")
        if given_by is not None:
            raise NotPermitted("Only a business manager records a sign-off given by someone else.")
        return
    if user.role == "partner_lead":
        raise NotPermitted("A partner lead can only sign off for their own statutory partner.")
    raise NotPermitted("Your role cannot change cases.")
