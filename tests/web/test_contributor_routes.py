"""Every route of the contributor's `returns` blueprint, GET and POST, refuses what is not the
contributor's own agency's live request: a 404, exactly as if it did not exist, and nothing
changes.

The routes are found in the URL map (every endpoint starting "returns."), so a route added
later is walked without anyone remembering to list it. Each is tried as a contributor of the
police (agency A) with: the health agency's request on the same case, the health agency's
request on a case the police were not asked about, the police's own cancelled request, and an
id that does not exist. Each of those requests has answers and a chronology entry 1, so the
404 is never just a missing entry. Every POST carries a valid CSRF token and a body that
succeeds on the contributor's own request (the second test checks it), so the 404 proves
the access check, not a bad form. A method a route does not serve is 405 whatever the id,
which gives nothing away. Around every request the database is compared: the row counts of
agency_requests, answer_changes, return_submissions and agency_request_events, and each
request's answers, revision, status and version.

Other roles (business manager, scrutineer, panel member, admin) get 403 on every contributor
page, whatever the id: the pages are for agency contributors only, and the role is refused
before any request is looked up, so the answer is the same for every id and says nothing about
which exist. Contributors never see the case itself: /cases/<id> is a 404 for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import url_for
from sqlalchemy import func, select

from casework.extensions import db as _db
from casework.models import (
    AgencyRequest,
    AgencyRequestEvent,
    AnswerChange,
    ReturnSubmission,
)
from casework.services.agency_requests import cancel, send_requests
from casework.services.returns_merge import add_chronology_entry, save_section
from tests.factories import advance_case, make_case, make_user

EVENTS = "significant_events"
SECTION = "involvement_check"
ENTRY = {
    f"{EVENTS}-date-day": "3",
    f"{EVENTS}-date-month": "2",
    f"{EVENTS}-date-year": "2023",
    f"{EVENTS}-what_happened": "Home visit",
    f"{EVENTS}-practitioner_role": "Police officer",
    f"{EVENTS}-why_it_matters": "First concern",
}
# The order to walk the routes on the contributor's own request: a removal after the change.
LAST = {"returns.remove_entry": 1, "returns.submit": 2}


@dataclass
class World:
    contributor: object  # the police's contributor (agency A)
    own: int  # the police's live request on the first case
    targets: dict[str, int]  # what must be a 404, by what it is
    case_ids: list[int]


def answer(user, request_id: int) -> None:
    """Answers and a chronology entry 1, so that every route's URL points at something."""
    save_section(user, request_id, SECTION, {"had_involvement": "yes"}, 0)
    add_chronology_entry(user, request_id, EVENTS, ENTRY)


@pytest.fixture
def world(partnership, business_manager, leads) -> World:
    police = make_user(partnership, "agency_contributor", agency="Police")
    health = make_user(partnership, "agency_contributor", agency="Integrated Care Board (health)")
    cases = []
    for _ in range(3):
        opened = make_case(business_manager)
        cases.append(advance_case(opened.id, business_manager, leads, "rapid_review"))
    first, not_asked, withdrawn = cases

    asked = send_requests(business_manager, first.id, [police.agency_id, health.agency_id])
    own = next(r.id for r in asked if r.agency_id == police.agency_id)
    theirs = next(r.id for r in asked if r.agency_id == health.agency_id)
    [elsewhere] = send_requests(business_manager, not_asked.id, [health.agency_id])
    [cancelled] = send_requests(business_manager, withdrawn.id, [police.agency_id])
    for user, request_id in ((police, own), (health, theirs), (health, elsewhere.id)):
        answer(user, request_id)
    answer(police, cancelled.id)
    cancel(business_manager, cancelled.id, "Asked in error")
    return World(
        contributor=police,
        own=own,
        targets={
            "another agency's request": theirs,
            "a case the agency was not asked about": elsewhere.id,
            "the agency's cancelled request": cancelled.id,
            "no such request": 987654,
        },
        case_ids=[c.id for c in cases],
    )


def contributor_rules(app) -> list:
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("returns.")]
    assert len(rules) >= 9, "the contributor's routes"
    return sorted(rules, key=lambda r: (LAST.get(r.endpoint, 0), r.rule))


def url(app, rule, request_id: int) -> str:
    values = {"request_id": request_id, "section_id": SECTION, "question_id": EVENTS, "entry_id": 1}
    with app.test_request_context():
        return url_for(rule.endpoint, **{k: v for k, v in values.items() if k in rule.arguments})


def body(browser, revision: int) -> dict:
    """A body that succeeds on the contributor's own request, whichever route it goes to,
    with the browser's CSRF token (fetched once: the token lasts the session)."""
    if not hasattr(browser, "token"):
        browser.token = browser.csrf_token()
    return {
        "csrf_token": browser.token,
        **ENTRY,
        "had_involvement": "yes",
        "loaded_revision": str(revision),
        "action": "later",
    }


def snapshot() -> tuple:
    _db.session.expire_all()
    counts = tuple(
        _db.session.scalar(select(func.count()).select_from(model))
        for model in (AgencyRequest, AnswerChange, ReturnSubmission, AgencyRequestEvent)
    )
    requests = tuple(
        (r.id, repr(sorted(r.answers.items())), r.revision, r.status, r.version_id)
        for r in _db.session.scalars(select(AgencyRequest).order_by(AgencyRequest.id))
    )
    return counts, requests


def test_every_contributor_route_is_a_404_for_anything_but_their_own_live_request(app, web, world):
    browser = web(world.contributor)
    walked = []
    for rule in contributor_rules(app):
        if "request_id" not in rule.arguments:
            continue  # the list of the agency's requests: below
        for what, target in world.targets.items():
            path = url(app, rule, target)
            for method in ("GET", "POST"):
                before = snapshot()
                if method == "GET":
                    response = browser.get(path)
                else:
                    response = browser.post(path, body(browser, revision=1))
                expected = 404 if method in rule.methods else 405
                assert response.status_code == expected, f"{method} {path} ({what})"
                assert snapshot() == before, f"{method} {path} ({what}) changed something"
                walked.append((method, rule.endpoint))
    served = {(m, r.endpoint) for r in contributor_rules(app) for m in ("GET", "POST")}
    assert set(walked) == {s for s in served if s[1] != "returns.index"}

    # The list names none of them.
    page = browser.get("/requests/")
    assert page.status_code == 200
    for target in world.targets.values():
        assert f"/requests/{target}" not in page.get_data(as_text=True)
    assert f"/requests/{world.own}" in page.get_data(as_text=True)
    refused = browser.post("/requests/")
    assert refused.status_code == 405
    assert "GET" in refused.headers["Allow"]  # which methods it does serve, as HTTP asks


def test_the_same_routes_and_bodies_work_on_the_contributors_own_request(app, web, world):
    """The control: the URLs and bodies the walk above uses are good ones."""
    browser = web(world.contributor)
    for rule in contributor_rules(app):
        path = url(app, rule, world.own)
        for method in ("GET", "POST"):
            if method not in rule.methods:
                continue
            if method == "GET":
                response = browser.get(path)
            else:
                response = browser.post(path, body(browser, _revision_of(world.own)))
            assert response.status_code in (200, 302), f"{method} {path}"
            if method == "POST" and rule.endpoint != "returns.submit":
                assert response.status_code == 302, f"{method} {path} was not accepted"


def _revision_of(request_id: int) -> int:
    _db.session.expire_all()
    return _db.session.get(AgencyRequest, request_id).revision


@pytest.mark.parametrize("role", ["business_manager", "scrutineer", "panel_member", "admin"])
def test_other_roles_are_refused_every_contributor_route(app, web, world, role, partnership):
    someone = make_user(partnership, role)
    browser = web(someone)
    for rule in contributor_rules(app):
        for request_id in (world.own, world.targets["another agency's request"]):
            path = url(app, rule, request_id)
            for method in ("GET", "POST"):
                before = snapshot()
                if method == "GET":
                    response = browser.get(path)
                else:
                    response = browser.post(path, body(browser, revision=1))
                expected = 403 if method in rule.methods else 405
                assert response.status_code == expected, f"{role}: {method} {path}"
                assert snapshot() == before


def test_contributors_never_see_a_case_page(web, world):
    browser = web(world.contributor)
    for case_id in world.case_ids:
        assert browser.get(f"/cases/{case_id}").status_code == 404
