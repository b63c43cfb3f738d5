"""Clocks as rows: worked out by the services whenever an event touches their case.

Status ("overdue" and the rest) is derived when read, from `due_on` and the date. The alert
ladder's rung dates are stored, so that "which clocks have reached a rung?" is one indexed query:
`alert_from_on` is the first rung's date while the clock can alert, and NULL once it is met,
cancelled or paused. `next_rung_on` is the date of the next rung not yet claimed in the alert
ledger (NULL when the clock cannot alert or every rung is claimed): the sweep's one question
is "which clocks have `next_rung_on` on or before today?".
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from casework.models.cases import Case
from casework.models.partnerships import _in
from workflows.clocks import KINDS


class Clock(db.Model):
    __tablename__ = "clocks"
    __table_args__ = (
        UniqueConstraint("case_id", "kind", "seq"),
        CheckConstraint(_in("kind", KINDS), name="kind"),
        CheckConstraint(
            "NOT (met_on IS NOT NULL AND cancelled_on IS NOT NULL)", name="met_xor_cancelled"
        ),
        Index("ix_clocks_alert_from_on", "alert_from_on"),
        Index("ix_clocks_partnership_id_alert_from_on", "partnership_id", "alert_from_on"),
        Index("ix_clocks_next_rung_on", "next_rung_on"),
        Index("ix_clocks_case_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    # The case's partnership, copied (a case never changes partnership): "which of this
    # partnership's clocks need attention?" then reads the clocks alone, through an index,
    # instead of joining every case of the partnership.
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    # Set for the clocks of an agency request: whose return it waits for, and who is alerted.
    agency_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("agency_requests.id", ondelete="CASCADE")
    )
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    kind: Mapped[str] = mapped_column(String(30))
    seq: Mapped[int]
    statutory: Mapped[bool]
    anchor_on: Mapped[date | None]
    due_on: Mapped[date | None]
    met_on: Mapped[date | None]
    cancelled_on: Mapped[date | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(40))
    hold_days: Mapped[int] = mapped_column(default=0)
    paused: Mapped[bool] = mapped_column(default=False)
    # The alert ladder's rungs for the current due date (NULL while the clock cannot alert).
    alert_from_on: Mapped[date | None]
    due_soon_on: Mapped[date | None]
    due_rung_on: Mapped[date | None]
    overdue_on: Mapped[date | None]
    escalated_on: Mapped[date | None]
    next_rung_on: Mapped[date | None]

    case: Mapped[Case] = relationship(back_populates="clocks")

    @property
    def rungs(self) -> dict[str, date | None]:
        return {
            "due_soon": self.due_soon_on,
            "due": self.due_rung_on,
            "overdue": self.overdue_on,
            "escalated": self.escalated_on,
        }
