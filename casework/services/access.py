"""Need-to-know grants: a business manager gives a panel member or an independent reviewer
access to one case, for a purpose and until a date, and can take it back. (Agency
contributors see a case only through their agency's request, never through a grant.)"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from casework.extensions import db
from casework.models import Case, CaseAccess, User
from casework.models.time import utcnow
from casework.services.errors import Conflict, Invalid, NotFound, NotPermitted
from casework.services.permissions import (
    SEES_ALL_CASES,
    SEES_GRANTED_CASES,
    visible_cases_clause,
)
from casework.services.today import london_today
from casework.services.wording import long_date

# Who is shown a case's grants (on its page and its access page): the roles that see every case.
SEES_GRANTS = SEES_ALL_CASES


@dataclass(frozen=True)
class Grant:
    id: int
    user_id: int
    user_name: str
    user_email: str
    role: str
    purpose: str
    until_on: date
    granted_by: str
    live: bool
    status: str = "live"  # see STATUS_WORDS

    @property
    def status_words(self) -> str:
        return STATUS_WORDS[self.status]

    @property
    def may_take_back(self) -> bool:
        """Not yet taken back and not ended: a grant that does not work now (its holder
        deactivated, or moved to a role without grants) can still be taken back, so that it
        does not work again should they be reactivated or moved back."""
        return self.status not in ("taken_back", "expired")


STATUS_WORDS = {
    "live": "Has access",
    "taken_back": "Taken back",
    "expired": "Ended",
    "deactivated": "Account deactivated",
    "role_changed": "Role changed: no access",
}


class GrantEntry(NamedTuple):
    """A grant as read from the database, with what its status depends on."""

    id: int
    user_id: int
    user_name: str
    user_email: str
    role: str
    active: bool  # the holder's
    purpose: str
    until_on: date
    granted_by: str
    taken_back: bool


def grants_from(entries: Iterable[GrantEntry], today: date) -> list[Grant]:
    """The grants with their status on `today`: live ones first, then in the given order."""
    grants = []
    for e in entries:
        status = grant_status(e.taken_back, e.until_on, e.active, e.role, today)
        grants.append(
            Grant(
                e.id,
                e.user_id,
                e.user_name,
                e.user_email,
                e.role,
                e.purpose,
                e.until_on,
                e.granted_by,
                status == "live",
                status,
            )
        )
    return sorted(grants, key=lambda grant: not grant.live)


def grant_status(taken_back: bool, until_on: date, active: bool, role: str, today: date) -> str:
    """A grant's status (see STATUS_WORDS), from the grant and its holder's `active` and
    `role`."""
    if taken_back:
        return "taken_back"
    if until_on < today:
        return "expired"
    if not active:
        return "deactivated"
    # As visible_cases_clause reads grants: only for the roles that see cases through them.
    return "live" if role in SEES_GRANTED_CASES else "role_changed"


def _not_ended(user: User) -> tuple:
    """The grants of `user` neither taken back nor ended: an ended grant stays "Ended"."""
    return (
        CaseAccess.user_id == user.id,
        CaseAccess.revoked_at.is_(None),
        CaseAccess.until_on >= london_today(),
    )


def take_back_all(actor: User, user: User) -> None:
    """Take back every grant `user` holds that has not ended (on deactivation, or a move to a
    role without grants), recorded as taken back by `actor`. The caller commits."""
    db.session.execute(
        update(CaseAccess)
        .where(*_not_ended(user))
        .values(revoked_at=utcnow(), revoked_by_id=actor.id)
    )


def count_grants_to_take_back(user: User) -> int:
    """How many grants `take_back_all` would take back from `user` now."""
    return db.session.scalar(select(func.count()).select_from(CaseAccess).where(*_not_ended(user)))


def _case_for_manager(actor: User, case_id: int) -> Case:
    case = db.session.scalar(
        select(Case).where(Case.id == case_id, visible_cases_clause(actor, london_today()))
    )
    if case is None:
        raise NotFound("There is no case with that id.")
    if actor.role != "business_manager":
        raise NotPermitted("Only a business manager gives or takes back access to a case.")
    return case


def case_for_grants(actor: User, case_id: int) -> Case:
    """The case whose grants a business manager manages: NotFound if the actor may not see
    it (another partnership's), NotPermitted unless a business manager. Not a read of its detail.
    """
    return _case_for_manager(actor, case_id)


# Made once: a fresh alias per call costs SQLAlchemy about a millisecond to set up its columns.
_GRANTED_BY = aliased(User, name="granted_by")


def grants_for_case(actor: User, case: Case, today: date | None = None) -> list[Grant]:
    """Who holds access to the case through a grant (live ones first)."""
    if actor.role not in SEES_GRANTS:
        return []
    return _grants(case, today or london_today())


def grant_to_take_back(actor: User, case_id: int, grant_id: int) -> tuple[Case, Grant]:
    """The case and one of its grants, for the page that asks a business manager to confirm
    taking it back: refused as `revoke_access` refuses (NotFound for a case the actor may not
    see or a grant not on it, NotPermitted unless a business manager). Changes nothing."""
    case = _case_for_manager(actor, case_id)
    found = _grants(case, london_today(), CaseAccess.id == grant_id)
    if not found:
        raise NotFound("There is no such grant on this case.")
    return case, found[0]


def _grants(case: Case, today: date, *where) -> list[Grant]:
    """The case's grants (those matching `where`): live ones first, then oldest first."""
    granted_by = _GRANTED_BY
    rows = db.session.execute(
        select(CaseAccess, User, granted_by.name)
        .join(User, User.id == CaseAccess.user_id)
        .join(granted_by, granted_by.id == CaseAccess.granted_by_id)
        .where(CaseAccess.case_id == case.id, *where)
        .order_by(CaseAccess.id)
    ).all()
    entries = (
        GrantEntry(
            access.id,
            user.id,
            user.name,
            user.email,
            user.role,
            user.active,
            access.purpose,
            access.until_on,
            granted_by_name,
            access.revoked_at is not None,
        )
        for access, user, granted_by_name in rows
    )
    return grants_from(entries, today)


def grantable_users(actor: User) -> list[User]:
    """People a business manager may give access to: their partnership's grant-only roles."""
    if actor.role != "business_manager":
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.partnership_id == actor.partnership_id,
                User.role.in_(SEES_GRANTED_CASES),
                User.active.is_(True),
            )
            .order_by(User.name)
        )
    )


def grant_access(
    actor: User, case_id: int, user_id: int, purpose: str, until_on: date
) -> CaseAccess:
    case = _case_for_manager(actor, case_id)
    errors = {}
    # An id beyond PostgreSQL's integer range is nobody, not a database error.
    known_id = isinstance(user_id, int) and 0 < user_id < 2**31
    grantee = db.session.get(User, user_id) if known_id else None
    if (
        grantee is None
        or grantee.partnership_id != actor.partnership_id
        or grantee.role not in SEES_GRANTED_CASES
        or not grantee.active
    ):
        errors["user_id"] = "Choose a panel member or an independent reviewer"
    if not purpose or not purpose.strip():
        errors["purpose"] = "Enter the purpose of the access"
    elif len(purpose.strip()) > 200:
        errors["purpose"] = "Purpose must be 200 characters or fewer"
    if not isinstance(until_on, date):
        errors["until_on"] = "Enter the date the access ends"
    elif until_on < london_today():
        errors["until_on"] = "The date must be today or in the future"
    if errors:
        raise Invalid("The access could not be given.", errors)
    live = db.session.scalar(
        select(CaseAccess).where(
            CaseAccess.case_id == case.id,
            CaseAccess.user_id == user_id,
            CaseAccess.revoked_at.is_(None),
            CaseAccess.until_on >= london_today(),
        )
    )
    if live is not None:
        raise Conflict(
            f"{grantee.name} already has access to this case until {long_date(live.until_on)}."
        )
    access = CaseAccess(
        case_id=case.id,
        user_id=user_id,
        purpose=purpose.strip(),
        until_on=until_on,
        granted_by_id=actor.id,
    )
    db.session.add(access)
    db.session.commit()
    return access


def revoke_access(actor: User, case_id: int, grant_id: int) -> User:
    """Take back a grant (once: taking back a grant already taken back, or one that has
    ended, changes nothing; an ended grant stays "Ended"). Returns the person who held it."""
    case = _case_for_manager(actor, case_id)
    access = db.session.scalar(
        select(CaseAccess).where(CaseAccess.id == grant_id, CaseAccess.case_id == case.id)
    )
    if access is None:
        raise NotFound("There is no such grant on this case.")
    if access.revoked_at is None and access.until_on >= london_today():
        access.revoked_at = utcnow()
        access.revoked_by_id = actor.id
        db.session.commit()
    grantee = db.session.get(User, access.user_id)
    assert grantee is not None
    return grantee
