"""The facts each event carries, and how they are checked.

Every event carries `on`, the date it happened, as `YYYY-MM-DD`. That date may not be in the
future, nor before the local authority became aware, nor before the event that brought the case
into its current state, nor before the steps its guard checks have happened (a review does not
start before its reviewer was appointed: see `cases.STEPS_BEFORE`). Facts-only events (those
that do not change the state) may otherwise be recorded in any order, since people record
things late.

`clean(event, raw, ...)` returns the facts with dates parsed, or raises `FactErrors` with a
message per field, named as the API names them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from workflows.calendar import long_date
from workflows.cases import DECISIONS, HOLD_REASONS, PANEL_RESPONSES, PARTNERS, PUBLICATION_KINDS
from workflows.themes import THEMES

MAX_TEXT = 10_000


class FactErrors(Exception):
    """Bad facts: `fields` maps each fact name to what is wrong with it."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


# The dates the engine takes at all. The calendar and the pages work well beyond, but a year
# typed wrong (0001, 9999) was stored and then broke every page counting working days from it.
FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2099, 12, 31)
DATE_RANGE = f"between {FIRST_DAY.year} and {LAST_DAY.year}"
OUT_OF_RANGE = f"The date must be {DATE_RANGE}"
# What a short text fact can hold: the column it is stored in (references, names).
SHORT_TEXT = 100
NAME_TEXT = 200


@dataclass(frozen=True)
class Fact:
    kind: str  # "text", "choice", "date", "reviewer", "themes"
    required: bool = False
    choices: tuple[str, ...] = ()
    may_be_future: bool = False
    max_length: int = MAX_TEXT  # for text


EVENT_FACTS: dict[str, dict[str, Fact]] = {
    "notify": {"sin_reference": Fact("text", max_length=SHORT_TEXT)},
    "decline_notification": {"rationale": Fact("text", required=True)},
    "reopen": {"reason": Fact("text", required=True)},
    "record_decision": {
        "decision": Fact("choice", required=True, choices=DECISIONS),
        "rationale": Fact("text", required=True),
    },
    "sign_off": {
        "partner": Fact("choice", choices=PARTNERS),
        "given_by": Fact("text", max_length=NAME_TEXT),
    },
    "submit_rapid_review": {},
    "withdraw": {"reason": Fact("text", required=True)},
    "record_panel_response": {
        "panel_response": Fact("choice", required=True, choices=PANEL_RESPONSES),
        "note": Fact("text"),
    },
    "appoint_reviewer": {"reviewer": Fact("reviewer", required=True)},
    "agree_terms_of_reference": {},
    "start_review": {},
    "submit_final_report": {},
    "request_changes": {"reason": Fact("text", required=True)},
    "schedule_publication": {"planned_on": Fact("date", required=True, may_be_future=True)},
    "send_advance_copy": {},
    "publish": {
        "kind": Fact("choice", required=True, choices=PUBLICATION_KINDS),
        "reason": Fact("text"),
        "pseudonym": Fact("text", required=True, max_length=SHORT_TEXT),
        "themes": Fact("themes"),
    },
    "national_review_published": {},
    "place_hold": {
        "reason": Fact("choice", required=True, choices=HOLD_REASONS),
        "panel_informed_on": Fact("date"),
        "note": Fact("text"),
    },
    "lift_hold": {},
    "close": {},
}


def parse_date(value: Any) -> date:
    """A `YYYY-MM-DD` string as a date; ValueError with a readable message otherwise."""
    if not isinstance(value, str):
        raise ValueError("Enter a date as YYYY-MM-DD")
    try:
        # fromisoformat alone also takes week dates ("2023-W09-3") and other forms.
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{value}' is not a real date in the form YYYY-MM-DD") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(OUT_OF_RANGE)
    return day


def _clean_one(name: str, fact: Fact, value: Any, today: date) -> Any:
    if fact.kind == "text":
        if not isinstance(value, str) or not value.strip():
            raise ValueError("Enter some text")
        if len(value.strip()) > fact.max_length:
            raise ValueError(f"Use {fact.max_length:,} characters or fewer")
        return value.strip()
    if fact.kind == "choice":
        if value not in fact.choices:
            raise ValueError(f"Choose one of: {', '.join(fact.choices)}")
        return value
    if fact.kind == "date":
        day = parse_date(value)
        if not fact.may_be_future and day > today:
            raise ValueError("The date cannot be in the future")
        return day
    if fact.kind == "reviewer":
        if not isinstance(value, dict) or set(value) != {"name", "organisation"}:
            raise ValueError("Give the reviewer as an object with 'name' and 'organisation'")
        name = Fact("text", max_length=NAME_TEXT)
        return {k: _clean_one(k, name, value[k], today) for k in ("name", "organisation")}
    if fact.kind == "themes":
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise ValueError("Give the themes as a list of names")
        unknown = [t for t in value if t not in THEMES]
        if unknown:
            raise ValueError(f"Unknown themes: {', '.join(unknown)}")
        return list(dict.fromkeys(value))
    raise AssertionError(f"unknown fact kind {fact.kind}")  # pragma: no cover


def clean(
    event: str,
    raw: dict[str, Any],
    today: date,
    earliest: date,
    earliest_reason: str,
    *,
    la_aware_on: date | None = None,
) -> tuple[date, dict[str, Any]]:
    """Check the date and facts given with `event`; returns (`on`, facts).

    `earliest` is the first date the event may carry (the latest of `la_aware_on`, the date
    the case entered its current state and the steps the event depends on, as
    `cases.steps_before` gives them), and `earliest_reason` says which it is. The other dates
    it carries (the day the Panel was told of a hold, say) may be before the event, but not
    before the local authority became aware (`la_aware_on`, when given).
    """
    spec = EVENT_FACTS[event]
    errors: dict[str, str] = {}
    for name in raw:
        if name != "on" and name not in spec:
            errors[name] = f"'{name}' is not a fact of {event}"

    on: date | None = None
    if "on" not in raw or raw["on"] in (None, ""):
        errors["on"] = "Enter the date it happened"
    else:
        try:
            on = parse_date(raw["on"])
        except ValueError as error:
            errors["on"] = str(error)
        else:
            if on > today:
                errors["on"] = "The date cannot be in the future"
            elif on < earliest:
                errors["on"] = (
                    f"The date cannot be before {earliest_reason} ({long_date(earliest)})"
                )

    facts: dict[str, Any] = {}
    for name, fact in spec.items():
        value = raw.get(name)
        if value is None or value == "":
            if fact.required:
                errors[name] = f"'{name}' is required"
            continue
        try:
            facts[name] = _clean_one(name, fact, value, today)
        except ValueError as error:
            errors[name] = str(error)
            continue
        if fact.kind == "date" and la_aware_on is not None and facts[name] < la_aware_on:
            errors[name] = (
                "The date cannot be before the date the local authority became aware "
                f"({long_date(la_aware_on)})"
            )

    if event == "publish" and facts.get("kind") == "improvements_only" and "reason" not in facts:
        errors["reason"] = "Give the reason for publishing improvements only"
    planned_on = facts.get("planned_on")
    if event == "schedule_publication" and on and planned_on and planned_on <= on:
        errors["planned_on"] = "The planned publication date must be after the date it is set"

    if errors:
        raise FactErrors(errors)
    assert on is not None
    return on, facts
