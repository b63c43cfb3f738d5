"""The document submitted to the Panel with the rapid review.

When `submit_rapid_review` fires, `produce_submission_document` builds one content model (a
list of headings, paragraphs, label/value lists and tables) from the case, the returns, the
panel meeting and the sign-offs, in the order the Panel reads them, and renders it twice: a
Word file (python-docx) and a printable HTML page. Both are stored with the sha256 of the Word
file, in the same transaction as the event, and never change: a later submission (after the
Panel disagrees) makes a new document beside the first.

The content model and its renderings are in `submission_content`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from casework.extensions import db
from casework.models import Case, CaseEvent, PanelMeeting, SignOff, SubmissionDocument, User
from casework.services.case_pages import DECISION_NAMES, PANEL_RESPONSE_NAMES
from casework.services.compiled_returns import Returns, gather_returns, load_papers_case
from casework.services.errors import NotFound
from casework.services.panel_meetings import (
    CRITERIA,
    absence_warning,
    current_meeting,
    missing_partners,
    statutory_agencies,
)
from casework.services.submission_content import (
    Block,
    Content,
    Heading,
    Pairs,
    Table,
    Text,
    long_date,
    render_docx,
    render_html,
)
from workflows.cases import PARTNER_NAMES, PARTNERS

NATURE_NAMES = {"death": "Death", "serious_harm": "Serious harm", "other": "Other"}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CHRONOLOGY_HEADER = ("Date", "Agency", "What happened", "Practitioner's role", "Why it matters")
# The document's parts drawn from the agencies' returns, by template section id.
INVOLVEMENT = ("involvement",)
ANALYSIS = ("what_went_well", "done_differently")
PARALLEL = ("parallel_processes",)
AGENCY_ACTIONS = ("immediate_actions",)
AGENCY_LEARNING = ("learning",)
NOT_IN_ANALYSIS = ("involvement_check", "chronology")  # shown as the status and chronology


def _answers_part(returns: Returns, section_ids: tuple[str, ...], empty: str) -> list[Block]:
    """The agencies' answers in the given template sections: a heading per agency."""
    blocks: list[Block] = []
    for section in returns.sections:
        if section.id not in section_ids:
            continue
        if len(section_ids) > 1:
            blocks.append(Heading(section.title, 2))
        agencies: dict[str, list[tuple[str, str]]] = {}
        for question in section.questions:
            for answer in question.answers:
                agencies.setdefault(answer.agency, []).append((question.label, answer.text))
        for agency, answers in agencies.items():
            blocks.append(Heading(agency, 3 if len(section_ids) > 1 else 2))
            if len(answers) == 1:
                blocks.append(Text(answers[0][1]))
            else:
                blocks.append(Pairs(tuple(answers)))
    return blocks or [Text(empty)]


def _other_sections(returns: Returns) -> tuple[str, ...]:
    """Sections of a later template the parts above do not name: kept with the analysis."""
    named = INVOLVEMENT + ANALYSIS + PARALLEL + AGENCY_ACTIONS + AGENCY_LEARNING + NOT_IN_ANALYSIS
    return tuple(s.id for s in returns.sections if s.id not in named)


def _meeting_part(case: Case, meeting: PanelMeeting | None) -> list[Block]:
    if meeting is None:
        return [Text("No panel meeting was recorded in Casework with this decision.")]
    blocks: list[Block] = [
        Pairs((("Date held", long_date(meeting.held_on)),)),
        Table(
            "Who attended",
            ("Name", "Agency"),
            tuple((a["name"], a["agency"]) for a in meeting.attendees),
        ),
    ]
    warning = absence_warning(missing_partners(meeting, statutory_agencies(case.partnership_id)))
    if warning:
        blocks.append(Text(warning))
    blocks += [
        Heading("The local review criteria (regulation 11)", 2),
        Pairs(tuple((label, meeting.criteria.get(key, "")) for key, label in CRITERIA.items())),
        Heading("The facts agreed", 2),
        Text(meeting.facts or ""),
    ]
    return blocks


def _sign_off_rows(sign_offs: list[SignOff]) -> tuple[tuple[str, ...], ...]:
    ids = {s.recorded_by_id for s in sign_offs}
    query = select(User.id, User.name).where(User.id.in_(ids))
    names = {user_id: name for user_id, name in db.session.execute(query)}
    rows = []
    for s in sorted(sign_offs, key=lambda s: PARTNERS.index(s.partner)):
        partner, recorder = PARTNER_NAMES[s.partner], names.get(s.recorded_by_id, "")
        how = (
            f"Given outside Casework, recorded by {recorder}"
            if s.given_by
            else "Signed in Casework"
        )
        who = s.given_by or recorder
        rows.append((partner[:1].upper() + partner[1:], who, long_date(s.signed_on), how))
    return tuple(rows)


def build_content(case: Case, entry: CaseEvent, number: int) -> Content:
    """The submission document's content, as of the submission `entry`."""
    returns = gather_returns(case, entry.on)
    meeting = current_meeting(case)
    identifiers = [
        ("Reference", case.reference),
        ("Pseudonym", case.pseudonym or "None given"),
        ("Nature", NATURE_NAMES.get(case.nature, case.nature)),
        ("Incident", long_date(case.incident_on)),
        ("Local authority aware", long_date(case.la_aware_on)),
        ("Serious incident notification sent", long_date(case.sin_submitted_on)),
    ]
    if case.sin_reference:
        identifiers.append(("Notification reference", case.sin_reference))
    identifiers += [
        ("Rapid review decision", long_date(case.decision_on)),
        ("Submitted to the Panel", long_date(entry.on)),
        ("Submission", f"Number {number}"),
    ]
    agencies = Table(
        "The agencies asked for a return",
        ("Agency", "Status", "Due", "Submitted"),
        tuple(
            (a.agency, a.words, long_date(a.due_on), long_date(a.submitted_on))
            for a in returns.agencies
        ),
    )
    chronology = Table(
        "Chronology of significant events, from all the returns, in date order",
        CHRONOLOGY_HEADER,
        tuple(
            (long_date(e.on), e.agency, e.what_happened, e.practitioner_role, e.why_it_matters)
            for e in returns.chronology
        ),
    )
    actions: list[Block] = []
    if meeting is not None and meeting.immediate_actions:
        actions.append(
            Table(
                "Immediate actions agreed at the panel meeting",
                ("Action", "Owner"),
                tuple((a["action"], a["owner"]) for a in meeting.immediate_actions),
            )
        )
    else:
        actions.append(Text("The panel meeting recorded no immediate actions."))
    actions.append(Heading("Actions the agencies have taken", 2))
    actions += _answers_part(returns, AGENCY_ACTIONS, "No agency reported immediate actions.")
    learning: list[Block] = [Heading("Learning identified at the panel meeting", 2)]
    learning.append(Text((meeting.learning if meeting else None) or "None recorded."))
    learning.append(Heading("Learning the agencies identified", 2))
    learning += _answers_part(returns, AGENCY_LEARNING, "No agency reported learning.")
    analysis_ids = ANALYSIS + _other_sections(returns)

    blocks: list[Block] = [
        Heading("The case", 1),
        Pairs(tuple(identifiers)),
        Heading("The agencies asked", 1),
        agencies if returns.agencies else Text("No agency was asked for a return in Casework."),
        Heading("Chronology", 1),
        chronology if returns.chronology else Text("No return has a chronology."),
        Heading("Each agency's involvement", 1),
        *_answers_part(returns, INVOLVEMENT, "No agency described its involvement."),
        Heading("Analysis", 1),
        *_answers_part(returns, analysis_ids, "No agency gave an analysis."),
        Heading("Parallel processes", 1),
        *_answers_part(returns, PARALLEL, "No agency reported parallel processes."),
        Heading("The panel meeting", 1),
        *_meeting_part(case, meeting),
        Heading("Immediate actions", 1),
        *actions,
        Heading("Learning", 1),
        *learning,
        Heading("The decision", 1),
        Pairs(
            (
                ("Decision", DECISION_NAMES.get(case.decision or "", "")),
                ("Decided on", long_date(case.decision_on)),
                ("Rationale", case.decision_rationale or ""),
                ("Dissent", (meeting.dissent if meeting else None) or "None recorded"),
            )
        ),
        Heading("Sign-offs", 1),
        Table(
            "Sign-off of the decision by the statutory partners",
            ("Statutory partner", "Who", "Date", "Given by"),
            _sign_off_rows(case.current_sign_offs),
        ),
    ]
    return Content(
        title=f"Rapid review: {case.reference}",
        partnership=case.partnership.name,
        submitted_on=entry.on,
        number=number,
        blocks=tuple(blocks),
    )


def produce_submission_document(case: Case, entry: CaseEvent) -> SubmissionDocument:
    """Build and store the document for this submission, in the event's transaction."""
    previous = db.session.scalar(
        select(func.count(SubmissionDocument.id)).where(SubmissionDocument.case_id == case.id)
    )
    number = (previous or 0) + 1
    content = build_content(case, entry, number)
    body = render_docx(content)
    document = SubmissionDocument(
        case_id=case.id,
        number=number,
        case_event_id=entry.id,
        sha256=hashlib.sha256(body).hexdigest(),
        docx=body,
        html=render_html(content),
    )
    db.session.add(document)
    db.session.flush()
    return document


# Reading them.
@dataclass(frozen=True)
class DocumentSummary:
    number: int
    submitted_on: date
    created_at: datetime
    sha256: str
    panel_response: str | None = None  # the Panel's reply to this submission, in words
    panel_response_on: date | None = None
    panel_note: str | None = None


@dataclass
class DocumentsPage:
    case: Case
    documents: list[DocumentSummary]


def submission_documents(user: User, case_id: int) -> DocumentsPage:
    """The case's submission documents, first first, each with the Panel's reply to it (the
    first reply recorded after that submission); the read is recorded."""
    case = load_papers_case(user, case_id, via="documents")
    rows = db.session.execute(
        select(
            SubmissionDocument.number,
            CaseEvent.on,
            SubmissionDocument.created_at,
            SubmissionDocument.sha256,
            SubmissionDocument.case_event_id,
        )
        .join(CaseEvent, CaseEvent.id == SubmissionDocument.case_event_id)
        .where(SubmissionDocument.case_id == case.id)
        .order_by(SubmissionDocument.number)
    ).all()
    replies = db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.event == "record_panel_response")
        .order_by(CaseEvent.id)
    ).all()
    documents = []
    for number, on, created_at, sha256, event_id in rows:
        reply = next((r for r in replies if r.id > event_id), None)
        documents.append(
            DocumentSummary(
                number,
                on,
                created_at,
                sha256,
                PANEL_RESPONSE_NAMES.get(reply.facts.get("panel_response", "")) if reply else None,
                reply.on if reply else None,
                reply.facts.get("note") if reply else None,
            )
        )
    return DocumentsPage(case, documents)


@dataclass
class StoredDocument:
    case: Case
    number: int
    submitted_on: date
    sha256: str
    docx: bytes
    html: str

    @property
    def filename(self) -> str:
        return f"{self.case.reference}-rapid-review-{self.number}.docx"


def submission_document(user: User, case_id: int, number: int, *, via: str) -> StoredDocument:
    """One stored document, exactly as it was produced; the read is recorded as `via`."""
    case = load_papers_case(user, case_id, via=via)
    row = db.session.execute(
        select(SubmissionDocument, CaseEvent.on)
        .join(CaseEvent, CaseEvent.id == SubmissionDocument.case_event_id)
        .where(SubmissionDocument.case_id == case.id, SubmissionDocument.number == number)
    ).first()
    if row is None:
        raise NotFound("There is no such document on this case.")
    document, submitted_on = row
    return StoredDocument(
        case, document.number, submitted_on, document.sha256, document.docx, document.html
    )
