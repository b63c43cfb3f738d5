"""The life of a serious incident case.

An agency raises a possible serious incident and the case is `referred`. The local authority
either notifies the national Panel (`notify`, the case moves into `rapid_review`) or decides the
criteria are not met (`decline_notification`, `not_notified`). During the rapid review the
partnership gathers agency returns, holds its panel meeting and records a decision
(`record_decision`): hold a local CSPR, take the learning forward another way, or suggest a
national review. Each of the three statutory partners signs that decision off (`sign_off`), and
only then may the rapid review go to the Panel (`submit_rapid_review`, `awaiting_panel`).

The Panel's reply (`record_panel_response`) routes the case: when it agrees, the decision is
followed (`lcspr` -> `commissioning`, `no_lcspr` -> `learning`, `national_review_suggested` ->
`national_review`); when it asks for a national review the case goes to `national_review`; when
it disagrees or wants more information the case goes back to `rapid_review` to revisit the
decision, and a fresh set of sign-offs is needed.

A local CSPR is commissioned (`appoint_reviewer`, `agree_terms_of_reference`), the review runs
(`start_review`), the final report goes to the partners (`submit_final_report`, `approval`), who
sign it off or send it back (`request_changes`). A publication date is planned
(`schedule_publication`), the advance copy goes to the Panel, the Secretary of State and Ofsted
at least 7 working days before it (`send_advance_copy`, `pre_publication`), and the report is
published (`publish`) at least 7 working days after the advance copy (the date may still move,
but not to one sooner than that). Learning is then embedded until the case is `closed`.

Beside the state, a hold (criminal proceedings, an inquest...) may be placed and lifted; it is
recorded, not a state. A case may be withdrawn while the rapid review is under way or with the
Panel, and a not-notified or closed case may be reopened. A hold can be lifted in any state, a
terminal one included, so that one left open when the case ended can still be lifted.

This module holds the tables (states, events, transitions) and the guards that refuse an event
with a plain-English reason. It works on any object with the case's attributes (a database row
or a plain object in a test), and imports nothing from the application.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from transitions import Machine

from workflows.calendar import long_date, working_days_between

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
TERMINAL_STATES = frozenset({"not_notified", "withdrawn", "closed"})
NON_TERMINAL_STATES = tuple(s for s in STATES if s not in TERMINAL_STATES)

NATURES = ("death", "serious_harm", "other")
DECISIONS = ("lcspr", "no_lcspr", "national_review_suggested")
PANEL_RESPONSES = ("agree", "disagree", "further_information", "national_review")
PARTNERS = ("local_authority", "police", "health")
HOLD_REASONS = ("criminal_proceedings", "inquest", "family_engagement", "other")
PUBLICATION_KINDS = ("full", "improvements_only")

PARTNER_NAMES = {
    "local_authority": "the local authority",
    "police": "the police",
    "health": "health (the ICB)",
}

# Where the Panel agrees, the case follows the partnership's decision.
AGREED_DESTINATION = {
    "lcspr": "commissioning",
    "no_lcspr": "learning",
    "national_review_suggested": "national_review",
}

# Days the advance copy must precede publication (guidance minimum).
ADVANCE_COPY_WORKING_DAYS = 7


def _panel_routes_to(destination: str):
    """A transition condition: does the Panel's reply send the case to `destination`?"""

    def condition(event_data: Any) -> bool:
        return panel_destination(event_data.model, event_data.kwargs["panel_response"]) == (
            destination
        )

    condition.__name__ = f"panel_routes_to_{destination}"
    return condition


def panel_destination(case: Any, panel_response: str) -> str:
    """Where the Panel's reply takes the case."""
    if panel_response == "agree":
        return AGREED_DESTINATION[case.decision]
    if panel_response == "national_review":
        return "national_review"
    return "rapid_review"  # disagree / further_information: revisit the decision


# dest=None marks an event that records a fact without changing the state.
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "notify", "source": "referred", "dest": "rapid_review"},
    {"trigger": "decline_notification", "source": "referred", "dest": "not_notified"},
    {"trigger": "reopen", "source": "not_notified", "dest": "referred"},
    {"trigger": "reopen", "source": "closed", "dest": "learning"},
    {"trigger": "record_decision", "source": "rapid_review", "dest": None},
    {"trigger": "sign_off", "source": ["rapid_review", "approval"], "dest": None},
    {"trigger": "submit_rapid_review", "source": "rapid_review", "dest": "awaiting_panel"},
    {"trigger": "withdraw", "source": ["rapid_review", "awaiting_panel"], "dest": "withdrawn"},
    *[
        {
            "trigger": "record_panel_response",
            "source": "awaiting_panel",
            "dest": destination,
            "conditions": [_panel_routes_to(destination)],
        }
        for destination in ("commissioning", "learning", "national_review", "rapid_review")
    ],
    {"trigger": "appoint_reviewer", "source": "commissioning", "dest": None},
    {"trigger": "agree_terms_of_reference", "source": "commissioning", "dest": None},
    {"trigger": "start_review", "source": "commissioning", "dest": "in_review"},
    {"trigger": "submit_final_report", "source": "in_review", "dest": "approval"},
    {"trigger": "request_changes", "source": "approval", "dest": "in_review"},
    {"trigger": "schedule_publication", "source": ["approval", "pre_publication"], "dest": None},
    {"trigger": "send_advance_copy", "source": "approval", "dest": "pre_publication"},
    {"trigger": "publish", "source": "pre_publication", "dest": "learning"},
    {"trigger": "national_review_published", "source": "national_review", "dest": "learning"},
    {"trigger": "place_hold", "source": list(NON_TERMINAL_STATES), "dest": None},
    # A hold placed before the case was withdrawn or closed must still be liftable, or the
    # case would show it open (and the Panel untold) for good.
    {"trigger": "lift_hold", "source": list(STATES), "dest": None},
    {"trigger": "close", "source": "learning", "dest": "closed"},
]

EVENTS = tuple(dict.fromkeys(t["trigger"] for t in TRANSITIONS))
STATE_CHANGING_EVENTS = frozenset(t["trigger"] for t in TRANSITIONS if t["dest"] is not None)

# Events that start a fresh set of sign-offs: what was signed is no longer current.
NEW_SIGN_OFF_SET_EVENTS = frozenset({"record_decision", "submit_final_report", "request_changes"})

# One machine for every case, built once: rows are passed to it, never added to it
# (add_model would keep every row alive). auto_transitions would add a to_<state>() bypass
# round every guard, so it is off.
MACHINE = Machine(
    model=None,
    states=list(STATES),
    transitions=TRANSITIONS,
    initial=None,
    auto_transitions=False,
    send_event=True,
)


def events_from(state: str) -> list[str]:
    """Events the table allows in `state`, guards aside, in the table's order."""
    triggers = set(MACHINE.get_triggers(state))
    return [event for event in EVENTS if event in triggers]


def allowed_events(case: Any, closures: Collection[date] = ()) -> list[str]:
    """Events that can be fired on `case` now: allowed in its state and not refused by a guard.

    Guards on the date the event happened (7 working days around the advance copy) are left
    out: people record events late, so only the date they give can be judged.
    """
    return [
        event
        for event in events_from(case.state)
        if refusal(case, event, {}, None, closures) is None
    ]


def trigger(case: Any, event: str, facts: dict[str, Any]) -> None:
    """Move `case` through `event` on the shared machine (state checks are the caller's)."""
    MACHINE.events[event].trigger(case, **facts)


def _working_days(n: int) -> str:
    return f"{n} working day{'' if n == 1 else 's'}"


def _names(partners: list[str]) -> str:
    names = [PARTNER_NAMES[p] for p in partners]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# Events whose guard (below) or recording reads the case's sign-offs, or its holds: storage
# loads those with the case for these events (a test checks the sets against `refusal`).
READS_SIGN_OFFS = frozenset({"sign_off", "submit_rapid_review", "send_advance_copy"})
READS_HOLDS = frozenset({"place_hold", "lift_hold"})


def missing_sign_offs(case: Any) -> list[str]:
    return [p for p in PARTNERS if p not in case.signed_off_partners]


def refusal(
    case: Any,
    event: str,
    facts: dict[str, Any],
    on: date | None,
    closures: Collection[date] = (),
) -> str | None:
    """Why `event` cannot happen now (a guard from the "refused unless" column), or None.

    `facts` may be empty and `on` None, when asking which events a page should offer: the
    guards on the event's date are then left for when the date is given.
    """
    if event == "sign_off":
        subject = "decision" if case.state == "rapid_review" else "final report"
        if case.state == "rapid_review" and case.decision is None:
            return "There is no decision to sign off yet: record the rapid review decision first."
        partner = facts.get("partner")
        if partner and partner in case.signed_off_partners:
            name = PARTNER_NAMES[partner]
            return f"{name[0].upper()}{name[1:]} have already signed off this {subject}."
        if not facts and not missing_sign_offs(case):
            return f"All three partners have signed off this {subject}."
    elif event == "submit_rapid_review":
        if case.decision is None:
            return "The rapid review cannot be submitted until a decision is recorded."
        missing = missing_sign_offs(case)
        if missing:
            return (
                f"The rapid review cannot be submitted until {_names(missing)} "
                "have signed off the decision."
            )
    elif event == "start_review":
        needed = []
        if not case.reviewer_name:
            needed.append("a reviewer is appointed")
        if not case.terms_of_reference_agreed_on:
            needed.append("the terms of reference are agreed")
        if needed:
            return f"The review cannot start until {' and '.join(needed)}."
    elif event == "send_advance_copy":
        missing = missing_sign_offs(case)
        if missing:
            return (
                f"The advance copy cannot be sent until {_names(missing)} "
                "have signed off the final report."
            )
        if case.planned_publication_on is None:
            return "The advance copy cannot be sent until a publication date is planned."
        gap = (
            None if on is None else working_days_between(on, case.planned_publication_on, closures)
        )
        if gap is not None and gap < ADVANCE_COPY_WORKING_DAYS:
            when = (
                f"it is {_working_days(gap)} before it"
                if gap >= 0
                else "that date is after the planned date"
            )
            return (
                "The advance copy must be sent at least 7 working days before the planned "
                f"publication date ({long_date(case.planned_publication_on)}); "
                f"{when}. Move the publication date first."
            )
    elif event == "schedule_publication":
        # Once the advance copy has gone, a new date must still leave 7 working days after it,
        # or it would plan a publication that `publish` then refuses.
        planned_on, sent_on = facts.get("planned_on"), case.advance_copy_sent_on
        if planned_on is not None and sent_on is not None:
            gap = working_days_between(sent_on, planned_on, closures)
            if gap < ADVANCE_COPY_WORKING_DAYS:
                return (
                    "The publication date must be at least 7 working days after the advance "
                    f"copy was sent ({long_date(sent_on)}); {long_date(planned_on)} is "
                    f"{_working_days(gap)} after it."
                )
    elif event == "publish":
        if case.advance_copy_sent_on is None:  # cannot happen in pre_publication; kept safe
            return "The report cannot be published before the advance copy is sent."
        gap = None if on is None else working_days_between(case.advance_copy_sent_on, on, closures)
        if gap is not None and gap < ADVANCE_COPY_WORKING_DAYS:
            return (
                "The report cannot be published until 7 working days after the advance copy "
                f"was sent ({long_date(case.advance_copy_sent_on)}); "
                f"this date is {_working_days(gap)} after it."
            )
    elif event == "place_hold":
        if case.hold_open:
            return "A hold is already open on this case: lift it before placing another."
    elif event == "lift_hold":
        if not case.hold_open:
            return "There is no open hold to lift."
    elif event == "close":
        outstanding = case.outstanding_actions
        if outstanding:
            return (
                f"The case cannot be closed while {outstanding} action(s) are neither complete "
                "nor carried forward with a reason."
            )
    return None


def starts_a_fresh_sign_off_set(event: str, facts: dict[str, Any]) -> bool:
    """Does `event` make what was signed no longer current (a new decision or report)?"""
    return event in NEW_SIGN_OFF_SET_EVENTS or (
        event == "record_panel_response"
        and facts.get("panel_response") in ("disagree", "further_information")
    )


# The steps a guard checks have happened must also have happened by the date the event is
# given: a review does not start before its reviewer was appointed. Each is (the history's
# event, what it says in a refusal); "sign_off" means the last of the current sign-offs, and
# for schedule_publication the first date a publication was planned.
STEPS_BEFORE: dict[str, tuple[tuple[str, str], ...]] = {
    "submit_rapid_review": (
        ("record_decision", "the date the decision was recorded"),
        ("sign_off", "the last sign-off of the decision"),
    ),
    "start_review": (
        ("appoint_reviewer", "the date the reviewer was appointed"),
        ("agree_terms_of_reference", "the date the terms of reference were agreed"),
    ),
    "send_advance_copy": (
        ("schedule_publication", "the date the publication date was planned"),
        ("sign_off", "the last sign-off of the final report"),
    ),
}


def steps_before(event: str, history: Iterable[Any]) -> list[tuple[date, str]]:
    """The dates of the steps `event` depends on (see `STEPS_BEFORE`) in the case's history
    (entries with `event`, `on` and `facts`, oldest first), each with what it was."""
    wanted = STEPS_BEFORE.get(event, ())
    if not wanted:
        return []
    dates: dict[str, date] = {}
    for entry in history:
        if starts_a_fresh_sign_off_set(entry.event, entry.facts):
            dates.pop("sign_off", None)
        if entry.event == "sign_off":  # recorded in any date order: the latest counts
            dates["sign_off"] = max(entry.on, dates.get("sign_off", entry.on))
        elif entry.event == "schedule_publication":
            dates.setdefault(entry.event, entry.on)  # planned by then, whatever moved later
        else:
            dates[entry.event] = entry.on
    return [(dates[step], words) for step, words in wanted if step in dates]


def record_facts(case: Any, event: str, on: date, facts: dict[str, Any]) -> None:
    """Write the event's facts onto the case's own attributes.

    Sign-offs and holds are kept as rows of their own by the caller; `sign_off_round` says
    which set of sign-offs is current.
    """
    if event == "notify":
        case.sin_submitted_on = on
        case.sin_reference = facts.get("sin_reference")
    elif event == "decline_notification":
        case.not_notified_rationale = facts["rationale"]
    elif event == "record_decision":
        case.decision = facts["decision"]
        case.decision_rationale = facts["rationale"]
        case.decision_on = on
    elif event == "submit_rapid_review":
        case.rapid_review_submitted_on = on
    elif event == "withdraw":
        case.withdrawn_reason = facts["reason"]
    elif event == "record_panel_response":
        case.panel_response = facts["panel_response"]
        case.panel_response_on = on
        case.panel_note = facts.get("note")
    elif event == "appoint_reviewer":
        case.reviewer_name = facts["reviewer"]["name"]
        case.reviewer_organisation = facts["reviewer"]["organisation"]
        case.reviewer_appointed_on = on
    elif event == "agree_terms_of_reference":
        case.terms_of_reference_agreed_on = on
    elif event == "start_review":
        case.review_started_on = on
    elif event == "submit_final_report":
        case.final_report_submitted_on = on
    elif event == "schedule_publication":
        case.planned_publication_on = facts["planned_on"]
    elif event == "send_advance_copy":
        case.advance_copy_sent_on = on
    elif event == "publish":
        case.published_on = on
        case.publication_kind = facts["kind"]
        case.publication_reason = facts.get("reason")
        case.pseudonym = facts["pseudonym"]
        if facts.get("themes") is not None:
            case.themes = facts["themes"]
    elif event == "national_review_published":
        case.published_on = on
    elif event == "close":
        case.closed_on = on
    elif event == "reopen":
        case.closed_on = None  # open again; the history keeps the earlier close

    if starts_a_fresh_sign_off_set(event, facts):
        case.sign_off_round += 1
    if event in STATE_CHANGING_EVENTS:
        case.state_entered_on = on
