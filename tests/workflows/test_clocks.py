"""Tests for workflows.clocks: the deadlines derived from a case's history, and their alerts.

Histories are plain entries as the database keeps them (event, date, JSON-style facts, the
state after the event). Every expected date was worked out by hand from the England and Wales
bank holiday list, never by calling the code under test; day names are in the comments.

Bank holidays used below: 2022: Mon 29 Aug, Mon 26 and Tue 27 Dec. 2023: Mon 2 Jan, Good
Friday 7 Apr, Easter Monday 10 Apr, Mon 1 May, Mon 8 May (coronation), Mon 29 May, Mon 28 Aug,
Mon 25 and Tue 26 Dec. 2024: Mon 1 Jan, Good Friday 29 Mar, Easter Monday 1 Apr.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from workflows.cases import PARTNERS, refusal
from workflows.clocks import (
    Clock,
    ClockSettings,
    derive_clocks,
    hold_pause,
    rung_dates,
    rung_reached,
    status,
    working_days_late,
    working_days_left,
)

DEFAULT = ClockSettings()


@dataclass
class Entry:
    """One row of a case's history."""

    event: str
    on: date
    to_state: str | None
    facts: dict[str, Any] = field(default_factory=dict)


def step(event: str, on: str, to_state: str, **facts: Any) -> Entry:
    return Entry(event, date.fromisoformat(on), to_state, facts)


def clocks_of(
    la_aware_on: str, history: list[Entry], settings: ClockSettings = DEFAULT
) -> list[Clock]:
    return derive_clocks(date.fromisoformat(la_aware_on), history, settings)


def only(clocks: list[Clock], kind: str) -> Clock:
    found = [c for c in clocks if c.kind == kind]
    assert len(found) == 1, f"expected one {kind} clock, found {found}"
    return found[0]


def status_of(clock: Clock, on: date) -> str:
    return status(
        anchor_on=clock.anchor_on,
        due_on=clock.due_on,
        met_on=clock.met_on,
        cancelled_on=clock.cancelled_on,
        paused=clock.paused,
        on=on,
    )


# The local authority became aware on Wednesday 1 March 2023; the dates follow the happy path
# of tests/factories.py.
LA_AWARE = "2023-03-01"
NOTIFIED = [step("notify", "2023-03-06", "rapid_review", sin_reference="SIN-0001")]
DECIDED = [
    *NOTIFIED,
    step("record_decision", "2023-03-14", "rapid_review", decision="lcspr", rationale="Met"),
    step("sign_off", "2023-03-15", "rapid_review", partner="local_authority"),
    step("sign_off", "2023-03-15", "rapid_review", partner="police"),
    step("sign_off", "2023-03-15", "rapid_review", partner="health"),
]
SUBMITTED = [*DECIDED, step("submit_rapid_review", "2023-03-20", "awaiting_panel")]
COMMISSIONING = [
    *SUBMITTED,
    step("record_panel_response", "2023-03-30", "commissioning", panel_response="agree"),
]
IN_REVIEW = [
    *COMMISSIONING,
    step(
        "appoint_reviewer",
        "2023-04-12",
        "commissioning",
        reviewer={"name": "A. Reviewer", "organisation": "Independent"},
    ),
    step("agree_terms_of_reference", "2023-04-20", "commissioning"),
    step("start_review", "2023-04-24", "in_review"),
]
APPROVAL = [*IN_REVIEW, step("submit_final_report", "2023-08-01", "approval")]
SCHEDULED = [
    *APPROVAL,
    step("schedule_publication", "2023-08-03", "approval", planned_on="2023-09-01"),
]
HAPPY_PATH = [
    *SCHEDULED,
    step("send_advance_copy", "2023-08-10", "pre_publication"),
    step("publish", "2023-09-01", "learning", kind="full", pseudonym="Child Q"),
    step("close", "2023-10-02", "closed"),
]


# --- the whole happy path --------------------------------------------------------------------


def test_the_happy_path_meets_every_clock_oldest_first() -> None:
    clocks = clocks_of(LA_AWARE, HAPPY_PATH)
    got = [(c.kind, c.seq, c.anchor_on, c.due_on, c.met_on, c.statutory) for c in clocks]
    assert got == [
        # Wed 1 Mar + 5 working days: 2, 3, 6, 7, Wed 8 March.
        ("notification", 1, date(2023, 3, 1), date(2023, 3, 8), date(2023, 3, 6), True),
        # Mon 6 Mar + 15 working days: three full weeks to Mon 27 March.
        ("rapid_review", 1, date(2023, 3, 6), date(2023, 3, 27), date(2023, 3, 20), True),
        # Mon 20 Mar + 10 working days: Mon 3 April.
        ("panel_response", 1, date(2023, 3, 20), date(2023, 4, 3), date(2023, 3, 30), False),
        # Tue 14 Mar (the decision) + 20 working days: 17 working days to Thu 6 Apr, then Good
        # Friday and Easter Monday, then 11, 12, Thu 13 April.
        (
            "reviewer_appointment",
            1,
            date(2023, 3, 14),
            date(2023, 4, 13),
            date(2023, 4, 12),
            False,
        ),
        # ... + 30 working days: Fri 14 Apr is the 21st, Thu 27 April the 30th.
        ("terms_of_reference", 1, date(2023, 3, 14), date(2023, 4, 27), date(2023, 4, 20), False),
        # Tue 14 Mar + 6 calendar months.
        ("publication", 1, date(2023, 3, 14), date(2023, 9, 14), date(2023, 9, 1), True),
        # 7 working days before Fri 1 Sep: 1 Sep, 31, 30, 29 Aug, (28 Aug bank holiday), 25,
        # 24, 23 are the seven, so the copy is due by Tue 22 August.
        ("advance_copy", 1, date(2023, 9, 1), date(2023, 8, 22), date(2023, 8, 10), True),
    ]
    assert {status_of(c, date(2023, 10, 2)) for c in clocks} == {"met"}
    assert all(c.cancelled_on is None and not c.paused and c.hold_days == 0 for c in clocks)


@pytest.mark.parametrize(
    ("history", "kinds"),
    [
        ([], ["notification"]),
        (NOTIFIED, ["notification", "rapid_review"]),
        (DECIDED, ["notification", "rapid_review"]),
        (SUBMITTED, ["notification", "rapid_review", "panel_response"]),
        (
            COMMISSIONING,
            [
                "notification",
                "rapid_review",
                "panel_response",
                "reviewer_appointment",
                "terms_of_reference",
                "publication",
            ],
        ),
    ],
)
def test_a_clock_exists_only_once_its_stage_is_reached(
    history: list[Entry], kinds: list[str]
) -> None:
    assert [c.kind for c in clocks_of(LA_AWARE, history)] == kinds


def test_no_cspr_clocks_when_the_learning_is_taken_forward_another_way() -> None:
    history = [
        *NOTIFIED,
        step("record_decision", "2023-03-14", "rapid_review", decision="no_lcspr", rationale="R"),
        step("submit_rapid_review", "2023-03-20", "awaiting_panel"),
        step("record_panel_response", "2023-03-30", "learning", panel_response="agree"),
    ]
    kinds = [c.kind for c in clocks_of(LA_AWARE, history)]
    assert kinds == ["notification", "rapid_review", "panel_response"]


def test_no_cspr_clocks_when_the_panel_takes_a_national_review() -> None:
    history = [
        *SUBMITTED,
        step("record_panel_response", "2023-03-30", "national_review", panel_response="agree"),
        step("national_review_published", "2023-11-01", "learning"),
    ]
    kinds = [c.kind for c in clocks_of(LA_AWARE, history)]
    assert kinds == ["notification", "rapid_review", "panel_response"]


@pytest.mark.parametrize(
    ("kind", "statutory"),
    [
        ("notification", True),
        ("rapid_review", True),
        ("panel_response", False),
        ("reviewer_appointment", False),
        ("terms_of_reference", False),
        ("publication", True),
        ("advance_copy", True),
    ],
)
def test_which_clocks_are_statutory(kind: str, statutory: bool) -> None:
    assert only(clocks_of(LA_AWARE, SCHEDULED), kind).statutory is statutory


# --- notification ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("la_aware_on", "due_on"),
    [
        # Tue 20 Dec 2022: 21, 22, 23, (26, 27 bank holidays), 28, Thu 29 December.
        ("2022-12-20", date(2022, 12, 29)),
        # Mon 1 May 2023 (a bank holiday itself): 2, 3, 4, 5, (8 May coronation), Tue 9 May.
        ("2023-05-01", date(2023, 5, 9)),
        # Saturday 4 March 2023 and Sunday 5 March: Mon 6 is working day 1, Fri 10 March the 5th.
        ("2023-03-04", date(2023, 3, 10)),
        ("2023-03-05", date(2023, 3, 10)),
        # Mon 28 Aug 2023, the summer bank holiday: 29, 30, 31, 1 Sep, Mon 4 September.
        ("2023-08-28", date(2023, 9, 4)),
        # Easter 2024. Thu 28 Mar: (29 Good Friday, 1 Apr Easter Monday), 2, 3, 4, 5, Mon 8 April.
        ("2024-03-28", date(2024, 4, 8)),
        # Good Friday itself as the anchor gives the same day.
        ("2024-03-29", date(2024, 4, 8)),
    ],
)
def test_notification_is_due_5_working_days_after_the_la_became_aware(
    la_aware_on: str, due_on: date
) -> None:
    clock = only(clocks_of(la_aware_on, []), "notification")
    assert clock.anchor_on == date.fromisoformat(la_aware_on)
    assert clock.due_on == due_on
    assert clock.statutory


@pytest.mark.parametrize(
    ("notified_on", "expected_status", "late"),
    [
        ("2023-03-02", "met", None),
        ("2023-03-08", "met", None),  # on the due date itself
        ("2023-03-09", "met_late", 1),
        ("2023-03-10", "met_late", 2),
        ("2023-03-13", "met_late", 3),  # Thu 9, Fri 10, Mon 13
    ],
)
def test_notify_meets_the_notification_clock(
    notified_on: str, expected_status: str, late: int | None
) -> None:
    history = [step("notify", notified_on, "rapid_review")]
    clock = only(clocks_of(LA_AWARE, history), "notification")
    assert clock.met_on == date.fromisoformat(notified_on)
    today = date(2023, 4, 3)
    assert status_of(clock, today) == expected_status
    assert working_days_late(expected_status, clock.due_on, clock.met_on, today) == late


def test_an_unmet_notification_clock_runs_then_goes_overdue() -> None:
    clock = only(clocks_of(LA_AWARE, []), "notification")  # due Wed 8 March 2023
    assert status_of(clock, date(2023, 3, 2)) == "running"
    assert working_days_left("running", clock.due_on, date(2023, 3, 2)) == 4  # 3, 6, 7, 8
    assert status_of(clock, date(2023, 3, 8)) == "running"
    assert working_days_left("running", clock.due_on, date(2023, 3, 8)) == 0
    assert status_of(clock, date(2023, 3, 9)) == "overdue"
    assert working_days_late("overdue", clock.due_on, None, date(2023, 3, 14)) == 4


def test_closure_days_push_the_due_date() -> None:
    # Mon 1 May 2023 with the partnership closed on Tue 2 May: 3, 4, 5, (8 May), 9, Wed 10 May.
    settings = ClockSettings(closures=frozenset({date(2023, 5, 2)}))
    assert only(clocks_of("2023-05-01", [], settings), "notification").due_on == date(2023, 5, 10)
    # A closure on a weekend or a bank holiday changes nothing.
    settings = ClockSettings(closures=frozenset({date(2023, 5, 6), date(2023, 5, 8)}))
    assert only(clocks_of("2023-05-01", [], settings), "notification").due_on == date(2023, 5, 9)


def test_closure_days_push_the_rapid_review_due_date() -> None:
    # From Mon 6 Mar 2023 the 15th working day is Mon 27 March; closing Fri 10 and Fri 17 March
    # pushes it two working days on, to Wed 29 March.
    settings = ClockSettings(closures=frozenset({date(2023, 3, 10), date(2023, 3, 17)}))
    clock = only(clocks_of(LA_AWARE, NOTIFIED, settings), "rapid_review")
    assert clock.due_on == date(2023, 3, 29)


# --- withdrawal, decline and reopen ----------------------------------------------------------


def test_withdraw_during_the_rapid_review_cancels_the_rapid_review_clock() -> None:
    history = [*NOTIFIED, step("withdraw", "2023-03-10", "withdrawn", reason="Not met")]
    notification, rapid_review = clocks_of(LA_AWARE, history)
    assert status_of(notification, date(2023, 3, 10)) == "met"
    assert rapid_review.cancelled_on == date(2023, 3, 10)
    assert rapid_review.cancelled_by == "withdraw"
    assert status_of(rapid_review, date(2023, 4, 30)) == "cancelled"
    assert working_days_late("cancelled", rapid_review.due_on, None, date(2023, 4, 30)) is None


def test_withdraw_while_with_the_panel_cancels_the_panel_response_clock() -> None:
    history = [*SUBMITTED, step("withdraw", "2023-03-24", "withdrawn", reason="Not met")]
    clocks = clocks_of(LA_AWARE, history)
    assert [status_of(c, date(2023, 4, 30)) for c in clocks] == ["met", "met", "cancelled"]
    panel = only(clocks, "panel_response")
    assert (panel.cancelled_on, panel.cancelled_by) == (date(2023, 3, 24), "withdraw")


def test_decline_cancels_the_notification_clock_and_reopen_brings_it_back() -> None:
    declined = [step("decline_notification", "2023-03-03", "not_notified", rationale="Not met")]
    (clock,) = clocks_of(LA_AWARE, declined)
    assert (clock.cancelled_on, clock.cancelled_by) == (date(2023, 3, 3), "decline_notification")
    assert status_of(clock, date(2023, 3, 13)) == "cancelled"

    reopened = [*declined, step("reopen", "2023-03-13", "referred", reason="New information")]
    (clock,) = clocks_of(LA_AWARE, reopened)
    assert clock.cancelled_on is None and clock.cancelled_by is None
    assert clock.due_on == date(2023, 3, 8)  # its original due date
    assert status_of(clock, date(2023, 3, 13)) == "overdue"
    assert working_days_late("overdue", clock.due_on, None, date(2023, 3, 13)) == 3

    notified = [*reopened, step("notify", "2023-03-14", "rapid_review")]
    clock = clocks_of(LA_AWARE, notified)[0]
    assert status_of(clock, date(2023, 3, 14)) == "met_late"
    # Thu 9, Fri 10, Mon 13, Tue 14 March.
    assert working_days_late("met_late", clock.due_on, clock.met_on, date(2023, 3, 14)) == 4


# --- rapid review ----------------------------------------------------------------------------


def test_rapid_review_is_due_15_working_days_after_the_sin() -> None:
    # Tue 20 Dec 2022: 21, 22, 23, (26, 27), 28, 29, 30, (2 Jan), 3 to 6 Jan, 9 to Fri 13 Jan.
    history = [step("notify", "2022-12-20", "rapid_review")]
    clock = only(clocks_of("2022-12-19", history), "rapid_review")
    assert clock.anchor_on == date(2022, 12, 20)
    assert clock.due_on == date(2023, 1, 13)
    assert clock.statutory


def test_rapid_review_can_be_anchored_on_the_day_the_la_became_aware() -> None:
    history = [step("notify", "2022-12-22", "rapid_review")]
    # From the SIN on Thu 22 Dec 2022: 23, 28, 29, 30, 3 to 6 Jan, 9 to 13 Jan, 16, Tue 17 Jan.
    default = only(clocks_of("2022-12-20", history), "rapid_review")
    assert (default.anchor_on, default.due_on) == (date(2022, 12, 22), date(2023, 1, 17))
    # From Tue 20 Dec 2022, when the local authority became aware: Fri 13 January.
    settings = ClockSettings(rapid_review_anchor="la_aware_on")
    anchored = only(clocks_of("2022-12-20", history, settings), "rapid_review")
    assert (anchored.anchor_on, anchored.due_on) == (date(2022, 12, 20), date(2023, 1, 13))


@pytest.mark.parametrize(
    ("submitted_on", "expected_status"),
    [("2023-03-27", "met"), ("2023-03-28", "met_late")],
)
def test_submit_rapid_review_meets_the_rapid_review_clock(
    submitted_on: str, expected_status: str
) -> None:
    history = [*DECIDED, step("submit_rapid_review", submitted_on, "awaiting_panel")]
    clock = only(clocks_of(LA_AWARE, history), "rapid_review")
    assert status_of(clock, date(2023, 4, 3)) == expected_status


# --- panel response --------------------------------------------------------------------------


def test_each_submission_starts_a_panel_response_clock() -> None:
    history = [
        *SUBMITTED,
        step("record_panel_response", "2023-03-30", "rapid_review", panel_response="disagree"),
        step("record_decision", "2023-04-03", "rapid_review", decision="no_lcspr", rationale="R"),
        step("submit_rapid_review", "2023-04-12", "awaiting_panel"),
    ]
    clocks = clocks_of(LA_AWARE, history)
    assert [(c.kind, c.seq) for c in clocks] == [
        ("notification", 1),
        ("rapid_review", 1),
        ("panel_response", 1),
        ("panel_response", 2),
    ]
    first, second = clocks[2], clocks[3]
    assert (first.due_on, first.met_on) == (date(2023, 4, 3), date(2023, 3, 30))
    assert status_of(first, date(2023, 4, 12)) == "met"
    # Wed 12 Apr 2023: 13, 14, 17 to 21, 24, 25, Wed 26 April.
    assert (second.anchor_on, second.due_on) == (date(2023, 4, 12), date(2023, 4, 26))
    assert status_of(second, date(2023, 4, 12)) == "running"
    # The rapid review clock was met by the first submission and stays so.
    assert only(clocks, "rapid_review").met_on == date(2023, 3, 20)


def test_panel_response_days_are_configurable() -> None:
    # Mon 20 Mar 2023 + 5 working days: Mon 27 March.
    clock = only(
        clocks_of(LA_AWARE, SUBMITTED, ClockSettings(panel_response_days=5)), "panel_response"
    )
    assert clock.due_on == date(2023, 3, 27)


# --- the CSPR clocks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("la_aware_on", "notified", "decided", "submitted", "replied", "publication_due"),
    [
        # 31 August + 6 months clamps to the end of February: 28th in 2023, 29th in leap 2024.
        ("2022-08-22", "2022-08-24", "2022-08-31", "2022-09-01", "2022-09-08", date(2023, 2, 28)),
        ("2023-08-21", "2023-08-23", "2023-08-31", "2023-09-01", "2023-09-08", date(2024, 2, 29)),
        # 15 March + 6 months is 15 September.
        ("2023-03-01", "2023-03-06", "2023-03-15", "2023-03-20", "2023-03-30", date(2023, 9, 15)),
    ],
)
def test_publication_is_due_6_calendar_months_after_the_decision(
    la_aware_on: str,
    notified: str,
    decided: str,
    submitted: str,
    replied: str,
    publication_due: date,
) -> None:
    history = [
        step("notify", notified, "rapid_review"),
        step("record_decision", decided, "rapid_review", decision="lcspr", rationale="R"),
        step("submit_rapid_review", submitted, "awaiting_panel"),
        step("record_panel_response", replied, "commissioning", panel_response="agree"),
    ]
    clock = only(clocks_of(la_aware_on, history), "publication")
    assert clock.anchor_on == date.fromisoformat(decided)
    assert clock.due_on == publication_due
    assert clock.statutory


def test_cspr_clocks_are_anchored_on_the_latest_decision() -> None:
    # A first decision, the Panel asks for more, a new decision on Thu 31 Aug 2023, agreed.
    history = [
        step("notify", "2023-08-02", "rapid_review"),
        step("record_decision", "2023-08-10", "rapid_review", decision="no_lcspr", rationale="R"),
        step("submit_rapid_review", "2023-08-14", "awaiting_panel"),
        step(
            "record_panel_response",
            "2023-08-21",
            "rapid_review",
            panel_response="further_information",
        ),
        step("record_decision", "2023-08-31", "rapid_review", decision="lcspr", rationale="R"),
        step("submit_rapid_review", "2023-09-01", "awaiting_panel"),
        step("record_panel_response", "2023-09-08", "commissioning", panel_response="agree"),
    ]
    clocks = clocks_of("2023-08-01", history)
    # Thu 31 Aug 2023 + 20 working days: 1 Sep, 4 to 8, 11 to 15, 18 to 22, 25, 26, 27, Thu 28.
    reviewer = only(clocks, "reviewer_appointment")
    assert (reviewer.anchor_on, reviewer.due_on) == (date(2023, 8, 31), date(2023, 9, 28))
    # ... + 30 working days: Fri 29 Sep is the 21st, then 2 to 6 Oct, 9 to Thu 12 October.
    terms = only(clocks, "terms_of_reference")
    assert (terms.anchor_on, terms.due_on) == (date(2023, 8, 31), date(2023, 10, 12))
    assert only(clocks, "publication").due_on == date(2024, 2, 29)


def test_publication_met_late_counts_working_days_late() -> None:
    history = [*HAPPY_PATH[:-2], step("publish", "2023-09-19", "learning", kind="full")]
    clock = only(clocks_of(LA_AWARE, history), "publication")  # due Thu 14 September 2023
    assert status_of(clock, date(2023, 9, 19)) == "met_late"
    # Fri 15, Mon 18, Tue 19 September.
    assert working_days_late("met_late", clock.due_on, clock.met_on, date(2023, 9, 19)) == 3


# --- advance copy ----------------------------------------------------------------------------


def test_advance_copy_is_due_7_working_days_before_the_planned_date() -> None:
    clock = only(clocks_of(LA_AWARE, SCHEDULED), "advance_copy")
    assert clock.due_on == date(2023, 8, 22)
    assert status_of(clock, date(2023, 8, 22)) == "running"
    assert status_of(clock, date(2023, 8, 23)) == "overdue"


@pytest.mark.parametrize(
    ("planned_on", "sent_on", "due_on"),
    [
        # Tue 18 June 2024: 18, 17, 14, 13, 12, 11, 10 June are the seven working days the copy
        # must leave. Sent on Sat 8 June it leaves them all, as the send check agrees: the clock
        # is due on Sun 9 June, not Fri 7 June.
        ("2024-06-18", "2024-06-08", date(2024, 6, 9)),
        # Fri 5 Jan 2024: 5, 4, 3, 2 Jan, 29, 28, 27 Dec (1 Jan, 25 and 26 Dec bank holidays):
        # sent on Boxing Day, Tue 26 Dec 2023, it is on time.
        ("2024-01-05", "2023-12-26", date(2023, 12, 26)),
    ],
)
def test_an_advance_copy_sent_on_a_day_off_that_leaves_7_working_days_is_on_time(
    planned_on: str, sent_on: str, due_on: date
) -> None:
    history = [
        *APPROVAL,
        step("schedule_publication", "2023-08-03", "approval", planned_on=planned_on),
    ]
    running = only(clocks_of(LA_AWARE, history), "advance_copy")
    assert running.due_on == due_on
    assert status_of(running, due_on) == "running"
    assert status_of(running, due_on + timedelta(days=1)) == "overdue"

    history.append(step("send_advance_copy", sent_on, "pre_publication"))
    met = only(clocks_of(LA_AWARE, history), "advance_copy")
    assert status_of(met, due_on + timedelta(days=3)) == "met"


def test_the_advance_copy_clock_and_the_send_check_agree_on_every_day() -> None:
    """A copy the check accepts is never late, and one it refuses was never on time: for every
    planned date over two years of the real calendar (with a closure day), and each day before.
    """
    closures = frozenset({date(2024, 6, 10)})
    settings = ClockSettings(closures=closures)
    ready = SimpleNamespace(signed_off_partners=set(PARTNERS))
    planned_on = date(2023, 9, 1)
    while planned_on <= date(2025, 8, 31):
        history = [
            *APPROVAL,
            step("schedule_publication", "2023-08-03", "approval", planned_on=str(planned_on)),
        ]
        due_on = only(clocks_of(LA_AWARE, history, settings), "advance_copy").due_on
        ready.planned_publication_on = planned_on
        for back in range(1, 20):
            sent_on = planned_on - timedelta(days=back)
            accepted = refusal(ready, "send_advance_copy", {}, sent_on, closures) is None
            assert accepted is (sent_on <= due_on), (planned_on, sent_on, due_on)
        planned_on += timedelta(days=1)


def test_a_stored_publication_date_outside_todays_input_range_still_replays() -> None:
    """Input dates are now 1990 to 2099; a date stored before that (a typo for 2015, say) must
    not stop every later event on the case, and every recomputation of the partnership."""
    history = [
        *APPROVAL,
        step("schedule_publication", "2023-08-03", "approval", planned_on="2105-01-01"),
    ]
    clock = only(clocks_of(LA_AWARE, history), "advance_copy")
    assert clock.anchor_on == date(2105, 1, 1)


def test_moving_the_publication_date_moves_the_advance_copy_clock() -> None:
    history = [
        *SCHEDULED,
        step("schedule_publication", "2023-08-07", "approval", planned_on="2023-09-15"),
    ]
    clocks = clocks_of(LA_AWARE, history)
    clock = only(clocks, "advance_copy")
    # Fri 15 Sep 2023: 15, 14, 13, 12, 11, 8, 7 are the seven, so due by Wed 6 September.
    assert (clock.seq, clock.anchor_on, clock.due_on) == (1, date(2023, 9, 15), date(2023, 9, 6))
    assert status_of(clock, date(2023, 8, 23)) == "running"


def test_request_changes_cancels_the_advance_copy_clock() -> None:
    history = [*SCHEDULED, step("request_changes", "2023-08-04", "in_review", reason="Redraft")]
    clock = only(clocks_of(LA_AWARE, history), "advance_copy")
    assert (clock.cancelled_on, clock.cancelled_by) == (date(2023, 8, 4), "request_changes")
    assert status_of(clock, date(2023, 8, 30)) == "cancelled"

    # The revised report comes back and a new date is planned: a second advance copy clock.
    history += [
        step("submit_final_report", "2023-08-14", "approval"),
        step("schedule_publication", "2023-08-15", "approval", planned_on="2023-10-02"),
    ]
    first, second = [c for c in clocks_of(LA_AWARE, history) if c.kind == "advance_copy"]
    assert status_of(first, date(2023, 8, 30)) == "cancelled"
    # Mon 2 Oct 2023: 2 Oct, 29, 28, 27, 26, 25, 22 Sep are the seven: due by Thu 21 September.
    assert (second.seq, second.due_on) == (2, date(2023, 9, 21))
    assert status_of(second, date(2023, 8, 30)) == "running"


def test_a_report_back_from_changes_with_its_date_still_planned_owes_the_advance_copy() -> None:
    # Planned for Fri 1 Sep; the report is sent back on Fri 4 Aug and comes back on Mon 14 Aug
    # with the date still planned: a new clock runs against it, while nothing runs meanwhile.
    sent_back = [*SCHEDULED, step("request_changes", "2023-08-04", "in_review", reason="Redraft")]
    assert not [c for c in clocks_of(LA_AWARE, sent_back) if c.is_open and c.kind == "advance_copy"]
    history = [*sent_back, step("submit_final_report", "2023-08-14", "approval")]
    first, second = [c for c in clocks_of(LA_AWARE, history) if c.kind == "advance_copy"]
    assert first.cancelled_by == "request_changes"
    # 7 working days before Fri 1 Sep 2023 (28 Aug a bank holiday): due by Tue 22 August.
    assert (second.seq, second.anchor_on, second.due_on) == (2, date(2023, 9, 1), date(2023, 8, 22))
    assert status_of(second, date(2023, 8, 22)) == "running"
    assert status_of(second, date(2023, 8, 23)) == "overdue"

    history.append(step("send_advance_copy", "2023-08-15", "pre_publication"))
    first, second = [c for c in clocks_of(LA_AWARE, history) if c.kind == "advance_copy"]
    assert (first.met_on, second.met_on) == (None, date(2023, 8, 15))
    assert status_of(second, date(2023, 8, 23)) == "met"


def test_moving_the_date_after_the_advance_copy_went_leaves_no_clock_to_chase() -> None:
    # The advance copy went on Thu 10 Aug; in pre_publication the date moves to Fri 15 Sep.
    # send_advance_copy cannot be fired again in pre_publication, so no open advance copy clock
    # may appear: it would go overdue and escalate with nothing anyone could do to meet it.
    history = [
        *SCHEDULED,
        step("send_advance_copy", "2023-08-10", "pre_publication"),
        step("schedule_publication", "2023-08-15", "pre_publication", planned_on="2023-09-15"),
    ]
    advance = [c for c in clocks_of(LA_AWARE, history) if c.kind == "advance_copy"]
    assert len(advance) == 1
    assert advance[0].met_on == date(2023, 8, 10)
    assert not [c for c in advance if c.is_open]


# --- holds -----------------------------------------------------------------------------------


def test_a_hold_never_pauses_a_statutory_clock() -> None:
    held = [*NOTIFIED, step("place_hold", "2023-03-07", "rapid_review", reason="inquest")]
    clock = only(clocks_of(LA_AWARE, held), "rapid_review")
    assert not clock.paused
    assert clock.hold_days == 0
    assert clock.due_on == date(2023, 3, 27)
    assert status_of(clock, date(2023, 3, 20)) == "running"
    assert status_of(clock, date(2023, 3, 28)) == "overdue"

    lifted = [*held, step("lift_hold", "2023-03-15", "rapid_review")]
    clock = only(clocks_of(LA_AWARE, lifted), "rapid_review")
    assert (clock.paused, clock.hold_days, clock.due_on) == (False, 0, date(2023, 3, 27))


def test_a_hold_pauses_the_panel_response_clock_and_lifting_it_moves_the_due_date() -> None:
    held = [*SUBMITTED, step("place_hold", "2023-03-22", "awaiting_panel", reason="inquest")]
    clock = only(clocks_of(LA_AWARE, held), "panel_response")
    assert clock.paused
    assert status_of(clock, date(2023, 4, 5)) == "paused"  # would be overdue otherwise
    assert working_days_late("paused", clock.due_on, None, date(2023, 4, 5)) is None
    # The statutory clocks beside it do not pause.
    assert not only(clocks_of(LA_AWARE, held), "rapid_review").paused

    lifted = [*held, step("lift_hold", "2023-03-29", "awaiting_panel")]
    clock = only(clocks_of(LA_AWARE, lifted), "panel_response")
    # Held from Wed 22 to Wed 29 March: 23, 24, 27, 28, 29 is 5 working days. Mon 3 Apr + 5:
    # 4, 5, 6, (Good Friday, Easter Monday), 11, Wed 12 April.
    assert not clock.paused
    assert clock.hold_days == 5
    assert clock.due_on == date(2023, 4, 12)
    assert status_of(clock, date(2023, 4, 5)) == "running"
    assert status_of(clock, date(2023, 4, 13)) == "overdue"


def test_a_hold_over_easter_lasts_only_its_working_days() -> None:
    # Held from Thu 6 Apr to Tue 11 Apr 2023: Good Friday and Easter Monday do not count, so
    # only Tue 11 April does. Panel response due Mon 3 Apr + 1: Tue 4 April.
    history = [
        *SUBMITTED,
        step("place_hold", "2023-04-06", "awaiting_panel", reason="criminal_proceedings"),
        step("lift_hold", "2023-04-11", "awaiting_panel"),
    ]
    clock = only(clocks_of(LA_AWARE, history), "panel_response")
    assert (clock.hold_days, clock.due_on) == (1, date(2023, 4, 4))


def test_a_hold_in_commissioning_moves_the_local_cspr_clocks_only() -> None:
    history = [
        *COMMISSIONING,
        step("place_hold", "2023-04-03", "commissioning", reason="family_engagement"),
    ]
    clocks = clocks_of(LA_AWARE, history)
    assert only(clocks, "reviewer_appointment").paused
    assert only(clocks, "terms_of_reference").paused
    assert not only(clocks, "publication").paused

    history.append(step("lift_hold", "2023-04-06", "commissioning"))
    clocks = clocks_of(LA_AWARE, history)
    # Held Mon 3 to Thu 6 April 2023: 4, 5, 6 is 3 working days.
    # Thu 13 Apr + 3: Fri 14, Mon 17, Tue 18 April.
    assert only(clocks, "reviewer_appointment").due_on == date(2023, 4, 18)
    # Thu 27 Apr + 3: Fri 28, (Mon 1 May), Tue 2, Wed 3 May.
    assert only(clocks, "terms_of_reference").due_on == date(2023, 5, 3)
    assert only(clocks, "publication").due_on == date(2023, 9, 14)
    assert not any(c.paused for c in clocks)


def test_a_local_clock_met_during_a_hold_is_judged_against_its_moved_due_date() -> None:
    # Hold from Wed 22 Mar; the Panel replies on Thu 13 Apr with the hold still open. The hold
    # had lasted 23, 24, 27 to 31 Mar, 3 to 6 Apr, 11 to 13 Apr: 14 working days, so the due
    # date is Mon 3 Apr + 14: 4, 5, 6, 11 to 14, 17 to 21, 24, Tue 25 April. Without the hold
    # the reply would have been late.
    history = [
        *SUBMITTED,
        step("place_hold", "2023-03-22", "awaiting_panel", reason="inquest"),
        step("record_panel_response", "2023-04-13", "commissioning", panel_response="agree"),
    ]
    clock = only(clocks_of(LA_AWARE, history), "panel_response")
    assert clock.met_on == date(2023, 4, 13)
    assert clock.hold_days == 14
    assert clock.due_on == date(2023, 4, 25)
    assert status_of(clock, date(2023, 4, 13)) == "met"


APPOINTED_IN_HOLD = step(
    "appoint_reviewer",
    "2023-04-12",
    "commissioning",
    reviewer={"name": "A. Reviewer", "organisation": "Independent"},
)
HOLD = step("place_hold", "2023-04-03", "commissioning", reason="family_engagement")
LIFT = step("lift_hold", "2023-04-20", "commissioning")


@pytest.mark.parametrize(
    "order",
    [
        [HOLD, APPOINTED_IN_HOLD, LIFT],
        [HOLD, LIFT, APPOINTED_IN_HOLD],
        [APPOINTED_IN_HOLD, HOLD, LIFT],
    ],
    ids=["as it happened", "appointment recorded after the lift", "hold recorded late"],
)
def test_the_days_held_follow_the_dates_not_the_order_events_were_recorded(order) -> None:
    """Facts-only events may be recorded in any date order: a hold from Mon 3 Apr 2023 and an
    appointment on Wed 12 Apr, during it. The hold paused the reviewer appointment for 4, 5,
    6, (Good Friday, Easter Monday) 11 and 12 April: 5 working days, so Thu 13 Apr moves to
    Fri 14, Mon 17, Tue 18, Wed 19, Thu 20 April, and the appointment was in time."""
    clocks = clocks_of(LA_AWARE, [*COMMISSIONING, *order])
    appointment = only(clocks, "reviewer_appointment")
    assert (appointment.met_on, appointment.hold_days) == (date(2023, 4, 12), 5)
    assert appointment.due_on == date(2023, 4, 20)
    assert status_of(appointment, date(2023, 5, 1)) == "met"
    # Terms of reference ran through the whole hold: 4 to 6, 11 to 14, 17 to 20 April is 11.
    assert only(clocks, "terms_of_reference").hold_days == 11


def test_a_hold_dated_into_an_earlier_one_pauses_the_days_both_cover_once() -> None:
    """Holds from 3 to 6 April and, recorded later, from 5 to 13 April 2023: paused from 4 to
    13 April, which is 4, 5, 6, 11, 12, 13 April: 6 working days, not 3 + 6."""
    history = [
        *COMMISSIONING,
        HOLD,
        step("lift_hold", "2023-04-06", "commissioning"),
        step("place_hold", "2023-04-05", "commissioning", reason="inquest"),
        step("lift_hold", "2023-04-13", "commissioning"),
    ]
    assert only(clocks_of(LA_AWARE, history), "terms_of_reference").hold_days == 6
    holds = [(date(2023, 4, 3), date(2023, 4, 6)), (date(2023, 4, 5), date(2023, 4, 13))]
    assert hold_pause(date(2023, 3, 30), holds, DEFAULT) == (6, False)


def test_local_clocks_do_not_pause_when_the_partnership_turns_pausing_off() -> None:
    settings = ClockSettings(pause_local_clocks_on_hold=False)
    held = [*SUBMITTED, step("place_hold", "2023-03-22", "awaiting_panel", reason="inquest")]
    clock = only(clocks_of(LA_AWARE, held, settings), "panel_response")
    assert not clock.paused
    assert status_of(clock, date(2023, 4, 5)) == "overdue"

    lifted = [*held, step("lift_hold", "2023-03-29", "awaiting_panel")]
    clock = only(clocks_of(LA_AWARE, lifted, settings), "panel_response")
    assert (clock.paused, clock.hold_days, clock.due_on) == (False, 0, date(2023, 4, 3))


# --- status ----------------------------------------------------------------------------------

DUE = date(2023, 6, 2)  # Friday 2 June 2023


@pytest.mark.parametrize(
    ("fields", "on", "expected"),
    [
        ({"anchor_on": None, "due_on": None}, DUE, "pending"),
        ({}, date(2023, 5, 30), "running"),
        ({}, DUE, "running"),
        ({}, date(2023, 6, 3), "overdue"),  # the Saturday after: overdue already
        ({"paused": True}, date(2023, 6, 20), "paused"),
        ({"met_on": date(2023, 5, 31)}, date(2023, 6, 20), "met"),
        ({"met_on": DUE}, date(2023, 6, 20), "met"),
        ({"met_on": date(2023, 6, 5)}, date(2023, 6, 20), "met_late"),
        ({"cancelled_on": date(2023, 5, 31)}, date(2023, 6, 20), "cancelled"),
    ],
)
def test_status(fields: dict[str, Any], on: date, expected: str) -> None:
    arguments: dict[str, Any] = {
        "anchor_on": date(2023, 5, 1),
        "due_on": DUE,
        "met_on": None,
        "cancelled_on": None,
        "paused": False,
    }
    arguments.update(fields)
    assert status(**arguments, on=on) == expected


def test_a_due_date_on_a_saturday_is_overdue_from_the_sunday() -> None:
    saturday = date(2023, 6, 3)
    arguments: dict[str, Any] = {
        "anchor_on": date(2023, 5, 1),
        "due_on": saturday,
        "met_on": None,
        "cancelled_on": None,
        "paused": False,
    }
    assert status(**arguments, on=date(2023, 6, 2)) == "running"
    assert status(**arguments, on=saturday) == "running"
    assert status(**arguments, on=date(2023, 6, 4)) == "overdue"
    assert status(**arguments, on=date(2023, 6, 5)) == "overdue"
    assert working_days_late("overdue", saturday, None, date(2023, 6, 5)) == 1


@pytest.mark.parametrize(
    ("clock_status", "met_on", "on", "late", "left"),
    [
        # Due Fri 2 Jun 2023. Tue 30 May: 31 May, 1 and 2 June to go.
        ("running", None, date(2023, 5, 30), None, 3),
        ("running", None, DUE, None, 0),
        # Thu 8 Jun: 5, 6, 7, 8 June late.
        ("overdue", None, date(2023, 6, 8), 4, None),
        ("met_late", date(2023, 6, 6), date(2023, 6, 20), 2, None),
        ("met", date(2023, 6, 1), date(2023, 6, 20), None, None),
        ("paused", None, date(2023, 6, 20), None, None),
        ("cancelled", None, date(2023, 6, 20), None, None),
    ],
)
def test_working_days_late_and_left(
    clock_status: str, met_on: date | None, on: date, late: int | None, left: int | None
) -> None:
    assert working_days_late(clock_status, DUE, met_on, on) == late
    assert working_days_left(clock_status, DUE, on) == left


def test_working_days_late_and_left_count_bank_holidays_and_closures_out() -> None:
    # Due Fri 22 Dec 2023; on Wed 3 Jan 2024: 27, 28, 29 Dec, (1 Jan), 2, 3 Jan.
    assert working_days_late("overdue", date(2023, 12, 22), None, date(2024, 1, 3)) == 5
    closures = frozenset({date(2023, 12, 27)})
    assert working_days_late("overdue", date(2023, 12, 22), None, date(2024, 1, 3), closures) == 4
    # Due Thu 4 Apr 2024; on Wed 27 Mar: 28, (29 Mar, 1 Apr), 2, 3, 4 April.
    assert working_days_left("running", date(2024, 4, 4), date(2024, 3, 27)) == 4
    assert working_days_left("running", date(2024, 4, 4), date(2024, 3, 27), closures) == 4


def test_working_days_late_for_a_pending_clock_is_none() -> None:
    assert working_days_late("pending", None, None, DUE) is None
    assert working_days_left("pending", None, DUE) is None


# --- the alert ladder ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_on", "expected"),
    [
        # Fri 2 Jun 2023: two working days before is Wed 31 May; after, Mon 5 and Fri 9 June.
        (
            date(2023, 6, 2),
            (date(2023, 5, 31), date(2023, 6, 2), date(2023, 6, 5), date(2023, 6, 9)),
        ),
        # Sat 3 Jun 2023: from Wed 31 May there are still two working days (Thu, Fri) to it;
        # due on the Friday before; overdue Monday; escalated 5 working days later.
        (
            date(2023, 6, 3),
            (date(2023, 5, 31), date(2023, 6, 2), date(2023, 6, 5), date(2023, 6, 9)),
        ),
        # Fri 22 Dec 2023, before Christmas: overdue Wed 27 Dec; escalated 27, 28, 29, (1 Jan),
        # 2, Wed 3 Jan 2024.
        (
            date(2023, 12, 22),
            (date(2023, 12, 20), date(2023, 12, 22), date(2023, 12, 27), date(2024, 1, 3)),
        ),
        # Mon 25 Dec 2023, a bank holiday (a calendar-month clock can fall there).
        (
            date(2023, 12, 25),
            (date(2023, 12, 20), date(2023, 12, 22), date(2023, 12, 27), date(2024, 1, 3)),
        ),
        # Thu 28 Mar 2024, before Good Friday: overdue Tue 2 Apr; escalated 2, 3, 4, 5, Mon 8 Apr.
        (
            date(2024, 3, 28),
            (date(2024, 3, 26), date(2024, 3, 28), date(2024, 4, 2), date(2024, 4, 8)),
        ),
    ],
)
def test_rung_dates(due_on: date, expected: tuple[date, date, date, date]) -> None:
    rungs = rung_dates(due_on, DEFAULT)
    assert list(rungs) == ["due_soon", "due", "overdue", "escalated"]
    assert tuple(rungs.values()) == expected


def test_rung_dates_follow_the_settings() -> None:
    settings = ClockSettings(due_soon_days=3, escalate_after_days=10)
    # Due Fri 2 Jun 2023: Tue 30 May leaves 31, 1, 2; escalated 5 to 9 and 12 to Fri 16 June.
    assert rung_dates(DUE, settings) == {
        "due_soon": date(2023, 5, 30),
        "due": DUE,
        "overdue": date(2023, 6, 5),
        "escalated": date(2023, 6, 16),
    }
    # No warning ahead: due_soon falls on the due rung itself.
    assert rung_dates(date(2023, 6, 3), ClockSettings(due_soon_days=0))["due_soon"] == DUE


def test_rung_dates_skip_closure_days() -> None:
    # Closed Thu 1 and Mon 5 June 2023; due Fri 2 June: Tue 30 May leaves 31 May and 2 June;
    # overdue Tue 6; escalated 6, 7, 8, 9, Mon 12 June.
    settings = ClockSettings(closures=frozenset({date(2023, 6, 1), date(2023, 6, 5)}))
    assert rung_dates(DUE, settings) == {
        "due_soon": date(2023, 5, 30),
        "due": DUE,
        "overdue": date(2023, 6, 6),
        "escalated": date(2023, 6, 12),
    }


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2023, 5, 30), None),
        (date(2023, 5, 31), "due_soon"),
        (date(2023, 6, 1), "due_soon"),
        (date(2023, 6, 2), "due"),
        (date(2023, 6, 4), "due"),
        (date(2023, 6, 5), "overdue"),
        (date(2023, 6, 8), "overdue"),
        (date(2023, 6, 9), "escalated"),
        # The scheduler was down for weeks: only the highest rung is reached.
        (date(2023, 7, 20), "escalated"),
    ],
)
def test_rung_reached_is_the_highest_rung_come(on: date, expected: str | None) -> None:
    assert rung_reached(rung_dates(DUE, DEFAULT), on) == expected


def test_rung_reached_ignores_rungs_without_a_date() -> None:
    rungs = {"due_soon": None, "due": date(2023, 6, 2), "overdue": None, "escalated": None}
    assert rung_reached(rungs, date(2023, 6, 1)) is None
    assert rung_reached(rungs, date(2023, 7, 1)) == "due"
    assert rung_reached({}, date(2023, 7, 1)) is None


def test_next_rung_is_the_first_not_yet_claimed() -> None:
    from workflows.clocks import next_rung

    rungs = rung_dates(date(2023, 6, 2), DEFAULT)
    assert next_rung(rungs, []) == "due_soon"
    assert next_rung(rungs, ["due_soon", "due"]) == "overdue"
    assert next_rung(rungs, ["due_soon", "due", "overdue", "escalated"]) is None
    assert next_rung({}, []) is None  # a clock that cannot alert


# hold_pause: the local targets kept outside the history (agency returns) -----------------------

SENT = date(2023, 3, 28)  # Tuesday


@pytest.mark.parametrize(
    ("holds", "until", "expected"),
    [
        # Fri 31 Mar to Wed 12 Apr: 3, 4, 5, 6, 11, 12 April (Good Friday, Easter Monday off).
        ([(date(2023, 3, 31), date(2023, 4, 12))], None, (6, False)),
        # Still open: paused now, nothing counted yet.
        ([(date(2023, 3, 31), None)], None, (0, True)),
        # Met on Wed 5 April while held: 3, 4 and 5 April count; no longer paused.
        ([(date(2023, 3, 31), None)], date(2023, 4, 5), (3, False)),
        # Placed before the target started (Sat 25 Mar): counted from the day it was sent.
        ([(date(2023, 3, 25), date(2023, 3, 30))], None, (2, False)),
        # Over before the target started: nothing.
        ([(date(2023, 3, 1), date(2023, 3, 20))], None, (0, False)),
        # Two holds, the second over the early May bank holiday (Mon 1 May 2023).
        (
            [(date(2023, 3, 31), date(2023, 4, 3)), (date(2023, 4, 28), date(2023, 5, 2))],
            None,
            (2, False),
        ),
    ],
)
def test_hold_pause_counts_working_days_held(holds, until, expected) -> None:
    assert hold_pause(SENT, holds, ClockSettings(), until) == expected


def test_hold_pause_does_nothing_when_holds_do_not_pause_local_targets() -> None:
    settings = ClockSettings(pause_local_clocks_on_hold=False)
    assert hold_pause(SENT, [(date(2023, 3, 31), None)], settings) == (0, False)


def test_hold_pause_skips_closure_days() -> None:
    settings = ClockSettings(closures=frozenset({date(2023, 4, 4)}))
    assert hold_pause(SENT, [(date(2023, 3, 31), date(2023, 4, 5))], settings) == (2, False)
