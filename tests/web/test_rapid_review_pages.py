"""The rapid review's pages: recording the panel meeting, the compiled returns, and the
documents submitted to the Panel, through a client signed in as each person."""

from __future__ import annotations

import hashlib
import html
from datetime import date

from sqlalchemy import func, select

from casework.extensions import db as _db
from casework.models import CaseRead, PanelMeeting, SubmissionDocument
from casework.services.events import fire_event
from casework.services.panel_meetings import CRITERIA
from tests.factories import grant_access, make_case, make_user
from tests.services.test_panel_meetings import agencies, case_in_rapid_review
from tests.services.test_submission_documents import (
    meeting_data,
    record_panel_meeting,
    returns_on_a_case,
    sign_and_submit,
)
from tests.web.pages import boxes_in_error

FAR = date(2999, 1, 1)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def meetings(case_id: int) -> int:
    _db.session.expire_all()
    return _db.session.scalar(
        select(func.count()).select_from(PanelMeeting).where(PanelMeeting.case_id == case_id)
    )


def meeting_form(partnership, **changes) -> dict:
    ids = agencies(partnership)
    form = {
        "held_on": ["14", "3", "2023"],
        "attendee_1_name": "Jo Lane",
        "attendee_1_agency": str(ids["local_authority"]),
        "attendee_3_name": "DI Sam Okafor",
        "attendee_3_agency": str(ids["police"]),
        "facts": "The child was admitted to hospital.",
        "action_1_action": "Strategy meeting for the siblings",
        "action_1_owner": "Children's services",
        "decision": "lcspr",
        "rationale": "The criteria are met.",
        **{f"criterion_{key}": "Yes: see the facts" for key in CRITERIA},
    }
    form.update(changes)
    return form


def test_the_manager_records_the_meeting_on_one_page(web, business_manager, partnership):
    case = case_in_rapid_review(business_manager)
    browser = web(business_manager)
    form = browser.get(f"/cases/{case.id}/meeting/new")
    assert form.status_code == 200
    page = text(form)
    assert page.count('name="attendee_') == 16  # 8 rows of name and agency
    assert "Integrated Care Board (health)" in page and "Police" in page

    done = browser.post(f"/cases/{case.id}/meeting/new", meeting_form(partnership))
    assert done.status_code == 302 and done.location.endswith(f"/cases/{case.id}/meeting")
    assert meetings(case.id) == 1
    shown = browser.get(f"/cases/{case.id}/meeting")
    page = text(shown)
    assert "The panel meeting and its decision have been recorded." in page
    assert "Nobody from health (the ICB) attended" in page  # a warning, and it was saved
    assert "DI Sam Okafor" in page and "Strategy meeting for the siblings" in page
    assert "Hold a local child safeguarding practice review" in page
    case_page = text(browser.get(f"/cases/{case.id}"))
    assert f'href="/cases/{case.id}/compiled-returns"' in case_page
    assert f'href="/cases/{case.id}/documents"' in case_page


def test_the_meeting_page_puts_every_problem_beside_its_field(web, business_manager, partnership):
    case = case_in_rapid_review(business_manager)
    browser = web(business_manager)
    response = browser.post(
        f"/cases/{case.id}/meeting/new",
        meeting_form(
            partnership,
            held_on=["", "", ""],
            attendee_3_agency="",
            facts="",
            action_1_owner="",
            criterion_recurrent_themes="",
        ),
    )
    assert response.status_code == 200 and response.title.startswith("Error:")
    page = text(response)
    for message in (
        "Enter the date the meeting was held",
        "Choose the agency of attendee 3",
        "Enter the facts the panel agreed",
        "Enter who owns action 1",
        "Enter the panel's view on recurrent themes",
    ):
        assert message in page
    assert 'href="#attendee_3_agency"' in page and 'href="#held_on-day"' in page
    assert 'value="DI Sam Okafor"' in page  # what was typed is kept
    assert meetings(case.id) == 0


def test_the_meeting_date_highlights_only_the_box_at_fault(web, business_manager, partnership):
    """A missing month is the month box alone; a real date before the rapid review began is
    wrong as a whole."""
    case = case_in_rapid_review(business_manager)
    browser = web(business_manager)
    path = f"/cases/{case.id}/meeting/new"
    response = browser.post(path, meeting_form(partnership, held_on=["14", "", "2023"]))
    assert response.page.summary_links == ["#held_on-month"]
    assert boxes_in_error(response, "held_on") == ["month"]
    response = browser.post(path, meeting_form(partnership, held_on=["5", "3", "2023"]))
    assert boxes_in_error(response, "held_on") == ["day", "month", "year"]
    assert meetings(case.id) == 0


def test_a_refused_decision_saves_no_meeting(web, business_manager, partnership):
    referred = make_case(business_manager)
    browser = web(business_manager)
    page = text(browser.get(f"/cases/{referred.id}/meeting/new"))
    assert "while the case is in the referred stage" in page
    response = browser.post(f"/cases/{referred.id}/meeting/new", meeting_form(partnership))
    assert response.status_code == 200 and "referred stage" in text(response)
    assert meetings(referred.id) == 0

    case = case_in_rapid_review(business_manager)
    early = browser.post(
        f"/cases/{case.id}/meeting/new", meeting_form(partnership, held_on=["5", "3", "2023"])
    )
    assert early.status_code == 200
    assert "The date cannot be before the date the case entered its current state" in text(early)
    assert meetings(case.id) == 0


def test_only_managers_record_meetings(web, business_manager, partnership, police_lead, scrutineer):
    case = case_in_rapid_review(business_manager)
    for user in (police_lead, scrutineer):
        browser = web(user)
        assert browser.get(f"/cases/{case.id}/meeting/new").status_code == 403
        assert (
            browser.post(f"/cases/{case.id}/meeting/new", meeting_form(partnership)).status_code
            == 403
        )
        assert browser.get(f"/cases/{case.id}/meeting").status_code == 200
    assert meetings(case.id) == 0


def submitted_case(manager, partnership, leads):
    case, _ = returns_on_a_case(manager, partnership)
    record_panel_meeting(manager, case.id, meeting_data(partnership))
    sign_and_submit(manager, leads, case.id, "2023-03-15", "2023-03-20")
    return case


def test_the_compiled_returns_page(web, business_manager, partnership, leads, scrutineer):
    case, _ = returns_on_a_case(business_manager, partnership)
    panel = make_user(partnership, "panel_member")
    grant_access(case.id, panel, business_manager, until_on=FAR)
    for user in (business_manager, leads["police"], panel, scrutineer):
        response = web(user).get(f"/cases/{case.id}/compiled-returns")
        assert response.status_code == 200
        page = text(response)
        assert "Chronology from all the returns" in page
        order = [page.index(e) for e in ("Bruise noticed", "Welfare check", "Child absent")]
        assert order == sorted(order)
        assert "Local authority children's services (overdue)" in page
        assert "Involvement over the review period" in page
    reads = _db.session.scalar(
        select(func.count()).where(CaseRead.case_id == case.id, CaseRead.via == "compiled")
    )
    assert reads == 4


PAPERS = ("compiled-returns", "meeting", "documents", "documents/1", "documents/1.docx")


def test_contributors_never_and_admins_no_case_content(
    web, business_manager, partnership, leads, admin_user
):
    case = submitted_case(business_manager, partnership, leads)
    contributor = make_user(partnership, "agency_contributor", agency="Police")
    grant_access(case.id, contributor, business_manager, until_on=FAR)
    other = make_user(partnership, "panel_member")  # no grant to this case
    expected = {contributor: 404, admin_user: 403, other: 404, None: 302}  # None: to sign in
    for user, status in expected.items():
        browser = web(user)
        for path in PAPERS:
            assert browser.get(f"/cases/{case.id}/{path}").status_code == status, (user, path)
    reads = _db.session.scalar(
        select(func.count()).where(
            CaseRead.case_id == case.id, CaseRead.user_id.in_([contributor.id, other.id])
        )
    )
    assert reads == 0


def test_the_documents_list_download_and_printable_page(web, business_manager, partnership, leads):
    case = submitted_case(business_manager, partnership, leads)
    _db.session.expire_all()
    stored = _db.session.scalar(
        select(SubmissionDocument).where(SubmissionDocument.case_id == case.id)
    )
    browser = web(leads["health"])

    listing = browser.get(f"/cases/{case.id}/documents")
    assert listing.status_code == 200
    assert stored.sha256 in text(listing) and "20 March 2023" in text(listing)

    download = browser.get(f"/cases/{case.id}/documents/1.docx")
    assert download.status_code == 200
    assert download.mimetype.endswith("wordprocessingml.document")
    disposition = download.headers["Content-Disposition"]
    assert (
        disposition.startswith("attachment")
        and f"{case.reference}-rapid-review-1.docx" in disposition
    )
    assert download.get_data() == stored.docx
    assert hashlib.sha256(download.get_data()).hexdigest() == stored.sha256

    printable = browser.get(f"/cases/{case.id}/documents/1")
    assert printable.status_code == 200
    page = text(printable)
    assert page.count("<h1") == 1 and "Rapid review: " + case.reference in page
    assert "Second call the same day" in page and stored.sha256 in page

    assert browser.get(f"/cases/{case.id}/documents/2").status_code == 404
    assert browser.get(f"/cases/{case.id}/documents/2.docx").status_code == 404
    vias = _db.session.scalars(
        select(CaseRead.via).where(
            CaseRead.case_id == case.id, CaseRead.user_id == leads["health"].id
        )
    ).all()
    assert {"documents", "docx", "document"} <= set(vias)


def test_a_case_not_yet_submitted_has_no_documents(web, business_manager):
    case = case_in_rapid_review(business_manager)
    page = text(web(business_manager).get(f"/cases/{case.id}/documents"))
    assert "has not been submitted to the Panel yet" in page
    fire_event(business_manager, case.id, "withdraw", {"on": "2023-03-07", "reason": "Not met"})
    assert web(business_manager).get(f"/cases/{case.id}/documents").status_code == 200
