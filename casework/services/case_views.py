"""Cases and clocks as plain data for the API and the pages: statuses worked out for a date."""

from __future__ import annotations

from datetime import date
from typing import Any

from casework.models import Case, CaseEvent, Clock, User
from casework.services.permissions import FIRES_EVENTS
from workflows import cases as workflow
from workflows import clocks as clock_rules
from workflows.clocks import ClockSettings


def allowed_events_for(user: User, case: Case, today: date, settings: ClockSettings) -> list[str]:
    """The events this user could fire on the case now."""
    if not user.active:
        return []
    allowed = workflow.allowed_events(case, settings.closures)
    if user.role in FIRES_EVENTS:
        return allowed
    if (
        user.role == "partner_lead"
        and "sign_off" in allowed
        and user.partner not in case.signed_off_partners
    ):
        return ["sign_off"]
    return []


def clock_view(clock: Clock, on: date, settings: ClockSettings) -> dict[str, Any]:
    status = clock_rules.status(
        anchor_on=clock.anchor_on,
        due_on=clock.due_on,
        met_on=clock.met_on,
        cancelled_on=clock.cancelled_on,
        paused=clock.paused,
        on=on,
    )
    view: dict[str, Any] = {
        "kind": clock.kind,
        "statutory": clock.statutory,
        "anchor_on": _iso(clock.anchor_on),
        "due_on": _iso(clock.due_on),
        "met_on": _iso(clock.met_on),
        "cancelled_on": _iso(clock.cancelled_on),
        "status": status,
        "working_days_late": clock_rules.working_days_late(
            status, clock.due_on, clock.met_on, on, settings.closures
        ),
        "working_days_left": clock_rules.working_days_left(
            status, clock.due_on, on, settings.closures
        ),
        "hold_days": clock.hold_days,
    }
    # A statutory clock keeps running through a hold, so it says why (and whether the Panel
    # knows) while it runs; one met or cancelled has nothing left to explain.
    running = clock.met_on is None and clock.cancelled_on is None
    if clock.statutory and running and clock.case.hold_open:
        hold = clock.case.open_hold
        view["hold_note"] = {
            "reason": hold.reason,
            "panel_informed": hold.panel_informed_on is not None,
        }
    return view


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


KEY_DATES = (
    "incident_on",
    "la_aware_on",
    "sin_submitted_on",
    "decision_on",
    "rapid_review_submitted_on",
    "panel_response_on",
    "reviewer_appointed_on",
    "terms_of_reference_agreed_on",
    "review_started_on",
    "final_report_submitted_on",
    "planned_publication_on",
    "advance_copy_sent_on",
    "published_on",
    "closed_on",
)


def case_view(
    user: User,
    case: Case,
    *,
    on: date,
    today: date,
    settings: ClockSettings,
    history: list[CaseEvent] | None = None,
) -> dict[str, Any]:
    """The case as the API returns it; `history` is included when given (detail views)."""
    hold = case.open_hold
    view: dict[str, Any] = {
        "id": case.id,
        "reference": case.reference,
        "state": case.state,
        "nature": case.nature,
        "pseudonym": case.pseudonym,
        "summary": case.summary,
        **{name: _iso(getattr(case, name)) for name in KEY_DATES},
        "sin_reference": case.sin_reference,
        "decision": case.decision,
        "decision_rationale": case.decision_rationale,
        "panel_response": case.panel_response,
        "reviewer": (
            {"name": case.reviewer_name, "organisation": case.reviewer_organisation}
            if case.reviewer_name
            else None
        ),
        "publication_kind": case.publication_kind,
        "themes": case.themes or [],
        "hold": (
            {
                "reason": hold.reason,
                "placed_on": hold.placed_on.isoformat(),
                "panel_informed_on": _iso(hold.panel_informed_on),
                "note": hold.note,
            }
            if hold
            else None
        ),
        "sign_offs": [
            {
                "partner": s.partner,
                "subject": s.subject,
                "signed_on": s.signed_on.isoformat(),
                "given_by": s.given_by,
            }
            for s in case.current_sign_offs
        ],
        "allowed_events": allowed_events_for(user, case, today, settings),
        "clocks": [clock_view(c, on, settings) for c in case.clocks],
    }
    if history is not None:
        view["history"] = [
            {
                "event": h.event,
                "from_state": h.from_state,
                "to_state": h.to_state,
                "on": h.on.isoformat(),
                "recorded_at": h.recorded_at.isoformat(timespec="seconds") + "Z",
                "actor": {"id": h.actor.id, "name": h.actor.name, "role": h.actor.role},
                "facts": h.facts,
            }
            for h in history
        ]
    return view
