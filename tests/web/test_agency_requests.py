"""The requests pages: a business manager sends requests to agencies and manages each one;
everyone else is refused (403), and another partnership's manager finds nothing (404)."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import (
    Agency,
    AgencyRequest,
    AgencyRequestEvent,
    Clock,
    ClosureDay,
    ReturnSubmission,
)
from casework.services.agency_clocks import meet_agency_clock
from casework.services.agency_requests import send_requests
from casework.services.today import london_today
from tests.factories import advance_case, grant_access, make_case, make_user
from tests.web.pages import boxes_in_error
from workflows.calendar import add_working_days


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def boxes(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def checked_agencies(page: str) -> set[str]:
    """The agency ids whose checkbox is ticked on the send form."""
    ticked = set()
    for tag in re.findall(r"<input[^>]*name=\"agency_ids\"[^>]*>", page):
        if "checked" in tag:
            ticked.add(re.search(r'value="(\d+)"', tag).group(1))
    return ticked


@pytest.fixture
def case(business_manager, leads):
    opened = make_case(business_manager, pseudonym="Child R")
    return advance_case(opened.id, business_manager, leads, "rapid_review")


@pytest.fixture
def agencies(partnership):
    rows = _db.session.scalars(select(Agency).where(Agency.partnership_id == partnership.id))
    found = {a.statutory_partner: a for a in rows}
    school = Agency(partnership_id=partnership.id, name="Northbridge Academy")
    _db.session.add(school)
    _db.session.commit()
    found["school"] = school
    return found


def requests_now() -> list[AgencyRequest]:
    _db.session.expire_all()
    return list(_db.session.scalars(select(AgencyRequest).order_by(AgencyRequest.id)))


def test_the_send_form_has_the_statutory_partners_ticked_and_sends(
    web, business_manager, case, agencies
):
    manager = web(business_manager)
    path = f"/cases/{case.id}/requests"
    page = manager.get(path)
    assert page.status_code == 200
    assert page.title == f"Requests to agencies – {case.reference} – Casework"
    body = text(page)
    assert "No agency has been asked for a return on this case yet." in body
    statutory = {str(agencies[p].id) for p in ("local_authority", "police", "health")}
    assert checked_agencies(body) == statutory
    assert f'value="{agencies["school"].id}"' in body
    due = add_working_days(london_today(), 5)
    for box, value in (("day", f"{due:%d}"), ("month", f"{due:%m}"), ("year", f"{due:%Y}")):
        assert f'id="due_on-{box}" name="due_on" type="text" value="{value}"' in body
    assert f"The partnership's usual time gives {due.day} {due:%B %Y}." in body
    assert "No contributor yet" in body

    chosen = sorted(statutory) + [str(agencies["school"].id)]
    later = add_working_days(london_today(), 7)
    done = manager.post(path, {"agency_ids": chosen, "due_on": boxes(later), "note": "Thanks"})
    assert done.status_code == 302 and done.headers["Location"] == path
    body = text(manager.get(path))
    assert "Requests sent to Local authority children's services, Police," in body
    assert f"Their returns are due on {later.day} {later:%B %Y}." in body
    sent = requests_now()
    assert len(sent) == 4 and {r.due_on for r in sent} == {later}
    assert {r.note for r in sent} == {"Thanks"}
    assert len(_db.session.scalars(select(Clock).where(Clock.kind == "agency_return")).all()) == 4
    for request in sent:
        assert f"/cases/{case.id}/requests/{request.id}" in body
    assert "Every agency of the partnership has been asked." in body
    invite = f"/admin/users/invite?role=agency_contributor&amp;agency={agencies['police'].id}"
    assert invite in manager.get(path).get_data(as_text=True)


def test_send_errors_go_beside_the_fields_and_conflicts_on_top(
    web, business_manager, case, agencies
):
    manager = web(business_manager)
    path = f"/cases/{case.id}/requests"
    response = manager.post(path, {"due_on": ["", "", ""], "note": ""})
    assert response.status_code == 200 and response.title.startswith("Error: Requests to")
    body = text(response)
    assert '<a href="#agency_ids">Choose at least one agency</a>' in body
    assert '<a href="#due_on-day">Enter the due date</a>' in body
    assert checked_agencies(body) == set()  # what was posted, not the defaults

    yesterday = london_today() - timedelta(days=1)
    police = str(agencies["police"].id)
    body = text(manager.post(path, {"agency_ids": [police], "due_on": boxes(yesterday)}))
    assert '<a href="#due_on-day">The due date must be after today</a>' in body
    assert checked_agencies(body) == {police}

    send_requests(business_manager, case.id, [agencies["police"].id])
    # Another manager's page still offers Police: their send is refused by name.
    tomorrow = london_today() + timedelta(days=9)
    response = manager.post(path, {"agency_ids": [police], "due_on": boxes(tomorrow)})
    assert response.status_code == 200
    assert "Police has already been asked for a return on this case." in text(response)
    assert len(requests_now()) == 1


def test_a_case_not_in_the_rapid_review_has_no_send_form(web, business_manager, agencies):
    referred = make_case(business_manager)
    page = text(web(business_manager).get(f"/cases/{referred.id}/requests"))
    assert "Requests can be sent while the case is in the rapid review." in page
    assert 'name="agency_ids"' not in page


def test_the_case_page_links_to_the_requests_for_managers(web, business_manager, case, scrutineer):
    link = f'href="/cases/{case.id}/requests"'
    assert link in web(business_manager).get(f"/cases/{case.id}").get_data(as_text=True)
    assert link not in web(scrutineer).get(f"/cases/{case.id}").get_data(as_text=True)


def test_due_dates_highlight_only_the_box_at_fault(web, business_manager, case, agencies):
    """A 2-number year is the year box alone, month 13 the month box; a real date that is
    not later than the current due date is wrong as a whole."""
    manager = web(business_manager)
    path = f"/cases/{case.id}/requests"
    police = str(agencies["police"].id)
    response = manager.post(path, {"agency_ids": [police], "due_on": ["1", "4", "30"]})
    message = "The due date must have a year with 4 numbers"
    assert f'<a href="#due_on-year">{message}</a>' in text(response)
    assert boxes_in_error(response, "due_on") == ["year"]

    [request] = send_requests(business_manager, case.id, [agencies["police"].id])
    path = f"{path}/{request.id}/extend"
    response = manager.post(path, {"new_due_on": ["1", "13", "2030"], "extend_reason": "Away"})
    assert response.page.summary_links == ["#new_due_on-month"]
    assert boxes_in_error(response, "new_due_on") == ["month"]
    response = manager.post(path, {"new_due_on": boxes(request.due_on), "extend_reason": "Away"})
    assert response.page.summary_links == ["#new_due_on-day"]
    assert boxes_in_error(response, "new_due_on") == ["day", "month", "year"]


def test_the_request_page_chases_extends_and_cancels(web, business_manager, case, agencies):
    [request] = send_requests(business_manager, case.id, [agencies["police"].id], note="Hello")
    manager = web(business_manager)
    path = f"/cases/{case.id}/requests/{request.id}"
    page = manager.get(path)
    assert page.title == f"Request to Police – {case.reference} – Casework"
    body = text(page)
    assert "Open" in body and "Hello" in body and business_manager.name in body
    assert "Return for amendment" not in body  # not submitted

    done = manager.post(f"{path}/chase", {"chase_note": "Phoned the lead"})
    assert done.status_code == 302 and done.headers["Location"] == path
    assert "The chase is recorded." in text(manager.get(path))

    response = manager.post(f"{path}/extend", {"new_due_on": boxes(request.due_on)})
    assert response.status_code == 200 and response.title.startswith("Error: Request to Police")
    body = text(response)
    assert '<a href="#extend_reason">Enter the reason for the extension</a>' in body
    response = manager.post(
        f"{path}/extend", {"new_due_on": boxes(request.due_on), "extend_reason": "Away"}
    )
    assert "The new due date must be later than the current one" in text(response)
    assert 'id="new_due_on-error"' in response.get_data(as_text=True)

    later = request.due_on + timedelta(days=14)
    done = manager.post(f"{path}/extend", {"new_due_on": boxes(later), "extend_reason": "Away"})
    assert done.status_code == 302
    body = text(manager.get(path))
    assert f"now due on {later.day} {later:%B %Y}" in body
    _db.session.expire_all()
    [clock] = _db.session.scalars(select(Clock).where(Clock.agency_request_id == request.id))
    assert clock.due_on == later

    body = text(manager.post(f"{path}/cancel", {"cancel_reason": ""}))
    assert '<a href="#cancel_reason">Enter the reason for cancelling</a>' in body
    done = manager.post(f"{path}/cancel", {"cancel_reason": "Wrong agency"})
    assert done.status_code == 302
    body = text(manager.get(path))
    assert "The request is cancelled." in body and "Wrong agency" in body
    assert f'action="{path}/chase"' not in body
    response = manager.post(f"{path}/chase", {"chase_note": "Too late"})
    assert response.status_code == 200
    assert "only while the request is open" in text(response)
    kinds = _db.session.scalars(
        select(AgencyRequestEvent.kind).where(AgencyRequestEvent.request_id == request.id)
    ).all()
    assert kinds == ["sent", "chased", "extended", "cancelled"]


def test_a_submitted_return_is_returned_for_amendment(
    web, business_manager, case, agencies, partnership
):
    contributor = make_user(partnership, "agency_contributor", agency="Police")
    [request] = send_requests(business_manager, case.id, [agencies["police"].id])
    today = london_today()
    request.status, request.submitted_on, request.nil_return = "submitted", today, False
    request.submitted_by_id = contributor.id
    answers = {"involvement": "Known to the police since 2021"}
    _db.session.add(
        ReturnSubmission(
            request_id=request.id,
            round=0,
            submitted_on=today,
            submitted_by_id=contributor.id,
            nil_return=False,
            template_version=1,
            answers=answers,
        )
    )
    meet_agency_clock(case, request, today)
    _db.session.commit()

    manager = web(business_manager)
    path = f"/cases/{case.id}/requests/{request.id}"
    body = text(manager.get(path))
    assert "Submitted" in body and contributor.name in body
    assert f'action="{path}/chase"' not in body
    response = manager.post(f"{path}/return-for-amendment", {"amendment_comment": ""})
    assert '<a href="#amendment_comment">Enter what needs amending</a>' in text(response)

    done = manager.post(f"{path}/return-for-amendment", {"amendment_comment": "Add the dates"})
    assert done.status_code == 302
    body = text(manager.get(path))
    assert "The return is sent back for amendment." in body
    assert "Returned for amendment" in body and "Add the dates" in body
    _db.session.expire_all()
    [submission] = _db.session.scalars(select(ReturnSubmission)).all()
    assert submission.answers == answers and submission.return_comment == "Add the dates"
    clocks = _db.session.scalars(
        select(Clock).where(Clock.agency_request_id == request.id).order_by(Clock.seq)
    ).all()
    assert [c.met_on is not None for c in clocks] == [True, False]


def test_an_overdue_request_shows_in_red_with_the_days_late(web, business_manager, case, agencies):
    send_requests(
        business_manager,
        case.id,
        [agencies["school"].id],
        due_on=london_today() + timedelta(days=1),
        today=london_today() - timedelta(days=10),
    )
    request = requests_now()[0]
    [clock] = _db.session.scalars(select(Clock).where(Clock.agency_request_id == request.id))
    request.due_on = clock.due_on = london_today() - timedelta(days=7)  # fell due a week ago
    _db.session.commit()
    body = text(web(business_manager).get(f"/cases/{case.id}/requests"))
    assert re.search(r'govuk-tag--red">Overdue by \d+ working days?<', body)


def test_a_closure_day_moves_the_due_date_the_request_page_shows(
    web, business_manager, admin_user, case, agencies
):
    today = london_today()
    [request] = send_requests(business_manager, case.id, [agencies["police"].id])
    due = add_working_days(today, 5)
    closed = add_working_days(today, 2)  # a working day inside the agency's time
    later = add_working_days(due, 1, [closed])
    page = f"/cases/{case.id}/requests/{request.id}"

    def shown_due() -> str:
        body = text(web(business_manager).get(page))
        return re.search(r"Due</dt>\s*<dd[^>]*>([^<(]+)", body).group(1).strip()

    assert shown_due() == f"{due.day} {due:%B %Y}"
    admin = web(admin_user)
    added = admin.post("/admin/closure-days/new", {"day": boxes(closed), "name": "Training"})
    assert added.status_code == 302
    assert shown_due() == f"{later.day} {later:%B %Y}"

    closure = _db.session.scalar(select(ClosureDay))
    assert admin.post(f"/admin/closure-days/{closure.id}/remove").status_code == 302
    assert shown_due() == f"{due.day} {due:%B %Y}"


def test_the_request_history_says_why_a_closure_day_moved_its_due_date(
    web, business_manager, admin_user, case, agencies
):
    """It said "Sent: due 21 March" while the request was due 22 March, and nothing else."""
    today = london_today()
    due = add_working_days(today, 5)
    [request] = send_requests(business_manager, case.id, [agencies["police"].id], due_on=due)
    closed = add_working_days(today, 2)
    later = add_working_days(due, 1, [closed])
    admin = web(admin_user)
    admin.post("/admin/closure-days/new", {"day": boxes(closed), "name": "Staff training"})
    closure = _db.session.scalar(select(ClosureDay))
    admin.post(f"/admin/closure-days/{closure.id}/remove")

    page = text(web(business_manager).get(f"/cases/{case.id}/requests/{request.id}"))
    history = re.sub(r"\s+", " ", page[page.index(">History<") :])
    long = "{0.day} {0:%B %Y}".format
    assert f"Sent: due {long(due)}" in history
    assert (
        f"Due date moved to {long(later)}: Staff training, {long(closed)} (closure day added)"
    ) in history
    assert (
        f"Due date moved to {long(due)}: Staff training, {long(closed)} (closure day removed)"
    ) in history
    assert history.count(admin_user.name) == 2


@pytest.mark.parametrize("who", ["scrutineer", "partner_lead", "panel_member"])
def test_other_roles_are_refused(web, who, business_manager, case, agencies, leads, partnership):
    [request] = send_requests(business_manager, case.id, [agencies["police"].id])
    person = leads["police"] if who == "partner_lead" else make_user(partnership, who)
    if who == "panel_member":
        grant_access(case.id, person, business_manager, date(2099, 1, 1))
    client = web(person)
    base = f"/cases/{case.id}/requests"
    assert client.get(base).status_code == 403
    assert client.post(base, {"agency_ids": [str(agencies["health"].id)]}).status_code == 403
    assert client.get(f"{base}/{request.id}").status_code == 403
    for action in ("chase", "extend", "cancel", "return-for-amendment"):
        assert client.post(f"{base}/{request.id}/{action}", {}).status_code == 403
    assert len(requests_now()) == 1 and requests_now()[0].status == "open"


def test_another_partnerships_manager_finds_nothing(
    web, business_manager, other_manager, case, agencies
):
    [request] = send_requests(business_manager, case.id, [agencies["police"].id])
    client = web(other_manager)
    base = f"/cases/{case.id}/requests"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/{request.id}").status_code == 404
    assert client.post(f"{base}/{request.id}/cancel", {"cancel_reason": "x"}).status_code == 404
    # Their own case does not open our request either.
    theirs = make_case(other_manager)
    assert web(other_manager).get(f"/cases/{theirs.id}/requests/{request.id}").status_code == 404
    assert requests_now()[0].status == "open"
