"""Cases, their history, sign-offs, holds, access grants and the audit of reads."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from casework.extensions import db
from casework.models.partnerships import Partnership, _in
from casework.models.time import utcnow
from casework.models.users import User
from workflows.cases import (
    DECISIONS,
    HOLD_REASONS,
    NATURES,
    PANEL_RESPONSES,
    PARTNERS,
    PUBLICATION_KINDS,
    STATES,
)


def _nullable_in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IS NULL OR {_in(column, values)}"


class CaseQuestions:
    """What the workflow and the pages ask of a case beyond its columns (see
    `workflows.cases.refusal`), answered from its `sign_offs` and `holds`. Shared by the mapped
    `Case` and the case page's plain record of one (`services.case_page_reads.CaseRecord`), so
    both answer alike. Either has `sign_off_round`, `sign_offs` (each with `round` and
    `partner`) and `holds` (each with `lifted_on`)."""

    @property
    def current_sign_offs(self) -> list[Any]:
        return [s for s in self.sign_offs if s.round == self.sign_off_round]

    @property
    def signed_off_partners(self) -> set[str]:
        return {s.partner for s in self.current_sign_offs}

    @property
    def open_hold(self) -> Any:
        return next((h for h in self.holds if h.lifted_on is None), None)

    @property
    def hold_open(self) -> bool:
        return self.open_hold is not None

    @property
    def outstanding_actions(self) -> int:
        # Actions arrive with the learning issue; until then no case has any.
        return 0


class Case(CaseQuestions, db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("partnership_id", "reference"),
        CheckConstraint(_in("state", STATES), name="state"),
        CheckConstraint(_in("nature", NATURES), name="nature"),
        CheckConstraint(_nullable_in("decision", DECISIONS), name="decision"),
        CheckConstraint(_nullable_in("panel_response", PANEL_RESPONSES), name="panel_response"),
        CheckConstraint(
            _nullable_in("publication_kind", PUBLICATION_KINDS), name="publication_kind"
        ),
        CheckConstraint("incident_on <= la_aware_on", name="incident_before_aware"),
        # The state ties to the facts it needs.
        CheckConstraint(
            "state IN ('referred', 'not_notified') OR sin_submitted_on IS NOT NULL",
            name="notified_states_have_sin",
        ),
        CheckConstraint(
            "state <> 'awaiting_panel' OR (decision IS NOT NULL AND decision_on IS NOT NULL)",
            name="awaiting_panel_has_decision",
        ),
        CheckConstraint(
            "state NOT IN ('in_review', 'approval', 'pre_publication')"
            " OR (reviewer_name IS NOT NULL AND terms_of_reference_agreed_on IS NOT NULL)",
            name="review_has_reviewer",
        ),
        CheckConstraint(
            "state <> 'pre_publication' OR advance_copy_sent_on IS NOT NULL",
            name="pre_publication_has_advance_copy",
        ),
        CheckConstraint(
            "state <> 'not_notified' OR not_notified_rationale IS NOT NULL",
            name="not_notified_has_rationale",
        ),
        CheckConstraint(
            "state <> 'withdrawn' OR withdrawn_reason IS NOT NULL", name="withdrawn_has_reason"
        ),
        Index("ix_cases_partnership_state", "partnership_id", "state"),
        # The case list: a partnership's cases, newest first.
        Index("ix_cases_partnership_id_id", "partnership_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    reference: Mapped[str] = mapped_column(String(40))
    nature: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    state_entered_on: Mapped[date]
    pseudonym: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str | None] = mapped_column(Text)

    incident_on: Mapped[date]
    la_aware_on: Mapped[date]
    sin_submitted_on: Mapped[date | None]
    sin_reference: Mapped[str | None] = mapped_column(String(100))
    not_notified_rationale: Mapped[str | None] = mapped_column(Text)

    decision: Mapped[str | None] = mapped_column(String(30))
    decision_rationale: Mapped[str | None] = mapped_column(Text)
    decision_on: Mapped[date | None]
    rapid_review_submitted_on: Mapped[date | None]
    panel_response: Mapped[str | None] = mapped_column(String(30))
    panel_response_on: Mapped[date | None]
    panel_note: Mapped[str | None] = mapped_column(Text)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    reviewer_name: Mapped[str | None] = mapped_column(String(200))
    reviewer_organisation: Mapped[str | None] = mapped_column(String(200))
    reviewer_appointed_on: Mapped[date | None]
    terms_of_reference_agreed_on: Mapped[date | None]
    review_started_on: Mapped[date | None]
    final_report_submitted_on: Mapped[date | None]
    planned_publication_on: Mapped[date | None]
    advance_copy_sent_on: Mapped[date | None]
    published_on: Mapped[date | None]
    publication_kind: Mapped[str | None] = mapped_column(String(30))
    publication_reason: Mapped[str | None] = mapped_column(Text)
    themes: Mapped[list[str] | None] = mapped_column(JSON)
    closed_on: Mapped[date | None]
    # The review template the case's agency returns use, pinned by the first request.
    return_template_id: Mapped[str | None] = mapped_column(String(60))
    return_template_version: Mapped[int | None]

    # Which set of sign-offs is current: a new decision or final report starts a fresh set.
    sign_off_round: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Optimistic locking: a concurrent change to the same case fails instead of being lost.
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    partnership: Mapped[Partnership] = relationship()
    history: WriteOnlyMapped[CaseEvent] = relationship(
        back_populates="case", order_by="CaseEvent.id", passive_deletes=True
    )
    sign_offs: Mapped[list[SignOff]] = relationship(
        back_populates="case", order_by="SignOff.id", lazy="selectin"
    )
    holds: Mapped[list[Hold]] = relationship(
        back_populates="case", order_by="Hold.id", lazy="selectin"
    )
    clocks: Mapped[list[Clock]] = relationship(  # noqa: F821
        back_populates="case", order_by="Clock.id", lazy="selectin"
    )


class CaseEvent(db.Model):
    """One row per event in a case's history: who did what, when, and with which facts."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    on: Mapped[date] = mapped_column("occurred_on")
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="history")
    actor: Mapped[User] = relationship(lazy="joined")


class SignOff(db.Model):
    """A statutory partner's sign-off of the current decision or final report."""

    __tablename__ = "sign_offs"
    __table_args__ = (
        UniqueConstraint("case_id", "round", "partner"),
        CheckConstraint(_in("partner", PARTNERS), name="partner"),
        CheckConstraint("subject IN ('decision', 'final_report')", name="subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    round: Mapped[int]
    subject: Mapped[str] = mapped_column(String(20))
    partner: Mapped[str] = mapped_column(String(20))
    signed_on: Mapped[date]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Set when a business manager records a sign-off given outside the system.
    given_by: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="sign_offs")


class Hold(db.Model):
    """A pause beside the state: criminal proceedings, an inquest, family engagement..."""

    __tablename__ = "holds"
    __table_args__ = (
        CheckConstraint(_in("reason", HOLD_REASONS), name="reason"),
        CheckConstraint("lifted_on IS NULL OR lifted_on >= placed_on", name="lifted_after_placed"),
        # At most one open hold per case, whatever races between requests.
        Index(
            "uq_holds_open_per_case",
            "case_id",
            unique=True,
            sqlite_where=sql("lifted_on IS NULL"),
            postgresql_where=sql("lifted_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    panel_informed_on: Mapped[date | None]
    placed_on: Mapped[date]
    lifted_on: Mapped[date | None]
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="holds")


class CaseAccess(db.Model):
    """A grant to see one case, for a purpose and until a date (need-to-know)."""

    __tablename__ = "case_access"
    __table_args__ = (Index("ix_case_access_user_case", "user_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    purpose: Mapped[str] = mapped_column(String(200))
    until_on: Mapped[date]
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CaseRead(db.Model):
    """The audit of reads: one row each time someone loads a case's detail."""

    __tablename__ = "case_reads"
    __table_args__ = (Index("ix_case_reads_case_user", "case_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
    via: Mapped[str] = mapped_column(String(10))  # where: "api", "api_list", "web", ...


class CaseReadTotal(db.Model):
    """How many times each person has read a case, and when last: kept up to date with every
    `CaseRead`, so the case page's "who has read it" costs one row per reader however often
    the case has been read (counting the reads themselves grew with every view)."""

    __tablename__ = "case_read_totals"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    reads: Mapped[int]
    last_read_at: Mapped[datetime]


class CaseCount(db.Model):
    """How many cases each partnership has, kept by the database itself: triggers on `cases`
    (migration 0009) add and take away one with every row, whoever writes it. The case list
    shows the total of every case on each page, and counting 20,000 rows for it was nearly all
    of the list's database time. Not written by the application."""

    __tablename__ = "case_counts"

    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), primary_key=True)
    cases: Mapped[int]
