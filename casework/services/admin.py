"""Administration: who may administer, the history of changes, and the partnership's agencies.

Admins manage users, agencies and the partnership's settings and see no case content; business
managers may invite users too (see `admin_users`). Every change made here writes one
`AdminChange` row per changed field (who, when, old value, new value) in the same transaction
as the change itself, so the history can never miss a change that happened.

Users are in `admin_users`, the clock settings and closure days in `admin_settings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from casework.extensions import db
from casework.models import AdminChange, Agency, User
from casework.services.errors import Invalid, NotFound, NotPermitted
from casework.services.numbers import whole_number

ADMINISTERS = frozenset({"admin"})
INVITES = frozenset({"admin", "business_manager"})
MAX_NAME = 200


def require_admin(actor: User) -> None:
    """Users, agencies and settings are for admins only."""
    if not actor.active or actor.role not in ADMINISTERS:
        raise NotPermitted("Only an administrator can do this.")


def require_administration(actor: User) -> None:
    """The administration pages are for admins, and business managers (who invite users)."""
    if not actor.active or actor.role not in INVITES:
        raise NotPermitted("Your role does not give access to administration.")


def record_change(
    actor: User, subject: str, field: str, old: object = None, new: object = None
) -> None:
    """Add one history row (committed with the change it describes)."""
    db.session.add(
        AdminChange(
            partnership_id=actor.partnership_id,
            actor_id=actor.id,
            subject=subject,
            field=field,
            old_value=as_text(old),
            new_value=as_text(new),
        )
    )


def as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def clean_name(value: str | None, what: str) -> str:
    """A required short name, trimmed, or Invalid on `name`."""
    name = " ".join((value or "").split())
    if not name:
        raise Invalid(f"Enter the {what}.", {"name": f"Enter the {what}"})
    if len(name) > MAX_NAME:
        raise Invalid(
            f"The {what} is too long.",
            {"name": f"The {what} must be {MAX_NAME} characters or fewer"},
        )
    return name


# History ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    at: datetime  # UTC, without a zone
    actor_name: str
    subject: str  # as stored: "user 12", "agency 3", "settings", "closure days"
    subject_name: str  # for people: the user's or agency's name
    user_id: int | None  # set when the subject is a user
    field: str
    old_value: str | None
    new_value: str | None


@dataclass(frozen=True)
class ChangePage:
    items: list[Change]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


MAX_PAGE = 100_000
SUBJECT_NAMES = {"settings": "Partnership settings", "closure days": "Closure days"}


def _subject_id(subject: str, kind: str) -> int | None:
    """12 for ("user 12", "user"), else None."""
    prefix, _, number = subject.partition(" ")
    return whole_number(number) if prefix == kind else None


def list_changes(actor: User, page: int = 1, per_page: int = 50) -> ChangePage:
    """The partnership's administration history, newest first (admins only)."""
    require_admin(actor)
    if not 1 <= page <= MAX_PAGE:  # far past the last page: the offset would overflow
        raise NotFound("There is no such page.")
    where = AdminChange.partnership_id == actor.partnership_id
    total = db.session.scalar(select(func.count(AdminChange.id)).where(where)) or 0
    rows = db.session.execute(
        select(AdminChange, User.name)
        .join(User, User.id == AdminChange.actor_id)
        .where(where)
        .order_by(AdminChange.at.desc(), AdminChange.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    if page > 1 and not rows:
        raise NotFound("There is no such page.")
    user_ids = {i for c, _ in rows if (i := _subject_id(c.subject, "user")) is not None}
    agency_ids = {i for c, _ in rows if (i := _subject_id(c.subject, "agency")) is not None}
    names: dict[str, str] = {}
    if user_ids:
        query = select(User.id, User.name).where(User.id.in_(user_ids))
        names.update((f"user {i}", name) for i, name in db.session.execute(query))
    if agency_ids:
        query = select(Agency.id, Agency.name).where(Agency.id.in_(agency_ids))
        names.update((f"agency {i}", name) for i, name in db.session.execute(query))
    items = [
        Change(
            at=change.at,
            actor_name=actor_name,
            subject=change.subject,
            subject_name=names.get(change.subject)
            or SUBJECT_NAMES.get(change.subject, change.subject),
            user_id=_subject_id(change.subject, "user"),
            field=change.field,
            old_value=change.old_value,
            new_value=change.new_value,
        )
        for change, actor_name in rows
    ]
    return ChangePage(items, page, per_page, total)


# Agencies --------------------------------------------------------------------------------


def list_agencies(actor: User) -> list[Agency]:
    """Every agency of the partnership, statutory partners first, then by name (admins)."""
    require_admin(actor)
    return list(
        db.session.scalars(
            select(Agency)
            .where(Agency.partnership_id == actor.partnership_id)
            .order_by(Agency.statutory_partner.is_(None), Agency.name)
        )
    )


def get_agency(actor: User, agency_id: int) -> Agency:
    """One of the partnership's agencies (admins); another partnership's is NotFound."""
    require_admin(actor)
    agency = db.session.get(Agency, agency_id)
    if agency is None or agency.partnership_id != actor.partnership_id:
        raise NotFound("There is no agency with that id.")
    return agency


def _name_taken(actor: User, name: str, except_id: int | None = None) -> bool:
    query = select(Agency.id).where(
        Agency.partnership_id == actor.partnership_id, func.lower(Agency.name) == name.lower()
    )
    if except_id is not None:
        query = query.where(Agency.id != except_id)
    return db.session.scalar(query) is not None


def add_agency(actor: User, name: str | None) -> Agency:
    """A new (non-statutory) agency of the partnership."""
    require_admin(actor)
    name = clean_name(name, "agency's name")
    if _name_taken(actor, name):
        raise Invalid("That agency exists.", {"name": "There is already an agency with this name"})
    agency = Agency(partnership_id=actor.partnership_id, name=name)
    db.session.add(agency)
    db.session.flush()
    record_change(actor, f"agency {agency.id}", "added", None, name)
    db.session.commit()
    return agency


def rename_agency(actor: User, agency_id: int, name: str | None) -> Agency:
    agency = get_agency(actor, agency_id)
    name = clean_name(name, "agency's name")
    if name == agency.name:
        return agency
    if _name_taken(actor, name, except_id=agency.id):
        raise Invalid("That agency exists.", {"name": "There is already an agency with this name"})
    record_change(actor, f"agency {agency.id}", "name", agency.name, name)
    agency.name = name
    db.session.commit()
    return agency


def set_agency_active(actor: User, agency_id: int, active: bool) -> Agency:
    """Deactivate or reactivate an agency; the statutory partners' agencies stay active."""
    agency = get_agency(actor, agency_id)
    if agency.statutory_partner is not None and not active:
        raise NotPermitted("The statutory partners' agencies cannot be deactivated.")
    if agency.active != active:
        record_change(actor, f"agency {agency.id}", "active", agency.active, active)
        agency.active = active
        db.session.commit()
    return agency
