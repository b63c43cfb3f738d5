"""Every way the API refuses a request: the status, the message, and that nothing changed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casework.services.today import london_today
from tests.factories import advance_case, grant_access, make_user

NEXT_YEAR = (date.today() + timedelta(days=400)).isoformat()  # in the future, in range


def snapshot(api, case_id: int) -> dict:
    return api.get(f"/cases/{case_id}").json


@pytest.fixture
def case_id(manager_api):
    return manager_api.open_case()["id"]


def test_no_token_or_a_bad_one_is_401_in_json(client, case_id):
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        response = client.get(f"/api/v1/cases/{case_id}", headers=headers)
        assert response.status_code == 401
        assert response.json["error"]["code"] == "unauthorised"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = client.post("/api/v1/cases", json={})
    assert response.status_code == 401


def test_an_inactive_users_token_stops_working(manager_api, business_manager, db, case_id):
    assert manager_api.get(f"/cases/{case_id}").status_code == 200
    business_manager.active = False
    db.session.commit()
    assert manager_api.get(f"/cases/{case_id}").status_code == 401


def test_another_partnerships_case_is_404_as_if_it_did_not_exist(
    as_user, other_manager, case_id, manager_api
):
    before = snapshot(manager_api, case_id)
    other = as_user(other_manager)
    for response in (
        other.get(f"/cases/{case_id}"),
        other.fire(case_id, "notify", on="2023-03-06"),
        other.get("/cases/999999"),
    ):
        assert response.status_code == 404
        assert response.json["error"] == {
            "code": "not_found",
            "message": "There is no case with that id.",
            "fields": {},
        }
    assert other.get("/cases").json["items"] == []
    assert other.get("/clocks").json["items"] == []
    after = snapshot(manager_api, case_id)
    assert before["state"] == after["state"] == "referred"
    assert len(after["history"]) == 1


def test_a_lead_of_another_partnership_gets_404_before_403(as_user, other_partnership, case_id):
    lead = make_user(other_partnership, "partner_lead", partner="police")
    assert as_user(lead).fire(case_id, "sign_off", on="2023-03-06").status_code == 404


def test_panel_member_sees_a_case_only_through_a_live_grant(
    as_user, panel_member, business_manager, case_id, db
):
    api = as_user(panel_member)
    assert api.get(f"/cases/{case_id}").status_code == 404
    grant_access(case_id, panel_member, business_manager, until_on=london_today())
    assert api.get(f"/cases/{case_id}").status_code == 200
    assert [c["id"] for c in api.get("/cases").json["items"]] == [case_id]
    assert api.fire(case_id, "notify", on="2023-03-06").status_code == 403


def test_an_expired_grant_gives_nothing(as_user, panel_member, business_manager, case_id):
    yesterday = london_today() - timedelta(days=1)
    grant_access(case_id, panel_member, business_manager, until_on=yesterday)
    assert as_user(panel_member).get(f"/cases/{case_id}").status_code == 404


@pytest.mark.parametrize(
    ("role", "partner", "event", "facts", "message"),
    [
        ("partner_lead", "police", "notify", {}, "only sign off"),
        ("partner_lead", "police", "sign_off", {"partner": "health"}, "your own statutory partner"),
        ("partner_lead", "police", "sign_off", {"given_by": "X"}, "Only a business manager"),
        ("scrutineer", None, "notify", {}, "cannot change cases"),
        ("scrutineer", None, "no_such_event", {}, "cannot change cases"),
    ],
)
def test_actions_outside_the_role_are_403_and_change_nothing(
    as_user, partnership, manager_api, case_id, role, partner, event, facts, message
):
    user = make_user(partnership, role, partner=partner)
    before = snapshot(manager_api, case_id)
    response = as_user(user).fire(case_id, event, on="2023-03-06", **facts)
    assert response.status_code == 403
    assert message in response.json["error"]["message"]
    assert snapshot(manager_api, case_id)["history"] == before["history"]


def test_roles_that_cannot_open_cases_get_403(as_user, partnership, scrutineer, admin_user):
    lead = make_user(partnership, "partner_lead", partner="health")
    body = {"nature": "death", "incident_on": "2023-01-01", "la_aware_on": "2023-01-02"}
    for user in (lead, scrutineer, admin_user):
        assert as_user(user).post("/cases", body).status_code == 403


def test_admins_see_no_case_content(as_user, admin_user, case_id):
    api = as_user(admin_user)
    assert api.get("/cases").status_code == 403
    assert api.get("/clocks").status_code == 403
    assert api.get(f"/cases/{case_id}").status_code == 403


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"event": "notify"}, "on", "Enter the date"),
        ({"event": "notify", "on": "2023-02-30"}, "on", "not a real date"),
        ({"event": "notify", "on": "6 March 2023"}, "on", "not a real date"),
        ({"event": "notify", "on": 20230306}, "on", "Enter a date"),
        ({"event": "notify", "on": NEXT_YEAR}, "on", "future"),
        ({"event": "notify", "on": "2100-01-01"}, "on", "between 1990 and 2099"),
        ({"event": "notify", "on": "0001-01-01"}, "on", "between 1990 and 2099"),
        (
            {"event": "notify", "on": "2023-03-06", "sin_reference": "S" * 101},
            "sin_reference",
            "100",
        ),
        (
            {
                "event": "appoint_reviewer",
                "on": "2023-03-06",
                "reviewer": {"name": "N" * 201, "organisation": "Reviews Ltd"},
            },
            "reviewer",
            "200 characters",
        ),
        ({"event": "notify", "on": "2023-02-28"}, "on", "before the date the local authority"),
        ({"event": "notify", "on": "2023-03-06", "colour": "red"}, "colour", "not a fact"),
        ({"event": "decline_notification", "on": "2023-03-06"}, "rationale", "required"),
        ({"event": "decline_notification", "on": "2023-03-06", "rationale": "  "}, "rationale", ""),
        ({"event": "teleport", "on": "2023-03-06"}, "event", "Unknown event"),
        ({"on": "2023-03-06"}, "event", "Unknown event"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_changes_nothing(
    manager_api, case_id, body, field, message
):
    before = snapshot(manager_api, case_id)
    response = manager_api.post(f"/cases/{case_id}/events", body)
    assert response.status_code == 422, response.json
    assert message in response.json["error"]["fields"][field]
    assert snapshot(manager_api, case_id)["history"] == before["history"]


def test_text_no_database_can_store_is_422_and_changes_nothing(manager_api, case_id):
    """A NUL (PostgreSQL cannot store one in text) or an unpaired surrogate (no UTF-8 for it)
    anywhere in the body: both used to fail as a 500."""
    before = snapshot(manager_api, case_id)
    for body in (
        {"event": "decline_notification", "on": "2023-03-06", "rationale": "No\x00 harm"},
        {"event": "appoint_reviewer", "on": "2023-03-06", "reviewer": {"name": "A\x00"}},
        {"event\x00": "notify", "on": "2023-03-06"},
        {"event": "decline_notification", "on": "2023-03-06", "rationale": "No \ud800 harm"},
    ):
        response = manager_api.post(f"/cases/{case_id}/events", body)
        assert response.status_code == 422, response.json
        assert "a character that cannot be saved" in response.json["error"]["message"]
    assert snapshot(manager_api, case_id)["history"] == before["history"]
    opened = {"nature": "death", "incident_on": "2023-02-27", "la_aware_on": "2023-03-01"}
    response = manager_api.post("/cases", {**opened, "summary": "x\x00y"})
    assert response.status_code == 422 and "body" in response.json["error"]["fields"]
    assert manager_api.get("/cases").json["total"] == 1
    searched = manager_api.client.get(
        "/api/v1/cases?state=referred%00", headers=manager_api.headers
    )
    assert searched.status_code == 422
    unsigned = manager_api.client.post(f"/api/v1/cases/{case_id}/events", json=body)
    assert unsigned.status_code == 401  # who is asking comes first


def test_a_body_nested_too_deeply_to_read_is_422(manager_api, case_id):
    response = manager_api.client.post(
        f"/api/v1/cases/{case_id}/events",
        data="[" * 100_000 + "]" * 100_000,
        headers={**manager_api.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "nested too deeply" in response.json["error"]["message"]


@pytest.mark.parametrize(
    "page",
    [
        "²",
        "1000001",
        "99999999999999999999",
        pytest.param("9" * 5000, id="past-int-digit-limit"),
        "-1",
        "1.5",
    ],
)
def test_a_page_number_that_is_not_a_small_whole_number_is_422(manager_api, page):
    for path in ("/api/v1/cases", "/api/v1/clocks"):
        response = manager_api.client.get(f"{path}?page={page}", headers=manager_api.headers)
        assert response.status_code == 422, (path, response.status_code)
        assert "page" in response.json["error"]["fields"]


def test_a_body_that_is_not_a_json_object_is_422(manager_api, case_id):
    response = manager_api.client.post(
        f"/api/v1/cases/{case_id}/events",
        data="notify",
        headers={**manager_api.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422


def test_a_date_before_the_state_was_entered_is_422(manager_api, case_id):
    manager_api.fire(case_id, "notify", on="2023-03-06")
    response = manager_api.fire(
        case_id, "record_decision", on="2023-03-03", decision="lcspr", rationale="r"
    )
    assert response.status_code == 422
    assert "entered its current state" in response.json["error"]["fields"]["on"]


def test_an_event_dated_before_a_step_its_guard_needs_is_422_naming_the_step(
    manager_api, as_user, business_manager, leads, case_id
):
    advance_case(case_id, business_manager, leads, "commissioning")
    manager_api.fire(
        case_id, "appoint_reviewer", on="2023-04-12", reviewer={"name": "R", "organisation": "O"}
    )
    manager_api.fire(case_id, "agree_terms_of_reference", on="2023-04-20")
    response = manager_api.fire(case_id, "start_review", on="2023-04-19")
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {
        "on": "The date cannot be before the date the terms of reference were agreed "
        "(20 April 2023)"
    }
    assert manager_api.fire(case_id, "start_review", on="2023-04-20").status_code == 200

    # The publication date is planned on Wed 2 August and the last sign-off of the report is
    # given on Fri 4 August: the advance copy cannot have gone before either.
    manager_api.fire(case_id, "submit_final_report", on="2023-08-01")
    manager_api.fire(case_id, "schedule_publication", on="2023-08-02", planned_on="2023-09-29")
    response = manager_api.fire(case_id, "send_advance_copy", on="2023-08-01")
    assert response.json["error"]["fields"]["on"] == (
        "The date cannot be before the date the publication date was planned (2 August 2023)"
    )
    for partner, day in (("local_authority", "03"), ("police", "04"), ("health", "02")):
        signed = as_user(leads[partner]).fire(case_id, "sign_off", on=f"2023-08-{day}")
        assert signed.status_code == 200
    response = manager_api.fire(case_id, "send_advance_copy", on="2023-08-03")
    assert response.status_code == 422
    assert response.json["error"]["fields"]["on"] == (
        "The date cannot be before the last sign-off of the final report (4 August 2023)"
    )
    assert snapshot(manager_api, case_id)["state"] == "approval"
    assert manager_api.fire(case_id, "send_advance_copy", on="2023-08-04").status_code == 200


def test_a_panel_told_before_the_la_became_aware_is_422(manager_api, case_id):
    manager_api.fire(case_id, "notify", on="2023-03-06")
    response = manager_api.fire(
        case_id, "place_hold", on="2023-03-07", reason="inquest", panel_informed_on="1995-01-01"
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {
        "panel_informed_on": (
            "The date cannot be before the date the local authority became aware (1 March 2023)"
        )
    }
    assert snapshot(manager_api, case_id)["hold"] is None


def test_an_event_not_allowed_in_the_state_is_409_listing_the_allowed_ones(manager_api, case_id):
    response = manager_api.fire(case_id, "publish", on="2023-03-06", kind="full", pseudonym="P")
    assert response.status_code == 409
    error = response.json["error"]
    assert error["code"] == "not_allowed_in_state"
    assert error["allowed_events"] == ["notify", "decline_notification", "place_hold"]
    assert "notify, decline_notification" in error["message"]


def test_a_manager_recording_a_sign_off_must_say_who_gave_it(manager_api, case_id):
    manager_api.fire(case_id, "notify", on="2023-03-06")
    manager_api.fire(case_id, "record_decision", on="2023-03-14", decision="lcspr", rationale="r")
    response = manager_api.fire(case_id, "sign_off", on="2023-03-15", partner="police")
    assert response.status_code == 422
    assert "given_by" in response.json["error"]["fields"]
    response = manager_api.fire(
        case_id, "sign_off", on="2023-03-15", partner="police", given_by="DCI Example"
    )
    assert response.status_code == 200
    assert response.json["sign_offs"][0]["given_by"] == "DCI Example"
    again = manager_api.fire(case_id, "sign_off", on="2023-03-15", partner="police", given_by="X")
    assert again.status_code == 409
    assert again.json["error"]["message"] == "The police have already signed off this decision."


def test_publish_too_soon_after_the_advance_copy_is_409(
    manager_api, business_manager, leads, case_id
):
    advance_case(case_id, business_manager, leads, "pre_publication")
    # Advance copy on Thu 10 Aug 2023: the 7th working day after it is Mon 21 Aug.
    response = manager_api.fire(case_id, "publish", on="2023-08-18", kind="full", pseudonym="P")
    assert response.status_code == 409
    assert "7 working days after the advance copy" in response.json["error"]["message"]
    response = manager_api.fire(case_id, "publish", on="2023-08-21", kind="full", pseudonym="P")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"nature": "accident"}, "nature"),
        ({"incident_on": "2023-13-01"}, "incident_on"),
        ({"la_aware_on": NEXT_YEAR}, "la_aware_on"),
        ({"incident_on": "1989-12-31"}, "incident_on"),
        ({"incident_on": "2023-03-05", "la_aware_on": "2023-03-01"}, "la_aware_on"),
        ({"child_name": "not allowed"}, "child_name"),
    ],
)
def test_opening_a_case_with_bad_fields_is_422(manager_api, body, field):
    full = {"nature": "death", "incident_on": "2023-02-27", "la_aware_on": "2023-03-01", **body}
    response = manager_api.post("/cases", full)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert manager_api.get("/cases").json["total"] == 0


def test_a_pseudonym_of_spaces_is_no_pseudonym(manager_api):
    body = {"nature": "death", "incident_on": "2023-02-27", "la_aware_on": "2023-03-01"}
    response = manager_api.post("/cases", {**body, "pseudonym": "   ", "summary": " Seen. "})
    assert response.status_code == 201
    assert response.json["pseudonym"] is None and response.json["summary"] == "Seen."


def test_a_bad_on_parameter_refuses_before_anything_is_saved(manager_api, case_id):
    body = {"nature": "death", "incident_on": "2023-02-27", "la_aware_on": "2023-03-01"}
    response = manager_api.client.post(
        "/api/v1/cases?on=yesterday", json=body, headers=manager_api.headers
    )
    assert response.status_code == 422
    response = manager_api.client.post(
        f"/api/v1/cases/{case_id}/events?on=2023-02-31",
        json={"event": "notify", "on": "2023-03-06"},
        headers=manager_api.headers,
    )
    assert response.status_code == 422
    listing = manager_api.get("/cases").json
    assert listing["total"] == 1 and listing["items"][0]["state"] == "referred"


def test_unknown_urls_and_methods_under_the_api_answer_in_json(manager_api):
    response = manager_api.get("/nowhere")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    response = manager_api.client.put("/api/v1/cases", headers=manager_api.headers)
    assert response.status_code == 405 and "error" in response.json
    # HTTP requires a 405 to say which methods the URL does take.
    assert {"GET", "POST"} <= set(response.headers["Allow"].split(", "))
    assert response.mimetype == "application/json"
    response = manager_api.client.delete("/api/v1/cases/1", headers=manager_api.headers)
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


def test_a_lead_naming_no_real_partner_is_422(as_user, police_lead, manager_api, case_id):
    manager_api.fire(case_id, "notify", on="2023-03-06")
    manager_api.fire(case_id, "record_decision", on="2023-03-14", decision="lcspr", rationale="r")
    response = as_user(police_lead).fire(case_id, "sign_off", on="2023-03-15", partner="army")
    assert response.status_code == 422
    assert "partner" in response.json["error"]["fields"]


def test_an_id_beyond_the_databases_range_is_simply_not_found(manager_api):
    assert manager_api.get("/cases/10000000000000").status_code == 404
    assert manager_api.fire(10000000000000, "notify", on="2023-03-06").status_code == 404
