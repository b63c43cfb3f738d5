"""The rapid review panel meeting, kept by the business manager, and the decision it made.

Saving a meeting fires `record_decision` with the meeting's date, decision and rationale, and
the meeting is saved in that same transaction (`fire_event(..., also=...)`): the meeting and
its decision are both recorded or neither is. A case may have several meetings (the Panel may
send the decision back): each keeps the decision event it recorded.

A statutory partner with nobody at the meeting is a warning, not a refusal: the domain asks
for at least one person from each, but a meeting without one has still happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from casework.extensions import db
from casework.models import Agency, Case, CaseEvent, PanelMeeting, User
from casework.services.case_pages import DECISION_NAMES
from casework.services.cases import get_case
from casework.services.compiled_returns import load_papers_case
from casework.services.errors import Invalid, NotFound
from casework.services.events import fire_event
from casework.services.permissions import (
    require_case_reader,
    require_may_fire,
    visible_cases_clause,
)
from casework.services.today import london_today
from workflows.cases import DECISIONS, PARTNER_NAMES, PARTNERS
from workflows.facts import MAX_TEXT

# The local review criteria of regulation 11 (Working Together), in the regulation's order.
CRITERIA = {
    "improvements_needed": (
        "The case highlights improvements needed to safeguard and promote the welfare of children"
    ),
    "recurrent_themes": (
        "The case highlights recurrent themes in safeguarding and promoting the welfare of children"
    ),
    "agencies_working_together": (
        "The case highlights concerns about two or more organisations or agencies working "
        "together effectively to safeguard and promote the welfare of children"
    ),
    "local_review_more_appropriate": (
        "The Child Safeguarding Practice Review Panel thinks a local review is more appropriate"
    ),
}
# How the error messages name each criterion.
CRITERIA_IN_SHORT = {
    "improvements_needed": "improvements needed",
    "recurrent_themes": "recurrent themes",
    "agencies_working_together": "agencies working together",
    "local_review_more_appropriate": "whether a local review is more appropriate",
}
SHORT = 200


@dataclass
class MeetingSetup:
    """What the form needs: the case, the agencies to choose from, the statutory partners."""

    case: Case
    agencies: list[tuple[int, str]]
    statutory: list[str]  # the statutory partners' agency names


def _agencies(partnership_id: int) -> list[Agency]:
    return list(
        db.session.scalars(
            select(Agency)
            .where(Agency.partnership_id == partnership_id, Agency.active.is_(True))
            .order_by(Agency.name)
        )
    )


def meeting_setup(user: User, case_id: int) -> MeetingSetup:
    """For the page that records a meeting: business managers only (the read is recorded)."""
    case = get_case(user, case_id, via="web")
    require_may_fire(user, "record_decision", None, None)
    agencies = _agencies(case.partnership_id)
    statutory = [a.name for p in PARTNERS for a in agencies if a.statutory_partner == p]
    return MeetingSetup(case, [(a.id, a.name) for a in agencies], statutory)


def _text(value: Any) -> str:
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else ""


def _clean(data: dict[str, Any], agencies: dict[int, Agency]) -> tuple[dict[str, Any], dict]:
    """The meeting's fields, checked; errors keyed as the page names its fields."""
    errors: dict[str, str] = {}
    meeting: dict[str, Any] = {"attendees": [], "criteria": {}, "immediate_actions": []}

    for number, row in enumerate(data.get("attendees") or [], start=1):
        row = row or {}
        name, agency_id = _text(row.get("name")), row.get("agency_id")
        if not name and agency_id in (None, ""):
            continue  # a blank row
        try:
            agency = agencies.get(int(agency_id)) if agency_id not in (None, "") else None
        except (TypeError, ValueError):
            agency = None
        if not name:
            errors[f"attendee_{number}_name"] = f"Enter the name of attendee {number}"
        elif len(name) > SHORT:
            errors[f"attendee_{number}_name"] = f"Use {SHORT} characters or fewer"
        if agency is None:
            errors[f"attendee_{number}_agency"] = f"Choose the agency of attendee {number}"
        if name and agency is not None:
            meeting["attendees"].append(
                {"name": name, "agency_id": agency.id, "agency": agency.name}
            )
    if not meeting["attendees"] and not errors:
        errors["attendee_1_name"] = "Enter at least one person who attended"

    criteria = data.get("criteria") or {}
    for key in criteria:
        if key not in CRITERIA:
            errors[f"criterion_{key}"] = f"'{key}' is not a regulation 11 criterion"
    for key in CRITERIA:
        view = _text(criteria.get(key))
        if not view:
            errors[f"criterion_{key}"] = f"Enter the panel's view on {CRITERIA_IN_SHORT[key]}"
        elif len(view) > MAX_TEXT:
            errors[f"criterion_{key}"] = f"Use {MAX_TEXT:,} characters or fewer"
        else:
            meeting["criteria"][key] = view

    for number, row in enumerate(data.get("immediate_actions") or [], start=1):
        row = row or {}
        action, owner = _text(row.get("action")), _text(row.get("owner"))
        if not action and not owner:
            continue
        if not action:
            errors[f"action_{number}_action"] = f"Enter action {number}"
        elif len(action) > MAX_TEXT:
            errors[f"action_{number}_action"] = f"Use {MAX_TEXT:,} characters or fewer"
        if not owner:
            errors[f"action_{number}_owner"] = f"Enter who owns action {number}"
        elif len(owner) > SHORT:
            errors[f"action_{number}_owner"] = f"Use {SHORT} characters or fewer"
        if action and owner:
            meeting["immediate_actions"].append({"action": action, "owner": owner})

    required = {
        "facts": "Enter the facts the panel agreed",
        "rationale": "Enter the rationale for the decision",
    }
    for key in ("facts", "learning", "dissent", "rationale"):
        value = _text(data.get(key))
        if not value and key in required:
            errors[key] = required[key]
        elif len(value) > MAX_TEXT:
            errors[key] = f"Use {MAX_TEXT:,} characters or fewer"
        else:
            meeting[key] = value or None
    if data.get("decision") not in DECISIONS:
        errors["decision"] = "Choose the decision"
    if data.get("held_on") in (None, ""):
        errors["held_on"] = "Enter the date the meeting was held"
    return meeting, errors


def _require_visible(user: User, case_id: int) -> Case:
    require_case_reader(user)
    case = db.session.scalar(
        select(Case).where(Case.id == case_id, visible_cases_clause(user, london_today()))
    )
    if case is None:
        raise NotFound("There is no case with that id.")
    return case


def record_panel_meeting(
    user: User, case_id: int, data: dict[str, Any], today: date | None = None
) -> PanelMeeting:
    """Record the panel meeting and fire `record_decision` for its decision, together.

    `data`: `held_on` (YYYY-MM-DD), `attendees` [{name, agency_id}], `criteria` {criterion id:
    the panel's view}, `facts`, `immediate_actions` [{action, owner}], `learning`, `dissent`,
    `decision` and `rationale`. Blank rows are ignored. Refused as the event would be (the case
    must be in `rapid_review`, the date not in the future nor before the case entered it).
    """
    case = _require_visible(user, case_id)
    require_may_fire(user, "record_decision", None, None)
    meeting, errors = _clean(data, {a.id: a for a in _agencies(case.partnership_id)})
    if errors:
        raise Invalid("Check the record of the meeting.", errors)
    held_on = data["held_on"]
    held_on = held_on.isoformat() if isinstance(held_on, date) else held_on
    saved: list[PanelMeeting] = []

    def save_meeting(case: Case, entry: CaseEvent) -> None:
        row = PanelMeeting(
            case_id=case.id,
            held_on=entry.on,
            attendees=meeting["attendees"],
            criteria=meeting["criteria"],
            facts=meeting["facts"],
            immediate_actions=meeting["immediate_actions"],
            learning=meeting["learning"],
            dissent=meeting["dissent"],
            decision_event_id=entry.id,
            recorded_by_id=user.id,
        )
        db.session.add(row)
        db.session.flush()
        saved.append(row)

    facts = {"on": held_on, "decision": data["decision"], "rationale": meeting["rationale"]}
    try:
        fire_event(user, case_id, "record_decision", facts, today, also=save_meeting)
    except Invalid as error:
        fields = {("held_on" if k == "on" else k): v for k, v in error.fields.items()}
        raise Invalid(error.message, fields) from None
    return saved[0]


def missing_partners(meeting: PanelMeeting, statutory: dict[int, str]) -> list[str]:
    """The statutory partners (as `the police`...) with nobody at the meeting.

    `statutory` maps each statutory partner's agency id to the partner's code.
    """
    present = {statutory.get(a.get("agency_id")) for a in meeting.attendees}
    return [PARTNER_NAMES[p] for p in PARTNERS if p not in present]


def statutory_agencies(partnership_id: int) -> dict[int, str]:
    """Agency id -> statutory partner code, for the partnership's statutory partners."""
    rows = db.session.execute(
        select(Agency.id, Agency.statutory_partner).where(
            Agency.partnership_id == partnership_id, Agency.statutory_partner.is_not(None)
        )
    )
    return {agency_id: partner for agency_id, partner in rows}


def meeting_warning(meeting: PanelMeeting) -> str | None:
    """The warning for a meeting a statutory partner had nobody at, or None."""
    case = db.session.get(Case, meeting.case_id)
    assert case is not None
    return absence_warning(missing_partners(meeting, statutory_agencies(case.partnership_id)))


def absence_warning(missing: list[str]) -> str | None:
    """The warning to show when statutory partners had nobody at the meeting."""
    if not missing:
        return None
    names = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
    return (
        f"Nobody from {names} attended. At least one person from each statutory partner "
        "should attend the rapid review panel meeting."
    )


@dataclass
class MeetingView:
    held_on: date
    attendees: list[dict[str, Any]]
    criteria: list[tuple[str, str]]  # (criterion, the panel's view)
    facts: str | None
    immediate_actions: list[dict[str, str]]
    learning: str | None
    dissent: str | None
    decision: str | None  # in words
    rationale: str | None
    recorded_by: str
    recorded_at: datetime
    warning: str | None
    current: bool  # this meeting's decision is the case's decision now


def meeting_view(
    meeting: PanelMeeting, statutory: dict[int, str], current_decision: int | None
) -> MeetingView:
    entry = (
        db.session.get(CaseEvent, meeting.decision_event_id) if meeting.decision_event_id else None
    )
    facts = entry.facts if entry is not None else {}
    recorded_by = db.session.get(User, meeting.recorded_by_id)
    return MeetingView(
        held_on=meeting.held_on,
        attendees=list(meeting.attendees or []),
        criteria=[
            (label, (meeting.criteria or {}).get(key, "")) for key, label in CRITERIA.items()
        ],
        facts=meeting.facts,
        immediate_actions=list(meeting.immediate_actions or []),
        learning=meeting.learning,
        dissent=meeting.dissent,
        decision=DECISION_NAMES.get(facts.get("decision", "")),
        rationale=facts.get("rationale"),
        recorded_by=recorded_by.name if recorded_by else "",
        recorded_at=meeting.recorded_at,
        warning=absence_warning(missing_partners(meeting, statutory)),
        current=entry is not None and entry.id == current_decision,
    )


def current_decision_event_id(case: Case) -> int | None:
    """The history entry of the case's current decision (the last `record_decision`)."""
    return db.session.scalar(
        select(CaseEvent.id)
        .where(CaseEvent.case_id == case.id, CaseEvent.event == "record_decision")
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )


def current_meeting(case: Case) -> PanelMeeting | None:
    """The meeting that recorded the case's current decision, if it was recorded with one."""
    event_id = current_decision_event_id(case)
    if event_id is None:
        return None
    return db.session.scalar(select(PanelMeeting).where(PanelMeeting.decision_event_id == event_id))


def case_meetings(case: Case) -> list[PanelMeeting]:
    """The case's meetings, the latest first."""
    return list(
        db.session.scalars(
            select(PanelMeeting)
            .where(PanelMeeting.case_id == case.id)
            .order_by(PanelMeeting.held_on.desc(), PanelMeeting.id.desc())
        )
    )


@dataclass
class MeetingsPage:
    case: Case
    meetings: list[MeetingView]
    may_record: bool


def panel_meetings(user: User, case_id: int) -> MeetingsPage:
    """The case's panel meetings, read-only, for the readers of the rapid review papers."""
    case = load_papers_case(user, case_id, via="meeting")
    statutory = statutory_agencies(case.partnership_id)
    current = current_decision_event_id(case)
    views = [meeting_view(m, statutory, current) for m in case_meetings(case)]
    may_record = user.role == "business_manager" and case.state == "rapid_review"
    return MeetingsPage(case=case, meetings=views, may_record=may_record)
