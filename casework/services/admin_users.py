"""The partnership's users: inviting people, changing roles, deactivating and reactivating.

An admin may invite anyone; a business manager may invite panel members, agency contributors
(for the partnership's agencies) and reviewers. An invited person has no password until they
follow their one-time link (`auth.create_invitation`); a fresh link can be made while they have
not set one, and it replaces the earlier links. Only admins change roles and deactivate people,
and nobody changes their own role or deactivates themselves, so a partnership always keeps the
admin who is acting: changes to people take turns (`_take_turns`), so two admins demoting each
other at the same moment cannot both succeed. A deactivated person's session and API tokens stop
working at once (the sign-in and token checks look at `active`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from casework.extensions import db
from casework.models import Agency, Invitation, Partnership, User
from casework.models.time import utcnow
from casework.services.access import count_grants_to_take_back, take_back_all
from casework.services.admin import (
    clean_name,
    record_change,
    require_admin,
    require_administration,
)
from casework.services.auth import create_invitation, end_sessions
from casework.services.errors import Conflict, Invalid, NotFound, NotPermitted
from casework.services.permissions import SEES_GRANTED_CASES
from casework.services.users import is_email_address
from workflows.cases import PARTNERS
from workflows.roles import ROLES

MANAGER_INVITES = ("panel_member", "agency_contributor", "reviewer")
EMAIL_TAKEN = "There is already a user with this email address"


def roles_invitable_by(actor: User) -> tuple[str, ...]:
    if actor.active and actor.role == "admin":
        return ROLES
    if actor.active and actor.role == "business_manager":
        return MANAGER_INVITES
    return ()


@dataclass(frozen=True)
class RoleOptions:
    """What the invitation and change-of-role forms offer."""

    roles: tuple[str, ...]
    partners: tuple[str, ...]  # empty when the actor may not invite a partner lead
    agencies: list[tuple[int, str]]  # the partnership's active agencies


def role_options(actor: User) -> RoleOptions:
    """The roles, partners and agencies `actor` may give someone (admins, business managers)."""
    require_administration(actor)
    roles = roles_invitable_by(actor)
    agencies = db.session.execute(
        select(Agency.id, Agency.name)
        .where(Agency.partnership_id == actor.partnership_id, Agency.active.is_(True))
        .order_by(Agency.name)
    ).all()
    partners = PARTNERS if "partner_lead" in roles else ()
    return RoleOptions(roles, partners, [(i, name) for i, name in agencies])


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str
    role: str
    partner: str | None
    agency_id: int | None
    agency_name: str | None
    active: bool
    has_password: bool


def _people(actor: User, *where) -> list[Person]:
    rows = db.session.execute(
        select(User, Agency.name)
        .outerjoin(Agency, Agency.id == User.agency_id)
        .where(User.partnership_id == actor.partnership_id, *where)
        .order_by(func.lower(User.name), User.id)
    ).all()
    return [
        Person(
            u.id,
            u.name,
            u.email,
            u.role,
            u.partner,
            u.agency_id,
            agency,
            u.active,
            u.password_hash is not None,
        )
        for u, agency in rows
    ]


def list_users(actor: User) -> list[Person]:
    """The partnership's users by name (admins and business managers)."""
    require_administration(actor)
    return _people(actor)


@dataclass(frozen=True)
class UserDetail:
    person: Person
    may_change: bool  # change the role, deactivate or reactivate
    may_reinvite: bool
    invitation_expires_at: datetime | None  # the latest link still usable, if any


def get_user(actor: User, user_id: int) -> UserDetail:
    """One of the partnership's users and what `actor` may do with them."""
    require_administration(actor)
    people = _people(actor, User.id == user_id)
    if not people:
        raise NotFound("There is no user with that id.")
    person = people[0]
    expires = db.session.scalar(
        select(func.max(Invitation.expires_at)).where(
            Invitation.user_id == person.id,
            Invitation.used_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
    )
    return UserDetail(
        person,
        may_change=actor.role == "admin" and person.id != actor.id,
        may_reinvite=_may_reinvite(actor, person.role, person.active, person.has_password),
        invitation_expires_at=expires if person.active and not person.has_password else None,
    )


def _may_reinvite(actor: User, role: str, active: bool, has_password: bool) -> bool:
    return active and not has_password and role in roles_invitable_by(actor)


def _user(actor: User, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.partnership_id != actor.partnership_id:
        raise NotFound("There is no user with that id.")
    return user


def _take_turns(actor: User) -> None:
    """Hold the partnership's lock on changing its people until commit, then check again that
    `actor` is an active admin.

    Two admins demoting or deactivating each other at the same moment would each see the other
    still an admin and leave the partnership with none. With the lock, the second waits for the
    first, sees its change and is refused; the admin who acts stays one until they commit.
    """
    # An UPDATE, not SELECT ... FOR UPDATE: SQLite ignores FOR UPDATE and takes its one write
    # lock only at a transaction's first write, so only a write makes both databases wait. It
    # rewrites a column no key or index holds: SQLite rewrites the row in place, where setting
    # the id made it delete and re-insert it and search every table referring to it; PostgreSQL
    # takes FOR NO KEY UPDATE either way, so rows that only refer to the partnership (a case, a
    # closure day) can still be written meanwhile.
    db.session.execute(
        update(Partnership)
        .where(Partnership.id == actor.partnership_id)
        .values(name=Partnership.name)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()  # what was read before the lock may have changed since
    try:
        require_admin(actor)
    except NotPermitted:
        db.session.rollback()  # let go of the lock
        raise


def _clean_role(
    actor: User,
    role: str | None,
    partner: str | None,
    agency_id: int | str | None,
    current_agency_id: int | None = None,
) -> tuple[str, str | None, Agency | None, dict[str, str]]:
    """The role with the partner or agency it needs (others dropped), and any field errors."""
    errors: dict[str, str] = {}
    if role not in ROLES:
        return "", None, None, {"role": "Choose the person's role"}
    agency = None
    if role == "partner_lead":
        if partner not in PARTNERS:
            errors["partner"] = "Choose the statutory partner they lead for"
        else:
            agency = db.session.scalar(
                select(Agency).where(
                    Agency.partnership_id == actor.partnership_id,
                    Agency.statutory_partner == partner,
                )
            )
    elif role == "agency_contributor":
        try:
            number = int(agency_id)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = 0
        # An id no table can hold overflowed the database's integer (a 500), so it goes first.
        agency = db.session.get(Agency, number) if 0 < number < 2**31 else None
        if (
            agency is None
            or agency.partnership_id != actor.partnership_id
            or not (agency.active or agency.id == current_agency_id)
        ):
            agency = None
            errors["agency"] = "Choose the agency they work for"
    return role, partner if role == "partner_lead" else None, agency, errors


def invite_user(
    actor: User,
    *,
    name: str | None,
    email: str | None,
    role: str | None,
    partner: str | None = None,
    agency_id: int | str | None = None,
) -> tuple[User, str]:
    """Create a user without a password and a one-time link for them; returns (user, token)."""
    require_administration(actor)
    if role in ROLES and role not in roles_invitable_by(actor):
        raise NotPermitted(
            "A business manager can invite panel members, agency contributors and reviewers."
        )
    errors: dict[str, str] = {}
    try:
        name = clean_name(name, "person's full name")
    except Invalid as error:
        errors.update(error.fields)
    email = (email or "").strip().lower()
    if not is_email_address(email):
        errors["email"] = "Enter an email address in the correct format, like name@example.org"
    elif db.session.scalar(select(User.id).where(User.email == email)) is not None:
        errors["email"] = EMAIL_TAKEN
    role, partner, agency, role_errors = _clean_role(actor, role, partner, agency_id)
    errors.update(role_errors)
    if errors:
        raise Invalid("The invitation could not be created: check the fields.", errors)

    user = User(
        partnership_id=actor.partnership_id,
        email=email,
        name=name,
        role=role,
        partner=partner,
        agency=agency,
        password_hash=None,
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same email added at the same moment
        db.session.rollback()
        raise Invalid("The invitation could not be created.", {"email": EMAIL_TAKEN}) from None
    subject = f"user {user.id}"
    record_change(actor, subject, "invited", None, f"{name} <{email}>")
    record_change(actor, subject, "role", None, role)
    if partner:
        record_change(actor, subject, "partner", None, partner)
    if agency is not None:
        record_change(actor, subject, "agency", None, agency.name)
    return user, create_invitation(user, actor)  # commits the user, history and link together


def reinvite_user(actor: User, user_id: int) -> tuple[User, str]:
    """A fresh one-time link for someone who has not set a password; earlier links stop."""
    require_administration(actor)
    user = _user(actor, user_id)
    if user.role not in roles_invitable_by(actor):
        raise NotPermitted("You cannot invite someone with this role.")
    if not user.active:
        raise Conflict(f"{user.name} is deactivated: reactivate them first.")
    if user.password_hash is not None:
        raise Conflict(f"{user.name} has already set a password.")
    _expire_links(user)
    record_change(actor, f"user {user.id}", "invitation", None, "new link")
    return user, create_invitation(user, actor)


def _expire_links(user: User) -> None:
    """The person's unused invitation links stop working."""
    now = utcnow()
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.user_id == user.id,
            Invitation.used_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(expires_at=now)
    )


def change_role(
    actor: User,
    user_id: int,
    *,
    role: str | None,
    partner: str | None = None,
    agency_id: int | str | None = None,
) -> list[str]:
    """Change someone's role, with the partner or agency it needs; returns the changed fields."""
    require_admin(actor)
    user = _user(actor, user_id)
    if user.id == actor.id:
        raise NotPermitted("You cannot change your own role.")
    role, partner, agency, errors = _clean_role(actor, role, partner, agency_id, user.agency_id)
    if errors:
        raise Invalid("The role could not be changed: check the fields.", errors)
    _take_turns(actor)
    new_agency_id = agency.id if agency is not None else None
    candidates = (
        ("role", user.role, role, user.role == role),
        ("partner", user.partner, partner, user.partner == partner),
        (
            "agency",
            user.agency.name if user.agency is not None else None,
            agency.name if agency is not None else None,
            user.agency_id == new_agency_id,
        ),
    )
    changed = []
    for field, old, new, same in candidates:
        if not same:
            record_change(actor, f"user {user.id}", field, old, new)
            changed.append(field)
    if user.role in SEES_GRANTED_CASES and role not in SEES_GRANTED_CASES:
        take_back_all(actor, user)  # moving back must not bring them back
    user.role, user.partner, user.agency = role, partner, agency
    db.session.commit()
    return changed


def _someone_else(actor: User, user_id: int) -> User:
    """A user of the partnership an admin may deactivate or reactivate: not themselves."""
    require_admin(actor)
    user = _user(actor, user_id)
    if user.id == actor.id:
        raise NotPermitted("You cannot deactivate yourself.")
    return user


@dataclass(frozen=True)
class Deactivation:
    """What deactivating someone would end, for the page that asks an admin to confirm it."""

    person: Person
    invitation_expires_at: datetime | None  # their latest unused link, if any
    grants: int  # their grants to cases that would be taken back


def deactivation_of(actor: User, user_id: int) -> Deactivation:
    """What deactivating `user_id` would end, refused as `set_user_active` refuses it (an admin
    only, a user of their partnership, not themselves). Changes nothing."""
    user = _someone_else(actor, user_id)
    detail = get_user(actor, user.id)
    return Deactivation(
        detail.person, detail.invitation_expires_at, count_grants_to_take_back(user)
    )


def set_user_active(actor: User, user_id: int, active: bool) -> User:
    """Deactivate (or reactivate) someone: their sessions, API tokens and unused invitation
    links stop working, and reactivation brings back only the tokens."""
    user = _someone_else(actor, user_id)
    _take_turns(actor)
    if user.active != active:
        record_change(actor, f"user {user.id}", "active", user.active, active)
        user.active = active
        if not active:
            # Reactivation must not bring back what they held: their sessions, their links,
            # their grants to cases.
            end_sessions(user)
            _expire_links(user)
            take_back_all(actor, user)
    db.session.commit()  # also lets go of the lock when nothing changed
    return user
