"""The compiled returns: every agency's submitted return on a case, in front of the panel.

One page, grouped by the sections of the template the case pinned: each agency's answer to
each question as text, the chronologies of all the returns merged in date order (ties by
agency name, then the order the agency entered them), and which agencies have not returned or
made a nil return. The submission document to the Panel is built from the same gathering.

Who may read the rapid review papers (these, the panel meeting and the submission documents):
business managers, partner leads, panel members with a live grant to the case, and the
scrutineer. An agency contributor never: for them the case does not exist (404), as their
grant shows only their own request. Admins see no case content (403). Each read is recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from casework.extensions import db
from casework.models import AgencyRequest, Case, Clock, ReturnSubmission, User
from casework.review_templates import Template, UnknownTemplate
from casework.review_templates import get as registry_get
from casework.services.agency_clocks import current_clock, due_now, held
from casework.services.errors import NotFound, NotPermitted
from casework.services.numbers import whole_number
from casework.services.permissions import require_case_reader, visible_cases_clause
from casework.services.read_audit import record_reads
from casework.services.today import london_today

READS_PAPERS = frozenset({"business_manager", "partner_lead", "panel_member", "scrutineer"})

# What an agency's request says about its return.
STATUS_NAMES = {
    "returned": "Submitted",
    "nil_return": "Nil return",
    "open": "Not yet returned",
    "overdue": "Overdue",
    "amending": "Returned for amendment",
    "paused": "Paused: the case is on hold",
}
NOT_RETURNED = ("open", "overdue", "amending", "paused")


def reads_rapid_review_papers(user: User) -> bool:
    """Whether the user's role may read the rapid review papers of the cases they can see."""
    return bool(getattr(user, "active", False) and user.role in READS_PAPERS)


def load_papers_case(user: User, case_id: int, *, via: str) -> Case:
    """The case, for reading its rapid review papers, with the read recorded as `via`.

    Refused in the domain's order: admins (403, no case content), a case the user may not
    see, and every case for an agency contributor (404), a role that does not read the papers
    (403).
    """
    require_case_reader(user)
    if user.role == "agency_contributor":
        raise NotFound("There is no case with that id.")
    case = db.session.scalar(
        select(Case).where(Case.id == case_id, visible_cases_clause(user, london_today()))
    )
    if case is None:
        raise NotFound("There is no case with that id.")
    if user.role not in READS_PAPERS:
        raise NotPermitted("Your role does not give access to the rapid review papers.")
    record_reads(user, [case.id], via=via)
    db.session.commit()
    return case


def return_template(template_id: str, version: int) -> Template | None:
    """The template a case's returns use: the one place that asks the template registry."""
    try:
        return registry_get(template_id, version)
    except UnknownTemplate:
        return None


@dataclass(frozen=True)
class AgencyStatus:
    agency: str
    agency_id: int
    status: str  # a key of STATUS_NAMES
    due_on: date
    submitted_on: date | None

    @property
    def words(self) -> str:
        return STATUS_NAMES[self.status]


@dataclass(frozen=True)
class AgencyAnswer:
    agency: str
    text: str


@dataclass(frozen=True)
class QuestionAnswers:
    id: str
    label: str
    type: str
    answers: tuple[AgencyAnswer, ...]


@dataclass(frozen=True)
class SectionAnswers:
    id: str
    title: str
    questions: tuple[QuestionAnswers, ...]


@dataclass(frozen=True)
class ChronologyEntry:
    on: date
    agency: str
    what_happened: str
    practitioner_role: str
    why_it_matters: str
    order: int  # the entry's place in its agency's list


@dataclass
class Returns:
    """The returns of one case as of a date: what the page and the document show."""

    agencies: list[AgencyStatus] = field(default_factory=list)
    sections: list[SectionAnswers] = field(default_factory=list)
    chronology: list[ChronologyEntry] = field(default_factory=list)

    @property
    def returned(self) -> list[AgencyStatus]:
        return [a for a in self.agencies if a.status == "returned"]

    @property
    def nil_returns(self) -> list[AgencyStatus]:
        return [a for a in self.agencies if a.status == "nil_return"]

    @property
    def not_returned(self) -> list[AgencyStatus]:
        return [a for a in self.agencies if a.status in NOT_RETURNED]


def _by_name(name: str) -> tuple[str, str]:
    return (name.casefold(), name)


def chronology_entries(answers: Mapping[str, Any], question_id: str) -> list[dict[str, Any]]:
    """A chronology's entries in the order the agency entered them.

    Stored either as a list under the question's id, or one entry per key
    "<question id>.<entry id>" (ordered by entry id, numerically where it is a number).
    """
    value = answers.get(question_id)
    entries = [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []
    prefix = question_id + "."
    keyed = [
        (key[len(prefix) :], entry)
        for key, entry in answers.items()
        if key.startswith(prefix) and isinstance(entry, dict)
    ]

    def order(pair: tuple[str, Any]) -> tuple[int, int, str]:
        number = whole_number(pair[0])
        return (1, 0, pair[0]) if number is None else (0, number, "")

    keyed.sort(key=order)
    return entries + [entry for _, entry in keyed]


def _entry(agency: str, order: int, raw: dict[str, Any]) -> ChronologyEntry | None:
    try:
        on = date.fromisoformat(str(raw.get("date")))
    except ValueError:
        return None  # not a complete entry: a submitted return always has the date
    return ChronologyEntry(
        on=on,
        agency=agency,
        what_happened=str(raw.get("what_happened") or ""),
        practitioner_role=str(raw.get("practitioner_role") or ""),
        why_it_matters=str(raw.get("why_it_matters") or ""),
        order=order,
    )


def _status(
    request: AgencyRequest, submission: ReturnSubmission | None, clock: Clock | None, on: date
) -> str:
    """As the manager's list of requests says it: past due is overdue, amending or not."""
    if request.status == "submitted" and submission is not None:
        return "nil_return" if submission.nil_return else "returned"
    if held(clock):
        return "paused"
    if on > due_now(request, clock):
        return "overdue"
    return "amending" if request.amendment_round else "open"


def gather_returns(case: Case, on: date) -> Returns:
    """Every live request of the case and its latest submitted return, as of `on`."""
    requests = sorted(
        db.session.scalars(
            select(AgencyRequest).where(
                AgencyRequest.case_id == case.id, AgencyRequest.status != "cancelled"
            )
        ).all(),
        key=lambda r: _by_name(r.agency.name),
    )
    ids = [r.id for r in requests]
    latest: dict[int, ReturnSubmission] = {}
    if ids:
        for submission in db.session.scalars(
            select(ReturnSubmission)
            .where(ReturnSubmission.request_id.in_(ids), ReturnSubmission.returned_at.is_(None))
            .order_by(ReturnSubmission.round)
        ):
            latest[submission.request_id] = submission

    returns = Returns()
    answered: list[tuple[str, dict[str, Any]]] = []  # (agency, answers) of returns with content
    for request in requests:
        submission = latest.get(request.id)
        clock = current_clock(case, request.id)
        status = _status(request, submission, clock, on)
        returns.agencies.append(
            AgencyStatus(
                agency=request.agency.name,
                agency_id=request.agency_id,
                status=status,
                due_on=due_now(request, clock),
                submitted_on=submission.submitted_on
                if status in ("returned", "nil_return")
                else None,
            )
        )
        if status == "returned":
            answered.append((request.agency.name, dict(submission.answers or {})))

    template_id = case.return_template_id or (requests[0].template_id if requests else None)
    version = case.return_template_version or (requests[0].template_version if requests else None)
    template = return_template(template_id, version) if template_id and version else None
    if template is not None:
        returns.sections = _sections(template, answered)
        chronology_ids = [q.id for q in template.questions if q.type == "chronology"]
    else:
        chronology_ids = []
    for agency, answers in answered:
        for question_id in chronology_ids:
            for order, raw in enumerate(chronology_entries(answers, question_id)):
                entry = _entry(agency, order, raw)
                if entry is not None:
                    returns.chronology.append(entry)
    returns.chronology.sort(key=lambda e: (e.on, _by_name(e.agency), e.order))
    return returns


def _sections(template: Template, answered: list[tuple[str, dict[str, Any]]]) -> list:
    sections = []
    for section in template.sections:
        questions = []
        for question in section.questions:
            answers = tuple(
                AgencyAnswer(agency, _display(question, answers))
                for agency, answers in answered
                if template.is_shown(question.id, answers)
            )
            if answers:
                questions.append(
                    QuestionAnswers(question.id, question.label, question.type, answers)
                )
        if questions:
            sections.append(SectionAnswers(section.id, section.title, tuple(questions)))
    return sections


def _display(question, answers: Mapping[str, Any]) -> str:
    if question.type == "chronology":
        count = len(chronology_entries(answers, question.id))
        return f"{count} event{'' if count == 1 else 's'}, in the chronology from all the returns"
    return question.display(answers.get(question.id))


@dataclass
class CompiledReturns:
    case: Case
    today: date
    returns: Returns


def compiled_returns(user: User, case_id: int) -> CompiledReturns:
    """The compiled returns page for one case; the read is recorded (via "compiled")."""
    case = load_papers_case(user, case_id, via="compiled")
    today = london_today()
    return CompiledReturns(case=case, today=today, returns=gather_returns(case, today))
