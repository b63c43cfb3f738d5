"""Agency returns, the contributor's side: an agency's requests, its return, and submitting it.

An agency contributor sees their own agency's requests and nothing else (returns_access.py
holds the checks), each with the case shown only as a minimal summary: its reference, nature,
dates and pseudonym, never its summary, history or other agencies' returns. They complete the
return section by section (every write is in returns_merge.py), check their answers and
submit. Submitting freezes the answers shown in a ReturnSubmission, meets the request's
`agency_return` clock and locks the return until the business manager returns it for
amendment. A nil return (the first question answered "no") needs nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from casework.extensions import db
from casework.models import (
    AgencyRequest,
    AgencyRequestEvent,
    Case,
    Clock,
    ReturnSubmission,
    User,
)
from casework.review_templates import Question, Section, SectionSummary, Template, display_entry
from casework.services.agency_clocks import due_now, held, meet_agency_clock
from casework.services.errors import Invalid, NotFound, Refused
from casework.services.returns_access import (
    chronology_of,
    clock_open,
    current_clock,
    find_chronology,
    find_section,
    in_transaction,
    load_request,
    locked_reason,
    require_contributor,
    require_editable,
    section_status,
    stored_entries,
    template_answers,
    template_of,
)
from casework.services.today import london_today

SECTION_STATUSES = ("not_started", "in_progress", "completed", "cannot_start")

CHANGED_SINCE_CHECKED = (
    "Someone in your agency has changed the return since you checked it. Nothing was "
    "submitted: check the answers below, then submit."
)


# What the pages are given ---------------------------------------------------------------


@dataclass(frozen=True)
class CaseSummary:
    """All a contributor learns of the case."""

    reference: str
    nature: str
    incident_on: date
    la_aware_on: date
    pseudonym: str | None


@dataclass(frozen=True)
class RequestItem:
    """One line of "Your agency's requests"."""

    id: int
    case: CaseSummary
    status: str  # see _status
    requested_on: date
    due_on: date
    submitted_on: date | None


@dataclass(frozen=True)
class SectionLine:
    """One task of the task list; `chronology` names the question its link opens, if any."""

    section: Section
    status: str  # one of SECTION_STATUSES
    chronology: str | None


@dataclass(frozen=True)
class ReturnView:
    """A request as its agency's contributors see it, with its pinned template and answers."""

    id: int
    agency_name: str
    case: CaseSummary
    template: Template
    stored: dict[str, Any]  # as kept: chronology entries one per key
    answers: dict[str, Any]  # as the template reads them (template_answers)
    revision: int
    status: str
    requested_on: date
    due_on: date
    note: str | None
    submitted_on: date | None
    nil_return: bool | None
    amendment_round: int
    amendment_comment: str | None  # why it was returned for amendment, while being amended
    locked: str | None  # why it cannot be changed now, or None when it can

    @property
    def editable(self) -> bool:
        return self.locked is None

    @property
    def sections(self) -> list[SectionLine]:
        """The task list: every section shown, and while the first question is unanswered
        the ones it will reveal ("cannot start yet"); a nil return shows only its own."""
        lines = []
        nil = self.template.nil_return
        decided = nil is not None and bool(self.answers.get(nil.question))
        for section in self.template.sections:
            status = section_status(self.template, section, self.answers)
            if status == "cannot_start" and decided:
                continue
            lines.append(SectionLine(section, status, chronology_of(section)))
        return lines

    @property
    def started(self) -> bool:
        return self.revision > 0

    def next_after(self, section_id: str) -> SectionLine | None:
        """The section shown after this one, or None when it was the last."""
        ids = [s.id for s in self.template.sections]
        later = ids[ids.index(section_id) + 1 :] if section_id in ids else []
        for line in self.sections:
            if line.section.id in later and line.status != "cannot_start":
                return line
        return None


@dataclass(frozen=True)
class Missing:
    question: Question
    message: str
    section_id: str


@dataclass(frozen=True)
class CheckAnswers:
    view: ReturnView
    summary: list[SectionSummary]
    missing: list[Missing]
    nil_return: bool

    @property
    def may_submit(self) -> bool:
        return self.view.editable and not self.missing


@dataclass(frozen=True)
class EntryLine:
    id: int
    entry: dict[str, str]

    @property
    def rows(self) -> dict[str, str]:
        """The entry's fields by their labels, the date written out."""
        return display_entry(self.entry)


@dataclass(frozen=True)
class ChronologyPage:
    view: ReturnView
    section: Section
    question: Question
    entries: list[EntryLine] = field(default_factory=list)  # in date order

    @property
    def applies(self) -> bool:
        """Whether the chronology is asked for, given the answers (a nil return: no)."""
        return self.view.template.is_shown(self.question.id, self.view.answers)

    @property
    def may_change(self) -> bool:
        return self.view.editable and self.applies


# Reading ----------------------------------------------------------------------------------


def _summary(case: Case) -> CaseSummary:
    return CaseSummary(
        case.reference, case.nature, case.incident_on, case.la_aware_on, case.pseudonym
    )


def _status(request: AgencyRequest, case: Case, clock: Clock | None, today: date) -> str:
    """submitted, nil_return, closed, paused, overdue, returned_for_amendment, in_progress,
    not_started."""
    if request.status == "submitted":
        return "nil_return" if request.nil_return else "submitted"
    if case.state != "rapid_review" or not clock_open(clock):
        return "closed"
    # Ranked as the manager's pages and the compiled returns rank it: paused, then overdue
    # (an amendment past its new due date is late, and the agency must see that too).
    if held(clock):
        return "paused"
    if today > due_now(request, clock):
        return "overdue"
    if request.amendment_round:
        return "returned_for_amendment"
    return "in_progress" if request.revision else "not_started"


def my_requests(user: User, today: date | None = None) -> list[RequestItem]:
    """The user's agency's requests, open and submitted, the most recently sent first."""
    require_contributor(user)
    today = today or london_today()
    rows = db.session.execute(
        select(AgencyRequest, Case)
        .join(Case, Case.id == AgencyRequest.case_id)
        .where(
            AgencyRequest.agency_id == user.agency_id,
            AgencyRequest.status != "cancelled",
            Case.partnership_id == user.partnership_id,
        )
        .order_by(AgencyRequest.requested_on.desc(), AgencyRequest.id.desc())
    ).all()
    clocks: dict[int, Clock] = {}
    if rows:
        for clock in db.session.scalars(
            select(Clock)
            .where(Clock.agency_request_id.in_([r.id for r, _ in rows]))
            .order_by(Clock.seq)
        ):
            clocks[clock.agency_request_id] = clock  # the last (highest seq) wins
    return [
        RequestItem(
            id=request.id,
            case=_summary(case),
            status=_status(request, case, clocks.get(request.id), today),
            requested_on=request.requested_on,
            due_on=due_now(request, clocks.get(request.id)),
            submitted_on=request.submitted_on,
        )
        for request, case in rows
    ]


def _view(request: AgencyRequest, case: Case, today: date) -> ReturnView:
    template = template_of(request)
    clock = current_clock(request.id)
    comment = None
    if request.status == "open" and request.amendment_round:
        comment = db.session.scalar(
            select(ReturnSubmission.return_comment)
            .where(ReturnSubmission.request_id == request.id)
            .order_by(ReturnSubmission.round.desc())
            .limit(1)
        )
    stored = dict(request.answers or {})
    return ReturnView(
        id=request.id,
        agency_name=request.agency.name,
        case=_summary(case),
        template=template,
        stored=stored,
        answers=template_answers(template, stored),
        revision=request.revision,
        status=_status(request, case, clock, today),
        requested_on=request.requested_on,
        due_on=due_now(request, clock),
        note=request.note,
        submitted_on=request.submitted_on,
        nil_return=request.nil_return,
        amendment_round=request.amendment_round,
        amendment_comment=comment,
        locked=locked_reason(request, case, clock),
    )


def request_for(user: User, request_id: int, today: date | None = None) -> ReturnView:
    """The request, its pinned template, its answers and revision: the task list's content."""
    request, case = load_request(user, request_id)
    return _view(request, case, today or london_today())


def section_for(user: User, request_id: int, section_id: str) -> tuple[ReturnView, Section]:
    """A section page: NotFound for a section the request's template does not have."""
    view = request_for(user, request_id)
    return view, find_section(view.template, section_id)


def chronology_for(user: User, request_id: int, question_id: str) -> ChronologyPage:
    """A chronology's entries, oldest first (entries of one day in the order added)."""
    view = request_for(user, request_id)
    section, question = find_chronology(view.template, question_id)
    kept = stored_entries(view.stored, question_id)
    ordered = sorted(kept, key=lambda pair: (pair[1].get("date", ""), pair[0]))
    return ChronologyPage(view, section, question, [EntryLine(i, e) for i, e in ordered])


def entry_for(
    user: User, request_id: int, question_id: str, entry_id: int
) -> tuple[ChronologyPage, EntryLine]:
    """One chronology entry (to change or remove). NotFound if it is not there now."""
    page = chronology_for(user, request_id, question_id)
    for line in page.entries:
        if line.id == entry_id:
            return page, line
    raise NotFound("There is no such entry in the chronology.")


def check_answers(user: User, request_id: int) -> CheckAnswers:
    """ "Check your answers": each section shown with its shown answers, and what is missing.
    For a nil return that is the first question alone."""
    view = request_for(user, request_id)
    template = view.template
    where = {q.id: s.id for s in template.sections for q in s.questions}
    missing = [
        Missing(template.question(qid), message, where[qid])
        for qid, message in template.missing(view.answers).items()
    ]
    return CheckAnswers(
        view=view,
        summary=template.summary(view.answers),
        missing=missing,
        nil_return=template.is_nil_return(view.answers),
    )


# Submitting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    request_id: int
    round: int
    submitted_on: date
    nil_return: bool


def submit_return(
    user: User, request_id: int, today: date | None = None, *, checked_revision: int | None = None
) -> Submitted:
    """Submit the agency's return: every mandatory answer shown must be there (a nil return
    needs only its first answer). Freezes the answers shown in a ReturnSubmission for this
    amendment round, marks the request submitted, meets its `agency_return` clock (its alerts
    stop) and records the submission in the request's history. The return is then locked.

    NotFound / NotPermitted as for reading; Refused when locked or closed; Invalid, with a
    message for each missing answer by question id, when not finished. `checked_revision` is
    the revision the person checked ("check your answers" posts it): Refused if a colleague
    has saved since, so nobody submits answers they have not seen.
    """
    today = today or london_today()

    def work() -> Submitted:
        request, case = load_request(user, request_id, lock=True, lock_case=True)
        require_editable(request, case)
        template = template_of(request)
        answers = template_answers(template, request.answers or {})
        missing = template.missing(answers)
        if missing:
            raise Invalid("Your return is not finished: answer every question it asks.", missing)
        if checked_revision is not None and checked_revision != request.revision:
            raise Refused(CHANGED_SINCE_CHECKED)
        nil = template.is_nil_return(answers)
        db.session.add(
            ReturnSubmission(
                request_id=request.id,
                round=request.amendment_round,
                submitted_on=today,
                submitted_by_id=user.id,
                nil_return=nil,
                template_version=request.template_version,
                answers=template.shown_answers(answers),
            )
        )
        request.status, request.submitted_on = "submitted", today
        request.submitted_by_id, request.nil_return = user.id, nil
        meet_agency_clock(case, request, today)
        db.session.add(
            AgencyRequestEvent(
                request_id=request.id,
                kind="submitted",
                actor_id=user.id,
                note="Nil return" if nil else None,
            )
        )
        return Submitted(request.id, request.amendment_round, today, nil)

    return in_transaction(work)
