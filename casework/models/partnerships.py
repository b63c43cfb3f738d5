"""Partnerships, their closure days and their agencies."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from workflows.cases import PARTNERS
from workflows.clocks import RAPID_REVIEW_ANCHORS


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Partnership(db.Model):
    __tablename__ = "partnerships"
    __table_args__ = (
        CheckConstraint(_in("rapid_review_anchor", RAPID_REVIEW_ANCHORS), name="anchor"),
        CheckConstraint(
            "rapid_review_days > 0 AND panel_response_days > 0 AND agency_return_days > 0"
            " AND reviewer_appointment_days > 0 AND terms_of_reference_days > 0"
            " AND publication_months > 0 AND due_soon_days >= 0 AND escalate_after_days > 0",
            name="positive_durations",
        ),
        CheckConstraint(
            "length(digest_time) = 5 AND substr(digest_time, 3, 1) = ':'", name="digest_time"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Clock settings (configurable in the domain reference); defaults are the usual ones.
    rapid_review_anchor: Mapped[str] = mapped_column(String(20), default="sin_submitted_on")
    rapid_review_days: Mapped[int] = mapped_column(default=15)
    panel_response_days: Mapped[int] = mapped_column(default=10)
    agency_return_days: Mapped[int] = mapped_column(default=5)
    reviewer_appointment_days: Mapped[int] = mapped_column(default=20)
    terms_of_reference_days: Mapped[int] = mapped_column(default=30)
    publication_months: Mapped[int] = mapped_column(default=6)
    pause_local_clocks_on_hold: Mapped[bool] = mapped_column(default=True)
    due_soon_days: Mapped[int] = mapped_column(default=2)
    escalate_after_days: Mapped[int] = mapped_column(default=5)
    # Alerts: whether `escalated` also goes to the partner leads; when the daily digest goes
    # (HH:MM, Europe/London, working days); the last day a digest was made.
    escalation_enabled: Mapped[bool] = mapped_column(default=True, server_default=true())
    digest_time: Mapped[str] = mapped_column(String(5), default="07:30", server_default="07:30")
    last_digest_on: Mapped[date | None]

    closures: Mapped[list[ClosureDay]] = relationship(
        back_populates="partnership", order_by="ClosureDay.day", cascade="all, delete-orphan"
    )
    agencies: Mapped[list[Agency]] = relationship(
        back_populates="partnership", order_by="Agency.name"
    )


class ClosureDay(db.Model):
    """A day the partnership is closed: not a working day for its clocks."""

    __tablename__ = "closure_days"
    __table_args__ = (UniqueConstraint("partnership_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    day: Mapped[date]
    name: Mapped[str] = mapped_column(String(200))

    partnership: Mapped[Partnership] = relationship(back_populates="closures")


class Agency(db.Model):
    __tablename__ = "agencies"
    __table_args__ = (
        UniqueConstraint("partnership_id", "name"),
        CheckConstraint(
            f"statutory_partner IS NULL OR {_in('statutory_partner', PARTNERS)}",
            name="statutory_partner",
        ),
        # Each statutory partner is one agency of the partnership.
        Index(
            "uq_agencies_partnership_statutory_partner",
            "partnership_id",
            "statutory_partner",
            unique=True,
            sqlite_where=text("statutory_partner IS NOT NULL"),
            postgresql_where=text("statutory_partner IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    name: Mapped[str] = mapped_column(String(200))
    statutory_partner: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)

    partnership: Mapped[Partnership] = relationship(back_populates="agencies")
