"""The contributor's pages: their agency's requests, the task list, section pages saved now
or later, the chronology's list-collecting pages, two people's clashing saves, checking the
answers and submitting (a nil return at once)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from flask import render_template_string
from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import AgencyRequest, Clock, ReturnSubmission
from casework.review_templates import Question
from casework.services.agency_requests import return_for_amendment, send_requests
from casework.services.events import fire_event
from casework.services.returns import request_for
from casework.services.today import london_today
from tests.factories import advance_case, make_case, make_user
from tests.web.pages import PageParser, boxes_in_error

EVENTS = "significant_events"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def main(response) -> str:
    page = text(response)
    return page[page.index("<main") :]


@pytest.fixture
def case(business_manager, leads):
    opened = make_case(business_manager, pseudonym="Child R", summary="Private detail")
    return advance_case(opened.id, business_manager, leads, "rapid_review")


@pytest.fixture
def police(partnership):
    return make_user(partnership, "agency_contributor", agency="Police")


@pytest.fixture
def colleague(partnership):
    return make_user(partnership, "agency_contributor", agency="Police")


@pytest.fixture
def health(partnership):
    return make_user(partnership, "agency_contributor", agency="Integrated Care Board (health)")


@pytest.fixture
def requests(business_manager, case, police, health):
    sent = send_requests(
        business_manager, case.id, [police.agency_id, health.agency_id], note="Cover 2022-23"
    )
    return {("police" if r.agency_id == police.agency_id else "health"): r.id for r in sent}


@pytest.fixture
def rid(requests):
    return requests["police"]


def stored(request_id: int) -> AgencyRequest:
    _db.session.expire_all()
    return _db.session.get(AgencyRequest, request_id)


def revision_on(response) -> str:
    return re.search(r'name="loaded_revision" value="(\d+)"', text(response)).group(1)


def section_url(rid: int, section: str) -> str:
    return f"/requests/{rid}/sections/{section}"


def submit(browser, rid):
    """Submit from "check your answers", as a person does: with the revision they checked."""
    found = re.search(
        r'name="checked_revision" value="(\d+)"',
        browser.get(f"/requests/{rid}/check").get_data(as_text=True),
    )
    return browser.post(f"/requests/{rid}/submit", {"checked_revision": found[1] if found else ""})


def post_section(browser, rid, section, data, *, later=False, revision=None):
    if revision is None:
        revision = revision_on(browser.get(section_url(rid, section)))
    form = {**data, "loaded_revision": revision, "action": "later" if later else "continue"}
    return browser.post(section_url(rid, section), form)


def event(day: str, month: str, year: str, what: str = "Home visit") -> dict[str, str]:
    return {
        f"{EVENTS}-date-day": day,
        f"{EVENTS}-date-month": month,
        f"{EVENTS}-date-year": year,
        f"{EVENTS}-what_happened": what,
        f"{EVENTS}-practitioner_role": "Police officer",
        f"{EVENTS}-why_it_matters": "First sign of concern",
    }


# The list and the task list ------------------------------------------------------------------


def test_the_agencys_requests_list_theirs_only(web, police, requests, case, business_manager):
    other = make_case(business_manager, pseudonym="Child S")
    page = web(police).get("/requests/")
    assert page.status_code == 200 and page.title == "Your agency's requests – Casework"
    assert f"/requests/{requests['police']}" in text(page)
    assert f"/requests/{requests['health']}" not in text(page)
    assert f"{case.reference} (Child R)" in main(page)
    assert other.reference not in main(page) and "Private detail" not in text(page)


def test_the_task_list_shows_the_case_summary_and_each_sections_status(web, police, rid, case):
    page = web(police).get(f"/requests/{rid}")
    assert page.status_code == 200
    assert page.title == f"Police's return – {case.reference} – Casework"
    body = main(page)
    assert case.reference in body and "Child R" in body and "Serious harm" in body
    assert "Cover 2022-23" in body and "Private detail" not in body
    assert section_url(rid, "involvement_check") in body
    assert "Cannot start yet" in body and "Not started" in body
    assert section_url(rid, "learning") not in body  # not until the first question is answered


def test_while_the_case_is_on_hold_every_page_shows_the_request_paused(
    web, police, rid, case, business_manager
):
    fire_event(
        business_manager,
        case.id,
        "place_hold",
        {"on": london_today().isoformat(), "reason": "inquest"},
    )
    paused = "Paused: the case is on hold"
    assert paused in main(web(police).get("/requests/"))
    assert paused in main(web(police).get(f"/requests/{rid}"))
    manager = web(business_manager)
    assert paused in main(manager.get(f"/cases/{case.id}/requests"))
    assert paused in main(manager.get(f"/cases/{case.id}/requests/{rid}"))
    assert paused in main(manager.get(f"/cases/{case.id}/compiled-returns"))


def test_a_return_for_amendment_past_its_new_due_date_shows_overdue_to_the_agency(
    web, police, rid, case, business_manager
):
    """Sent back for amendment and not resubmitted by the new due date: the manager's pages
    said overdue while the agency's list and task list still said "Returned for amendment"."""
    browser = web(police)
    post_section(browser, rid, "involvement_check", {"had_involvement": "no"})
    assert submit(browser, rid).status_code == 302
    a_month_ago = london_today() - timedelta(days=30)  # due 5 working days after: passed
    return_for_amendment(business_manager, rid, "Check the school's records", today=a_month_ago)

    overdue = '<strong class="govuk-tag govuk-tag--red">Overdue</strong>'
    for path in ("/requests/", f"/requests/{rid}"):
        body = main(browser.get(path))
        assert overdue in body and "Returned for amendment</strong>" not in body
    assert "Check the school's records" in main(browser.get(f"/requests/{rid}"))
    manager = web(business_manager)
    assert "Overdue by" in main(manager.get(f"/cases/{case.id}/requests"))
    assert overdue in main(manager.get(f"/cases/{case.id}/compiled-returns"))


def test_contributors_never_see_the_case_page(web, police, rid, case):
    browser = web(police)
    assert browser.get(f"/cases/{case.id}").status_code == 404
    assert browser.get(f"/cases/{case.id}/requests").status_code in (403, 404)


@pytest.mark.parametrize("role", ["business_manager", "scrutineer", "panel_member"])
def test_other_roles_are_refused_every_contributor_page(web, role, rid, partnership):
    someone = make_user(partnership, role)
    browser = web(someone)
    for path in ("/requests/", f"/requests/{rid}", section_url(rid, "involvement_check")):
        assert browser.get(path).status_code == 403
    answer = {"had_involvement": "yes", "loaded_revision": "0"}
    assert browser.post(section_url(rid, "involvement_check"), answer).status_code == 403
    assert browser.post(f"/requests/{rid}/submit").status_code == 403
    assert stored(rid).revision == 0


# Sections ----------------------------------------------------------------------------------


def test_save_and_come_back_later_then_sign_out_and_find_the_answers(web, police, rid):
    browser = web(police)
    done = post_section(browser, rid, "involvement_check", {"had_involvement": "yes"})
    assert done.status_code == 302 and done.location.endswith(section_url(rid, "involvement"))

    page = post_section(browser, rid, "involvement", {"involvement_summary": ""}, later=True)
    assert page.status_code == 302 and page.location.endswith(f"/requests/{rid}")
    page = post_section(
        browser, rid, "involvement", {"involvement_summary": "Two visits"}, later=True
    )
    assert "Your answers have been saved" in text(browser.get(f"/requests/{rid}"))
    browser.post("/sign-out")

    later = web(police)
    page = later.get(section_url(rid, "involvement"))
    assert "Two visits</textarea>" in text(page)
    task_list = main(later.get(f"/requests/{rid}"))
    assert "Completed" in task_list and section_url(rid, "learning") in task_list


def test_save_and_continue_needs_the_mandatory_answers_and_keeps_the_input(web, police, rid):
    browser = web(police)
    post_section(browser, rid, "involvement_check", {"had_involvement": "yes"})
    page = post_section(browser, rid, "parallel_processes", {"parallel_processes_details": "CPS"})
    assert page.status_code == 200 and page.title.startswith("Error: Parallel processes")
    body = text(page)
    assert "Select the parallel processes your agency knows of, or select none known" in body
    assert 'href="#parallel_processes"' in body
    assert "CPS</textarea>" in body
    assert "parallel_processes_details" not in stored(rid).answers

    page = post_section(
        browser,
        rid,
        "parallel_processes",
        {"parallel_processes": ["inquest", "none_known"], "parallel_processes_details": "CPS"},
    )
    assert page.status_code == 200
    assert "Select 'None known' or select the parallel processes" in text(page)
    done = post_section(browser, rid, "parallel_processes", {"parallel_processes": ["inquest"]})
    assert done.status_code == 302 and done.location.endswith(f"/requests/{rid}/check")


def test_the_same_answer_changed_by_two_people_shows_both_with_the_input_kept(
    web, police, colleague, rid
):
    first, second = web(police), web(colleague)
    post_section(first, rid, "involvement_check", {"had_involvement": "yes"})
    loaded = revision_on(second.get(section_url(rid, "learning")))
    post_section(first, rid, "learning", {"learning": "Share referrals sooner"})

    page = post_section(
        second, rid, "learning", {"learning": "Train call handlers"}, revision=loaded
    )
    assert page.status_code == 200 and page.title.startswith("Error: ")
    body = text(page)
    assert f"{police.name} changed 'What learning has your agency identified?'" in body
    assert "Share referrals sooner" in body  # theirs, shown
    assert "Train call handlers</textarea>" in body  # mine, still in the box
    assert stored(rid).answers["learning"] == "Share referrals sooner"

    # Saving again from that page keeps what is in the box, deliberately.
    again = post_section(
        second, rid, "learning", {"learning": "Train call handlers"}, revision=revision_on(page)
    )
    assert again.status_code == 302
    assert stored(rid).answers["learning"] == "Train call handlers"


def test_a_page_shown_again_with_what_was_typed_keeps_the_revision_it_was_typed_against(
    web, police, colleague, rid
):
    """Shown again after an error, the boxes hold what was typed against the revision first
    loaded; the page carried the newest one, so saving again silently overwrote a colleague's
    answer given in between."""
    first, second = web(police), web(colleague)
    post_section(first, rid, "involvement_check", {"had_involvement": "yes"})
    loaded = revision_on(second.get(section_url(rid, "learning")))
    post_section(first, rid, "learning", {"learning": "Share referrals sooner"})

    too_long = post_section(second, rid, "learning", {"learning": "x" * 10_001}, revision=loaded)
    assert too_long.status_code == 200 and revision_on(too_long) == loaded

    again = post_section(
        second, rid, "learning", {"learning": "Train call handlers"}, revision=revision_on(too_long)
    )
    assert again.status_code == 200  # the clash is shown, not written over
    assert f"{police.name} changed 'What learning has your agency identified?'" in text(again)
    assert stored(rid).answers["learning"] == "Share referrals sooner"


def test_two_people_on_one_section_changing_different_answers_keep_both(
    web, police, colleague, rid
):
    first, second = web(police), web(colleague)
    post_section(first, rid, "involvement_check", {"had_involvement": "yes"})
    loaded = revision_on(first.get(section_url(rid, "parallel_processes")))
    post_section(
        first, rid, "parallel_processes", {"parallel_processes": ["inquest"]}, revision=loaded
    )
    done = post_section(
        second,
        rid,
        "parallel_processes",
        {"parallel_processes_details": "Inquest opened in May"},
        revision=loaded,
        later=True,
    )
    assert done.status_code == 302
    answers = stored(rid).answers
    assert answers["parallel_processes"] == ["inquest"]
    assert answers["parallel_processes_details"] == "Inquest opened in May"


def test_a_colleagues_nil_return_gives_back_what_was_typed_to_copy(web, police, colleague, rid):
    """One person types the involvement summary while a colleague answers "no involvement",
    then submits the nil return. Each save of the summary is refused, and the page said why
    but had no box and no trace of the text: it was thrown away."""
    first, second = web(police), web(colleague)
    post_section(first, rid, "involvement_check", {"had_involvement": "yes"})
    loaded = revision_on(first.get(section_url(rid, "involvement")))
    post_section(second, rid, "involvement_check", {"had_involvement": "no"})

    typed = "Two home visits by the neighbourhood team.\nThe mother's call in May."
    page = post_section(first, rid, "involvement", {"involvement_summary": typed}, revision=loaded)
    assert page.status_code == 200 and page.title.startswith("Error: Involvement over")
    body = main(page)
    assert "There is a problem" in body and "does not apply to your return" in body
    assert "Describe your agency's involvement" in body
    assert "Your answer, not saved" in body and typed in body
    assert "<textarea" not in body  # shown to copy, not to save: the question is not asked
    assert "involvement_summary" not in stored(rid).answers

    assert submit(second, rid).status_code == 302
    page = post_section(first, rid, "involvement", {"involvement_summary": typed}, revision=loaded)
    body = main(page)
    assert page.status_code == 200 and "nil return was submitted" in body and "is locked" in body
    assert "Your answer, not saved" in body and typed in body
    assert stored(rid).answers == {"had_involvement": "no"}


# The chronology -----------------------------------------------------------------------------


def test_events_are_added_changed_and_removed_one_per_page(web, police, rid):
    browser = web(police)
    post_section(browser, rid, "involvement_check", {"had_involvement": "yes"})
    listing = f"/requests/{rid}/chronology/{EVENTS}"
    page = browser.get(listing)
    assert "You have not added any events yet." in text(page)

    page = browser.post(f"{listing}/add", event("", "2", "2023"))
    assert page.status_code == 200 and "The date of the event must include a day" in text(page)
    assert f'href="#{EVENTS}-date-day"' in text(page)
    assert 'value="2023"' in text(page)  # the input is kept

    assert browser.post(f"{listing}/add", event("10", "2", "2023", "Visit")).status_code == 302
    assert browser.post(f"{listing}/add", event("5", "1", "2023", "Referral")).status_code == 302
    page = browser.get(listing)
    body = main(page)
    assert "You have added 2 events" in body
    assert body.index("Referral") < body.index("Visit")  # in date order
    assert f"{listing}/1" in body and f"{listing}/2/remove" in body

    change = browser.get(f"{listing}/1")
    assert 'value="10"' in text(change) and "Visit</textarea>" in text(change)
    form = {
        **event("11", "2", "2023", "Visit (rearranged)"),
        "loaded_revision": revision_on(change),
    }
    assert browser.post(f"{listing}/1", form).status_code == 302

    remove = browser.get(f"{listing}/2/remove")
    assert "Are you sure you want to remove this event?" in text(remove)
    done = browser.post(f"{listing}/2/remove", {"loaded_revision": revision_on(remove)})
    assert done.status_code == 302
    body = main(browser.get(listing))
    assert "Visit (rearranged)" in body and "Referral" not in body
    assert browser.get(f"{listing}/2").status_code == 404
    assert browser.get(f"/requests/{rid}/chronology/learning").status_code == 404


def test_an_event_dated_outside_1990_to_2099_is_refused_with_the_input_kept(web, police, rid):
    browser = web(police)
    post_section(browser, rid, "involvement_check", {"had_involvement": "yes"})
    listing = f"/requests/{rid}/chronology/{EVENTS}"
    page = browser.post(f"{listing}/add", event("1", "2", "0001", "Visit"))
    assert page.status_code == 200 and page.title.startswith("Error: ")
    body = text(page)
    assert "The date of the event must be between 1990 and 2099" in body
    assert f'href="#{EVENTS}-date-day"' in body and 'value="0001"' in body
    assert "You have not added any events yet." in text(browser.get(listing))


def test_an_events_date_highlights_and_links_only_the_box_at_fault(web, police, rid):
    """Month 13 is the month box alone; a real date in the future is wrong as a whole."""
    browser = web(police)
    post_section(browser, rid, "involvement_check", {"had_involvement": "yes"})
    add = f"/requests/{rid}/chronology/{EVENTS}/add"
    page = browser.post(add, event("10", "13", "2023"))
    message = "The date of the event must be a real date"
    assert f'<a href="#{EVENTS}-date-month">{message}</a>' in text(page)
    assert boxes_in_error(page, f"{EVENTS}-date") == ["month"]

    next_week = london_today() + timedelta(days=7)
    page = browser.post(add, event(str(next_week.day), str(next_week.month), str(next_week.year)))
    assert "The date of the event must be today or in the past" in text(page)
    assert page.page.summary_links == [f"#{EVENTS}-date-day"]
    assert boxes_in_error(page, f"{EVENTS}-date") == ["day", "month", "year"]


def test_a_date_question_highlights_only_the_box_at_fault(app):
    """A template's date question (none is shipped yet) follows the same rule."""
    question = Question(id="met_on", type="date", label="When did you meet?", mandatory=True)
    macro = '{% from "returns/_macros.html" import question_field %}'
    with app.test_request_context():
        rendered = render_template_string(
            macro + "{{ question_field(q, values, errors) }}",
            q=question,
            values={"met_on-day": "3", "met_on-month": "", "met_on-year": "2023"},
            errors={"met_on": "The date must include a month"},
        )
    parser = PageParser()
    parser.feed(rendered)
    assert boxes_in_error(parser, "met_on") == ["month"]


def test_changing_an_event_someone_else_removed_shows_the_clash(web, police, colleague, rid):
    first, second = web(police), web(colleague)
    post_section(first, rid, "involvement_check", {"had_involvement": "yes"})
    listing = f"/requests/{rid}/chronology/{EVENTS}"
    first.post(f"{listing}/add", event("10", "2", "2023", "Visit"))
    change = second.get(f"{listing}/1")
    remove = first.get(f"{listing}/1/remove")
    first.post(f"{listing}/1/remove", {"loaded_revision": revision_on(remove)})

    form = {**event("10", "2", "2023", "Visit, corrected"), "loaded_revision": revision_on(change)}
    page = second.post(f"{listing}/1", form)
    assert page.status_code == 200 and page.title.startswith("Error: ")
    assert f"{police.name} removed this event" in text(page)
    assert "Visit, corrected</textarea>" in text(page)
    assert f"{EVENTS}.1" not in stored(rid).answers


# Checking and submitting ------------------------------------------------------------------


def complete(browser, rid) -> None:
    post_section(browser, rid, "involvement_check", {"had_involvement": "yes"})
    for section, question in (
        ("involvement", "involvement_summary"),
        ("what_went_well", "what_went_well"),
        ("done_differently", "done_differently"),
        ("immediate_actions", "immediate_actions"),
        ("learning", "learning"),
    ):
        post_section(browser, rid, section, {question: f"About {section}"})
    browser.post(f"/requests/{rid}/chronology/{EVENTS}/add", event("1", "2", "2023"))
    post_section(browser, rid, "parallel_processes", {"parallel_processes": ["none_known"]})


def test_submitting_a_full_return_meets_the_clock_and_locks_it(web, police, rid, case):
    browser = web(police)
    post_section(browser, rid, "involvement_check", {"had_involvement": "yes"})
    check = browser.get(f"/requests/{rid}/check")
    assert "Before you can submit" in main(check) and "Submit the return" not in main(check)
    refused = browser.post(f"/requests/{rid}/submit")
    assert refused.status_code == 200 and refused.title.startswith("Error: Check your answers")
    assert "Your return is not finished" in text(refused)
    assert "Enter a description of your agency's involvement" in text(refused)
    assert stored(rid).status == "open"

    complete(browser, rid)
    check = browser.get(f"/requests/{rid}/check")
    body = main(check)
    assert "Submit the return" in body and "About learning" in body
    assert f"{section_url(rid, 'learning')}?from=check#learning" in body

    done = submit(browser, rid)
    assert done.status_code == 302 and done.location.endswith(f"/requests/{rid}/submitted")
    page = browser.get(f"/requests/{rid}/submitted")
    assert "Return submitted" in main(page)
    request = stored(rid)
    assert (request.status, request.submitted_on, request.nil_return) == (
        "submitted",
        london_today(),
        False,
    )
    clock = _db.session.scalars(select(Clock).where(Clock.agency_request_id == rid)).one()
    assert clock.met_on == london_today() and clock.next_rung_on is None

    # Locked: the pages show the answers, and posting changes nothing.
    assert browser.get(section_url(rid, "learning")).status_code == 302
    page = post_section(browser, rid, "learning", {"learning": "A late thought"}, revision="0")
    assert page.status_code == 200 and "is locked" in text(page)
    assert "A late thought</textarea>" in page.get_data(as_text=True)  # not thrown away
    assert "Submit the return" not in main(browser.get(f"/requests/{rid}/check"))
    assert browser.post(f"/requests/{rid}/submit").status_code == 200
    assert len(_db.session.scalars(select(ReturnSubmission)).all()) == 1
    assert stored(rid).answers["learning"] == "About learning"


def test_a_return_a_colleague_changed_after_it_was_checked_is_not_submitted(
    web, police, colleague, rid
):
    """Checked complete, then a colleague answers "no involvement": submitting what was never
    checked (a nil return) is refused, and the check page shows the answers as they are."""
    browser = web(police)
    complete(browser, rid)
    check = browser.get(f"/requests/{rid}/check").get_data(as_text=True)
    checked = re.search(r'name="checked_revision" value="(\d+)"', check)[1]
    post_section(web(colleague), rid, "involvement_check", {"had_involvement": "no"})

    refused = browser.post(f"/requests/{rid}/submit", {"checked_revision": checked})
    assert refused.status_code == 200
    assert "has changed the return since you checked it" in text(refused)
    assert "This is a nil return" in main(refused)
    assert stored(rid).status == "open"
    assert _db.session.scalars(select(ReturnSubmission)).all() == []
    assert submit(browser, rid).status_code == 302  # checked again: submitted


def test_a_nil_return_goes_straight_to_check_and_submits_at_once(web, police, rid):
    browser = web(police)
    done = post_section(browser, rid, "involvement_check", {"had_involvement": "no"})
    assert done.location.endswith(f"/requests/{rid}/check")
    check = main(browser.get(f"/requests/{rid}/check"))
    assert "This is a nil return" in check and "Submit the nil return" in check
    assert "Involvement over the review period" not in check
    assert submit(browser, rid).status_code == 302
    assert "Nil return submitted" in main(browser.get(f"/requests/{rid}/submitted"))
    view = request_for(police, rid)
    assert (view.status, view.nil_return) == ("nil_return", True)
    assert "Nil return submitted" in main(browser.get("/requests/"))


def test_the_chronology_does_not_apply_to_a_nil_return(web, police, rid):
    browser = web(police)
    post_section(browser, rid, "involvement_check", {"had_involvement": "no"})
    listing = f"/requests/{rid}/chronology/{EVENTS}"
    page = browser.get(listing)
    assert "The chronology does not apply to your return" in text(page)
    assert f"{listing}/add" not in text(page)
    assert browser.get(f"{listing}/add").status_code == 302
    refused = browser.post(f"{listing}/add", event("1", "2", "2023"))
    assert refused.status_code == 200 and "does not apply" in text(refused)
    assert stored(rid).answers == {"had_involvement": "no"}
