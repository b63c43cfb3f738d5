"""Refusals come in the order the domain reference gives: 401, 404, 403, 422, 409.

Whatever else is wrong with a request (a bad `?on=`, an unknown query parameter, a body that
is not a JSON object, text no database can store), a case the user may not see is 404 and an
action the user's role may not take is 403, before anything about the input is said. A request
refused with 422 neither saves anything nor counts as a read of the case it did not show.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casework.extensions import db as _db
from casework.models import CaseRead
from tests.factories import make_case

NOTIFY = {"event": "notify", "on": "2023-03-06"}
MISSING = 999_999


def reads_recorded() -> int:
    return _db.session.scalar(select(func.count()).select_from(CaseRead))


def get(api, path: str, query: str):
    return api.client.get(f"/api/v1{path}?{query}", headers=api.headers)


def post(api, path: str, query: str, body):
    return api.client.post(f"/api/v1{path}?{query}", json=body, headers=api.headers)


BAD_QUERIES = ["on=bad", "x=1", "on=2100-01-01", "on=%00"]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_a_case_the_user_may_not_see_is_404_whatever_the_query(manager_api, other_manager, query):
    theirs = make_case(other_manager)
    for case_id in (theirs.id, MISSING):
        response = get(manager_api, f"/cases/{case_id}", query)
        assert response.status_code == 404, (case_id, response.json)
        assert response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("on=bad", NOTIFY),
        ("x=1", NOTIFY),
        ("", []),
        ("", "notify"),
        ("", {"event": "notify\x00", "on": "2023-03-06"}),
    ],
)
def test_firing_on_a_case_the_user_may_not_see_is_404_whatever_the_input(
    manager_api, other_manager, query, body
):
    theirs = make_case(other_manager)
    for case_id in (theirs.id, MISSING):
        response = post(manager_api, f"/cases/{case_id}/events", query, body)
        assert response.status_code == 404, (case_id, response.json)
    _db.session.expire_all()
    assert theirs.state == "referred"


@pytest.mark.parametrize(("query", "body"), [("on=bad", NOTIFY), ("x=1", NOTIFY), ("", [])])
def test_an_event_the_role_may_not_fire_is_403_whatever_the_input(
    as_user, police_lead, scrutineer, business_manager, query, body
):
    case = make_case(business_manager)
    for user in (police_lead, scrutineer):
        response = post(as_user(user), f"/cases/{case.id}/events", query, body)
        assert response.status_code == 403, (user.role, response.json)


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("on=bad", {"nature": "death"}),
        ("x=1", {"nature": "death"}),
        ("", [1]),
        ("", {"nature": "death\x00"}),
    ],
)
def test_a_role_that_may_not_open_cases_gets_403_whatever_the_input(
    as_user, police_lead, scrutineer, admin_user, query, body
):
    for user in (police_lead, scrutineer, admin_user):
        response = post(as_user(user), "/cases", query, body)
        assert response.status_code == 403, (user.role, response.json)


@pytest.mark.parametrize("path", ["/cases", "/clocks"])
def test_admins_listing_cases_or_clocks_get_403_whatever_the_query(as_user, admin_user, path):
    api = as_user(admin_user)
    for query in ["on=bad", "x=1", "page=0", "state=referred%00"]:
        response = get(api, path, query)
        assert response.status_code == 403, (query, response.json)


def test_admins_are_refused_as_a_role_before_any_case_is_looked_up(
    as_user, admin_user, business_manager
):
    """So an admin learns nothing of which ids exist: 403 alike for a real case and none."""
    api = as_user(admin_user)
    case = make_case(business_manager)
    for case_id in (case.id, MISSING):
        assert get(api, f"/cases/{case_id}", "on=bad").status_code == 403
        assert post(api, f"/cases/{case_id}/events", "", NOTIFY).status_code == 403


def test_a_bad_query_on_a_visible_case_is_422_and_is_not_recorded_as_a_read(
    manager_api, business_manager
):
    case = make_case(business_manager)
    before = reads_recorded()
    for query in BAD_QUERIES:
        response = get(manager_api, f"/cases/{case.id}", query)
        assert response.status_code == 422, (query, response.json)
    assert reads_recorded() == before  # the case was not shown
    assert get(manager_api, f"/cases/{case.id}", "on=2023-03-09").status_code == 200
    assert reads_recorded() == before + 1


@pytest.mark.parametrize(
    ("query", "body", "field"),
    [
        ("on=bad", {"event": "close", "on": "2023-03-06"}, "on"),
        ("x=1", {"event": "close", "on": "2023-03-06"}, "x"),
        ("on=2100-01-01", NOTIFY, "on"),
        ("", [], "body"),
    ],
)
def test_bad_input_with_an_event_is_422_before_409_and_saves_nothing(
    manager_api, business_manager, query, body, field
):
    case = make_case(business_manager)
    before = reads_recorded()
    response = post(manager_api, f"/cases/{case.id}/events", query, body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert reads_recorded() == before
    shown = manager_api.get(f"/cases/{case.id}").json
    assert shown["state"] == "referred" and len(shown["history"]) == 1


def test_a_bad_query_when_opening_a_case_is_422_and_opens_nothing(manager_api):
    body = {"nature": "death", "incident_on": "2023-02-27", "la_aware_on": "2023-03-01"}
    for query in ("on=bad", "x=1"):
        assert post(manager_api, "/cases", query, body).status_code == 422
    assert post(manager_api, "/cases", "", [body]).status_code == 422
    assert manager_api.get("/cases").json["total"] == 0
    assert reads_recorded() == 0


def test_every_api_route_checks_its_input_for_text_no_database_can_store(
    app, manager_api, business_manager
):
    """The check is each view's own, made in its turn (no longer before every view): a route
    that forgot it would let a NUL through to PostgreSQL, and fail there as a server error."""
    case = make_case(business_manager)
    routes = [
        (rule.rule.removeprefix("/api/v1").replace("<int:case_id>", str(case.id)), method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi_document"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    ]
    assert len(routes) == 5
    for path, method in routes:
        response = manager_api.client.open(
            f"/api/v1{path}?on=%00",
            method=method,
            json=NOTIFY if method == "POST" else None,
            headers=manager_api.headers,
        )
        assert response.status_code == 422, (method, path, response.json)
        assert "cannot be saved" in response.json["error"]["message"]
    assert manager_api.get("/cases").json["total"] == 1
