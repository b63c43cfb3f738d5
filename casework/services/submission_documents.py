"""The document submitted to the Panel with the rapid review.

When `submit_rapid_review` fires, `produce_submission_document` builds one content model (a
list of headings, paragraphs, label/value lists and tables) from the case, the returns, the
panel meeting and the sign-offs, in the order the Panel reads them, and renders it twice: a
Word file (python-docx) and a printable HTML page. Both are stored with the sha256 of the Word
file, in the same transaction as the event, and never change: a later submission (after the
Panel disagrees) makes a new document beside the first.

The Word file is deterministic for the same content: python-docx stamps the core properties
and each zip member with the current time, so both are set from the submission date instead.
A stored document can therefore be checked byte for byte against its hash.
"""

from __future__ import annotations

import functools
import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime

import docx
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from markupsafe import Markup, escape
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


# The content model: what both renderings show, in order.
@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 1 for the document's parts, 2 and 3 within them


@dataclass(frozen=True)
class Text:
    text: str  # paragraphs separated by line breaks


@dataclass(frozen=True)
class Pairs:
    rows: tuple[tuple[str, str], ...]  # (label, value)


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Text | Pairs | Table


@dataclass(frozen=True)
class Content:
    title: str
    partnership: str
    submitted_on: date
    number: int
    blocks: tuple[Block, ...]


def long_date(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


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
        ("Agency", "Status", "Due", "Returned"),
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


# The Word file.
# Style ids (not names) in python-docx's default template: setting an id directly skips
# python-docx's name lookup, which scans every style on every call. `_template` checks them.
TITLE_STYLE, CAPTION_STYLE, TABLE_STYLE = "Title", "Caption", "TableGrid"
HEADING_STYLES = {1: "Heading1", 2: "Heading2", 3: "Heading3"}
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


@functools.cache
def _template() -> bytes:
    """python-docx's default template, trimmed once per process.

    Why: its styles part is 440 kB, most of it 98 table styles a submission document never
    uses, and it carries a second 440 kB copy of the styles for Word 2010 (the optional
    stylesWithEffects part). Parsing, writing and compressing those took half the time of a
    document. Only those table styles and that copy go: Table Grid, the defaults and every
    other style stay, so the document looks the same. Each document is opened fresh from
    these bytes, so no two share any state.
    """
    document = docx.Document()
    styles = document.styles.element
    for style in styles.findall(qn("w:style")):
        unused = style.get(qn("w:styleId")) != TABLE_STYLE and not style.get(qn("w:default"))
        if style.get(qn("w:type")) == "table" and unused:
            styles.remove(style)
    kept = {style.get(qn("w:styleId")) for style in styles.findall(qn("w:style"))}
    missing = {TITLE_STYLE, CAPTION_STYLE, TABLE_STYLE, *HEADING_STYLES.values()} - kept
    if missing:
        raise RuntimeError(f"python-docx's template has no styles {sorted(missing)}")
    for rId, relationship in list(document.part.rels.items()):
        if relationship.reltype == STYLES_WITH_EFFECTS:
            document.part.drop_rel(rId)
    raw = io.BytesIO()
    document.save(raw)
    return raw.getvalue()


def _run(p, text: str, *, bold: bool = False) -> None:
    """Add a run to the paragraph element `p`, as `Paragraph.add_run(text)` does."""
    r = p.add_r()
    if bold:  # only when true: python-docx writes <w:b w:val="0"/> for False
        r.get_or_add_rPr().get_or_add_b()  # <w:b/>: bold on
    if "\t" in text or "\n" in text or "\r" in text:
        r.text = text  # python-docx turns these into w:tab and w:br, a character at a time
    elif text:
        r.add_t(text)  # the common case, in one step


def _paragraph(document, text: str, style_id: str | None = None) -> None:
    p = document.add_paragraph()._p
    if style_id:
        p.style = style_id
    _run(p, text)


def _repeat_as_header(tr) -> None:
    """Mark a table row as a header row, repeated at the top of each page (w:tblHeader)."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr.get_or_add_trPr().append(header)


def _docx_table(document, header: tuple[str, ...] | None, rows) -> None:
    lines = [header, *rows] if header else list(rows)
    # All rows at once: python-docx builds them from one string, much faster than add_row.
    table = document.add_table(rows=len(lines), cols=len(header) if header else 2)
    table._tbl.tblStyle_val = TABLE_STYLE
    for number, (tr, values) in enumerate(zip(table._tbl.tr_lst, lines, strict=True)):
        if header and number == 0:
            _repeat_as_header(tr)
        for column, (tc, text) in enumerate(zip(tr.tc_lst, values, strict=True)):
            # Header cells, and the labels of a label/value list, in bold.
            bold = number == 0 if header else column == 0
            _run(tc.p_lst[0], text, bold=bold)


def render_docx(content: Content) -> bytes:
    """The Word file; the same content gives the same bytes."""
    document = docx.Document(io.BytesIO(_template()))
    on = content.submitted_on
    moment = datetime(on.year, on.month, on.day, tzinfo=UTC)
    properties = document.core_properties
    properties.title = content.title
    properties.subject = "Rapid review submitted to the Child Safeguarding Practice Review Panel"
    properties.author = content.partnership
    properties.last_modified_by = "Casework"
    properties.comments = f"Submission {content.number}"
    properties.revision = content.number
    properties.created = properties.modified = moment
    _paragraph(document, content.title, TITLE_STYLE)
    _paragraph(
        document,
        f"{content.partnership}. Submitted to the Panel on {long_date(content.submitted_on)}.",
    )
    for block in content.blocks:
        if isinstance(block, Heading):
            _paragraph(document, block.text, HEADING_STYLES[block.level])
        elif isinstance(block, Text):
            for line in block.text.splitlines() or [""]:
                if line.strip():
                    _paragraph(document, line)
        elif isinstance(block, Pairs):
            _docx_table(document, None, block.rows)
        else:
            _paragraph(document, block.caption, CAPTION_STYLE)
            _docx_table(document, block.header, block.rows)
    return _dated_zip(document, (moment.year, moment.month, moment.day, 0, 0, 0))


class _DatedZipWriter:
    """python-docx's zip writer, but every member dated `when` (its own stamps the current
    time). Writing the zip once, dated, saves reading and compressing it all a second time."""

    def __init__(self, file, when: tuple[int, int, int, int, int, int]) -> None:
        self._zip = zipfile.ZipFile(file, "w")
        self._when = when

    def write(self, pack_uri, blob: bytes) -> None:
        member = zipfile.ZipInfo(pack_uri.membername, date_time=self._when)
        member.compress_type = zipfile.ZIP_DEFLATED
        member.external_attr = 0o644 << 16
        self._zip.writestr(member, blob)

    def close(self) -> None:
        self._zip.close()


def _dated_zip(document, when: tuple[int, int, int, int, int, int]) -> bytes:
    """`document.save`, through `_DatedZipWriter`: python-docx (pinned) has no hook for the
    writer, so this repeats the three steps of its `PackageWriter.write`."""
    package = document.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    out = io.BytesIO()
    writer = _DatedZipWriter(out, when)
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)
    writer.close()
    return out.getvalue()


# The printable page: a fragment for the site's layout, GOV.UK classes, no inline styles.
HEADINGS = {
    1: Markup('<h2 class="govuk-heading-l">{}</h2>\n'),
    2: Markup('<h3 class="govuk-heading-m">{}</h3>\n'),
    3: Markup('<h4 class="govuk-heading-s">{}</h4>\n'),
}


def _paragraphs(text: str) -> Markup:
    lines = [line for line in text.splitlines() if line.strip()] or [""]
    return Markup("").join(Markup('<p class="govuk-body">{}</p>\n').format(line) for line in lines)


def _cell(text: str) -> Markup:
    return Markup("<br>").join(escape(line) for line in text.splitlines()) if text else Markup("")


def render_html(content: Content) -> str:
    parts = [
        Markup(
            '<article class="casework-document">\n<h1 class="govuk-heading-xl">{}</h1>\n'
        ).format(content.title),
        Markup('<p class="govuk-body-l">{}. Submitted to the Panel on {}.</p>\n').format(
            content.partnership, long_date(content.submitted_on)
        ),
    ]
    for block in content.blocks:
        if isinstance(block, Heading):
            parts.append(HEADINGS[block.level].format(block.text))
        elif isinstance(block, Text):
            parts.append(_paragraphs(block.text))
        elif isinstance(block, Pairs):
            parts.append(Markup('<dl class="govuk-summary-list">\n'))
            for label, value in block.rows:
                parts.append(
                    Markup(
                        '<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">'
                        '{}</dt><dd class="govuk-summary-list__value">{}</dd></div>\n'
                    ).format(label, _cell(value))
                )
            parts.append(Markup("</dl>\n"))
        else:
            parts.append(_html_table(block))
    parts.append(Markup("</article>\n"))
    return str(Markup("").join(parts))


def _html_table(table: Table) -> Markup:
    head = Markup("").join(
        Markup('<th scope="col" class="govuk-table__header">{}</th>').format(h)
        for h in table.header
    )
    body = Markup("").join(
        Markup('<tr class="govuk-table__row">{}</tr>\n').format(
            Markup("").join(
                Markup('<td class="govuk-table__cell">{}</td>').format(_cell(v)) for v in row
            )
        )
        for row in table.rows
    )
    return Markup(
        '<table class="govuk-table casework-document__table">\n'
        '<caption class="govuk-table__caption govuk-table__caption--s">{}</caption>\n'
        '<thead class="govuk-table__head"><tr class="govuk-table__row">{}</tr></thead>\n'
        '<tbody class="govuk-table__body">\n{}</tbody>\n</table>\n'
    ).format(table.caption, head, body)


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
