"""The rapid review online: requests to agencies, their returns, the panel meeting, and the
document submitted to the Panel.

An agency request is also the grant that lets that agency's contributors see the request and
a minimal summary of the case (reference, nature, dates, pseudonym), and nothing else: there
is no separate access row for contributors, so access can never outlive the request or reach
another agency's return.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from casework.models.partnerships import Agency, _in
from casework.models.time import utcnow

REQUEST_STATUSES = ("open", "submitted", "cancelled")
# A closure day added or removed within the request's time moves its due date (or, removed on
# the due date itself, leaves it there): the event names the day, and the date it set.
CLOSURE_EVENT_KINDS = ("closure_added", "closure_removed")
REQUEST_EVENT_KINDS = (
    "sent",
    "chased",
    "extended",
    "cancelled",
    "submitted",
    "returned",
    *CLOSURE_EVENT_KINDS,
)
_CLOSURE_KIND = f"({_in('kind', CLOSURE_EVENT_KINDS)})"


class AgencyRequest(db.Model):
    """A request to one agency for its return on one case; its answers while in progress."""

    __tablename__ = "agency_requests"
    __table_args__ = (
        CheckConstraint(_in("status", REQUEST_STATUSES), name="status"),
        CheckConstraint(
            "status <> 'submitted' OR (submitted_on IS NOT NULL AND nil_return IS NOT NULL)",
            name="submitted_has_date",
        ),
        # An agency is asked once per case while its request stands.
        Index(
            "uq_agency_requests_live_per_agency",
            "case_id",
            "agency_id",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        Index("ix_agency_requests_agency_status", "agency_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    template_id: Mapped[str] = mapped_column(String(60))
    template_version: Mapped[int]
    requested_on: Mapped[date]
    due_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    # Answers keyed by question id (a chronology entry by "<question>.<entry id>").
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    revision: Mapped[int] = mapped_column(default=0)  # bumped by every save
    nil_return: Mapped[bool | None]
    submitted_on: Mapped[date | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    amendment_round: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}

    agency: Mapped[Agency] = relationship(lazy="joined")


class AgencyRequestEvent(db.Model):
    """What happened to a request: sent, chased, extended, cancelled, submitted, returned."""

    __tablename__ = "agency_request_events"
    __table_args__ = (
        CheckConstraint(_in("kind", REQUEST_EVENT_KINDS), name="kind"),
        CheckConstraint(
            f"({_CLOSURE_KIND} AND closure_on IS NOT NULL AND due_on IS NOT NULL)"
            f" OR (NOT {_CLOSURE_KIND} AND closure_on IS NULL)",
            name="closure_on",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("agency_requests.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    due_on: Mapped[date | None]  # the due date it set (sent, extended, returned, closure_*)
    closure_on: Mapped[date | None]  # closure_*: the closure day added or removed (note: its name)


class AnswerChange(db.Model):
    """Every saved change to an answer: who, when, at which revision, and the value.

    The merge of two people's saves reads this: what an answer was when someone loaded the
    page is the last change at or before the revision they loaded.
    """

    __tablename__ = "answer_changes"
    __table_args__ = (Index("ix_answer_changes_request_answer", "request_id", "answer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("agency_requests.id", ondelete="CASCADE"))
    revision: Mapped[int]
    answer_id: Mapped[str] = mapped_column(String(120))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ReturnSubmission(db.Model):
    """A submitted return, frozen: amendments make a new one, this one never changes."""

    __tablename__ = "return_submissions"
    __table_args__ = (UniqueConstraint("request_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("agency_requests.id", ondelete="CASCADE"))
    round: Mapped[int]
    submitted_on: Mapped[date]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    nil_return: Mapped[bool]
    template_version: Mapped[int]
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    returned_at: Mapped[datetime | None]  # sent back for amendment
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_comment: Mapped[str | None] = mapped_column(Text)


class PanelMeeting(db.Model):
    """The rapid review panel meeting, kept by the business manager."""

    __tablename__ = "panel_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date]
    # [{"name": ..., "agency_id": ..., "agency": ...}]
    attendees: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # {criterion id: the panel's view}
    criteria: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    facts: Mapped[str | None] = mapped_column(Text)
    # [{"action": ..., "owner": ...}]
    immediate_actions: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    learning: Mapped[str | None] = mapped_column(Text)
    dissent: Mapped[str | None] = mapped_column(Text)
    decision_event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class SubmissionDocument(db.Model):
    """The document produced when the rapid review goes to the Panel, stored with its hash."""

    __tablename__ = "submission_documents"
    __table_args__ = (UniqueConstraint("case_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    number: Mapped[int]  # 1 for the first submission, 2 after a Panel disagreement...
    case_event_id: Mapped[int] = mapped_column(ForeignKey("case_events.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sha256: Mapped[str] = mapped_column(String(64))
    docx: Mapped[bytes] = mapped_column(LargeBinary)
    html: Mapped[str] = mapped_column(Text)
