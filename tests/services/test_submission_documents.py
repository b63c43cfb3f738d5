"""The compiled returns and the submission document to the Panel.

Returns are made here as rows (requests and their submitted returns), as the return pages
would store them, so these tests do not depend on those pages.
"""

from __future__ import annotations

import hashlib
import html
import io
import zipfile
from datetime import UTC, date, datetime, timedelta

import docx
import pytest
from docx.oxml.ns import qn
from sqlalchemy import func, select

from casework.extensions import db as _db
from casework.models import (
    Agency,
    AgencyRequest,
    Case,
    CaseEvent,
    CaseRead,
    ReturnSubmission,
    SubmissionDocument,
)
from casework.models.time import utcnow
from casework.services.compiled_returns import chronology_entries, compiled_returns
from casework.services.errors import NotFound, NotPermitted
from casework.services.events import fire_event
from casework.services.panel_meetings import record_panel_meeting
from casework.services.partnerships import create_agency
from casework.services.submission_content import (
    Content,
    Heading,
    Pairs,
    Table,
    Text,
    render_docx,
)
from casework.services.submission_documents import build_content, submission_documents
from casework.services.today import london_today
from tests.factories import grant_access, make_case, make_user
from tests.services.test_panel_meetings import meeting_data

FAR = date(2999, 1, 1)


def agency_named(partnership, name: str) -> Agency:
    found = _db.session.scalar(
        select(Agency).where(Agency.partnership_id == partnership.id, Agency.name == name)
    )
    return found or create_agency(partnership, name)


def ask(case: Case, agency: Agency, manager, due_on: str = "2023-03-14") -> AgencyRequest:
    """A request to an agency, as the request pages make it (the case pins the template)."""
    case = _db.session.get(Case, case.id)
    case.return_template_id, case.return_template_version = "agency_return", 1
    request = AgencyRequest(
        case_id=case.id,
        agency_id=agency.id,
        template_id="agency_return",
        template_version=1,
        requested_on=date(2023, 3, 7),
        due_on=date.fromisoformat(due_on),
        status="open",
        created_by_id=manager.id,
    )
    _db.session.add(request)
    _db.session.commit()
    return request


def answers(agency: str, events: list[tuple[str, str]], **changes) -> dict:
    """A full return: `events` are (date, what happened) for its chronology."""
    given = {
        "had_involvement": "yes",
        "involvement_summary": f"{agency} saw the family six times.",
        "significant_events": [
            {
                "date": on,
                "what_happened": what,
                "practitioner_role": f"{agency} practitioner",
                "why_it_matters": f"Why {what} matters",
            }
            for on, what in events
        ],
        "what_went_well": f"{agency}: quick referral.",
        "done_differently": f"{agency}: more professional curiosity.",
        "immediate_actions": f"{agency}: a safety plan for the siblings.",
        "learning": f"{agency}: share information sooner.",
        "parallel_processes": ["police_investigation", "child_death_review"],
    }
    given.update(changes)
    return given


def submit(request: AgencyRequest, given: dict, on: str = "2023-03-10", nil: bool = False):
    """The agency submits its return (a new round after an amendment)."""
    request = _db.session.get(AgencyRequest, request.id)
    rounds = _db.session.scalar(
        select(func.count()).where(ReturnSubmission.request_id == request.id)
    )
    _db.session.add(
        ReturnSubmission(
            request_id=request.id,
            round=rounds,
            submitted_on=date.fromisoformat(on),
            submitted_by_id=request.created_by_id,
            nil_return=nil,
            template_version=1,
            answers=given,
        )
    )
    request.status, request.nil_return = "submitted", nil
    request.submitted_on = date.fromisoformat(on)
    _db.session.commit()


def send_back(request: AgencyRequest, manager) -> None:
    """The manager returns the return for amendment: the submitted version is kept."""
    request = _db.session.get(AgencyRequest, request.id)
    latest = _db.session.scalar(
        select(ReturnSubmission)
        .where(ReturnSubmission.request_id == request.id)
        .order_by(ReturnSubmission.round.desc())
    )
    latest.returned_at, latest.returned_by_id = utcnow(), manager.id
    latest.return_comment = "Add the health visitor's visit"
    request.status, request.amendment_round = "open", request.amendment_round + 1
    request.due_on = london_today() + timedelta(days=7)  # a new clock for the amendment
    _db.session.commit()


def returns_on_a_case(manager, partnership) -> tuple[Case, dict[str, AgencyRequest]]:
    """Police and a school returned (with a tie on 9 March), the ICB made a nil return, the
    local authority has not returned and its request is overdue."""
    case = make_case(manager)
    case = fire_event(manager, case.id, "notify", {"on": "2023-03-06"})
    names = {
        "police": "Police",
        "school": "Northbridge Primary School",
        "health": "Integrated Care Board (health)",
        "la": "Local authority children's services",
    }
    requests = {
        key: ask(case, agency_named(partnership, name), manager) for key, name in names.items()
    }
    submit(
        requests["police"],
        answers(
            "Police",
            [
                ("2023-02-20", "Domestic incident"),
                ("2023-01-09", "Welfare check"),
                ("2023-02-20", "Second call the same day"),
            ],
        ),
    )
    submit(
        requests["school"],
        answers("School", [("2023-02-20", "Child absent"), ("2022-11-01", "Bruise noticed")]),
        on="2023-03-09",
    )
    submit(requests["health"], {"had_involvement": "no"}, nil=True)
    return case, requests


def test_compiled_returns_group_by_section_and_merge_the_chronology(business_manager, partnership):
    case, _ = returns_on_a_case(business_manager, partnership)
    page = compiled_returns(business_manager, case.id)
    returns = page.returns

    assert [(a.agency, a.status) for a in returns.agencies] == [
        ("Integrated Care Board (health)", "nil_return"),
        ("Local authority children's services", "overdue"),
        ("Northbridge Primary School", "returned"),
        ("Police", "returned"),
    ]
    assert [a.agency for a in returns.not_returned] == ["Local authority children's services"]
    assert [a.agency for a in returns.nil_returns] == ["Integrated Care Board (health)"]

    # Sections in the template's order; each question answered by the agencies that returned.
    assert [s.id for s in returns.sections] == [
        "involvement_check",
        "involvement",
        "chronology",
        "what_went_well",
        "done_differently",
        "immediate_actions",
        "learning",
        "parallel_processes",
    ]
    involvement = returns.sections[1].questions[0]
    assert [(a.agency, a.text) for a in involvement.answers] == [
        ("Northbridge Primary School", "School saw the family six times."),
        ("Police", "Police saw the family six times."),
    ]
    processes = returns.sections[-1].questions[0]
    assert processes.answers[0].text == "Police investigation\nChild death review"  # in words
    assert returns.sections[0].questions[0].answers[0].text == "Yes"

    # The merged chronology: by date, then agency name, then the order the agency entered them.
    assert [(str(e.on), e.agency, e.what_happened) for e in returns.chronology] == [
        ("2022-11-01", "Northbridge Primary School", "Bruise noticed"),
        ("2023-01-09", "Police", "Welfare check"),
        ("2023-02-20", "Northbridge Primary School", "Child absent"),
        ("2023-02-20", "Police", "Domestic incident"),
        ("2023-02-20", "Police", "Second call the same day"),
    ]
    dates = [e.on for e in returns.chronology]
    assert dates == sorted(dates)
    reads = _db.session.scalars(select(CaseRead.via).where(CaseRead.case_id == case.id)).all()
    assert reads == ["compiled"]


def test_a_return_sent_back_for_amendment_is_not_counted_until_resubmitted(
    business_manager, partnership
):
    case, requests = returns_on_a_case(business_manager, partnership)
    send_back(requests["police"], business_manager)
    statuses = {
        a.agency: a.status for a in compiled_returns(business_manager, case.id).returns.agencies
    }
    assert statuses["Police"] == "amending"
    submit(
        requests["police"], answers("Police", [("2023-01-10", "Amended entry")]), on="2023-03-13"
    )
    returns = compiled_returns(business_manager, case.id).returns
    assert [e.what_happened for e in returns.chronology if e.agency == "Police"] == [
        "Amended entry"
    ]


def test_chronology_entries_may_be_keyed_one_by_one():
    stored = {
        "significant_events.10": {"date": "2023-01-03", "what_happened": "c"},
        "significant_events.2": {"date": "2023-01-02", "what_happened": "b"},
        "significant_events.1": {"date": "2023-01-01", "what_happened": "a"},
        "significant_events_note": "not an entry",
        "significant_events.3": None,  # removed
    }
    assert [e["what_happened"] for e in chronology_entries(stored, "significant_events")] == [
        "a",
        "b",
        "c",
    ]


def test_the_word_file_has_the_styles_and_formatting_the_panel_reads():
    content = Content(
        title="Rapid review: NB-1",
        partnership="Northbridge",
        submitted_on=date(2023, 3, 20),
        number=1,
        blocks=(
            Heading("The case", 1),
            Pairs((("Reference", "NB-1"), ("Rationale", "First line\nSecond line"))),
            Heading("An agency", 2),
            Heading("A question", 3),
            Text("One paragraph.\n\nAnother."),
            Table("Who attended", ("Name", "Agency"), (("Ann", "Police"),)),
        ),
    )
    body = render_docx(content)
    assert render_docx(content) == body  # deterministic
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        assert {m.date_time for m in package.infolist()} == {(2023, 3, 20, 0, 0, 0)}
        assert b'w:val="0"' not in package.read("word/document.xml")  # no "not bold" runs

    document = docx.Document(io.BytesIO(body))
    assert [(p.style.name, p.text) for p in document.paragraphs] == [
        ("Title", "Rapid review: NB-1"),
        ("Normal", "Northbridge. Submitted to the Panel on 20 March 2023."),
        ("Heading 1", "The case"),
        ("Heading 2", "An agency"),
        ("Heading 3", "A question"),
        ("Normal", "One paragraph."),
        ("Normal", "Another."),
        ("Caption", "Who attended"),
    ]
    pairs, attended = document.tables
    assert pairs.style.name == attended.style.name == "Table Grid"
    bold = [[(c.text, c.paragraphs[0].runs[0].bold) for c in row.cells] for row in pairs.rows]
    assert bold == [
        [("Reference", True), ("NB-1", None)],
        [("Rationale", True), ("First line\nSecond line", None)],
    ]
    header, row = attended.rows
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None and row._tr.trPr is None
    assert [c.paragraphs[0].runs[0].bold for c in header.cells] == [True, True]
    assert [c.paragraphs[0].runs[0].bold for c in row.cells] == [None, None]
    assert document.core_properties.created == datetime(2023, 3, 20, tzinfo=UTC)


def test_text_pasted_from_word_with_control_characters_still_makes_the_word_file():
    """Word pastes a manual line break as a vertical tab and a page break as a form feed, and
    lxml refuses any control character: the submission must not fail on an agency's answer."""
    content = Content(
        title="Rapid review: NB-1",
        partnership="Northbridge",
        submitted_on=date(2023, 3, 20),
        number=1,
        blocks=(
            Heading("Police\x01 & partners", 2),
            Pairs((("What happened", "Seen at home\x0bby PC Ash\x0cNext day\x00 <visit>"),)),
            Text("Tabs\tstay"),
        ),
    )
    document = docx.Document(io.BytesIO(render_docx(content)))
    assert [p.text for p in document.paragraphs][2:] == ["Police & partners", "Tabs\tstay"]
    (cells,) = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert cells == ["What happened", "Seen at home\nby PC Ash\nNext day <visit>"]


def test_who_reads_the_compiled_returns(
    business_manager, partnership, leads, scrutineer, admin_user
):
    case, _ = returns_on_a_case(business_manager, partnership)
    panel = make_user(partnership, "panel_member")
    contributor = make_user(partnership, "agency_contributor", agency="Police")
    reviewer = make_user(partnership, "reviewer")
    for user in (business_manager, leads["health"], scrutineer):
        assert compiled_returns(user, case.id).returns.chronology
    with pytest.raises(NotFound):
        compiled_returns(panel, case.id)
    for user in (panel, contributor, reviewer):
        grant_access(case.id, user, business_manager, until_on=FAR)
    assert compiled_returns(panel, case.id).returns.chronology
    with pytest.raises(NotFound):
        compiled_returns(contributor, case.id)  # never, even with a grant to the case
    with pytest.raises(NotPermitted):
        compiled_returns(reviewer, case.id)
    with pytest.raises(NotPermitted):
        compiled_returns(admin_user, case.id)
    readers = _db.session.scalars(
        select(CaseRead.user_id).where(CaseRead.case_id == case.id, CaseRead.via == "compiled")
    ).all()
    assert sorted(readers) == sorted(
        [business_manager.id, leads["health"].id, scrutineer.id, panel.id]
    )


def sign_and_submit(manager, leads, case_id: int, signed: str, submitted: str) -> Case:
    for lead in leads.values():
        fire_event(lead, case_id, "sign_off", {"on": signed})
    return fire_event(manager, case_id, "submit_rapid_review", {"on": submitted})


def documents(case_id: int) -> list[SubmissionDocument]:
    _db.session.expire_all()
    return list(
        _db.session.scalars(
            select(SubmissionDocument)
            .where(SubmissionDocument.case_id == case_id)
            .order_by(SubmissionDocument.number)
        )
    )


def chronology_table(document):
    for table in document.tables:
        if [c.text for c in table.rows[0].cells][:2] == ["Date", "Agency"]:
            return table
    raise AssertionError("no chronology table")


def headings(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == "Heading 1"]


def test_submitting_the_rapid_review_stores_the_document(business_manager, partnership, leads):
    case, _ = returns_on_a_case(business_manager, partnership)
    record_panel_meeting(business_manager, case.id, meeting_data(partnership))
    sign_and_submit(business_manager, leads, case.id, "2023-03-15", "2023-03-20")

    [stored] = documents(case.id)
    entry = _db.session.get(CaseEvent, stored.case_event_id)
    assert entry.event == "submit_rapid_review" and stored.number == 1
    assert stored.sha256 == hashlib.sha256(stored.docx).hexdigest()

    document = docx.Document(io.BytesIO(stored.docx))
    assert headings(document) == [
        "The case",
        "The agencies asked",
        "Chronology",
        "Each agency's involvement",
        "Analysis",
        "Parallel processes",
        "The panel meeting",
        "Immediate actions",
        "Learning",
        "The decision",
        "Sign-offs",
    ]
    table = chronology_table(document)
    header = table.rows[0]._tr.trPr
    assert header is not None and header.find(qn("w:tblHeader")) is not None  # repeats
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert sorted((r[1], r[2]) for r in rows) == sorted(
        [
            ("Police", "Domestic incident"),
            ("Police", "Welfare check"),
            ("Police", "Second call the same day"),
            ("Northbridge Primary School", "Child absent"),
            ("Northbridge Primary School", "Bruise noticed"),
        ]
    )
    dates = [datetime.strptime(r[0], "%d %B %Y").date() for r in rows]
    assert dates == sorted(dates)
    assert document.core_properties.created == datetime(2023, 3, 20, tzinfo=UTC)

    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "Hold a local child safeguarding practice review" in cells
    assert "Strategy meeting for the siblings" in cells and "DI Sam Okafor" in cells
    assert "Police: more professional curiosity." in text + cells
    assert "Signed in Casework" in cells and "Local authority children's services" in cells
    # The printable page is the same content, in the same order.
    page = html.unescape(stored.html)
    positions = [page.index(f">{h}</h2>") for h in headings(document)]
    assert positions == sorted(positions)
    assert "Second call the same day" in page and "<script" not in page

    # Deterministic: the same content gives the same bytes, so the stored file can be checked.
    case = _db.session.get(Case, case.id)
    assert render_docx(build_content(case, entry, 1)) == stored.docx


def test_after_the_panel_disagrees_the_first_document_is_kept_byte_for_byte(
    business_manager, partnership, leads
):
    case, requests = returns_on_a_case(business_manager, partnership)
    record_panel_meeting(business_manager, case.id, meeting_data(partnership))
    sign_and_submit(business_manager, leads, case.id, "2023-03-15", "2023-03-20")
    [first] = documents(case.id)
    first_bytes, first_hash = bytes(first.docx), first.sha256

    fire_event(
        business_manager,
        case.id,
        "record_panel_response",
        {"on": "2023-03-30", "panel_response": "disagree"},
    )
    send_back(requests["school"], business_manager)
    submit(
        requests["school"],
        answers("School", [("2023-02-21", "Health visitor's visit")]),
        on="2023-03-31",
    )
    record_panel_meeting(
        business_manager,
        case.id,
        meeting_data(
            partnership,
            held_on="2023-04-03",
            decision="no_lcspr",
            rationale="Learning taken forward by a thematic audit.",
            dissent="The police lead preferred a local review.",
        ),
    )
    sign_and_submit(business_manager, leads, case.id, "2023-04-04", "2023-04-05")

    first, second = documents(case.id)
    assert (first.number, second.number) == (1, 2)
    assert bytes(first.docx) == first_bytes
    assert hashlib.sha256(first.docx).hexdigest() == first_hash == first.sha256
    assert second.sha256 != first.sha256
    old = [r.cells[2].text for r in chronology_table(docx.Document(io.BytesIO(first.docx))).rows]
    new = [r.cells[2].text for r in chronology_table(docx.Document(io.BytesIO(second.docx))).rows]
    assert "Child absent" in old and "Health visitor's visit" not in old
    assert "Health visitor's visit" in new and "Child absent" not in new
    assert "The police lead preferred a local review." in second.html
    assert "No local review" in second.html and "No local review" not in first.html
    listed = submission_documents(business_manager, case.id).documents
    assert [(d.number, d.sha256) for d in listed] == [(1, first_hash), (2, second.sha256)]
    assert listed[0].panel_response == "Disagrees with the decision"
    assert str(listed[0].panel_response_on) == "2023-03-30"
    assert listed[1].panel_response is None
