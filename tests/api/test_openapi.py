"""The OpenAPI document: valid, complete against the URL map, and true to what the API returns.

Every request below goes through the API with a real bearer token. Each response is checked
against the schema the document gives for its path, method and status code (response objects
are closed, so an undocumented field fails as surely as a missing one), each request we expect
to succeed is checked against the documented request body, and each test ends by checking that
every status code documented for its routes was actually seen.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from casework.api.auth import PUBLIC_ENDPOINTS
from casework.services.cases import CASE_FIELDS
from casework.services.errors import (
    Conflict,
    Invalid,
    NotFound,
    NotPermitted,
    Refused,
    TransitionNotAllowed,
)
from tests.factories import HAPPY_PATH, make_case, make_token
from workflows.cases import EVENTS
from workflows.facts import EVENT_FACTS, FIRST_DAY, LAST_DAY

PREFIX = "/api/v1"
DOCUMENT_URI = "urn:casework:openapi"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
NEW_CASE = {
    "nature": "death",
    "incident_on": "2023-02-27",
    "la_aware_on": "2023-03-01",
    "pseudonym": "Child R",
    "summary": "Fictional summary for a test.",
}


def pointer(*parts: str) -> str:
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def unpointer(ref: str) -> list[str]:
    assert ref.startswith("#/"), ref
    return [p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]


class Api:
    """Calls the API and checks every exchange against the document."""

    def __init__(self, client, document: dict[str, Any]):
        self.client = client
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(DOCUMENT_URI, resource)
        self.seen: set[tuple[str, str, int]] = set()

    def at(self, parts: list[str]) -> Any:
        node = self.document
        for part in parts:
            node = node[part]
        return node

    def validator(self, parts: list[str]) -> Draft202012Validator:
        """A validator for the schema at `parts` in the document, its `$ref`s resolved there."""
        return Draft202012Validator(
            {"$ref": DOCUMENT_URI + pointer(*parts)},
            registry=self.registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )

    def response_schema(self, template: str, method: str, status: int) -> list[str]:
        responses = self.document["paths"][template][method]["responses"]
        assert str(status) in responses, f"{method.upper()} {template} {status} is not documented"
        where = ["paths", template, method, "responses", str(status)]
        if "$ref" in self.at(where):
            where = unpointer(self.at(where)["$ref"])
        return [*where, "content", "application/json", "schema"]

    def call(
        self,
        method: str,
        template: str,
        expect: int,
        *,
        token: str | None = None,
        body: Any = None,
        query: dict[str, str] | None = None,
        **path: Any,
    ) -> dict[str, Any]:
        operation = ["paths", template, method]
        if body is not None and expect < 300:
            where = [*operation, "requestBody", "content", "application/json", "schema"]
            self.validator(where).validate(body)
        response = self.client.open(
            PREFIX + template.format(**path),
            method=method.upper(),
            headers={"Authorization": f"Bearer {token}"} if token else {},
            json=body,
            query_string=query or {},
        )
        data = response.get_json()
        assert response.status_code == expect, data
        assert response.mimetype == "application/json"
        self.validator(self.response_schema(template, method, expect)).validate(data)
        self.seen.add((template, method, expect))
        return data

    def assert_every_status_seen(self, template: str, method: str) -> None:
        documented = self.document["paths"][template][method]["responses"]
        seen = {status for t, m, status in self.seen if (t, m) == (template, method)}
        missing = {int(status) for status in documented} - seen
        assert not missing, f"{method.upper()} {template}: never saw {sorted(missing)}"


@pytest.fixture
def document(client) -> dict[str, Any]:
    response = client.get(PREFIX + "/openapi.json")  # no token: the document is public
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture
def api(client, document) -> Api:
    return Api(client, document)


@pytest.fixture
def token(business_manager) -> str:
    return make_token(business_manager)


@pytest.fixture
def admin_token(admin_user) -> str:
    return make_token(admin_user)


def rapid_review_case(api: Api, token: str) -> dict[str, Any]:
    case = api.call("post", "/cases", 201, token=token, body=NEW_CASE)
    return api.call(
        "post",
        "/cases/{case_id}/events",
        200,
        token=token,
        body={"event": "notify", "on": "2023-03-06", "sin_reference": "SIN-1"},
        case_id=case["id"],
    )


# --- the document itself -------------------------------------------------------------------


def test_document_is_valid_openapi_3_1(document):
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": PREFIX}]


def test_document_and_url_map_have_the_same_operations(app, document):
    routes: dict[tuple[str, str], Any] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX) :])
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes[(path, method.lower())] = rule
    documented = {
        (path, method): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }
    assert set(routes) == set(documented)

    for key, rule in routes.items():
        operation = documented[key]
        in_path = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert in_path == set(rule.arguments), key
        public = rule.endpoint in PUBLIC_ENDPOINTS
        assert operation.get("security", document["security"]) == (
            [] if public else [{"bearer": []}]
        ), key
        assert public or "401" in operation["responses"], key


def test_request_schemas_follow_the_workflow_tables(document):
    schemas = document["components"]["schemas"]
    assert set(schemas["NewCase"]["properties"]) == set(CASE_FIELDS)
    mapping = schemas["Event"]["discriminator"]["mapping"]
    assert list(mapping) == list(EVENTS)
    for event, ref in mapping.items():
        schema = schemas[unpointer(ref)[-1]]
        assert schema["properties"]["event"] == {"const": event}
        assert set(schema["properties"]) == {"event", "on", *EVENT_FACTS[event]}
        required = {n for n, fact in EVENT_FACTS[event].items() if fact.required}
        assert set(schema["required"]) == {"event", "on", *required}
        assert schema["additionalProperties"] is False


def test_the_check_fails_on_an_extra_or_a_missing_field(api, token):
    case = rapid_review_case(api, token)
    case = api.call("get", "/cases/{case_id}", 200, token=token, case_id=case["id"])
    check = api.validator(api.response_schema("/cases/{case_id}", "get", 200))
    check.validate(case)
    broken = [
        {**case, "partnership_id": 1},
        {k: v for k, v in case.items() if k != "reference"},
        {**case, "clocks": [{**case["clocks"][0], "secret": True}]},
        {**case, "history": [{**case["history"][0], "actor": {"id": 1, "name": "X"}}]},
        {**case, "state": "archived"},
        {**case, "decision_on": "14/03/2023"},
    ]
    for body in broken:
        with pytest.raises(ValidationError):
            check.validate(body)
    listed = api.validator(api.response_schema("/cases", "get", 200))
    with pytest.raises(ValidationError):  # a list item carries no history
        listed.validate({"items": [case], "page": 1, "per_page": 50, "total": 1})
    error = api.validator(api.response_schema("/cases/{case_id}", "get", 404))
    with pytest.raises(ValidationError):
        error.validate({"error": {"code": "not_found", "message": "No."}})


# --- real responses --------------------------------------------------------------------------


def test_opening_and_listing_cases(api, token, leads, admin_token):
    opened = api.call("post", "/cases", 201, token=token, body=NEW_CASE)
    assert (opened["state"], opened["pseudonym"]) == ("referred", "Child R")
    assert [c["kind"] for c in opened["clocks"]] == ["notification"]
    assert opened["history"][0]["event"] == "open"
    api.call("post", "/cases", 201, token=token, body={**NEW_CASE, "pseudonym": None})
    api.call("post", "/cases", 401, body=NEW_CASE)
    api.call("post", "/cases", 401, token="not-a-token", body=NEW_CASE)
    api.call("post", "/cases", 403, token=make_token(leads["police"]), body=NEW_CASE)
    bad = api.call(
        "post", "/cases", 422, token=token, body={**NEW_CASE, "incident_on": "2023-02-30"}
    )
    assert "incident_on" in bad["error"]["fields"]
    api.call("post", "/cases", 422, token=token, body={**NEW_CASE, "child_name": "X"})
    api.call("post", "/cases", 422, token=token, body=["not", "an", "object"])
    api.assert_every_status_seen("/cases", "post")

    listed = api.call("get", "/cases", 200, token=token)
    assert (len(listed["items"]), listed["total"]) == (2, 2)
    assert "history" not in listed["items"][0]
    query = {"state": "referred", "overdue": "true", "on": "2023-03-20", "page": "1"}
    overdue = api.call("get", "/cases", 200, token=token, query=query | {"per_page": "1"})
    assert overdue["items"][0]["clocks"][0]["status"] == "overdue"
    assert overdue["items"][0]["clocks"][0]["working_days_late"] > 0
    api.call("get", "/cases", 200, token=make_token(leads["health"]), query={"overdue": "false"})
    api.call("get", "/cases", 401)
    api.call("get", "/cases", 403, token=admin_token)
    api.call("get", "/cases", 422, token=token, query={"state": "archived"})
    api.call("get", "/cases", 422, token=token, query={"per_page": "1000"})
    api.call("get", "/cases", 422, token=token, query={"sort": "id"})
    api.assert_every_status_seen("/cases", "get")


def test_reading_a_case(api, token, business_manager, other_manager, admin_token):
    case = make_case(business_manager)
    theirs = make_case(other_manager)
    path = "/cases/{case_id}"
    shown = api.call("get", path, 200, token=token, case_id=case.id)
    assert shown["allowed_events"] == ["notify", "decline_notification", "place_hold"]
    api.call("get", path, 200, token=token, query={"on": "2023-03-09"}, case_id=case.id)
    api.call("get", path, 401, case_id=case.id)
    api.call("get", path, 403, token=admin_token, case_id=case.id)
    api.call("get", path, 404, token=token, case_id=theirs.id)
    api.call("get", path, 404, token=make_token(other_manager), case_id=case.id)
    api.call("get", path, 404, token=token, case_id=999_999)
    api.call("get", path, 422, token=token, query={"on": "2023-13-01"}, case_id=case.id)
    api.assert_every_status_seen(path, "get")


def test_firing_events_and_every_refusal(api, token, business_manager, leads, other_manager):
    path = "/cases/{case_id}/events"
    case = make_case(business_manager)
    theirs = make_case(other_manager)
    notify = {"event": "notify", "on": "2023-03-06", "sin_reference": "SIN-2"}
    api.call("post", path, 401, body=notify, case_id=case.id)
    api.call("post", path, 403, token=make_token(leads["police"]), body=notify, case_id=case.id)
    api.call("post", path, 404, token=token, body=notify, case_id=theirs.id)
    bad = api.call(
        "post", path, 422, token=token, body={**notify, "on": "06/03/2023"}, case_id=case.id
    )
    assert set(bad["error"]["fields"]) == {"on"}
    api.call(
        "post",
        path,
        422,
        token=token,
        body={"event": "explode", "on": "2023-03-06"},
        case_id=case.id,
    )
    api.call("post", path, 422, token=token, body={**notify, "colour": "red"}, case_id=case.id)
    fired = api.call("post", path, 200, token=token, body=notify, case_id=case.id)
    assert fired["state"] == "rapid_review"

    wrong_state = api.call(
        "post", path, 409, token=token, body={"event": "close", "on": "2023-03-07"}, case_id=case.id
    )
    assert wrong_state["error"]["code"] == "not_allowed_in_state"
    assert "record_decision" in wrong_state["error"]["allowed_events"]
    guarded = api.call(
        "post",
        path,
        409,
        token=token,
        body={"event": "submit_rapid_review", "on": "2023-03-07"},
        case_id=case.id,
    )
    assert guarded["error"]["code"] == "refused"
    assert "allowed_events" not in guarded["error"]
    api.assert_every_status_seen(path, "post")


def test_a_case_driven_through_the_whole_process(api, token, leads):
    """Every event body on the happy path fits the document, and so does every case returned."""
    path = "/cases/{case_id}/events"
    case_id = api.call("post", "/cases", 201, token=token, body=NEW_CASE)["id"]
    lead_tokens = {partner: make_token(lead) for partner, lead in leads.items()}
    for event, facts, state_after in HAPPY_PATH:
        if event == "sign_offs":
            for partner, lead_token in lead_tokens.items():
                body = {"event": "sign_off", "partner": partner, **facts}
                case = api.call("post", path, 200, token=lead_token, body=body, case_id=case_id)
        else:
            case = api.call(
                "post", path, 200, token=token, body={"event": event, **facts}, case_id=case_id
            )
        assert case["state"] == state_after
        if event == "start_review":  # a hold during the review, then lifted
            hold = {
                "event": "place_hold",
                "on": "2023-05-02",
                "reason": "inquest",
                "panel_informed_on": "2023-05-03",
                "note": "Inquest listed.",
            }
            held = api.call("post", path, 200, token=token, body=hold, case_id=case_id)
            assert held["hold"]["reason"] == "inquest"
            assert "hold_note" in next(c for c in held["clocks"] if c["kind"] == "publication")
            body = {"event": "lift_hold", "on": "2023-06-01"}
            assert (
                api.call("post", path, 200, token=token, body=body, case_id=case_id)["hold"] is None
            )
    assert case["state"] == "closed"
    assert case["reviewer"] == {"name": "A. Reviewer", "organisation": "Independent"}
    assert case["themes"] == ["neglect"]
    # open, each step (a "sign_offs" step is three events), and the hold placed and lifted
    steps = sum(3 if event == "sign_offs" else 1 for event, _, _ in HAPPY_PATH)
    assert len(case["history"]) == 1 + steps + 2
    assert {c["kind"] for c in case["clocks"]} >= {"notification", "publication", "advance_copy"}

    recorded = {
        "event": "sign_off",
        "on": "2023-03-15",
        "partner": "police",
        "given_by": "DCI Example, by email",
    }
    other = rapid_review_case(api, token)
    decision = {
        "event": "record_decision",
        "on": "2023-03-14",
        "decision": "no_lcspr",
        "rationale": "Not met",
    }
    api.call("post", path, 200, token=token, body=decision, case_id=other["id"])
    signed = api.call("post", path, 200, token=token, body=recorded, case_id=other["id"])
    assert signed["sign_offs"][0]["given_by"] == "DCI Example, by email"


def test_listing_clocks(api, token, business_manager, leads, admin_token):
    overdue_case = make_case(business_manager)
    rapid_review_case(api, token)
    listed = api.call("get", "/clocks", 200, token=token)
    assert {i["case_id"] for i in listed["items"]} >= {overdue_case.id}
    query = {"status": "overdue", "on": "2023-04-03", "page": "1", "per_page": "10"}
    overdue = api.call("get", "/clocks", 200, token=token, query=query)
    assert overdue["items"] and all(i["status"] == "overdue" for i in overdue["items"])
    assert overdue["items"][0]["case_reference"] == overdue_case.reference
    met = api.call("get", "/clocks", 200, token=token, query={"status": "met"})
    assert [i["kind"] for i in met["items"]] == ["notification"]
    api.call(
        "get", "/clocks", 200, token=make_token(leads["police"]), query={"status": "cancelled"}
    )
    api.call("get", "/clocks", 401)
    api.call("get", "/clocks", 403, token=admin_token)
    api.call("get", "/clocks", 422, token=token, query={"status": "late"})
    api.call("get", "/clocks", 422, token=token, query={"on": "yesterday"})
    api.assert_every_status_seen("/clocks", "get")


def test_the_document_is_served_without_a_token(api):
    api.call("get", "/openapi.json", 200)
    api.assert_every_status_seen("/openapi.json", "get")


# --- what the document says of every answer ---------------------------------------------------


def test_every_error_code_the_api_answers_is_in_the_documented_list(api, token, monkeypatch):
    """The Error schema lists its codes, so every error answer checked above is checked against
    the list; these are the answers no operation documents: any path under the API can give
    them, the last one only when something unexpected fails."""
    documented = api.at(["components", "schemas", "Error", "properties", "error"])
    codes = documented["properties"]["code"]["enum"]
    domain_errors = [NotFound, NotPermitted, Invalid, TransitionNotAllowed, Refused, Conflict]
    assert {error.code for error in domain_errors} <= set(codes)
    check = api.validator(["components", "schemas", "Error"])
    headers = {"Authorization": f"Bearer {token}"}

    def boom(*args, **kwargs):
        raise RuntimeError("something unexpected")

    monkeypatch.setattr("casework.api.clocks.list_clocks", boom)
    answers = {
        "not_found": api.client.get(PREFIX + "/nowhere", headers=headers),
        "method_not_allowed": api.client.put(PREFIX + "/cases", headers=headers),
        "bad_request": api.client.get(PREFIX + "/nowhere?x=%00", headers=headers),
        "internal_server_error": api.client.get(PREFIX + "/clocks", headers=headers),
    }
    for code, response in answers.items():
        assert response.mimetype == "application/json"
        check.validate(response.get_json())
        assert response.get_json()["error"]["code"] == code


def test_the_documented_range_of_on_is_the_range_taken(api, token, document):
    """`?on=` takes the dates the engine takes, 1990 to 2099, and the document says so."""
    for template, method in [("/cases", "get"), ("/cases/{case_id}", "get"), ("/clocks", "get")]:
        (on,) = [p for p in document["paths"][template][method]["parameters"] if p["name"] == "on"]
        assert str(FIRST_DAY) in on["description"] and str(LAST_DAY) in on["description"]
    for day, expect in [
        (FIRST_DAY, 200),
        (LAST_DAY, 200),
        (FIRST_DAY - timedelta(days=1), 422),
        (LAST_DAY + timedelta(days=1), 422),
    ]:
        api.call("get", "/clocks", expect, token=token, query={"on": day.isoformat()})
    event_on = document["components"]["schemas"]["NotifyEvent"]["properties"]["on"]
    assert str(FIRST_DAY) in event_on["description"]
