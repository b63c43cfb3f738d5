"""People and their API tokens. Passwords and tokens are kept only as hashes."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from casework.extensions import db
from casework.models import Agency, ApiToken, User
from casework.models.time import utcnow
from casework.services.errors import Conflict, Invalid, NotFound
from casework.services.partnerships import get_partnership_by_code
from workflows.cases import PARTNERS
from workflows.roles import ROLES

# An address the mailer will take: a dot-atom local part and a dotted domain. A looser check let
# "x;y@example.org" in, which flask-mailman then refused on every attempt, holding up the outbox.
EMAIL_ADDRESS = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)


def is_email_address(address: str) -> bool:
    return len(address) <= 320 and EMAIL_ADDRESS.fullmatch(address) is not None


def create_user(
    *,
    partnership_code: str,
    email: str,
    name: str,
    role: str,
    partner: str | None = None,
    agency_name: str | None = None,
) -> tuple[User, str]:
    """Create a user with a generated password; returns the user and the password (shown once).

    A partner lead names their statutory partner; their agency is that partner's agency.
    An agency contributor names their agency.
    """
    partnership = get_partnership_by_code(partnership_code)
    email = email.strip().lower()
    errors: dict[str, str] = {}
    if not is_email_address(email):
        errors["email"] = "Enter an email address"
    if not name.strip():
        errors["name"] = "Enter the person's name"
    if role not in ROLES:
        errors["role"] = f"Choose one of: {', '.join(ROLES)}"
    if role == "partner_lead" and partner not in PARTNERS:
        errors["partner"] = f"A partner lead needs --partner, one of: {', '.join(PARTNERS)}"
    if role != "partner_lead" and partner is not None:
        errors["partner"] = "Only a partner lead has a statutory partner"
    agency = None
    if agency_name:
        agency = db.session.scalar(
            select(Agency).where(
                Agency.partnership_id == partnership.id, Agency.name == agency_name
            )
        )
        if agency is None:
            errors["agency"] = f"No agency called '{agency_name}' in {partnership.code}"
    elif role == "partner_lead" and partner in PARTNERS:
        agency = db.session.scalar(
            select(Agency).where(
                Agency.partnership_id == partnership.id, Agency.statutory_partner == partner
            )
        )
    if role == "agency_contributor" and agency is None and "agency" not in errors:
        errors["agency"] = "An agency contributor needs --agency"
    if errors:
        raise Invalid("The user could not be created.", errors)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(f"A user with the email {email} already exists.")

    password = secrets.token_urlsafe(12)
    user = User(
        partnership=partnership,
        email=email,
        name=name.strip(),
        role=role,
        partner=partner,
        agency=agency,
        password_hash=generate_password_hash(password),
    )
    db.session.add(user)
    db.session.commit()
    return user, password


def _token_hash(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough: nothing to guess from it.
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(email: str) -> str:
    """A new API token for the user with `email`; only its hash is kept."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        raise NotFound(f"There is no active user with the email {email}.")
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=_token_hash(token)))
    db.session.commit()
    return token


def revoke_api_tokens(email: str) -> int:
    """Revoke every API token of the user with `email` (a leaked one, someone leaving);
    returns how many were still in use. Deactivation stops tokens only while it lasts."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"There is no user with the email {email}.")
    revoked = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount
    db.session.commit()
    return revoked


def user_for_token(token: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    if not token:
        return None
    row = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.active:
        return None
    return row.user
