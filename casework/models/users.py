"""People who use Casework, and their API tokens (both kept only as hashes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from casework.models.partnerships import Agency, Partnership, _in
from casework.models.time import utcnow
from workflows.cases import PARTNERS
from workflows.roles import ROLES


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint(f"partner IS NULL OR {_in('partner', PARTNERS)}", name="partner"),
        # A partner lead signs for exactly one statutory partner.
        CheckConstraint(
            "(role = 'partner_lead') = (partner IS NOT NULL)", name="partner_only_for_leads"
        ),
        CheckConstraint(
            "role <> 'agency_contributor' OR agency_id IS NOT NULL", name="contributor_agency"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    partner: Mapped[str | None] = mapped_column(String(20))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # In every session cookie of this person; one added ends them all (signing out,
    # deactivation): sessions are signed cookies, so a copy would otherwise outlive them.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    partnership: Mapped[Partnership] = relationship()
    agency: Mapped[Agency | None] = relationship()

    # Not a column: how many of their alerts were unread when the person was loaded for a
    # page (`services.auth.load_user`, in the same statement); None when loaded another way.
    unread_alerts = None


class ApiToken(db.Model):
    """An API token: only its SHA-256 is kept, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


def _login_interface(cls: type) -> type:
    """What Flask-Login asks of a user object (written out: models import no Flask)."""
    cls.is_authenticated = property(lambda self: True)
    cls.is_anonymous = property(lambda self: False)
    cls.is_active = property(lambda self: self.active)
    # "12.3": user 12, session generation 3 (see casework.services.auth.load_user).
    cls.get_id = lambda self: f"{self.id}.{self.session_generation}"
    return cls


_login_interface(User)
