"""Tests for workflows.cases: which events each state allows, where they lead, and the guards.

The tables below are copied by hand from the product's domain reference (/work/shared/domain.md),
not from the module under test. Every date was worked out by hand from the England and Wales
bank holiday list; day names are in the comments so a reader can check them on a calendar.

No app and no database: the workflow works on any object with the case's attributes, so a
small dataclass stands in for a case row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from transitions import MachineError

from workflows import cases as workflow
from workflows.calendar import long_date
from workflows.cases import allowed_events, events_from, record_facts, refusal, trigger

STATES = (
    "referred",
    "not_notified",
    "rapid_review",
    "awaiting_panel",
    "withdrawn",
    "commissioning",
    "in_review",
    "approval",
    "pre_publication",
    "national_review",
    "learning",
    "closed",
)
TERMINAL = {"not_notified", "withdrawn", "closed"}
NON_TERMINAL = [s for s in STATES if s not in TERMINAL]
PARTNERS = ("local_authority", "police", "health")

# The "from" column of the events table in the domain reference.
ALLOWED_FROM: dict[str, set[str]] = {
    "notify": {"referred"},
    "decline_notification": {"referred"},
    "reopen": {"not_notified", "closed"},
    "record_decision": {"rapid_review"},
    "sign_off": {"rapid_review", "approval"},
    "submit_rapid_review": {"rapid_review"},
    "withdraw": {"rapid_review", "awaiting_panel"},
    "record_panel_response": {"awaiting_panel"},
    "appoint_reviewer": {"commissioning"},
    "agree_terms_of_reference": {"commissioning"},
    "start_review": {"commissioning"},
    "submit_final_report": {"in_review"},
    "request_changes": {"approval"},
    "schedule_publication": {"approval", "pre_publication"},
    "send_advance_copy": {"approval"},
    "publish": {"pre_publication"},
    "national_review_published": {"national_review"},
    "place_hold": set(NON_TERMINAL),
    "lift_hold": set(STATES),  # "any state with an open hold"
    "close": {"learning"},
}
EVENTS = tuple(ALLOWED_FROM)

# The "to" column: (state, event) -> state after. Pairs not listed here record a fact and leave
# the state as it is ("(same)"); record_panel_response is routed by the Panel's reply (below).
DESTINATION: dict[tuple[str, str], str] = {
    ("referred", "notify"): "rapid_review",
    ("referred", "decline_notification"): "not_notified",
    ("not_notified", "reopen"): "referred",
    ("closed", "reopen"): "learning",
    ("rapid_review", "submit_rapid_review"): "awaiting_panel",
    ("rapid_review", "withdraw"): "withdrawn",
    ("awaiting_panel", "withdraw"): "withdrawn",
    ("commissioning", "start_review"): "in_review",
    ("in_review", "submit_final_report"): "approval",
    ("approval", "request_changes"): "in_review",
    ("approval", "send_advance_copy"): "pre_publication",
    ("pre_publication", "publish"): "learning",
    ("national_review", "national_review_published"): "learning",
    ("learning", "close"): "closed",
}


@dataclass
class FakeCase:
    """The attributes of a case that the workflow reads and writes."""

    state: str = "referred"
    state_entered_on: date = date(2023, 3, 1)
    la_aware_on: date = date(2023, 3, 1)
    decision: str | None = None
    decision_on: date | None = None
    hold_open: bool = False
    outstanding_actions: int = 0
    reviewer_name: str | None = None
    terms_of_reference_agreed_on: date | None = None
    planned_publication_on: date | None = None
    advance_copy_sent_on: date | None = None
    sign_off_round: int = 0
    # (round, partner), as the sign-off rows beside a real case; only the current round counts.
    sign_offs: list[tuple[int, str]] = field(default_factory=list)
    # Written by record_facts.
    sin_submitted_on: date | None = None
    sin_reference: str | None = None
    not_notified_rationale: str | None = None
    decision_rationale: str | None = None
    rapid_review_submitted_on: date | None = None
    withdrawn_reason: str | None = None
    panel_response: str | None = None
    panel_response_on: date | None = None
    panel_note: str | None = None
    reviewer_organisation: str | None = None
    reviewer_appointed_on: date | None = None
    review_started_on: date | None = None
    final_report_submitted_on: date | None = None
    published_on: date | None = None
    publication_kind: str | None = None
    publication_reason: str | None = None
    pseudonym: str | None = None
    themes: list[str] | None = None
    closed_on: date | None = None

    @property
    def signed_off_partners(self) -> set[str]:
        return {p for r, p in self.sign_offs if r == self.sign_off_round}

    def sign(self, *partners: str) -> None:
        self.sign_offs.extend((self.sign_off_round, p) for p in partners)


def ready_case(state: str) -> FakeCase:
    """A case in `state` with every guard of that state satisfied."""
    return FakeCase(
        state=state,
        decision="lcspr",
        decision_on=date(2023, 3, 14),
        reviewer_name="A. Reviewer",
        terms_of_reference_agreed_on=date(2023, 4, 20),
        planned_publication_on=date(2023, 9, 1),
        advance_copy_sent_on=date(2023, 8, 10),
        sign_offs=[(0, p) for p in PARTNERS],
    )


# --- the events table ------------------------------------------------------------------------


def test_the_table_covers_every_event_and_state() -> None:
    assert set(workflow.EVENTS) == set(EVENTS)
    assert set(workflow.STATES) == set(STATES)
    assert workflow.TERMINAL_STATES == TERMINAL


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("event", EVENTS)
def test_each_event_is_allowed_exactly_where_the_table_says(state: str, event: str) -> None:
    assert (event in events_from(state)) is (state in ALLOWED_FROM[event])


def test_events_from_keeps_the_table_order() -> None:
    assert events_from("rapid_review") == [
        "record_decision",
        "sign_off",
        "submit_rapid_review",
        "withdraw",
        "place_hold",
        "lift_hold",
    ]


@pytest.mark.parametrize(
    ("state", "expected"),
    [("not_notified", ["reopen"]), ("closed", ["reopen"]), ("withdrawn", [])],
)
def test_terminal_states_allow_only_reopen_or_nothing(state: str, expected: list[str]) -> None:
    assert events_from(state) == [*expected, "lift_hold"]
    case = ready_case(state)
    assert allowed_events(case) == expected


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("not_notified", ["reopen", "lift_hold"]),
        ("closed", ["reopen", "lift_hold"]),
        ("withdrawn", ["lift_hold"]),
    ],
)
def test_a_hold_left_open_when_the_case_ended_can_still_be_lifted(
    state: str, expected: list[str]
) -> None:
    case = ready_case(state)
    case.hold_open = True
    assert allowed_events(case) == expected
    trigger(case, "lift_hold", {})
    assert case.state == state


ALLOWED_PAIRS = [
    (state, event)
    for event, states in ALLOWED_FROM.items()
    for state in sorted(states)
    if event != "record_panel_response"
]


@pytest.mark.parametrize(("state", "event"), ALLOWED_PAIRS)
def test_triggering_an_allowed_event_moves_to_the_documented_state(state: str, event: str) -> None:
    case = ready_case(state)
    trigger(case, event, {})
    assert case.state == DESTINATION.get((state, event), state)


@pytest.mark.parametrize(
    ("state", "event"),
    [("referred", "publish"), ("withdrawn", "reopen"), ("learning", "notify")],
)
def test_triggering_an_event_the_state_does_not_allow_changes_nothing(
    state: str, event: str
) -> None:
    case = ready_case(state)
    with pytest.raises(MachineError):
        trigger(case, event, {})
    assert case.state == state


# --- the Panel's reply -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "panel_response", "expected"),
    [
        ("lcspr", "agree", "commissioning"),
        ("no_lcspr", "agree", "learning"),
        ("national_review_suggested", "agree", "national_review"),
        ("lcspr", "national_review", "national_review"),
        ("no_lcspr", "national_review", "national_review"),
        ("national_review_suggested", "national_review", "national_review"),
        ("lcspr", "disagree", "rapid_review"),
        ("no_lcspr", "disagree", "rapid_review"),
        ("national_review_suggested", "further_information", "rapid_review"),
        ("lcspr", "further_information", "rapid_review"),
    ],
)
def test_the_panel_reply_routes_the_case(decision: str, panel_response: str, expected: str) -> None:
    case = ready_case("awaiting_panel")
    case.decision = decision
    case.sign_off_round = 1
    facts = {"panel_response": panel_response}
    trigger(case, "record_panel_response", facts)
    record_facts(case, "record_panel_response", date(2023, 3, 30), facts)
    assert case.state == expected
    assert case.state_entered_on == date(2023, 3, 30)
    assert case.panel_response == panel_response
    fresh_set = panel_response in ("disagree", "further_information")
    assert case.sign_off_round == (2 if fresh_set else 1)


def test_after_the_panel_disagrees_the_decision_must_be_signed_off_again() -> None:
    case = FakeCase(state="rapid_review", state_entered_on=date(2023, 3, 6))
    facts = {"decision": "lcspr", "rationale": "Criteria met"}
    record_facts(case, "record_decision", date(2023, 3, 14), facts)
    case.sign(*PARTNERS)
    assert refusal(case, "submit_rapid_review", {}, date(2023, 3, 20)) is None
    trigger(case, "submit_rapid_review", {})
    record_facts(case, "submit_rapid_review", date(2023, 3, 20), {})

    reply = {"panel_response": "disagree", "note": "Revisit"}
    trigger(case, "record_panel_response", reply)
    record_facts(case, "record_panel_response", date(2023, 3, 30), reply)

    assert case.state == "rapid_review"
    assert case.signed_off_partners == set()
    reason = refusal(case, "submit_rapid_review", {}, date(2023, 3, 31))
    assert reason == (
        "The rapid review cannot be submitted until the local authority, the police and "
        "health (the ICB) have signed off the decision."
    )
    case.sign(*PARTNERS)
    assert refusal(case, "submit_rapid_review", {}, date(2023, 3, 31)) is None


@pytest.mark.parametrize(
    ("state", "event", "facts"),
    [
        ("rapid_review", "record_decision", {"decision": "no_lcspr", "rationale": "Other way"}),
        ("in_review", "submit_final_report", {}),
        ("approval", "request_changes", {"reason": "Needs the family's voice"}),
    ],
)
def test_events_that_start_a_fresh_set_of_sign_offs(state: str, event: str, facts: dict) -> None:
    case = ready_case(state)
    assert case.signed_off_partners == set(PARTNERS)
    record_facts(case, event, date(2023, 8, 1), facts)
    assert case.sign_off_round == 1
    assert case.signed_off_partners == set()


@pytest.mark.parametrize(
    ("event", "facts"),
    [
        ("sign_off", {"partner": "police"}),
        ("schedule_publication", {"planned_on": date(2023, 9, 15)}),
        ("appoint_reviewer", {"reviewer": {"name": "B. Reviewer", "organisation": "Ind."}}),
        ("record_panel_response", {"panel_response": "agree"}),
    ],
)
def test_other_events_keep_the_current_sign_offs(event: str, facts: dict) -> None:
    case = ready_case("approval")
    record_facts(case, event, date(2023, 8, 3), facts)
    assert case.sign_off_round == 0


def test_reopening_a_closed_case_clears_its_closed_date() -> None:
    case = ready_case("learning")
    record_facts(case, "close", date(2023, 4, 4), {})
    assert case.closed_on == date(2023, 4, 4)
    record_facts(case, "reopen", date(2023, 4, 6), {"reason": "New learning"})
    assert case.closed_on is None


def test_record_facts_writes_the_facts_onto_the_case() -> None:
    case = FakeCase()
    record_facts(case, "notify", date(2023, 3, 6), {"sin_reference": "SIN-0001"})
    assert (case.sin_submitted_on, case.sin_reference) == (date(2023, 3, 6), "SIN-0001")
    record_facts(
        case, "record_decision", date(2023, 3, 14), {"decision": "lcspr", "rationale": "R"}
    )
    assert (case.decision, case.decision_on, case.decision_rationale) == (
        "lcspr",
        date(2023, 3, 14),
        "R",
    )
    reviewer = {"name": "A. Reviewer", "organisation": "Independent"}
    record_facts(case, "appoint_reviewer", date(2023, 4, 12), {"reviewer": reviewer})
    assert (case.reviewer_name, case.reviewer_organisation, case.reviewer_appointed_on) == (
        "A. Reviewer",
        "Independent",
        date(2023, 4, 12),
    )
    record_facts(case, "agree_terms_of_reference", date(2023, 4, 20), {})
    assert case.terms_of_reference_agreed_on == date(2023, 4, 20)
    record_facts(case, "schedule_publication", date(2023, 8, 3), {"planned_on": date(2023, 9, 1)})
    assert case.planned_publication_on == date(2023, 9, 1)
    record_facts(case, "send_advance_copy", date(2023, 8, 10), {})
    assert case.advance_copy_sent_on == date(2023, 8, 10)
    publication = {"kind": "improvements_only", "reason": "Trial", "pseudonym": "Child Q"}
    record_facts(case, "publish", date(2023, 9, 1), {**publication, "themes": ["neglect"]})
    assert case.published_on == date(2023, 9, 1)
    assert (case.publication_kind, case.publication_reason, case.pseudonym) == (
        "improvements_only",
        "Trial",
        "Child Q",
    )
    assert case.themes == ["neglect"]


def test_only_state_changing_events_move_state_entered_on() -> None:
    case = FakeCase(state="rapid_review", state_entered_on=date(2023, 3, 6))
    record_facts(
        case, "record_decision", date(2023, 3, 14), {"decision": "lcspr", "rationale": "R"}
    )
    record_facts(case, "place_hold", date(2023, 3, 15), {"reason": "inquest"})
    assert case.state_entered_on == date(2023, 3, 6)
    record_facts(case, "submit_rapid_review", date(2023, 3, 20), {})
    assert case.state_entered_on == date(2023, 3, 20)


# --- guards: refused with a reason, allowed once satisfied -----------------------------------

ON = date(2023, 3, 20)


def test_submit_rapid_review_needs_a_decision() -> None:
    case = FakeCase(state="rapid_review")
    assert refusal(case, "submit_rapid_review", {}, ON) == (
        "The rapid review cannot be submitted until a decision is recorded."
    )


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("local_authority", "the local authority"),
        ("police", "the police"),
        ("health", "health (the ICB)"),
    ],
)
def test_submit_rapid_review_names_the_partner_who_has_not_signed(missing: str, named: str) -> None:
    case = FakeCase(state="rapid_review", decision="lcspr")
    case.sign(*(p for p in PARTNERS if p != missing))
    assert refusal(case, "submit_rapid_review", {}, ON) == (
        f"The rapid review cannot be submitted until {named} have signed off the decision."
    )
    case.sign(missing)
    assert refusal(case, "submit_rapid_review", {}, ON) is None


def test_submit_rapid_review_names_two_missing_partners() -> None:
    case = FakeCase(state="rapid_review", decision="lcspr")
    case.sign("police")
    reason = refusal(case, "submit_rapid_review", {}, ON)
    assert reason is not None
    assert "the local authority and health (the ICB) have signed off" in reason


@pytest.mark.parametrize(
    ("reviewer_name", "agreed_on", "needed"),
    [
        (None, date(2023, 4, 20), "a reviewer is appointed"),
        ("A. Reviewer", None, "the terms of reference are agreed"),
        (None, None, "a reviewer is appointed and the terms of reference are agreed"),
    ],
)
def test_start_review_needs_a_reviewer_and_terms_of_reference(
    reviewer_name: str | None, agreed_on: date | None, needed: str
) -> None:
    case = FakeCase(
        state="commissioning", reviewer_name=reviewer_name, terms_of_reference_agreed_on=agreed_on
    )
    assert refusal(case, "start_review", {}, date(2023, 4, 24)) == (
        f"The review cannot start until {needed}."
    )
    case.reviewer_name, case.terms_of_reference_agreed_on = "A. Reviewer", date(2023, 4, 20)
    assert refusal(case, "start_review", {}, date(2023, 4, 24)) is None


def test_send_advance_copy_needs_every_report_sign_off() -> None:
    case = ready_case("approval")
    case.sign_off_round = 1  # a new final report: nobody has signed it yet
    case.sign("local_authority", "health")
    assert refusal(case, "send_advance_copy", {}, date(2023, 8, 10)) == (
        "The advance copy cannot be sent until the police have signed off the final report."
    )


def test_send_advance_copy_needs_a_planned_publication_date() -> None:
    case = ready_case("approval")
    case.planned_publication_on = None
    assert refusal(case, "send_advance_copy", {}, date(2023, 8, 10)) == (
        "The advance copy cannot be sent until a publication date is planned."
    )


# Planned publication on Friday 1 September 2023. Counting back over working days: Fri 1 Sep,
# Thu 31, Wed 30, Tue 29 Aug, (Mon 28 Aug is the summer bank holiday), Fri 25, Thu 24, Wed 23.
# So from Tuesday 22 August there are 7 working days to the planned date; from Wednesday 23
# there are only 6, though a count that forgot the bank holiday would say 7.
@pytest.mark.parametrize(
    ("on", "gap"),
    [
        (date(2023, 8, 23), "6 working days"),
        (date(2023, 8, 25), "4 working days"),
        (date(2023, 8, 31), "1 working day"),
    ],
)
def test_send_advance_copy_too_close_to_publication_across_a_bank_holiday(
    on: date, gap: str
) -> None:
    case = ready_case("approval")
    reason = refusal(case, "send_advance_copy", {}, on)
    assert reason is not None
    assert (
        "at least 7 working days before the planned publication date (1 September 2023)" in reason
    )
    assert f"it is {gap} before it" in reason


def test_send_advance_copy_seven_working_days_before_publication_is_allowed() -> None:
    case = ready_case("approval")
    assert refusal(case, "send_advance_copy", {}, date(2023, 8, 22)) is None
    assert refusal(case, "send_advance_copy", {}, date(2023, 8, 10)) is None


def test_send_advance_copy_counts_the_partnerships_closure_days() -> None:
    case = ready_case("approval")
    closures = frozenset({date(2023, 8, 24)})  # Thursday 24 August 2023
    reason = refusal(case, "send_advance_copy", {}, date(2023, 8, 22), closures)
    assert reason is not None
    assert "it is 6 working days before it" in reason
    assert refusal(case, "send_advance_copy", {}, date(2023, 8, 21), closures) is None


# Easter 2024: Good Friday 29 March and Easter Monday 1 April. From an advance copy sent on
# Monday 25 March: Tue 26 (1), Wed 27 (2), Thu 28 (3), Tue 2 Apr (4), Wed 3 (5), Thu 4 (6),
# Fri 5 April (7).
# Christmas 2023: Monday 25 and Tuesday 26 December. From Monday 18 December: 19, 20, 21, 22
# (4), Wed 27 (5), Thu 28 (6), Fri 29 December (7).
@pytest.mark.parametrize(
    ("sent_on", "too_early", "gap", "first_allowed"),
    [
        (date(2024, 3, 25), date(2024, 4, 4), 6, date(2024, 4, 5)),
        (date(2023, 12, 18), date(2023, 12, 28), 6, date(2023, 12, 29)),
        (date(2023, 12, 18), date(2023, 12, 22), 4, date(2023, 12, 29)),
    ],
)
def test_publish_waits_7_working_days_after_the_advance_copy(
    sent_on: date, too_early: date, gap: int, first_allowed: date
) -> None:
    case = ready_case("pre_publication")
    case.advance_copy_sent_on = sent_on
    reason = refusal(case, "publish", {"kind": "full", "pseudonym": "Child Q"}, too_early)
    assert reason == (
        "The report cannot be published until 7 working days after the advance copy was sent "
        f"({long_date(sent_on)}); this date is {gap} working days after it."
    )
    assert refusal(case, "publish", {"kind": "full", "pseudonym": "Child Q"}, first_allowed) is None


# The advance copy went on Tuesday 22 August 2023. After it: Wed 23, Thu 24, Fri 25, (Mon 28 Aug
# the summer bank holiday), Tue 29, Wed 30, Thu 31 August (6), Fri 1 September (7).
@pytest.mark.parametrize(("planned_on", "gap"), [(date(2023, 8, 25), 3), (date(2023, 8, 31), 6)])
def test_a_new_publication_date_must_leave_7_working_days_after_the_advance_copy(
    planned_on: date, gap: int
) -> None:
    case = ready_case("pre_publication")
    case.advance_copy_sent_on = date(2023, 8, 22)
    reason = refusal(case, "schedule_publication", {"planned_on": planned_on}, date(2023, 8, 23))
    assert reason == (
        "The publication date must be at least 7 working days after the advance copy was sent "
        f"(22 August 2023); {long_date(planned_on)} is {gap} working days after it."
    )
    allowed = {"planned_on": date(2023, 9, 1)}
    assert refusal(case, "schedule_publication", allowed, date(2023, 8, 23)) is None


def test_a_publication_date_planned_before_the_advance_copy_is_judged_when_it_is_sent() -> None:
    case = ready_case("approval")
    case.advance_copy_sent_on = None
    soon = {"planned_on": date(2023, 8, 25)}
    assert refusal(case, "schedule_publication", soon, date(2023, 8, 23)) is None


@dataclass
class Entry:
    event: str
    on: date
    facts: dict = field(default_factory=dict)


def test_steps_before_follow_the_current_decision_and_its_sign_offs() -> None:
    history = [
        Entry("record_decision", date(2023, 3, 14), {"decision": "lcspr"}),
        Entry("sign_off", date(2023, 3, 17), {"partner": "police"}),
        Entry("sign_off", date(2023, 3, 15), {"partner": "health"}),  # recorded late
        Entry("record_panel_response", date(2023, 3, 24), {"panel_response": "disagree"}),
    ]
    assert workflow.steps_before("submit_rapid_review", history) == [
        (date(2023, 3, 14), "the date the decision was recorded")  # nothing signed since
    ]
    history += [
        Entry("sign_off", date(2023, 3, 28), {"partner": "police"}),
        Entry("sign_off", date(2023, 3, 27), {"partner": "health"}),
    ]
    assert workflow.steps_before("submit_rapid_review", history) == [
        (date(2023, 3, 14), "the date the decision was recorded"),
        (date(2023, 3, 28), "the last sign-off of the decision"),
    ]


def test_steps_before_the_advance_copy_are_the_first_plan_and_the_reports_sign_offs() -> None:
    history = [
        Entry("appoint_reviewer", date(2023, 4, 12)),
        Entry("agree_terms_of_reference", date(2023, 4, 20)),
        Entry("start_review", date(2023, 4, 24)),
        Entry("submit_final_report", date(2023, 8, 1)),
        Entry("sign_off", date(2023, 8, 2), {"partner": "police"}),
        Entry("schedule_publication", date(2023, 8, 2), {"planned_on": "2023-09-29"}),
        Entry("request_changes", date(2023, 8, 4), {"reason": "Redraft"}),
        Entry("submit_final_report", date(2023, 8, 14)),
        Entry("schedule_publication", date(2023, 8, 15), {"planned_on": "2023-10-02"}),
    ]
    assert workflow.steps_before("start_review", history) == [
        (date(2023, 4, 12), "the date the reviewer was appointed"),
        (date(2023, 4, 20), "the date the terms of reference were agreed"),
    ]
    # The first report's sign-off no longer counts; the date was planned by 2 August.
    assert workflow.steps_before("send_advance_copy", history) == [
        (date(2023, 8, 2), "the date the publication date was planned")
    ]
    history.append(Entry("sign_off", date(2023, 8, 16), {"partner": "police"}))
    assert workflow.steps_before("send_advance_copy", history)[-1] == (
        date(2023, 8, 16),
        "the last sign-off of the final report",
    )
    assert workflow.steps_before("publish", history) == []


def test_a_refusal_counts_one_working_day_in_the_singular() -> None:
    # Planned Fri 1 Sep 2023; Thu 31 Aug is 1 working day before it. Sent Tue 22 Aug: Wed 23
    # Aug is 1 working day after it.
    case = ready_case("approval")
    assert "it is 1 working day before it." in refusal(
        case, "send_advance_copy", {}, date(2023, 8, 31)
    )
    case = ready_case("pre_publication")
    case.advance_copy_sent_on = date(2023, 8, 22)
    publish = {"kind": "full", "pseudonym": "Child Q"}
    assert refusal(case, "publish", publish, date(2023, 8, 23)).endswith(
        "this date is 1 working day after it."
    )
    moved = {"planned_on": date(2023, 8, 23)}
    assert refusal(case, "schedule_publication", moved, date(2023, 8, 22)).endswith(
        "23 August 2023 is 1 working day after it."
    )


def test_place_hold_is_refused_while_a_hold_is_open() -> None:
    case = ready_case("in_review")
    assert refusal(case, "place_hold", {"reason": "inquest"}, ON) is None
    case.hold_open = True
    assert refusal(case, "place_hold", {"reason": "inquest"}, ON) == (
        "A hold is already open on this case: lift it before placing another."
    )


def test_lift_hold_is_refused_without_an_open_hold() -> None:
    case = ready_case("in_review")
    assert refusal(case, "lift_hold", {}, ON) == "There is no open hold to lift."
    case.hold_open = True
    assert refusal(case, "lift_hold", {}, ON) is None


def test_close_is_refused_with_outstanding_actions() -> None:
    case = ready_case("learning")
    case.outstanding_actions = 2
    assert refusal(case, "close", {}, ON) == (
        "The case cannot be closed while 2 action(s) are neither complete nor carried forward "
        "with a reason."
    )
    case.outstanding_actions = 0
    assert refusal(case, "close", {}, ON) is None


def test_sign_off_is_refused_before_a_decision() -> None:
    case = FakeCase(state="rapid_review")
    assert refusal(case, "sign_off", {"partner": "police"}, ON) == (
        "There is no decision to sign off yet: record the rapid review decision first."
    )
    case.decision = "lcspr"
    assert refusal(case, "sign_off", {"partner": "police"}, ON) is None


@pytest.mark.parametrize(
    ("partner", "who"),
    [
        ("local_authority", "The local authority"),
        ("police", "The police"),
        ("health", "Health (the ICB)"),
    ],
)
@pytest.mark.parametrize(
    ("state", "subject"), [("rapid_review", "decision"), ("approval", "final report")]
)
def test_a_partner_cannot_sign_off_twice(partner: str, who: str, state: str, subject: str) -> None:
    case = FakeCase(state=state, decision="lcspr")
    assert refusal(case, "sign_off", {"partner": partner}, ON) is None
    case.sign(partner)
    assert refusal(case, "sign_off", {"partner": partner}, ON) == (
        f"{who} have already signed off this {subject}."
    )
    other = next(p for p in PARTNERS if p != partner)
    assert refusal(case, "sign_off", {"partner": other}, ON) is None


# --- allowed_events: the table with the guards applied ---------------------------------------

TODAY = date(2023, 8, 10)


def test_allowed_events_in_a_fresh_rapid_review() -> None:
    case = FakeCase(state="rapid_review")
    assert allowed_events(case) == ["record_decision", "withdraw", "place_hold"]


def test_allowed_events_once_the_decision_is_signed_off_and_a_hold_is_open() -> None:
    case = FakeCase(state="rapid_review", decision="lcspr", hold_open=True)
    case.sign(*PARTNERS)
    assert allowed_events(case) == [
        "record_decision",
        "submit_rapid_review",
        "withdraw",
        "lift_hold",
    ]


def test_allowed_events_offer_sign_off_while_a_partner_is_missing() -> None:
    case = FakeCase(state="rapid_review", decision="lcspr")
    case.sign("local_authority", "police")
    assert "sign_off" in allowed_events(case)
    assert "submit_rapid_review" not in allowed_events(case)


def test_allowed_events_in_commissioning_follow_the_reviewer_and_terms() -> None:
    case = FakeCase(state="commissioning", decision="lcspr")
    assert "start_review" not in allowed_events(case)
    case.reviewer_name, case.terms_of_reference_agreed_on = "A. Reviewer", date(2023, 4, 20)
    assert allowed_events(case) == [
        "appoint_reviewer",
        "agree_terms_of_reference",
        "start_review",
        "place_hold",
    ]


def test_the_advance_copy_is_offered_whatever_today_is_and_its_date_judged_when_given() -> None:
    # People record events late: the page offers the event and the date given is judged.
    case = ready_case("approval")  # planned publication Friday 1 September 2023
    assert "send_advance_copy" in allowed_events(case)
    assert refusal(case, "send_advance_copy", {}, date(2023, 8, 22)) is None
    assert "6 working days before it" in refusal(case, "send_advance_copy", {}, date(2023, 8, 23))
    late = refusal(case, "send_advance_copy", {}, date(2023, 9, 4))
    assert "that date is after the planned date" in late


def test_publication_is_offered_and_its_date_judged_when_given() -> None:
    case = ready_case("pre_publication")
    case.advance_copy_sent_on = date(2023, 12, 18)
    assert allowed_events(case) == ["schedule_publication", "publish", "place_hold"]
    assert refusal(case, "publish", {}, date(2023, 12, 28)) is not None  # 6 working days
    assert refusal(case, "publish", {}, date(2023, 12, 29)) is None


def test_allowed_events_in_learning_follow_the_outstanding_actions() -> None:
    case = ready_case("learning")
    case.outstanding_actions = 1
    assert allowed_events(case) == ["place_hold"]
    case.outstanding_actions = 0
    assert allowed_events(case) == ["place_hold", "close"]


# --- the one shared machine ------------------------------------------------------------------


def test_there_are_no_automatic_to_state_triggers() -> None:
    assert not [name for name in workflow.MACHINE.events if name.startswith("to_")]
    case = ready_case("referred")
    assert not hasattr(case, "to_closed")


def test_triggering_does_not_add_the_case_to_the_shared_machine() -> None:
    machine = workflow.MACHINE
    models_before = list(machine.models)
    case = ready_case("referred")
    trigger(case, "notify", {"sin_reference": "SIN-0001"})
    trigger(case, "withdraw", {"reason": "Criteria not met"})
    assert case.state == "withdrawn"
    assert workflow.MACHINE is machine
    assert all(model is not case for model in machine.models)
    assert list(machine.models) == models_before
    for name in ("notify", "trigger", "may_notify", "is_referred"):
        assert not hasattr(case, name)


# --- what the guards read beyond the case's own fields ---------------------------------------


class ReadRecordingCase(FakeCase):
    """A FakeCase that notes when the guards read its sign-offs or its holds."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        object.__setattr__(self, "reads", set())

    def __getattribute__(self, name: str):  # noqa: ANN204
        if name in ("signed_off_partners", "hold_open"):
            object.__getattribute__(self, "reads").add(name)
        return object.__getattribute__(self, name)


def test_storage_is_told_which_events_read_the_sign_offs_and_the_holds() -> None:
    """Storage loads sign-offs and holds with the case only for the events in READS_SIGN_OFFS
    and READS_HOLDS; a guard reading them for another event would cost a round trip."""
    readers: dict[str, set[str]] = {"signed_off_partners": set(), "hold_open": set()}
    for state in workflow.STATES:
        for event in events_from(state):
            for case in (ReadRecordingCase(state=state), _ready_recording(state)):
                for facts in ({}, {"partner": "police"}):
                    refusal(case, event, facts, date(2023, 8, 1))
                for name in case.reads:
                    readers[name].add(event)
    assert readers["signed_off_partners"] == workflow.READS_SIGN_OFFS
    assert readers["hold_open"] == workflow.READS_HOLDS


def _ready_recording(state: str) -> ReadRecordingCase:
    ready = ready_case(state)
    return ReadRecordingCase(**{name: getattr(ready, name) for name in ready.__dataclass_fields__})
