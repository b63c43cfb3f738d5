"""`make_<thing>()` helpers for tests: real rows made through the services."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from casework.extensions import db
from casework.models import CaseAccess, Partnership, User
from casework.services.cases import open_case
from casework.services.events import fire_event
from casework.services.partnerships import create_partnership
from casework.services.users import create_api_token, create_user

_numbers = itertools.count(1)


def make_partnership(name: str, code: str) -> Partnership:
    return create_partnership(name, code)


def make_user(
    partnership: Partnership,
    role: str,
    *,
    partner: str | None = None,
    agency: str | None = None,
    email: str | None = None,
) -> User:
    number = next(_numbers)
    if role == "agency_contributor" and agency is None:
        agency = "Police"
    user, _password = create_user(
        partnership_code=partnership.code,
        email=email or f"{role}.{number}@{partnership.code.lower()}.example.org",
        name=f"{role.replace('_', ' ').title()} {number}",
        role=role,
        partner=partner,
        agency_name=agency,
    )
    return user


def make_token(user: User) -> str:
    return create_api_token(user.email)


def grant_access(case_id: int, user: User, granted_by: User, until_on: date) -> None:
    db.session.add(
        CaseAccess(
            case_id=case_id,
            user_id=user.id,
            purpose="rapid review panel",
            until_on=until_on,
            granted_by_id=granted_by.id,
        )
    )
    db.session.commit()


def make_case(manager: User, **fields: Any):
    data = {"nature": "serious_harm", "incident_on": "2023-02-27", "la_aware_on": "2023-03-01"}
    data.update(fields)
    return open_case(manager, data)


# One path through the whole process, with dates that respect every rule. Each step names the
# state the case is in after it. `sign_offs` steps are done by the three partner leads.
HAPPY_PATH: list[tuple[str, dict[str, Any], str]] = [
    ("notify", {"on": "2023-03-06", "sin_reference": "SIN-0001"}, "rapid_review"),
    (
        "record_decision",
        {"on": "2023-03-14", "decision": "lcspr", "rationale": "Criteria met"},
        "rapid_review",
    ),
    ("sign_offs", {"on": "2023-03-15"}, "rapid_review"),
    ("submit_rapid_review", {"on": "2023-03-20"}, "awaiting_panel"),
    ("record_panel_response", {"on": "2023-03-30", "panel_response": "agree"}, "commissioning"),
    (
        "appoint_reviewer",
        {"on": "2023-04-12", "reviewer": {"name": "A. Reviewer", "organisation": "Independent"}},
        "commissioning",
    ),
    ("agree_terms_of_reference", {"on": "2023-04-20"}, "commissioning"),
    ("start_review", {"on": "2023-04-24"}, "in_review"),
    ("submit_final_report", {"on": "2023-08-01"}, "approval"),
    ("sign_offs", {"on": "2023-08-03"}, "approval"),
    ("schedule_publication", {"on": "2023-08-03", "planned_on": "2023-09-01"}, "approval"),
    ("send_advance_copy", {"on": "2023-08-10"}, "pre_publication"),
    (
        "publish",
        {"on": "2023-09-01", "kind": "full", "pseudonym": "Child Q", "themes": ["neglect"]},
        "learning",
    ),
    ("close", {"on": "2023-10-02"}, "closed"),
]


def advance_case(case_id: int, manager: User, leads: dict[str, User], to_state: str):
    """Drive a freshly opened case along HAPPY_PATH until it first reaches `to_state`."""
    case = None
    for event, facts, state_after in HAPPY_PATH:
        if event == "sign_offs":
            for partner, lead in leads.items():
                case = fire_event(lead, case_id, "sign_off", {"on": facts["on"]})
                assert partner in case.signed_off_partners
        else:
            case = fire_event(manager, case_id, event, dict(facts))
        if state_after == to_state and event not in ("record_decision", "sign_offs"):
            return case
    raise AssertionError(f"{to_state} is not on the happy path")
