"""The words of alert and digest emails.

A message names the case by its reference and pseudonym only: never the summary or anything
about the child. It says which clock, its due date, the working days left or late, and links
to the page the recipient can open (the case page; a contributor's request page comes with
agency requests).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from casework.services.wording import weekday_date
from workflows.calendar import working_days_between

CLOCK_WORDS = {
    "notification": "notifying the national Panel of the serious incident",
    "rapid_review": "completing the rapid review",
    "panel_response": "the national Panel's response to the rapid review",
    "agency_return": "an agency's return",
    "reviewer_appointment": "appointing the reviewer",
    "terms_of_reference": "agreeing the terms of reference",
    "publication": "publishing the review",
    "advance_copy": "sending the advance copy of the report",
    "action": "an action from the review",
}
CLOCK_SHORT = {
    "notification": "notification to the Panel",
    "rapid_review": "rapid review",
    "panel_response": "Panel response",
    "agency_return": "agency return",
    "reviewer_appointment": "reviewer appointment",
    "terms_of_reference": "terms of reference",
    "publication": "publication",
    "advance_copy": "advance copy",
    "action": "action",
}
RUNG_TITLES = {
    "due_soon": "Due soon",
    "due": "Due",
    "overdue": "Overdue",
    "escalated": "Escalated",
}
RUNG_ORDER = {"due_soon": 0, "due": 1, "overdue": 2, "escalated": 3}


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def timing(due_on: date, on: date, closures: Collection[date]) -> str:
    """ "2 working days left", "due today", "3 working days late", as seen on `on`."""
    if on == due_on:
        return "due today"
    if on < due_on:
        left = working_days_between(on, due_on, closures)
        if left == 0:
            return f"due {weekday_date(due_on)}, no working days left"
        return f"{plural(left, 'working day')} left"
    late = working_days_between(due_on, on, closures)
    if late == 0:
        return f"overdue since {weekday_date(due_on)}"
    return f"{plural(late, 'working day')} late"


def case_words(reference: str, pseudonym: str | None) -> str:
    return f"{reference} ({pseudonym})" if pseudonym else reference


def clock_words(kind: str, statutory: bool) -> str:
    words = CLOCK_WORDS.get(kind, kind.replace("_", " "))
    return f"{words} ({'statutory' if statutory else 'local target'})"


def case_link(base_url: str, case_id: int) -> str:
    return f"{base_url}/cases/{case_id}"


def link_for(base_url: str, line: ClockLine, *, contributor: bool) -> tuple[str, str]:
    """Where the person acts on it, and what that page is: an agency's contributors on their
    request's page (the case page is not theirs to see), everyone else on the case page."""
    if contributor and line.request_id is not None:
        return "request", f"{base_url}/requests/{line.request_id}"
    return "case", case_link(base_url, line.case_id)


def alert_message_id(clock_id: int, rung: str, due_on: date, user_id: int, domain: str) -> str:
    """Stable: the same rung for the same person always has the same Message-ID."""
    return f"<casework.alert.{clock_id}.{rung}.{due_on:%Y%m%d}.{user_id}@{domain}>"


def digest_message_id(on: date, user_id: int, domain: str) -> str:
    return f"<casework.digest.{on:%Y%m%d}.{user_id}@{domain}>"


@dataclass(frozen=True)
class ClockLine:
    """One clock as a message shows it."""

    case_id: int
    reference: str
    pseudonym: str | None
    kind: str
    statutory: bool
    due_on: date
    rung: str
    request_id: int | None = None  # an agency request's clock: that request


def alert_text(
    line: ClockLine,
    on: date,
    closures: Collection[date],
    base_url: str,
    *,
    to_leads: bool,
    contributor: bool = False,
) -> tuple[str, str]:
    """The subject and body of the email for one rung."""
    when = timing(line.due_on, on, closures)
    subject = (
        f"{RUNG_TITLES[line.rung]}: {line.reference} {CLOCK_SHORT.get(line.kind, line.kind)}"
        f", {when}"
    )
    body = [
        f"Casework alert: {RUNG_TITLES[line.rung].lower()}",
        "",
        f"Case: {case_words(line.reference, line.pseudonym)}",
        f"Clock: {clock_words(line.kind, line.statutory)}",
        f"Due: {weekday_date(line.due_on)}",
        f"Now: {when}",
        "",
        "Open the {}: {}".format(*link_for(base_url, line, contributor=contributor)),
    ]
    if to_leads:
        body += [
            "",
            "This alert has gone to the partnership's business managers and to the statutory "
            "partners' leads.",
        ]
    return subject[:300], "\n".join(body) + "\n"


def digest_text(
    lines: Sequence[ClockLine],
    on: date,
    closures: Collection[date],
    base_url: str,
    *,
    contributor: bool = False,
) -> tuple[str, str]:
    """The subject and body of one person's digest: highest rung first, then soonest due."""
    ordered = sorted(lines, key=lambda x: (-RUNG_ORDER[x.rung], x.due_on, x.reference))
    verb = "needs" if len(ordered) == 1 else "need"
    count = plural(len(ordered), "clock")
    subject = f"Casework digest for {weekday_date(on)}: {count} {verb} attention"
    body = [f"Clocks that need attention on {weekday_date(on)}, most pressing first.", ""]
    for line in ordered:
        body += [
            f"{RUNG_TITLES[line.rung]}: {case_words(line.reference, line.pseudonym)}",
            f"  {clock_words(line.kind, line.statutory)}",
            f"  due {weekday_date(line.due_on)}, {timing(line.due_on, on, closures)}",
            f"  {link_for(base_url, line, contributor=contributor)[1]}",
            "",
        ]
    return subject[:300], "\n".join(body)
