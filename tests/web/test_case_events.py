"""Event forms: one per event, GOV.UK date inputs, errors on the fields and at the top, the
check page before a state changes, and who may fire what."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from casework.extensions import db as _db
from casework.models import Case
from casework.services.cases import get_case
from casework.services.events import fire_event
from casework.services.today import london_today
from tests.factories import advance_case, grant_access, make_case
from tests.web.pages import boxes_in_error
from workflows.cases import EVENTS


def state_of(case_id: int) -> str:
    _db.session.expire_all()
    return _db.session.get(Case, case_id).state


def reload(user, case_id: int) -> Case:
    _db.session.expire_all()  # the services keep objects readable after a commit
    return get_case(user, case_id)


def history_length(case_id: int) -> int:
    _db.session.expire_all()
    case = _db.session.get(Case, case_id)
    return len(list(_db.session.scalars(case.history.select())))


def boxes(iso: str) -> list[str]:
    """A date as a person types it into the three GOV.UK boxes: 6, 3, 2023."""
    year, month, day = iso.split("-")
    return [str(int(day)), str(int(month)), year]


def url(case_id: int, event: str) -> str:
    return f"/cases/{case_id}/events/{event}"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def fire(browser, case_id: int, event: str, on: str, **facts):
    return browser.post(url(case_id, event), {"on": boxes(on), **facts})


def confirm(browser, case_id: int, event: str, on: str, **facts):
    return browser.post(url(case_id, event), {"on": boxes(on), "confirm": "yes", **facts})


def case_in(state: str, manager, leads):
    """A case in `state`, driven there through the services."""
    case = make_case(manager)
    if state == "referred":
        return case
    if state == "not_notified":
        return fire_event(
            manager, case.id, "decline_notification", {"on": "2023-03-02", "rationale": "Not met"}
        )
    if state == "national_review":
        advance_case(case.id, manager, leads, "awaiting_panel")
        return fire_event(
            manager,
            case.id,
            "record_panel_response",
            {"on": "2023-03-30", "panel_response": "national_review"},
        )
    return advance_case(case.id, manager, leads, state)


# Each event, and a state in which the workflow allows it.
EVENT_STATES = {
    "notify": "referred",
    "decline_notification": "referred",
    "reopen": "closed",
    "record_decision": "rapid_review",
    "sign_off": "approval",
    "submit_rapid_review": "rapid_review",
    "withdraw": "awaiting_panel",
    "record_panel_response": "awaiting_panel",
    "appoint_reviewer": "commissioning",
    "agree_terms_of_reference": "commissioning",
    "start_review": "commissioning",
    "submit_final_report": "in_review",
    "request_changes": "approval",
    "schedule_publication": "pre_publication",
    "send_advance_copy": "approval",
    "publish": "pre_publication",
    "national_review_published": "national_review",
    "place_hold": "learning",
    "lift_hold": "in_review",
    "close": "learning",
}


def test_every_event_has_a_state_here():
    assert set(EVENT_STATES) == set(EVENTS)


def test_every_event_form_renders_with_on_first_and_prefilled_with_today(
    web, business_manager, leads
):
    browser = web(business_manager)
    today = london_today()
    cases = {state: case_in(state, business_manager, leads) for state in set(EVENT_STATES.values())}
    fire_event(
        business_manager,
        cases["in_review"].id,
        "place_hold",
        {"on": "2023-05-02", "reason": "inquest"},
    )
    titles = set()
    for event, state in EVENT_STATES.items():
        case = cases[state]
        response = browser.get(url(case.id, event))
        assert response.status_code == 200, event
        page = text(response)
        assert 'id="on-day"' in page and f'value="{today:%Y}"' in page, event
        assert page.index('id="on-day"') < page.rindex('type="submit"'), event
        inputs = re.findall(r'<(?:input|textarea)[^>]* name="([a-z_]+)"', page)
        facts = [name for name in inputs if name not in ("csrf_token", "on")]
        assert inputs.index("on") < min((inputs.index(n) for n in facts), default=99), event
        titles.add(response.title)
    assert len(titles) == len(EVENT_STATES)  # every page told apart by its title


def test_each_form_asks_for_its_facts_in_words(web, business_manager, leads):
    browser = web(business_manager)
    case = case_in("rapid_review", business_manager, leads)
    page = text(browser.get(url(case.id, "record_decision")))
    assert "Hold a local child safeguarding practice review" in page
    assert 'name="decision" type="radio" value="lcspr"' in page
    assert "<textarea" in page and 'name="rationale"' in page

    commissioning = case_in("commissioning", business_manager, leads)
    page = text(browser.get(url(commissioning.id, "appoint_reviewer")))
    assert 'name="reviewer_name"' in page and 'name="reviewer_organisation"' in page

    publishing = case_in("pre_publication", business_manager, leads)
    page = text(browser.get(url(publishing.id, "publish")))
    assert 'type="checkbox" value="COVID-19"' in page and "Infant safety" in page
    assert 'name="pseudonym" type="text"' in page
    page = text(browser.get(url(publishing.id, "schedule_publication")))
    assert 'id="planned_on-day"' in page


def test_the_main_journey_through_the_forms(web, business_manager, la_lead, police_lead):
    manager = web(business_manager)
    case = make_case(business_manager)

    # notify changes the state: a check page first, then Confirm.
    check = fire(manager, case.id, "notify", "2023-03-06", sin_reference="SIN-0001")
    assert check.status_code == 200
    assert check.title.startswith("Check before you notify the Panel")
    page = text(check)
    assert "Referred" in page and "Rapid review" in page and "6 March 2023" in page
    assert "SIN-0001" in page
    assert state_of(case.id) == "referred"
    done = confirm(manager, case.id, "notify", "2023-03-06", sin_reference="SIN-0001")
    assert done.status_code == 302 and done.headers["Location"] == f"/cases/{case.id}"
    assert state_of(case.id) == "rapid_review"
    banner = text(manager.get(done.headers["Location"]))
    assert "The Panel has been notified. The case has moved to rapid review." in banner

    # record_decision records a fact: no check page.
    done = fire(
        manager, case.id, "record_decision", "2023-03-14", decision="lcspr", rationale="Met"
    )
    assert done.status_code == 302

    # Each lead signs off as themselves: no partner field.
    for lead, name in ((la_lead, "the local authority"), (police_lead, "the police")):
        browser = web(lead)
        form = text(browser.get(url(case.id, "sign_off")))
        assert 'name="partner"' not in form and 'name="given_by"' not in form
        assert f"You are signing off for {name}" in form
        assert "Hold a local child safeguarding practice review" in form  # what is signed
        done = fire(browser, case.id, "sign_off", "2023-03-15")
        assert done.status_code == 302
        assert f"Your sign-off for {name} has been recorded." in text(
            browser.get(f"/cases/{case.id}")
        )

    # The manager records health's sign-off, given outside the system.
    form = text(manager.get(url(case.id, "sign_off")))
    assert 'name="partner" type="radio" value="health"' in form and 'name="given_by"' in form
    done = fire(
        manager, case.id, "sign_off", "2023-03-16", partner="health", given_by="Dr Jo Bloggs"
    )
    assert done.status_code == 302

    check = fire(manager, case.id, "submit_rapid_review", "2023-03-20")
    assert check.title.startswith("Check before you submit the rapid review")
    assert "Awaiting panel" in text(check)
    assert state_of(case.id) == "rapid_review"
    assert confirm(manager, case.id, "submit_rapid_review", "2023-03-20").status_code == 302
    loaded = reload(business_manager, case.id)
    assert loaded.state == "awaiting_panel"
    given = {s.partner: s.given_by for s in loaded.current_sign_offs}
    assert given == {"local_authority": None, "police": None, "health": "Dr Jo Bloggs"}

    # The Panel's reply: the check page says where the case goes.
    check = fire(manager, case.id, "record_panel_response", "2023-03-30", panel_response="agree")
    assert "Commissioning" in text(check)
    confirm(manager, case.id, "record_panel_response", "2023-03-30", panel_response="agree")
    assert state_of(case.id) == "commissioning"
    done = fire(
        manager,
        case.id,
        "appoint_reviewer",
        "2023-04-12",
        reviewer_name="A. Reviewer",
        reviewer_organisation="Independent",
    )
    assert done.status_code == 302
    assert reload(business_manager, case.id).reviewer_organisation == "Independent"


def test_change_goes_back_to_the_form_with_the_answers_kept(web, business_manager):
    browser = web(business_manager)
    case = make_case(business_manager)
    response = browser.post(
        url(case.id, "notify"),
        {"on": boxes("2023-03-06"), "sin_reference": "SIN-77", "change": "yes"},
    )
    assert response.status_code == 200 and response.title.startswith("Notify the Panel")
    page = text(response)
    assert 'value="SIN-77"' in page and 'id="on-day" name="on" type="text" value="6"' in page
    assert "govuk-error-summary" not in page
    assert state_of(case.id) == "referred"


def test_a_date_that_is_not_real_is_an_error_beside_the_field_and_in_the_summary(
    web, business_manager
):
    browser = web(business_manager)
    case = make_case(business_manager)
    response = browser.post(url(case.id, "notify"), {"on": ["31", "2", "2023"]})
    assert response.status_code == 200
    assert response.title.startswith("Error: Notify the Panel")
    page = text(response)
    assert '<a href="#on-day">The date must be a real date</a>' in page
    assert re.search(r'id="on-error"[^>]*>\s*<span[^>]*>Error:</span> The date must be a', page)
    assert 'value="31"' in page  # what was typed stays
    assert state_of(case.id) == "referred"


ALL_BOXES = ["day", "month", "year"]


@pytest.mark.parametrize(
    ("typed", "message", "at_fault"),
    [
        (["", "", ""], "Enter the date", ALL_BOXES),
        (["6", "", "2023"], "The date must include a month", ["month"]),
        (["6", "3", ""], "The date must include a year", ["year"]),
        (["", "", "2023"], "The date must include a day and a month", ["day", "month"]),
        (["six", "3", "2023"], "The date must be a real date", ["day"]),
        (["6", "13", "2023"], "The date must be a real date", ["month"]),
        (["31", "4", "2023"], "The date must be a real date", ALL_BOXES),
        (["6", "3", "23"], "The date must have a year with 4 numbers", ["year"]),
    ],
)
def test_date_messages_highlight_and_link_the_boxes_at_fault(
    web, business_manager, typed, message, at_fault
):
    """GOV.UK: a problem with particular boxes highlights only those, the summary linking to
    the first; a problem with the date as a whole highlights all three."""
    case = make_case(business_manager)
    form = {"on": typed, "reason": "inquest"}
    response = web(business_manager).post(url(case.id, "place_hold"), form)
    assert f'<a href="#on-{at_fault[0]}">{message}</a>' in text(response)
    assert response.page.summary_links == [f"#on-{at_fault[0]}"]
    assert boxes_in_error(response, "on") == at_fault


def test_a_date_before_the_la_became_aware_shows_the_services_message_on_on(web, business_manager):
    browser = web(business_manager)
    case = make_case(business_manager)  # the LA became aware on 1 March 2023
    expected = "The date cannot be before the date the local authority became aware (1 March 2023)"
    response = fire(browser, case.id, "place_hold", "2023-02-28", reason="inquest")
    assert response.status_code == 200
    assert f'<a href="#on-day">{expected}</a>' in text(response)
    assert 'id="on-error"' in text(response)
    assert boxes_in_error(response, "on") == ALL_BOXES  # a real date: wrong as a whole

    # Through the check page, the service's answer comes back on the form too.
    response = confirm(browser, case.id, "notify", "2023-02-28")
    assert response.status_code == 200 and response.title.startswith("Error: Notify the Panel")
    assert f'<a href="#on-day">{expected}</a>' in text(response)
    assert state_of(case.id) == "referred"


def test_a_guard_refusal_shows_the_plain_english_reason(web, business_manager, la_lead):
    browser = web(business_manager)
    case = make_case(business_manager)
    fire_event(business_manager, case.id, "notify", {"on": "2023-03-06"})
    fire_event(
        business_manager,
        case.id,
        "record_decision",
        {"on": "2023-03-14", "decision": "lcspr", "rationale": "Met"},
    )
    fire_event(la_lead, case.id, "sign_off", {"on": "2023-03-15"})
    reason = (
        "The rapid review cannot be submitted until the police and health (the ICB) "
        "have signed off the decision."
    )
    assert reason in text(browser.get(url(case.id, "submit_rapid_review")))  # said up front

    response = fire(browser, case.id, "submit_rapid_review", "2023-03-20")  # no check page
    assert response.status_code == 200 and response.title.startswith("Error: Submit")
    assert re.search(r"govuk-error-summary__list\">\s*<li>\s*" + re.escape(reason), text(response))

    response = confirm(browser, case.id, "submit_rapid_review", "2023-03-20")  # the service
    assert response.status_code == 200 and reason in text(response)
    assert state_of(case.id) == "rapid_review"

    lead = web(la_lead)
    response = fire(lead, case.id, "sign_off", "2023-03-16")
    assert "The local authority have already signed off this decision." in text(response)


def test_an_event_not_allowed_in_the_state_says_so_in_words(web, business_manager, leads):
    browser = web(business_manager)
    case = make_case(business_manager)
    page = text(browser.get(url(case.id, "submit_rapid_review")))
    assert "You cannot submit the rapid review while the case is in the referred stage." in page
    response = confirm(browser, case.id, "close", "2023-03-06")
    assert "You cannot close the case while the case is in the referred stage." in text(response)
    assert state_of(case.id) == "referred"


def test_publish_needs_a_reason_when_only_improvements_are_published(web, business_manager, leads):
    browser = web(business_manager)
    case = case_in("pre_publication", business_manager, leads)
    response = fire(
        browser, case.id, "publish", "2023-09-01", kind="improvements_only", pseudonym="Child Q"
    )
    assert '<a href="#reason">Enter why only the improvements are published</a>' in text(response)
    response = fire(
        browser,
        case.id,
        "publish",
        "2023-09-01",
        kind="full",
        pseudonym="Child Q",
        themes=["neglect", "COVID-19"],
    )
    assert response.title.startswith("Check before you publish the report")
    assert "Neglect, COVID-19" in text(response)
    response = browser.post(url(case.id, "publish"), {"confirm": "yes", **_posted(response)})
    assert response.status_code == 302
    assert reload(business_manager, case.id).themes == ["neglect", "COVID-19"]


def _posted(check_page) -> dict[str, list[str]]:
    """The hidden answers on a check page, as its Confirm button posts them."""
    posted: dict[str, list[str]] = {}
    for name, value in re.findall(
        r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', check_page.get_data(as_text=True)
    ):
        if name != "csrf_token":
            posted.setdefault(name, []).append(html.unescape(value))
    return posted


def test_the_check_page_posts_back_exactly_what_was_answered(web, business_manager):
    browser = web(business_manager)
    case = make_case(business_manager)
    check = fire(browser, case.id, "decline_notification", "2023-03-02", rationale='Not met "<b>"')
    assert _posted(check) == {"on": ["2", "3", "2023"], "rationale": ['Not met "<b>"']}
    assert state_of(case.id) == "referred"
    done = browser.post(url(case.id, "decline_notification"), {"confirm": "yes", **_posted(check)})
    assert done.status_code == 302
    assert state_of(case.id) == "not_notified"


@pytest.mark.parametrize(
    "typed", [["6", "3", "1989"], ["6", "3", "2100"]], ids=["before 1990", "after 2099"]
)
def test_a_year_out_of_range_is_an_error_beside_the_date(web, business_manager, typed):
    """A year typed wrong was stored, and then broke every page counting days from it."""
    case = make_case(business_manager)
    response = web(business_manager).post(url(case.id, "notify"), {"on": typed})
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert "govuk-error-summary" in page
    assert page.count("The date must be between 1990 and 2099") == 2  # summary and field
    assert state_of(case.id) == "referred"


@pytest.mark.parametrize(
    "data",
    [
        {"on": ["a", "b", "c"]},
        {"on": "2023-03-06"},
        {"on": ["6", "3", "2023", "1"]},
        {},
        {"on": ["6", "3", "2023"], "decision": "bogus", "rationale": "x"},
        {"on": ["6", "3", "2023"], "sin_reference": "x" * 5000},
        {"on": ["6", "3", "99999"]},
        {"on": ["0", "0", "0000"]},
        {"on": ["6", "3", "2023"], "partner": "martians", "given_by": "Someone"},
        {"on": ["6", "3", "2023"], "themes": ["bogus"], "kind": "full", "pseudonym": "Q"},
        {"on": ["6", "3", "2099"], "confirm": "yes"},
        {"on": ["6", "3", "0001"]},
        {"on": ["6", "3", "2023"], "sin_reference": "x" * 150},
        {"on": ["6", "3", "2023"], "partner": "police", "given_by": "x" * 300},
        {"on": ["6", "3", "2023"], "kind": "full", "pseudonym": "P" * 150},
    ],
)
@pytest.mark.parametrize("event", ["notify", "record_decision", "sign_off", "publish"])
def test_no_bad_input_gives_a_server_error(web, business_manager, event, data):
    """Nor stores something a column cannot hold: PostgreSQL refused those as a 500."""
    browser = web(business_manager)
    case = make_case(business_manager)
    before = history_length(case.id)
    response = browser.post(url(case.id, event), data)
    assert response.status_code in (200, 302)
    if response.status_code == 302:  # only a well-formed notify can have gone through
        assert event == "notify"
    else:
        assert history_length(case.id) == before


def test_people_who_may_not_fire_get_403_and_nothing_changes(
    web, business_manager, scrutineer, panel_member, police_lead
):
    case = make_case(business_manager)
    grant_access(case.id, panel_member, business_manager, date(2099, 1, 1))
    before = history_length(case.id)
    for user in (scrutineer, panel_member, police_lead):
        browser = web(user)
        for response in (
            browser.get(url(case.id, "notify")),
            fire(browser, case.id, "notify", "2023-03-06"),
            confirm(browser, case.id, "notify", "2023-03-06"),
        ):
            assert response.status_code == 403, user.role
            assert response.title == "You cannot do this – Casework"
    assert web(scrutineer).get(url(case.id, "sign_off")).status_code == 403
    assert state_of(case.id) == "referred" and history_length(case.id) == before


def test_another_partnerships_case_is_not_found(web, business_manager, other_manager):
    case = make_case(business_manager)
    browser = web(other_manager)
    assert browser.get(url(case.id, "notify")).status_code == 404
    assert confirm(browser, case.id, "notify", "2023-03-06").status_code == 404
    assert web(business_manager).get(url(case.id, "no_such_event")).status_code == 404
    assert web(business_manager).get(url(10**12, "notify")).status_code == 404
    assert state_of(case.id) == "referred"
