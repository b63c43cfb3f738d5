"""The alert ladder's records: the ledger of claimed rungs, the email outbox, in-app alerts.

The ledger's key is (clock, rung, due date), so two sweeps at once cannot both claim a rung,
and a due date moved later starts a fresh ladder. A claim is not for ever: delivery releases
one whose waiting emails it supersedes (the clock moved on before they went), so the rung is
claimed again if the clock comes back to that due date.

What holds whatever the claims do is in the outbox: each person is delivered at most one email
per rung and due date. Every email is kept until an SMTP server has accepted it, under a
Message-ID made from (clock, rung, due date, person) and unique, so a retried message keeps it
and a rung claimed again writes the same row again, and only while it is unsent: a row that was
sent (even one superseded while it went) or that failed is left as it is, and one another
deliverer has leased keeps its lease. The exception is SMTP's own: a deliverer that stops, or
outlasts its 10-minute lease, between the server accepting a message and marking it sent leaves
it to be sent again, under the same Message-ID. In-app alerts are one row per recipient per rung
and due date, read or not; a rung claimed again keeps the one written first.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from casework.extensions import db
from casework.models.partnerships import _in
from casework.models.time import utcnow
from workflows.clocks import RUNGS

CLAIM_STATUSES = ("sent", "skipped")
MESSAGE_KINDS = ("alert", "digest")
PENDING = "sent_at IS NULL AND failed_at IS NULL AND superseded_at IS NULL"


class AlertClaim(db.Model):
    """One rung of one clock's ladder for one due date: sent, or skipped in a catch-up."""

    __tablename__ = "alert_ledger"
    __table_args__ = (
        UniqueConstraint("clock_id", "rung", "due_on"),
        CheckConstraint(_in("rung", RUNGS), name="rung"),
        CheckConstraint(_in("status", CLAIM_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("clocks.id", ondelete="CASCADE"))
    rung: Mapped[str] = mapped_column(String(20))
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(10))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(db.Model):
    """An email waiting for, or done with, delivery. Never deleted: it is the record of it."""

    __tablename__ = "outbox"
    __table_args__ = (
        # The Message-ID is made from (clock, rung, due date, person) or (digest day, person),
        # so its uniqueness is also "one message per person per rung" and "one digest per
        # person per day", without two more indexes to keep up on every insert.
        UniqueConstraint("message_id"),
        CheckConstraint(_in("kind", MESSAGE_KINDS), name="kind"),
        CheckConstraint(
            "(kind = 'alert' AND clock_id IS NOT NULL AND rung IS NOT NULL"
            " AND due_on IS NOT NULL AND digest_on IS NULL)"
            " OR (kind = 'digest' AND digest_on IS NOT NULL AND clock_id IS NULL)",
            name="kind_columns",
        ),
        CheckConstraint(f"rung IS NULL OR {_in('rung', RUNGS)}", name="rung"),
        # Delivery looks only at messages still waiting.
        Index(
            "ix_outbox_pending_next_attempt_at",
            "next_attempt_at",
            sqlite_where=text(PENDING),
            postgresql_where=text(PENDING),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(200))
    clock_id: Mapped[int | None] = mapped_column(
        ForeignKey("clocks.id", ondelete="CASCADE"), index=True
    )
    rung: Mapped[str | None] = mapped_column(String(20))
    due_on: Mapped[date | None]
    digest_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))

    @property
    def status(self) -> str:
        if self.sent_at:
            return "sent"
        if self.failed_at:
            return "failed"
        if self.superseded_at:
            return "superseded"
        return "waiting"


class Alert(db.Model):
    """An in-app alert: one per recipient per rung; read or not."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("user_id", "clock_id", "rung", "due_on"),
        CheckConstraint(_in("rung", RUNGS), name="rung"),
        Index(
            "ix_alerts_unread_user_id",
            "user_id",
            sqlite_where=text("read_at IS NULL"),
            postgresql_where=text("read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    clock_id: Mapped[int] = mapped_column(ForeignKey("clocks.id", ondelete="CASCADE"), index=True)
    rung: Mapped[str] = mapped_column(String(20))
    due_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
