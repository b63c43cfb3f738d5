"""What the case page shows: one case with everything around it, for one user.

`case_page` records the read and loads the case with everything around it through
`read_case_page` (two statements whatever the history's length), and
works out its clocks in words, its history, the events the user may fire now and those a guard
refuses (with the reason the API gives), who holds access, the audit of reads (for business
managers and the scrutineer), and the timeline picture.

Its records are plain dataclasses with slots, not frozen ones: a page makes hundreds of
them, and a frozen dataclass's constructor sets each field through `object.__setattr__`,
which cost the case page 0.85 M of its 14.6 M instructions a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from casework.models import User
from casework.services.access import Grant, grants_from
from casework.services.case_page_reads import (
    CaseRecord,
    HistoryEntry,
    ReaderEntry,
    read_case_page,
)
from casework.services.case_timeline import ClockMark, HoldSpan, Stage, Timeline, draw_timeline
from casework.services.case_views import KEY_DATES, allowed_events_for, clock_view
from casework.services.today import LONDON, london_today
from casework.services.transactions import commit_reads
from casework.services.wording import long_date, status_words
from workflows import cases as workflow
from workflows.clocks import ClockSettings

KEY_DATE_NAMES = {
    "incident_on": "Incident",
    "la_aware_on": "Local authority aware",
    "sin_submitted_on": "Serious incident notification sent",
    "decision_on": "Rapid review decision",
    "rapid_review_submitted_on": "Rapid review sent to the Panel",
    "panel_response_on": "Panel's response",
    "reviewer_appointed_on": "Reviewer appointed",
    "terms_of_reference_agreed_on": "Terms of reference agreed",
    "review_started_on": "Review started",
    "final_report_submitted_on": "Final report submitted",
    "planned_publication_on": "Planned publication",
    "advance_copy_sent_on": "Advance copy sent",
    "published_on": "Published",
    "closed_on": "Closed",
}
assert set(KEY_DATE_NAMES) == set(KEY_DATES)

# What each event's button says.
EVENT_ACTIONS = {
    "notify": "Notify the Panel",
    "decline_notification": "Decide not to notify",
    "reopen": "Reopen the case",
    "record_decision": "Record the decision",
    "sign_off": "Record a sign-off",
    "submit_rapid_review": "Submit the rapid review",
    "withdraw": "Withdraw the notification",
    "record_panel_response": "Record the Panel's response",
    "appoint_reviewer": "Appoint the reviewer",
    "agree_terms_of_reference": "Agree the terms of reference",
    "start_review": "Start the review",
    "submit_final_report": "Submit the final report",
    "request_changes": "Request changes to the report",
    "schedule_publication": "Plan the publication date",
    "send_advance_copy": "Send the advance copy",
    "publish": "Publish the report",
    "national_review_published": "Record the national review's publication",
    "place_hold": "Place a hold",
    "lift_hold": "Lift the hold",
    "close": "Close the case",
}
# What each event is called in the history.
EVENT_RECORDS = {
    "open": "Case opened",
    "notify": "Panel notified",
    "decline_notification": "Decided not to notify",
    "reopen": "Reopened",
    "record_decision": "Decision recorded",
    "sign_off": "Signed off",
    "submit_rapid_review": "Rapid review submitted",
    "withdraw": "Notification withdrawn",
    "record_panel_response": "Panel's response recorded",
    "appoint_reviewer": "Reviewer appointed",
    "agree_terms_of_reference": "Terms of reference agreed",
    "start_review": "Review started",
    "submit_final_report": "Final report submitted",
    "request_changes": "Changes requested",
    "schedule_publication": "Publication date planned",
    "send_advance_copy": "Advance copy sent",
    "publish": "Report published",
    "national_review_published": "National review published",
    "place_hold": "Hold placed",
    "lift_hold": "Hold lifted",
    "close": "Case closed",
}
assert set(EVENT_ACTIONS) == set(workflow.EVENTS)
DECISION_NAMES = {
    "lcspr": "Hold a local child safeguarding practice review",
    "no_lcspr": "No local review: the learning is taken forward another way",
    "national_review_suggested": "Suggest a national review",
}
PANEL_RESPONSE_NAMES = {
    "agree": "Agrees with the decision",
    "disagree": "Disagrees with the decision",
    "further_information": "Asks for further information",
    "national_review": "Takes the case into a national review",
}
CLOCK_TAGS = {
    "pending": "govuk-tag--grey",
    "running": "govuk-tag--blue",
    "overdue": "govuk-tag--red",
    "paused": "govuk-tag--grey",
    "met": "govuk-tag--green",
    "met_late": "govuk-tag--orange",
    "cancelled": "govuk-tag--grey",
}


@dataclass(slots=True)
class ClockLine:
    label: str
    statutory: bool
    due_on: date | None
    met_on: date | None
    status: str
    words: str
    tag: str  # the GOV.UK tag's colour class
    hold_note: str | None


@dataclass(slots=True)
class HistoryLine:
    on: date
    event: str
    words: str
    detail: str | None
    from_state: str | None
    to_state: str | None
    actor_name: str
    actor_role: str
    recorded_at: datetime  # Europe/London


@dataclass(slots=True)
class Blocked:
    event: str
    action: str
    reason: str


@dataclass(slots=True)
class Reader:
    name: str
    role: str
    reads: int
    last_read_at: datetime  # Europe/London


@dataclass(slots=True)
class SignOffLine:
    partner: str
    signed_on: date | None  # None: not yet signed
    given_by: str | None


@dataclass(slots=True)
class CasePageView:
    case: CaseRecord
    today: date
    key_dates: list[tuple[str, date]]
    clocks: list[ClockLine]
    history: list[HistoryLine]
    sign_offs: list[SignOffLine]
    sign_off_subject: str | None  # "decision" or "final report" while sign-offs are sought
    actions: list[tuple[str, str]]  # (event, what its button says)
    blocked: list[Blocked]
    shows_grants: bool
    grants: list[Grant]
    manages_access: bool
    readers: list[Reader] | None  # None: this user does not see the audit of reads
    timeline: Timeline
    stages: list[Stage]
    timeline_clocks: list[ClockMark]
    holds: list[HoldSpan]


def _in_london(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(LONDON)


def _history_detail(entry: HistoryEntry) -> str | None:
    facts = entry.facts or {}
    if entry.event == "sign_off" and facts.get("partner"):
        name = workflow.PARTNER_NAMES[facts["partner"]]
        given = f", given by {facts['given_by']}" if facts.get("given_by") else ""
        return f"For {name}{given}"
    if entry.event == "record_decision":
        return DECISION_NAMES.get(facts.get("decision", ""))
    if entry.event == "record_panel_response":
        return PANEL_RESPONSE_NAMES.get(facts.get("panel_response", ""))
    if entry.event == "place_hold":
        return str(facts.get("reason", "")).replace("_", " ").capitalize() or None
    if entry.event == "appoint_reviewer" and isinstance(facts.get("reviewer"), dict):
        return f"{facts['reviewer'].get('name')}, {facts['reviewer'].get('organisation')}"
    if entry.event == "schedule_publication" and facts.get("planned_on"):
        planned = date.fromisoformat(facts["planned_on"])
        return f"For {long_date(planned)}"
    return None


def _stages(history: list[HistoryEntry]) -> list[Stage]:
    """The stages the case passed through, from the state changes in its history."""
    stages: list[Stage] = []
    for entry in history:
        if entry.to_state and (not stages or entry.to_state != stages[-1].state):
            if stages:
                stages[-1] = Stage(stages[-1].state, stages[-1].start, entry.on)
            stages.append(Stage(entry.to_state, entry.on, None))
    return stages


def _blocked(user: User, case: CaseRecord, today: date, closures: frozenset[date]) -> list[Blocked]:
    """Events the state allows but a guard refuses, for those who could otherwise fire them."""
    if not user.active:
        return []
    if user.role == "business_manager":
        candidates = [(e, {}) for e in workflow.events_from(case.state)]
    elif user.role == "partner_lead" and "sign_off" in workflow.events_from(case.state):
        candidates = [("sign_off", {"partner": user.partner})]
    else:
        return []
    blocked = []
    for event, facts in candidates:
        if event == "lift_hold" and not case.hold_open:
            continue  # "there is no open hold to lift" tells nobody anything
        reason = workflow.refusal(case, event, facts, None, closures)
        if reason:
            blocked.append(Blocked(event, _action(user, event), reason))
    return blocked


def _action(user: User, event: str) -> str:
    if event == "sign_off" and user.role == "partner_lead":
        return "Sign off"
    return EVENT_ACTIONS[event]


def _readers(entries: list[ReaderEntry]) -> list[Reader]:
    """Who has read the case, how many times and when last: latest first."""
    entries = sorted(entries, key=lambda entry: entry.name)
    entries.sort(key=lambda entry: entry.last_read_at, reverse=True)
    return [Reader(e.name, e.role, e.reads, _in_london(e.last_read_at)) for e in entries]


def _clocks(
    case: CaseRecord, today: date, settings: ClockSettings
) -> tuple[list[ClockLine], list[ClockMark]]:
    """Each clock in words for its tag, and the clocks the timeline marks (not cancelled)."""
    lines, marks = [], []
    for clock in case.clocks:
        view: dict[str, Any] = clock_view(clock, today, settings)
        status = view["status"]
        label = clock.kind.replace("_", " ").capitalize()
        if clock.seq > 1:
            label += f" ({clock.seq})"
        note = view.get("hold_note")
        hold_note = None
        if note:
            told = "has been told" if note["panel_informed"] else "has not been told"
            hold_note = f"On hold ({note['reason'].replace('_', ' ')}); the Panel {told}."
        words = status_words(
            status, view["working_days_left"], view["working_days_late"], clock.due_on, today
        )
        lines.append(
            ClockLine(
                label,
                clock.statutory,
                clock.due_on,
                clock.met_on,
                status,
                words,
                CLOCK_TAGS[status],
                hold_note,
            )
        )
        if status not in ("pending", "cancelled"):
            late = status in ("overdue", "met_late")
            marks.append(ClockMark(label, clock.due_on, clock.met_on, late))
    return lines, marks


def _history_line(entry: HistoryEntry) -> HistoryLine:
    return HistoryLine(
        entry.on,
        entry.event,
        EVENT_RECORDS.get(entry.event, entry.event.replace("_", " ").capitalize()),
        _history_detail(entry),
        entry.from_state,
        entry.to_state,
        entry.actor_name,
        entry.actor_role,
        _in_london(entry.recorded_at),
    )


def _sign_offs(case: CaseRecord) -> tuple[str | None, list[SignOffLine]]:
    """What is being signed off now (if anything), and each partner's current sign-off."""
    subject = None
    if case.state == "approval" or (case.state == "rapid_review" and case.decision):
        subject = "decision" if case.state == "rapid_review" else "final report"
    signed = {s.partner: s for s in case.current_sign_offs}
    lines = [
        SignOffLine(p, signed[p].signed_on, signed[p].given_by)
        if p in signed
        else SignOffLine(p, None, None)
        for p in workflow.PARTNERS
    ]
    return subject, lines


def case_page(user: User, case_id: int, today: date | None = None) -> CasePageView:
    """Everything the case page shows, for this user. NotFound if they may not see the case."""
    today = today or london_today()
    reads = read_case_page(user, case_id, today)  # 404 unless theirs; records the read
    case, settings, history = reads.case, reads.settings, reads.history
    clocks, marks = _clocks(case, today, settings)
    stages = _stages(history)
    holds = [HoldSpan(h.reason, h.placed_on, h.lifted_on) for h in case.holds]
    sign_off_subject, sign_offs = _sign_offs(case)
    page = CasePageView(
        case=case,
        today=today,
        key_dates=[
            (KEY_DATE_NAMES[name], getattr(case, name)) for name in KEY_DATES if getattr(case, name)
        ],
        clocks=clocks,
        history=[_history_line(h) for h in history],
        sign_offs=sign_offs,
        sign_off_subject=sign_off_subject,
        actions=[(e, _action(user, e)) for e in allowed_events_for(user, case, today, settings)],
        blocked=_blocked(user, case, today, settings.closures),
        shows_grants=reads.grants is not None,
        grants=grants_from(reads.grants or [], today),
        manages_access=user.role == "business_manager" and user.active,
        readers=None if reads.readers is None else _readers(reads.readers),
        timeline=draw_timeline(stages, marks, holds, today),
        stages=stages,
        timeline_clocks=marks,
        holds=holds,
    )
    commit_reads()  # the read (see `web.security.reads_and_records_reads`)
    return page
