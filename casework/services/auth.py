"""Signing in with email and password, the lock-out, and one-time invitations.

Five failed sign-ins for one email within 15 minutes lock that email for 15 minutes, counted in
the database so every web worker agrees. The message for a wrong password is the same whether
the email exists or not, and a password is checked (against a dummy hash if need be) either
way, so the time taken does not tell either.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, delete, exists, func, inspect, select, update
from sqlalchemy.orm import make_transient_to_detached
from werkzeug.security import check_password_hash, generate_password_hash

from casework.extensions import db
from casework.models import Invitation, SignInFailure, User
from casework.models.time import utcnow
from casework.services.alerts.inbox import unread_alerts_column
from casework.services.errors import DomainError, Invalid, NotFound
from casework.services.prepared import Prepared
from casework.services.today import london_today

MAX_FAILURES = 5
LOCK_WINDOW = timedelta(minutes=15)
# The lock-out's advisory locks are (this, hash of the email): two-number keys never meet the
# scheduler's one-number key (casework/jobs/leader.py).
ADVISORY_NAMESPACE = 1_003
INVITATION_LIFETIME = timedelta(days=7)
MIN_PASSWORD_LENGTH = 12
WRONG_DETAILS = "Enter a correct email address and password."
EMAIL_MAX = 320  # the longest address there can be, and the columns holding one
_DUMMY_HASH = generate_password_hash("not a real password")


class Locked(DomainError):
    """Too many failed sign-ins for this email."""

    status, code = 429, "locked"


def _recent_failures(email: str, now: datetime) -> list[datetime]:
    """The failures that can still lock the email: a lock lasts LOCK_WINDOW from the failure
    that made it, and that failure's four before it are within LOCK_WINDOW of it."""
    return list(
        db.session.scalars(
            select(SignInFailure.at)
            .where(SignInFailure.email == email, SignInFailure.at > now - 2 * LOCK_WINDOW)
            .order_by(SignInFailure.at)
        )
    )


def _locked_until(failures: list[datetime], now: datetime) -> datetime | None:
    """When the lock ends, if the email is locked at `now`: LOCK_WINDOW after the latest
    failure that was the MAX_FAILURES-th within LOCK_WINDOW."""
    until = None
    for last in range(MAX_FAILURES - 1, len(failures)):
        if failures[last] - failures[last - MAX_FAILURES + 1] < LOCK_WINDOW:
            until = failures[last] + LOCK_WINDOW
    return until if until is not None and until > now else None


def _one_attempt_at_a_time(email: str, now: datetime) -> None:
    """Hold this email's sign-in attempts in line until the transaction ends, so each counts
    the failures of those before it: attempts sent together could otherwise all be checked
    against the same count, and many guesses made while the lock-out saw only a few.

    PostgreSQL: a transaction-level advisory lock on the email. SQLite: the DELETE below, the
    transaction's first write (Python's sqlite3 begins the transaction there), takes the
    database's one write lock before the failures are read, so what is read next includes
    every attempt committed before.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(
            select(func.pg_advisory_xact_lock(ADVISORY_NAMESPACE, func.hashtext(email)))
        )
    # Failures too old to count are cleared, which on SQLite is also what takes the lock.
    db.session.execute(
        delete(SignInFailure).where(
            SignInFailure.email == email, SignInFailure.at <= now - 2 * LOCK_WINDOW
        )
    )


def sign_in(email: str, password: str, now: datetime | None = None) -> User:
    """The active user with these details, or Invalid / Locked (with when it unlocks)."""
    now = now or utcnow()
    email = (email or "").strip().lower()
    if not email or not password:
        fields = {}
        if not email:
            fields["email"] = "Enter your email address"
        if not password:
            fields["password"] = "Enter your password"  # noqa: S105  (a message, not a secret)
        raise Invalid("Enter your email address and password.", fields)
    if len(email) > EMAIL_MAX:
        # No account can have it, and it does not fit the failures' column (a 500 on
        # PostgreSQL): the same answer as any wrong details, after the same work.
        check_password_hash(_DUMMY_HASH, password)
        raise Invalid(WRONG_DETAILS, {"email": WRONG_DETAILS})
    # The slow password check first, outside the queue below: a locked email is refused
    # whatever the password, so checking it first tells a guesser nothing.
    user = db.session.scalar(select(User).where(User.email == email))
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    password_ok = check_password_hash(stored, password)
    right = user is not None and user.active and bool(user.password_hash) and password_ok

    _one_attempt_at_a_time(email, now)
    until = _locked_until(_recent_failures(email, now), now)
    if until is not None:
        db.session.commit()
        raise Locked(_locked_message(until, now))
    if not right:
        db.session.add(SignInFailure(email=email, at=now))
        db.session.flush()
        until = _locked_until(_recent_failures(email, now), now)  # still in line: this one's
        db.session.commit()
        if until is not None:
            raise Locked(_locked_message(until, now))
        raise Invalid(WRONG_DETAILS, {"email": WRONG_DETAILS})
    db.session.execute(delete(SignInFailure).where(SignInFailure.email == email))
    db.session.commit()
    assert user is not None  # `right` says so; for the type checker
    return user


def _locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, -int(-(until - now).total_seconds() // 60))
    return (
        "There have been too many attempts to sign in with this email address. "
        f"Wait {minutes} minute{'s' if minutes != 1 else ''} and try again."
    )


def load_user(session_id: str) -> User | None:
    """The signed-in user for a session cookie's "<user id>.<session generation>" (see
    `User.get_id`), or None once deactivated or once that generation has ended."""
    user_id, _, generation = str(session_id).partition(".")
    if not (_ascii_digits(user_id) and _ascii_digits(generation)) or int(user_id) >= 2**31:
        return None
    db.session.flush()  # as the ORM's query would first: merge writes over an unsaved change
    rows = _signed_in_user().rows({"user_id": int(user_id), "today": london_today()})
    if not rows:
        return None
    columns = rows[0]._asdict()
    unread = columns.pop("unread")
    # The mapped person from the row, as the ORM would have loaded it (in the session, nothing
    # to write), without the ORM's loading: a tenth of a signed-in request's instructions.
    user = User(**columns)
    make_transient_to_detached(user)
    user = db.session.merge(user, load=False)
    user.unread_alerts = unread
    if not user.active or str(user.session_generation) != generation:
        return None
    return user


@cache
def _signed_in_user() -> Prepared:
    """The person's columns and their unread alert count, in one statement built once (and
    compiled once, see `services.prepared`): every page asks it."""
    return Prepared(
        select(
            *(getattr(User, column.key) for column in inspect(User).column_attrs),
            unread_alerts_column(bindparam("today")).label("unread"),
        ).where(User.id == bindparam("user_id"))
    )


def sign_out_everywhere(user: User) -> None:
    """Signing out: this session ends, and so does every other of the same person (a copy of
    the cookie, another browser), since none can be told apart from the one signing out."""
    end_sessions(user)
    db.session.commit()


def _ascii_digits(text: str) -> bool:
    return 0 < len(text) <= 12 and text.isascii() and text.isdigit()


def end_sessions(user: User) -> None:
    """End every session of `user` signed so far (on signing out; on deactivation). The
    caller commits."""
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(session_generation=User.session_generation + 1)
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(user: User, invited_by: User, now: datetime | None = None) -> str:
    """A one-time token for `user` to set their password; returns the token (shown once)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.session.add(
        Invitation(
            user_id=user.id,
            token_hash=_hash(token),
            invited_by_id=invited_by.id,
            expires_at=now + INVITATION_LIFETIME,
        )
    )
    db.session.commit()
    return token


def invitation_for(token: str, now: datetime | None = None) -> Invitation:
    now = now or utcnow()
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)))
    if invitation is None or invitation.used_at or invitation.expires_at < now:
        raise NotFound("This invitation link has expired or has already been used.")
    if not invitation.user.active:
        raise NotFound("This invitation link has expired or has already been used.")
    return invitation


def accept_invitation(token: str, password: str, confirm: str) -> User:
    """Set the invited user's password; the link then stops working."""
    invitation = invitation_for(token)
    errors = {}
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    elif password != confirm:
        errors["confirm"] = "Passwords must match"
    if errors:
        raise Invalid("Choose a password.", errors)
    user = invitation.user
    # Claimed by a conditional update: of two uses of one link at the same moment, the second
    # finds it used (on PostgreSQL it waits for the first to commit, then finds no row).
    # Still unused, unexpired and its person active when claimed: a deactivation committed
    # meanwhile expired it (PostgreSQL re-checks the row it waited for).
    now = utcnow()
    claimed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.used_at.is_(None),
            Invitation.expires_at > now,
            exists().where(User.id == Invitation.user_id, User.active),
        )
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise NotFound("This invitation link has expired or has already been used.")
    user.password_hash = generate_password_hash(password)
    db.session.execute(delete(SignInFailure).where(SignInFailure.email == user.email))
    db.session.commit()
    return user
