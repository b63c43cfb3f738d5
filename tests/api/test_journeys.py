"""Cases driven through the API down every branch of the process.

Every expected due date below was counted by hand on the England and Wales calendar of 2023
(Good Friday 7 April, Easter Monday 10 April, summer bank holiday 28 August).
"""

from __future__ import annotations


def clocks_by_kind(case: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for clock in case["clocks"]:
        found.setdefault(clock["kind"], []).append(clock)
    return found


def only(case: dict, kind: str) -> dict:
    (clock,) = clocks_by_kind(case)[kind]
    return clock


def sign_off_all(as_user, leads, case_id: int, on: str) -> dict:
    for lead in leads.values():
        response = as_user(lead).fire(case_id, "sign_off", on=on)
        assert response.status_code == 200, response.json
    return response.json


def test_from_referred_to_closed(manager_api, as_user, leads):
    case = manager_api.open_case(pseudonym="Child Q")
    cid = case["id"]
    assert case["state"] == "referred"
    assert case["reference"].startswith("NSCP-")
    assert case["allowed_events"] == ["notify", "decline_notification", "place_hold"]
    assert [c["kind"] for c in case["clocks"]] == ["notification"]
    assert only(case, "notification")["due_on"] == "2023-03-08"
    assert only(case, "notification")["statutory"] is True

    case = manager_api.fire(cid, "notify", on="2023-03-06", sin_reference="SIN-1").json
    assert case["state"] == "rapid_review"
    assert case["sin_submitted_on"] == "2023-03-06"
    assert only(case, "notification")["status"] == "met"
    assert only(case, "rapid_review")["due_on"] == "2023-03-27"

    case = manager_api.fire(
        cid, "record_decision", on="2023-03-14", decision="lcspr", rationale="Criteria met"
    ).json
    assert case["decision"] == "lcspr" and case["decision_on"] == "2023-03-14"
    assert "submit_rapid_review" not in case["allowed_events"]
    case = sign_off_all(as_user, leads, cid, "2023-03-15")
    assert {s["partner"] for s in case["sign_offs"]} == {"local_authority", "police", "health"}

    case = manager_api.fire(cid, "submit_rapid_review", on="2023-03-20").json
    assert case["state"] == "awaiting_panel"
    assert only(case, "rapid_review")["status"] == "met"
    assert only(case, "panel_response")["due_on"] == "2023-04-03"
    assert only(case, "panel_response")["statutory"] is False

    case = manager_api.fire(
        cid, "record_panel_response", on="2023-03-30", panel_response="agree"
    ).json
    assert case["state"] == "commissioning"
    assert only(case, "reviewer_appointment")["due_on"] == "2023-04-13"
    assert only(case, "terms_of_reference")["due_on"] == "2023-04-27"
    assert only(case, "publication")["due_on"] == "2023-09-14"
    assert only(case, "publication")["anchor_on"] == "2023-03-14"
    assert "start_review" not in case["allowed_events"]

    reviewer = {"name": "A. Reviewer", "organisation": "Independent Reviews Ltd"}
    case = manager_api.fire(cid, "appoint_reviewer", on="2023-04-12", reviewer=reviewer).json
    assert case["reviewer"] == reviewer
    assert only(case, "reviewer_appointment")["status"] == "met"
    case = manager_api.fire(cid, "agree_terms_of_reference", on="2023-04-20").json
    case = manager_api.fire(cid, "start_review", on="2023-04-24").json
    assert case["state"] == "in_review"

    case = manager_api.fire(cid, "submit_final_report", on="2023-08-01").json
    assert case["state"] == "approval" and case["sign_offs"] == []
    case = sign_off_all(as_user, leads, cid, "2023-08-03")
    assert {s["subject"] for s in case["sign_offs"]} == {"final_report"}
    case = manager_api.fire(
        cid, "schedule_publication", on="2023-08-03", planned_on="2023-09-01"
    ).json
    assert only(case, "advance_copy")["due_on"] == "2023-08-22"
    case = manager_api.fire(cid, "send_advance_copy", on="2023-08-10").json
    assert case["state"] == "pre_publication"
    assert only(case, "advance_copy")["status"] == "met"
    # Thu 10 Aug + 7 working days is Mon 21 August: an earlier date could never be published.
    response = manager_api.fire(
        cid, "schedule_publication", on="2023-08-11", planned_on="2023-08-18"
    )
    assert response.status_code == 409
    assert response.json["error"]["message"] == (
        "The publication date must be at least 7 working days after the advance copy was sent "
        "(10 August 2023); 18 August 2023 is 6 working days after it."
    )
    assert manager_api.get(f"/cases/{cid}").json["planned_publication_on"] == "2023-09-01"

    case = manager_api.fire(
        cid, "publish", on="2023-09-01", kind="full", pseudonym="Child Q", themes=["neglect"]
    ).json
    assert case["state"] == "learning"
    assert case["themes"] == ["neglect"] and case["published_on"] == "2023-09-01"
    assert only(case, "publication")["status"] == "met"

    case = manager_api.fire(cid, "close", on="2023-10-02").json
    assert case["state"] == "closed"
    assert case["allowed_events"] == ["reopen"]
    assert all(c["status"] in ("met", "cancelled") for c in case["clocks"])
    events = [h["event"] for h in case["history"]]
    assert events[0] == "open" and events[-1] == "close"
    assert len(events) == 1 + 12 + 6  # opening, 12 manager events, six sign-offs
    assert case["history"][-1]["actor"]["role"] == "business_manager"
    assert case["history"][1]["facts"] == {"sin_reference": "SIN-1"}

    case = manager_api.fire(cid, "reopen", on="2023-10-05", reason="New learning").json
    assert case["state"] == "learning"
    assert case["closed_on"] is None  # open again: the close stays in the history
    assert [h["on"] for h in case["history"] if h["event"] == "close"] == ["2023-10-02"]


def test_not_notified_then_reopened_brings_back_the_original_clock(manager_api):
    cid = manager_api.open_case()["id"]
    case = manager_api.fire(
        cid, "decline_notification", on="2023-03-03", rationale="Criteria not met"
    ).json
    assert case["state"] == "not_notified"
    assert only(case, "notification")["status"] == "cancelled"
    assert case["allowed_events"] == ["reopen"]

    case = manager_api.fire(cid, "reopen", on="2023-03-07", reason="New information").json
    assert case["state"] == "referred"
    clock = only(case, "notification")
    assert (clock["due_on"], clock["cancelled_on"]) == ("2023-03-08", None)

    case = manager_api.fire(cid, "notify", on="2023-03-09").json
    clock = only(case, "notification")
    assert (clock["status"], clock["working_days_late"]) == ("met_late", 1)


def test_withdrawn_from_rapid_review_cancels_its_clock_and_allows_nothing(manager_api):
    cid = manager_api.open_case()["id"]
    manager_api.fire(cid, "notify", on="2023-03-06")
    case = manager_api.fire(cid, "withdraw", on="2023-03-10", reason="Not abuse or neglect").json
    assert case["state"] == "withdrawn"
    assert case["allowed_events"] == []
    clock = only(case, "rapid_review")
    assert (clock["status"], clock["cancelled_on"]) == ("cancelled", "2023-03-10")
    response = manager_api.fire(cid, "reopen", on="2023-03-13", reason="x")
    assert response.status_code == 409
    assert "Allowed now: none" in response.json["error"]["message"]


def test_a_hold_left_open_when_the_case_was_withdrawn_can_still_be_lifted(manager_api):
    cid = manager_api.open_case()["id"]
    manager_api.fire(cid, "notify", on="2023-03-06")
    manager_api.fire(cid, "place_hold", on="2023-03-07", reason="criminal_proceedings")
    case = manager_api.fire(cid, "withdraw", on="2023-03-08", reason="Not abuse or neglect").json
    assert case["state"] == "withdrawn"
    assert case["hold"]["reason"] == "criminal_proceedings"
    assert case["allowed_events"] == ["lift_hold"]
    # The cancelled rapid review clock no longer runs: the hold has nothing to explain on it.
    assert only(case, "rapid_review")["status"] == "cancelled"
    assert "hold_note" not in only(case, "rapid_review")

    case = manager_api.fire(cid, "lift_hold", on="2023-03-09").json
    assert (case["state"], case["hold"], case["allowed_events"]) == ("withdrawn", None, [])
    response = manager_api.fire(cid, "lift_hold", on="2023-03-10")
    assert response.status_code == 409
    assert response.json["error"]["message"] == "There is no open hold to lift."


def test_a_hold_left_open_when_the_case_was_closed_can_still_be_lifted(manager_api, as_user, leads):
    cid = to_awaiting_panel(manager_api, as_user, leads, decision="no_lcspr")
    manager_api.fire(cid, "record_panel_response", on="2023-03-30", panel_response="agree")
    manager_api.fire(cid, "place_hold", on="2023-04-03", reason="inquest")
    case = manager_api.fire(cid, "close", on="2023-04-04").json
    assert case["state"] == "closed"
    assert case["allowed_events"] == ["reopen", "lift_hold"]
    case = manager_api.fire(cid, "lift_hold", on="2023-04-05").json
    assert (case["state"], case["hold"], case["allowed_events"]) == ("closed", None, ["reopen"])


def to_awaiting_panel(manager_api, as_user, leads, decision="lcspr") -> int:
    cid = manager_api.open_case()["id"]
    manager_api.fire(cid, "notify", on="2023-03-06")
    manager_api.fire(cid, "record_decision", on="2023-03-14", decision=decision, rationale="r")
    sign_off_all(as_user, leads, cid, "2023-03-15")
    assert manager_api.fire(cid, "submit_rapid_review", on="2023-03-20").status_code == 200
    return cid


def test_withdrawn_while_awaiting_panel_cancels_the_panel_response_clock(
    manager_api, as_user, leads
):
    cid = to_awaiting_panel(manager_api, as_user, leads)
    case = manager_api.fire(cid, "withdraw", on="2023-03-22", reason="Facts changed").json
    assert case["state"] == "withdrawn"
    assert only(case, "panel_response")["status"] == "cancelled"


def test_panel_disagrees_then_agrees_with_the_revisited_decision(manager_api, as_user, leads):
    cid = to_awaiting_panel(manager_api, as_user, leads)
    case = manager_api.fire(
        cid, "record_panel_response", on="2023-03-24", panel_response="disagree", note="n"
    ).json
    assert case["state"] == "rapid_review"
    assert case["sign_offs"] == []
    response = manager_api.fire(cid, "submit_rapid_review", on="2023-03-27")
    assert response.status_code == 409
    assert response.json["error"]["message"] == (
        "The rapid review cannot be submitted until the local authority, the police and "
        "health (the ICB) have signed off the decision."
    )

    manager_api.fire(cid, "record_decision", on="2023-03-27", decision="no_lcspr", rationale="r")
    sign_off_all(as_user, leads, cid, "2023-03-28")
    case = manager_api.fire(cid, "submit_rapid_review", on="2023-03-29").json
    first, second = clocks_by_kind(case)["panel_response"]
    assert first["status"] == "met" and second["status"] != "met"
    assert second["anchor_on"] == "2023-03-29"
    assert second["due_on"] == "2023-04-14"  # Good Friday and Easter Monday skipped
    assert only(case, "rapid_review")["met_on"] == "2023-03-20"

    case = manager_api.fire(
        cid, "record_panel_response", on="2023-04-04", panel_response="agree"
    ).json
    assert case["state"] == "learning"
    assert "publication" not in clocks_by_kind(case)
    assert manager_api.fire(cid, "close", on="2023-05-02").json["state"] == "closed"


def test_national_review_route(manager_api, as_user, leads):
    cid = to_awaiting_panel(manager_api, as_user, leads, decision="lcspr")
    case = manager_api.fire(
        cid, "record_panel_response", on="2023-03-24", panel_response="national_review"
    ).json
    assert case["state"] == "national_review"
    assert case["allowed_events"] == ["national_review_published", "place_hold"]
    case = manager_api.fire(cid, "national_review_published", on="2023-10-02").json
    assert case["state"] == "learning"


def test_request_changes_clears_report_sign_offs_and_restarts_the_advance_copy_clock(
    manager_api, as_user, leads
):
    cid = to_awaiting_panel(manager_api, as_user, leads)
    manager_api.fire(cid, "record_panel_response", on="2023-03-30", panel_response="agree")
    manager_api.fire(
        cid, "appoint_reviewer", on="2023-04-12", reviewer={"name": "R", "organisation": "O"}
    )
    manager_api.fire(cid, "agree_terms_of_reference", on="2023-04-20")
    manager_api.fire(cid, "start_review", on="2023-04-24")
    manager_api.fire(cid, "submit_final_report", on="2023-08-01")
    sign_off_all(as_user, leads, cid, "2023-08-02")
    manager_api.fire(cid, "schedule_publication", on="2023-08-02", planned_on="2023-09-29")
    case = manager_api.fire(cid, "request_changes", on="2023-08-04", reason="Redact more").json
    assert case["state"] == "in_review"
    assert case["sign_offs"] == []
    assert only(case, "advance_copy")["status"] == "cancelled"
    assert only(case, "publication")["status"] != "cancelled"

    # The revised report comes back with the date (Fri 29 Sep) still planned: the advance copy
    # is owed again, 7 working days before it, on Wed 20 September.
    case = manager_api.fire(cid, "submit_final_report", on="2023-08-10").json
    assert case["planned_publication_on"] == "2023-09-29"
    case = manager_api.get(f"/cases/{cid}", on="2023-08-11").json
    cancelled, owed = clocks_by_kind(case)["advance_copy"]
    assert cancelled["status"] == "cancelled"
    assert (owed["due_on"], owed["status"]) == ("2023-09-20", "running")
    listed = manager_api.get("/clocks", on="2023-09-21").json["items"]
    assert [(c["kind"], c["status"]) for c in listed if c["case_id"] == cid] == [
        ("publication", "overdue"),  # due Thu 14 September
        ("advance_copy", "overdue"),
    ]
    sign_off_all(as_user, leads, cid, "2023-08-11")
    case = manager_api.fire(cid, "send_advance_copy", on="2023-08-14").json
    assert [c["status"] for c in clocks_by_kind(case)["advance_copy"]] == ["cancelled", "met"]


def test_a_hold_pauses_local_targets_only_and_lifting_it_moves_them_later(
    manager_api, as_user, leads
):
    cid = to_awaiting_panel(manager_api, as_user, leads)
    manager_api.fire(cid, "record_panel_response", on="2023-03-30", panel_response="agree")
    case = manager_api.fire(
        cid,
        "place_hold",
        on="2023-03-31",
        reason="criminal_proceedings",
        panel_informed_on="2023-03-31",
    ).json
    assert case["hold"]["reason"] == "criminal_proceedings"
    assert only(case, "reviewer_appointment")["status"] == "paused"
    publication = only(case, "publication")
    assert publication["status"] != "paused"
    assert publication["hold_note"] == {"reason": "criminal_proceedings", "panel_informed": True}

    response = manager_api.fire(cid, "place_hold", on="2023-04-03", reason="inquest")
    assert response.status_code == 409
    assert "already open" in response.json["error"]["message"]

    # Lifted on Friday 14 April: Mon 3 to Thu 6 and Tue 11 to Fri 14 = 8 working days held.
    case = manager_api.fire(cid, "lift_hold", on="2023-04-14").json
    assert case["hold"] is None
    clock = only(case, "reviewer_appointment")
    assert clock["hold_days"] == 8
    assert clock["due_on"] == "2023-04-25"  # 13 April moved 8 working days later
    assert only(case, "publication")["due_on"] == "2023-09-14"  # statutory: never moves
    response = manager_api.fire(cid, "lift_hold", on="2023-04-17")
    assert response.status_code == 409


def test_every_answer_that_shows_a_case_s_detail_is_an_audited_read(
    manager_api, as_user, scrutineer
):
    """The list's items carry each case's detail (all but the history), and so does the answer
    to opening a case or firing an event: each is recorded as a read, as the detail page is."""
    from sqlalchemy import select

    from casework.extensions import db
    from casework.models import CaseRead

    def reads() -> list[tuple[int, int, str]]:
        rows = db.session.execute(select(CaseRead.case_id, CaseRead.user_id, CaseRead.via))
        return sorted(tuple(row) for row in rows)

    first = manager_api.open_case()["id"]
    second = manager_api.open_case()["id"]
    manager = manager_api.get(f"/cases/{first}").json  # a detail read, for comparison
    assert manager_api.fire(second, "notify", on="2023-03-06").status_code == 200
    manager_id = db.session.scalar(select(CaseRead.user_id).where(CaseRead.case_id == first))
    assert reads() == sorted(
        [(first, manager_id, "api"), (second, manager_id, "api")]  # opened: shown
        + [(first, manager_id, "api"), (second, manager_id, "api")]  # read, and notified
    )
    assert manager["reference"]

    listing = as_user(scrutineer).get("/cases").json
    assert {item["id"] for item in listing["items"]} == {first, second}
    listed = [r for r in reads() if r[1] == scrutineer.id]
    assert listed == sorted(
        [(first, scrutineer.id, "api_list"), (second, scrutineer.id, "api_list")]
    )
