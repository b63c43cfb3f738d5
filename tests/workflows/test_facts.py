"""Tests for workflows.facts.clean: the date and the facts given with each event.

`clean(event, raw, today, earliest, earliest_reason)` returns (`on`, facts) or raises FactErrors
with a message per field, named as the API names them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from workflows.cases import EVENTS
from workflows.facts import EVENT_FACTS, MAX_TEXT, FactErrors, clean
from workflows.themes import THEMES

TODAY = date(2023, 8, 10)  # Thursday
LA_AWARE = date(2023, 3, 1)
LA_AWARE_REASON = "the date the local authority became aware"
ENTERED = date(2023, 8, 1)
ENTERED_REASON = "the date the case entered its current state"

# Facts that make each event valid on 2023-08-03 (between ENTERED and TODAY).
VALID: dict[str, dict[str, Any]] = {
    "notify": {"sin_reference": "SIN-0001"},
    "decline_notification": {"rationale": "Criteria not met"},
    "reopen": {"reason": "New information"},
    "record_decision": {"decision": "lcspr", "rationale": "Criteria met"},
    "sign_off": {"partner": "police", "given_by": "DCI Smith"},
    "submit_rapid_review": {},
    "withdraw": {"reason": "Not a serious incident"},
    "record_panel_response": {"panel_response": "agree", "note": "Agreed"},
    "appoint_reviewer": {"reviewer": {"name": "A. Reviewer", "organisation": "Independent"}},
    "agree_terms_of_reference": {},
    "start_review": {},
    "submit_final_report": {},
    "request_changes": {"reason": "Redraft section 3"},
    "schedule_publication": {"planned_on": "2023-09-01"},
    "send_advance_copy": {},
    "publish": {"kind": "full", "pseudonym": "Child Q", "themes": ["neglect"]},
    "national_review_published": {},
    "place_hold": {"reason": "inquest", "panel_informed_on": "2023-08-02", "note": "Listed"},
    "lift_hold": {},
    "close": {},
}


def errors_of(
    event: str,
    raw: dict[str, Any],
    earliest: date = LA_AWARE,
    earliest_reason: str = LA_AWARE_REASON,
) -> dict[str, str]:
    with pytest.raises(FactErrors) as caught:
        clean(event, raw, TODAY, earliest, earliest_reason)
    return caught.value.fields


def test_every_event_has_a_facts_spec() -> None:
    assert set(EVENT_FACTS) == set(EVENTS) == set(VALID)


@pytest.mark.parametrize("event", sorted(VALID))
def test_valid_facts_are_accepted(event: str) -> None:
    on, facts = clean(event, {"on": "2023-08-03", **VALID[event]}, TODAY, ENTERED, ENTERED_REASON)
    assert on == date(2023, 8, 3)
    assert set(facts) == set(VALID[event])


def test_dates_are_parsed_and_text_is_trimmed() -> None:
    raw = {"on": "2023-08-03", "planned_on": "2023-09-01"}
    assert clean("schedule_publication", raw, TODAY, LA_AWARE, LA_AWARE_REASON) == (
        date(2023, 8, 3),
        {"planned_on": date(2023, 9, 1)},
    )
    raw = {"on": "2023-08-03", "decision": "no_lcspr", "rationale": "  Other route \n"}
    _, facts = clean("record_decision", raw, TODAY, LA_AWARE, LA_AWARE_REASON)
    assert facts == {"decision": "no_lcspr", "rationale": "Other route"}


# --- `on` ------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [{}, {"on": None}, {"on": ""}])
def test_on_is_required(raw: dict[str, Any]) -> None:
    assert errors_of("start_review", raw) == {"on": "Enter the date it happened"}


@pytest.mark.parametrize(
    "value",
    [
        "2023-02-30",  # there is no 30 February
        "2023-13-01",
        "23-1-1",
        "2023-1-1",
        "01/03/2023",
        "yesterday",
        "2023-03-01T10:00",
        # Other ISO 8601 spellings that are not YYYY-MM-DD.
        "2023-W09-3",
        "20230301xx",
    ],
)
def test_on_must_be_a_real_date_as_yyyy_mm_dd(value: str) -> None:
    assert errors_of("start_review", {"on": value}) == {
        "on": f"'{value}' is not a real date in the form YYYY-MM-DD"
    }


@pytest.mark.parametrize("value", [20230101, 2023.0, ["2023-03-01"], {"y": 2023}, True])
def test_on_must_be_a_string(value: Any) -> None:
    assert errors_of("start_review", {"on": value}) == {"on": "Enter a date as YYYY-MM-DD"}


def test_on_cannot_be_in_the_future() -> None:
    assert errors_of("start_review", {"on": "2023-08-11"}) == {
        "on": "The date cannot be in the future"
    }
    on, _ = clean("start_review", {"on": "2023-08-10"}, TODAY, LA_AWARE, LA_AWARE_REASON)
    assert on == TODAY


def test_on_cannot_be_before_the_la_became_aware() -> None:
    assert errors_of("notify", {"on": "2023-02-28"}) == {
        "on": "The date cannot be before the date the local authority became aware (1 March 2023)"
    }
    on, _ = clean("notify", {"on": "2023-03-01"}, TODAY, LA_AWARE, LA_AWARE_REASON)
    assert on == LA_AWARE


def test_on_cannot_be_before_the_case_entered_its_state() -> None:
    errors = errors_of("submit_final_report", {"on": "2023-07-31"}, ENTERED, ENTERED_REASON)
    assert errors == {
        "on": "The date cannot be before the date the case entered its current state "
        "(1 August 2023)"
    }
    on, _ = clean("submit_final_report", {"on": "2023-08-01"}, TODAY, ENTERED, ENTERED_REASON)
    assert on == ENTERED


def test_every_error_is_reported_at_once() -> None:
    errors = errors_of("record_decision", {"on": "2023-02-30", "decision": "maybe", "x": 1})
    assert set(errors) == {"on", "decision", "rationale", "x"}


# --- unknown and missing facts ---------------------------------------------------------------


def test_unknown_facts_are_refused() -> None:
    errors = errors_of("start_review", {"on": "2023-08-03", "reviewer_name": "A. Reviewer"})
    assert errors == {"reviewer_name": "'reviewer_name' is not a fact of start_review"}


def test_a_fact_of_another_event_is_unknown_here() -> None:
    errors = errors_of("notify", {"on": "2023-03-06", "rationale": "Criteria met"})
    assert errors == {"rationale": "'rationale' is not a fact of notify"}


@pytest.mark.parametrize(
    ("event", "raw", "missing"),
    [
        ("decline_notification", {}, {"rationale"}),
        ("reopen", {}, {"reason"}),
        ("record_decision", {"rationale": "R"}, {"decision"}),
        ("record_decision", {"decision": "lcspr"}, {"rationale"}),
        ("record_decision", {}, {"decision", "rationale"}),
        ("withdraw", {}, {"reason"}),
        ("record_panel_response", {"note": "N"}, {"panel_response"}),
        ("appoint_reviewer", {}, {"reviewer"}),
        ("request_changes", {}, {"reason"}),
        ("schedule_publication", {}, {"planned_on"}),
        ("publish", {"kind": "full"}, {"pseudonym"}),
        ("publish", {"pseudonym": "Child Q"}, {"kind"}),
        ("place_hold", {"panel_informed_on": "2023-08-02"}, {"reason"}),
    ],
)
def test_required_facts(event: str, raw: dict[str, Any], missing: set[str]) -> None:
    errors = errors_of(event, {"on": "2023-08-03", **raw})
    assert errors == {name: f"'{name}' is required" for name in missing}


@pytest.mark.parametrize("blank", [None, ""])
def test_a_blank_required_fact_counts_as_missing(blank: str | None) -> None:
    errors = errors_of("withdraw", {"on": "2023-08-03", "reason": blank})
    assert errors == {"reason": "'reason' is required"}


def test_optional_facts_may_be_left_out() -> None:
    _, facts = clean("notify", {"on": "2023-03-06"}, TODAY, LA_AWARE, LA_AWARE_REASON)
    assert facts == {}
    raw = {"on": "2023-08-03", "reason": "criminal_proceedings", "note": ""}
    _, facts = clean("place_hold", raw, TODAY, LA_AWARE, LA_AWARE_REASON)
    assert facts == {"reason": "criminal_proceedings"}


@pytest.mark.parametrize("value", ["   ", "\n\t", 42, ["text"]])
def test_text_facts_need_some_text(value: Any) -> None:
    errors = errors_of("withdraw", {"on": "2023-08-03", "reason": value})
    assert errors == {"reason": "Enter some text"}


def test_text_facts_have_a_length_limit() -> None:
    errors = errors_of("withdraw", {"on": "2023-08-03", "reason": "x" * (MAX_TEXT + 1)})
    assert errors == {"reason": "Use 10,000 characters or fewer"}
    _, facts = clean(
        "withdraw", {"on": "2023-08-03", "reason": "x" * MAX_TEXT}, TODAY, LA_AWARE, LA_AWARE_REASON
    )
    assert len(facts["reason"]) == MAX_TEXT


# --- choices ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "name", "value", "choices"),
    [
        ("record_decision", "decision", "cspr", "lcspr, no_lcspr, national_review_suggested"),
        (
            "record_panel_response",
            "panel_response",
            "Agree",
            "agree, disagree, further_information, national_review",
        ),
        ("sign_off", "partner", "ambulance", "local_authority, police, health"),
        ("publish", "kind", "summary", "full, improvements_only"),
        (
            "place_hold",
            "reason",
            "holiday",
            "criminal_proceedings, inquest, family_engagement, other",
        ),
    ],
)
def test_choices_are_checked(event: str, name: str, value: str, choices: str) -> None:
    raw = {"on": "2023-08-03", **VALID[event], name: value}
    assert errors_of(event, raw) == {name: f"Choose one of: {choices}"}


@pytest.mark.parametrize(
    ("event", "name", "value"),
    [
        ("record_decision", "decision", "no_lcspr"),
        ("record_decision", "decision", "national_review_suggested"),
        ("record_panel_response", "panel_response", "further_information"),
        ("sign_off", "partner", "health"),
        ("publish", "kind", "full"),
        ("place_hold", "reason", "family_engagement"),
    ],
)
def test_each_choice_is_accepted(event: str, name: str, value: str) -> None:
    raw = {"on": "2023-08-03", **VALID[event], name: value}
    _, facts = clean(event, raw, TODAY, LA_AWARE, LA_AWARE_REASON)
    assert facts[name] == value


# --- the reviewer ----------------------------------------------------------------------------

SHAPE = "Give the reviewer as an object with 'name' and 'organisation'"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("A. Reviewer", SHAPE),
        (["A. Reviewer", "Independent"], SHAPE),
        ({"name": "A. Reviewer"}, SHAPE),
        ({"organisation": "Independent"}, SHAPE),
        ({"name": "A. Reviewer", "organisation": "Independent", "email": "a@b.org"}, SHAPE),
        ({"name": " ", "organisation": "Independent"}, "Enter some text"),
        ({"name": "A. Reviewer", "organisation": 7}, "Enter some text"),
    ],
)
def test_the_reviewer_must_be_a_name_and_organisation(value: Any, message: str) -> None:
    assert errors_of("appoint_reviewer", {"on": "2023-08-03", "reviewer": value}) == {
        "reviewer": message
    }


def test_the_reviewer_is_trimmed() -> None:
    raw = {"on": "2023-08-03", "reviewer": {"name": " A. Reviewer ", "organisation": "Ind. "}}
    _, facts = clean("appoint_reviewer", raw, TODAY, LA_AWARE, LA_AWARE_REASON)
    assert facts == {"reviewer": {"name": "A. Reviewer", "organisation": "Ind."}}


# --- dates among the facts -------------------------------------------------------------------


@pytest.mark.parametrize("planned_on", ["2023-08-11", "2023-09-01", "2024-03-29"])
def test_a_planned_publication_date_may_be_in_the_future(planned_on: str) -> None:
    raw = {"on": "2023-08-10", "planned_on": planned_on}
    _, facts = clean("schedule_publication", raw, TODAY, LA_AWARE, LA_AWARE_REASON)
    assert facts == {"planned_on": date.fromisoformat(planned_on)}


@pytest.mark.parametrize("planned_on", ["2023-08-03", "2023-08-02", "2023-03-01"])
def test_a_planned_publication_date_must_be_after_the_date_it_is_set(planned_on: str) -> None:
    errors = errors_of("schedule_publication", {"on": "2023-08-03", "planned_on": planned_on})
    assert errors == {"planned_on": "The planned publication date must be after the date it is set"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2023-09-31", "'2023-09-31' is not a real date in the form YYYY-MM-DD"),
        ("1/9/2023", "'1/9/2023' is not a real date in the form YYYY-MM-DD"),
        (20230901, "Enter a date as YYYY-MM-DD"),
    ],
)
def test_a_malformed_planned_publication_date(value: Any, message: str) -> None:
    errors = errors_of("schedule_publication", {"on": "2023-08-03", "planned_on": value})
    assert errors == {"planned_on": message}


def test_the_date_the_panel_was_told_of_a_hold_cannot_be_in_the_future() -> None:
    raw = {"on": "2023-08-03", "reason": "inquest", "panel_informed_on": "2023-08-11"}
    assert errors_of("place_hold", raw) == {"panel_informed_on": "The date cannot be in the future"}


def test_the_panel_cannot_have_been_told_before_the_la_became_aware() -> None:
    def check(panel_informed_on: str) -> dict[str, Any]:
        raw = {"on": "2023-08-03", "reason": "inquest", "panel_informed_on": panel_informed_on}
        return clean("place_hold", raw, TODAY, ENTERED, ENTERED_REASON, la_aware_on=LA_AWARE)[1]

    with pytest.raises(FactErrors) as error:
        check("1995-01-01")
    assert error.value.fields == {
        "panel_informed_on": (
            "The date cannot be before the date the local authority became aware (1 March 2023)"
        )
    }
    # Told before the hold was placed, even before the case entered its state: that is fine.
    assert check("2023-03-01")["panel_informed_on"] == date(2023, 3, 1)


# --- publication -----------------------------------------------------------------------------


def test_publishing_improvements_only_needs_a_reason() -> None:
    raw = {"on": "2023-08-03", "kind": "improvements_only", "pseudonym": "Child Q"}
    assert errors_of("publish", raw) == {
        "reason": "Give the reason for publishing improvements only"
    }
    assert errors_of("publish", {**raw, "reason": "  "}) == {
        "reason": "Give the reason for publishing improvements only"
    }
    _, facts = clean("publish", {**raw, "reason": "Trial pending"}, TODAY, LA_AWARE, "x")
    assert facts == {"kind": "improvements_only", "pseudonym": "Child Q", "reason": "Trial pending"}


def test_a_full_report_needs_no_reason() -> None:
    raw = {"on": "2023-08-03", "kind": "full", "pseudonym": "Child Q"}
    _, facts = clean("publish", raw, TODAY, LA_AWARE, LA_AWARE_REASON)
    assert facts == {"kind": "full", "pseudonym": "Child Q"}


def test_themes_come_from_the_controlled_list() -> None:
    raw = {"on": "2023-08-03", "kind": "full", "pseudonym": "Child Q"}
    themes = ["infant safety", "safe sleeping", "COVID-19", "extra-familial harm and exploitation"]
    _, facts = clean("publish", {**raw, "themes": themes}, TODAY, LA_AWARE, LA_AWARE_REASON)
    assert facts["themes"] == themes
    # Every theme of the controlled list in the domain reference is accepted.
    _, facts = clean("publish", {**raw, "themes": list(THEMES)}, TODAY, LA_AWARE, "x")
    assert len(facts["themes"]) == 15


def test_repeated_themes_are_kept_once_in_order() -> None:
    raw = {"on": "2023-08-03", "kind": "full", "pseudonym": "Child Q"}
    given = ["neglect", "domestic abuse", "neglect"]
    _, facts = clean("publish", {**raw, "themes": given}, TODAY, LA_AWARE, LA_AWARE_REASON)
    assert facts["themes"] == ["neglect", "domestic abuse"]


@pytest.mark.parametrize(
    ("themes", "message"),
    [
        (["neglect", "poverty", "Neglect"], "Unknown themes: poverty, Neglect"),
        (["covid-19"], "Unknown themes: covid-19"),
        ("neglect", "Give the themes as a list of names"),
        (["neglect", 3], "Give the themes as a list of names"),
        ({"neglect": True}, "Give the themes as a list of names"),
    ],
)
def test_bad_themes_are_refused(themes: Any, message: str) -> None:
    raw = {"on": "2023-08-03", "kind": "full", "pseudonym": "Child Q", "themes": themes}
    assert errors_of("publish", raw) == {"themes": message}


def test_the_controlled_list_of_themes_matches_the_domain_reference() -> None:
    assert set(THEMES) == {
        "infant safety",
        "safe sleeping",
        "neglect",
        "domestic abuse",
        "parental mental health",
        "substance misuse",
        "step-down decision making",
        "use of interpreters",
        "information sharing",
        "professional curiosity",
        "extra-familial harm and exploitation",
        "education attendance",
        "race and ethnicity",
        "adolescent suicide",
        "COVID-19",
    }


def test_fact_errors_read_as_one_message() -> None:
    with pytest.raises(FactErrors) as caught:
        clean("withdraw", {"on": "2023-08-11"}, TODAY, LA_AWARE, LA_AWARE_REASON)
    assert str(caught.value) == "on: The date cannot be in the future; reason: 'reason' is required"
