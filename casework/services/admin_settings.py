"""The partnership's clock settings and closure days, and keeping open clocks true to them.

Every setting here changes when a clock falls due or when its alerts climb the ladder, so a
change recomputes the clocks of every case of the partnership that is not in a terminal state,
in the same transaction: due dates and the stored rung dates follow the new settings at once.
Each clock still running is worked out again from the case's history (one met or cancelled
keeps the due date it was judged against); cases in a terminal state keep the clocks they
ended with. That is one query for the cases (with their clocks) and one for their histories,
whatever the number of cases. The open agency requests' clocks follow too: their due dates are
the requests' own, which a closure day added or removed within their time moves a working day
(see `agency_clocks.keep_working_days`).

A closure day can be added or removed only for today or a later day. One gone by would rewrite
history: a clock met on time would become late (or the reverse), the working days late in the
year's figures would change, and a due date moved back could re-arm alerts already sent. Today
itself is allowed, for a closure decided this morning.

Escalation on/off and the daily digest time arrive with the scheduler: add them to
`SETTING_NAMES` (with a parser in `_parse`) but not to `CLOCK_SETTINGS`, since they move no
clock, and to the settings form.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import lazyload, selectinload

from casework.extensions import db
from casework.models import Case, CaseEvent, ClosureDay, Partnership, User
from casework.services.admin import clean_name, record_change, require_admin
from casework.services.agency_clocks import ClosureChange, follow_holds_on, keep_working_days
from casework.services.clocks import claimed_rungs_of_open_cases, recompute_clocks, set_rungs
from casework.services.errors import Invalid, NotFound, Refused
from casework.services.numbers import digits_only, whole_number
from casework.services.partnerships import clock_settings
from casework.services.today import london_today
from workflows.cases import TERMINAL_STATES
from workflows.clocks import (
    CASE_CLOCK_KINDS,
    NOTIFICATION_WORKING_DAYS,
    RAPID_REVIEW_ANCHORS,
    ClockSettings,
)


@dataclass(frozen=True)
class NumberSetting:
    name: str
    label: str  # as it reads in an error message: "The rapid review time"
    minimum: int
    maximum: int
    unit: str


NUMBER_SETTINGS = (
    NumberSetting("rapid_review_days", "The rapid review time", 1, 60, "working days"),
    NumberSetting("panel_response_days", "The Panel response time", 1, 60, "working days"),
    NumberSetting("agency_return_days", "The agency return time", 1, 60, "working days"),
    NumberSetting(
        "reviewer_appointment_days", "The reviewer appointment time", 1, 120, "working days"
    ),
    NumberSetting("terms_of_reference_days", "The terms of reference time", 1, 120, "working days"),
    NumberSetting("publication_months", "The publication time", 1, 24, "calendar months"),
    NumberSetting("due_soon_days", "The due soon warning", 0, 20, "working days"),
    NumberSetting("escalate_after_days", "The escalation", 1, 60, "working days"),
)
NUMBERS = {s.name: s for s in NUMBER_SETTINGS}
CHOICE_SETTINGS: dict[str, tuple[Any, ...]] = {
    "rapid_review_anchor": RAPID_REVIEW_ANCHORS,
    "pause_local_clocks_on_hold": (True, False),
    "escalation_enabled": (True, False),
}
YES_NO_SETTINGS = ("pause_local_clocks_on_hold", "escalation_enabled")
DIGEST_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# In the order the settings page shows them (and the history records them).
SETTING_NAMES = (
    "rapid_review_anchor",
    "rapid_review_days",
    "panel_response_days",
    "agency_return_days",
    "reviewer_appointment_days",
    "terms_of_reference_days",
    "publication_months",
    "pause_local_clocks_on_hold",
    "due_soon_days",
    "escalate_after_days",
    "escalation_enabled",
    "digest_time",
)
assert set(SETTING_NAMES) == {*NUMBERS, *CHOICE_SETTINGS, "digest_time"}
# A change to any of these recomputes open clocks (due dates and the alert ladder's rungs).
CLOCK_SETTINGS = frozenset(SETTING_NAMES) - {"escalation_enabled", "digest_time"}
# The clocks counted in working days whose length is a setting. The due soon warning must be
# shorter than each of them and than the notification clock's 5 working days (set by law): one
# as long as a clock goes out the day the clock starts, and a longer one is dated before it, so
# every agency, say, would be told its return is due soon the moment it was asked for it.
# (Actions and advance copies are due on dates chosen one by one; publication takes months.)
DUE_SOON_CLOCKS = (
    "rapid_review_days",
    "panel_response_days",
    "agency_return_days",
    "reviewer_appointment_days",
    "terms_of_reference_days",
)
CHOICE_ERRORS = {
    "rapid_review_anchor": "Choose when the rapid review clock starts",
    "pause_local_clocks_on_hold": "Choose whether local targets pause during a hold",
    "escalation_enabled": "Choose whether overdue clocks are escalated to the partner leads",
}
TRUE_WORDS, FALSE_WORDS = ("yes", "true", "1", "on"), ("no", "false", "0", "off")


PASSED_DAY = "The date of the closure day must be today or in the future"
PASSED_CLOSURE = "This closure day has passed, so it cannot be removed"


@dataclass(frozen=True)
class Settings:
    values: dict[str, Any]  # every name in SETTING_NAMES
    closures: list[ClosureDay]
    changeable_from: date  # today: the closure days before it can no longer be removed


def get_settings(actor: User) -> Settings:
    """The partnership's clock settings and closure days (admins)."""
    require_admin(actor)
    partnership = db.session.get(Partnership, actor.partnership_id)
    assert partnership is not None
    return Settings(
        {name: getattr(partnership, name) for name in SETTING_NAMES},
        list(partnership.closures),
        london_today(),
    )


def _parse(name: str, raw: Any) -> tuple[Any, str | None]:
    if name in NUMBERS:
        setting = NUMBERS[name]
        text = str(raw).strip() if raw is not None and not isinstance(raw, bool) else ""
        if not text:
            return None, f"Enter {setting.label[0].lower()}{setting.label[1:]} in {setting.unit}"
        value = whole_number(text)
        if value is None and not digits_only(text):
            return None, f"{setting.label} must be a whole number of {setting.unit}"
        # None here is a number too long to read: out of range, as it is.
        if value is None or not setting.minimum <= value <= setting.maximum:
            return None, (
                f"{setting.label} must be between {setting.minimum} and {setting.maximum}"
                f" {setting.unit}"
            )
        return value, None
    if name == "digest_time":
        text = str(raw or "").strip()
        if DIGEST_TIME.match(text):
            return text, None
        return None, "Enter the digest time as HH:MM, for example 07:30"
    if name in YES_NO_SETTINGS:
        word = str(raw).strip().lower()
        if isinstance(raw, bool) or word in TRUE_WORDS + FALSE_WORDS:
            return (raw if isinstance(raw, bool) else word in TRUE_WORDS), None
        return None, CHOICE_ERRORS[name]
    if raw in CHOICE_SETTINGS[name]:
        return raw, None
    return None, CHOICE_ERRORS[name]


def update_settings(actor: User, raw: Mapping[str, Any]) -> list[str]:
    """Change the settings given in `raw` (others stay as they are); returns what changed.

    Each changed setting is recorded in the history with its old and new value, and the open
    clocks are recomputed, all in one transaction.
    """
    require_admin(actor)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in SETTING_NAMES:
            errors[name] = "This is not a setting"
            continue
        values[name], message = _parse(name, value)
        if message:
            errors[name] = message
    if errors:
        raise Invalid("The settings could not be saved: check the fields.", errors)

    partnership = _locked_partnership(actor)
    changed = [name for name in SETTING_NAMES if name in values]
    changed = [name for name in changed if getattr(partnership, name) != values[name]]
    # Checked against the settings as they will be: those given, and the others as they are.
    errors = _due_soon_too_long(
        {**{n: getattr(partnership, n) for n in SETTING_NAMES}, **values}, changed
    )
    if errors:
        db.session.rollback()  # let go of the lock
        raise Invalid("The settings could not be saved: check the fields.", errors)
    for name in changed:
        record_change(actor, "settings", name, getattr(partnership, name), values[name])
        setattr(partnership, name, values[name])
    if CLOCK_SETTINGS.intersection(changed):
        recompute_open_clocks(partnership.id)
    db.session.commit()  # also lets go of the lock when nothing changed
    return changed


def _due_soon_too_long(values: Mapping[str, Any], changed: list[str]) -> dict[str, str]:
    """The due soon warning's error when it is not shorter than every clock it warns of.

    Only what this save changes is checked: a new warning against every clock, a new clock
    length against the warning. A partnership that stored a warning as long as a clock before
    the rule (or by hand) can still change its other settings, and is told when it changes
    either of the two.
    """
    if "due_soon_days" in changed:
        names = DUE_SOON_CLOCKS
        clocks = [("the time to notify the Panel", NOTIFICATION_WORKING_DAYS)]
    else:
        names, clocks = tuple(name for name in DUE_SOON_CLOCKS if name in changed), []
    for name in names:
        label = NUMBERS[name].label
        clocks.append((label[0].lower() + label[1:], values[name]))
    if not clocks:
        return {}
    what, days = min(clocks, key=lambda clock: clock[1])  # the first of the shortest
    if values["due_soon_days"] < days:
        return {}
    unit = "working day" if days == 1 else "working days"
    return {"due_soon_days": f"The due soon warning must be shorter than {what}, {days} {unit}"}


def _locked_partnership(actor: User) -> Partnership:
    """The actor's partnership, locked: two admins saving at once take turns."""
    partnership = db.session.scalar(
        select(Partnership).where(Partnership.id == actor.partnership_id).with_for_update()
    )
    assert partnership is not None
    return partnership


def add_closure_day(
    actor: User, day: date | None, name: str | None, *, today: date | None = None
) -> ClosureDay:
    """A day the partnership is closed, today or later; the open clocks move to skip it."""
    require_admin(actor)
    today = today or london_today()
    errors: dict[str, str] = {}
    if day is None:
        errors["day"] = "Enter the date of the closure day"
    try:
        name = clean_name(name, "name of the closure day")
    except Invalid as error:
        errors.update(error.fields)
    if day is not None and not 2000 <= day.year <= 2100:
        errors["day"] = "The date must be between the years 2000 and 2100"
    elif day is not None and day < today:
        errors["day"] = PASSED_DAY
    partnership = _locked_partnership(actor)
    if "day" not in errors and day in {c.day for c in partnership.closures}:
        errors["day"] = "This date is already a closure day"
    if errors:
        db.session.rollback()  # let go of the lock
        raise Invalid("The closure day could not be added: check the fields.", errors)
    assert day is not None
    closure = ClosureDay(day=day, name=name)
    partnership.closures.append(closure)
    record_change(actor, "closure days", "added", None, f"{day.isoformat()} {name}")
    recompute_open_clocks(partnership.id, closure_changed=ClosureChange(day, name, True, actor.id))
    db.session.commit()
    return closure


def remove_closure_day(actor: User, closure_id: int, *, today: date | None = None) -> None:
    """No longer a closure day (today or later): the open clocks count it as a working day."""
    require_admin(actor)
    today = today or london_today()
    partnership = _locked_partnership(actor)
    closure = next((c for c in partnership.closures if c.id == closure_id), None)
    if closure is None:
        db.session.rollback()
        raise NotFound("There is no such closure day.")
    if closure.day < today:
        db.session.rollback()  # let go of the lock
        # Nothing the admin entered is wrong: the day's own state refuses it (409, not 422).
        raise Refused(PASSED_CLOSURE)
    record_change(actor, "closure days", "removed", f"{closure.day.isoformat()} {closure.name}")
    partnership.closures.remove(closure)
    change = ClosureChange(closure.day, closure.name, False, actor.id)
    recompute_open_clocks(partnership.id, closure_changed=change)
    db.session.commit()


def recompute_open_clocks(
    partnership_id: int,
    settings: ClockSettings | None = None,
    *,
    closure_changed: ClosureChange | None = None,
) -> int:
    """Recompute the clocks of every case of the partnership not in a terminal state.

    Does not commit: the caller commits it with the change that called for it. The cases are
    locked (`FOR UPDATE` on PostgreSQL), so an event fired meanwhile waits and then computes its
    clocks with the new settings. `closure_changed` is the day just made a closure day or no
    longer one: the open agency requests over it move their due dates first, each recording
    it. Returns the number of cases recomputed.
    """
    db.session.flush()
    settings = settings or clock_settings(partnership_id)
    open_cases = (Case.partnership_id == partnership_id, Case.state.not_in(sorted(TERMINAL_STATES)))
    cases = db.session.scalars(
        select(Case)
        .where(*open_cases)
        .options(selectinload(Case.clocks), lazyload(Case.sign_offs), lazyload(Case.holds))
        .order_by(Case.id)
        .with_for_update(of=Case)
    ).all()
    histories: dict[int, list[Any]] = defaultdict(list)
    for entry in db.session.execute(
        select(
            CaseEvent.case_id, CaseEvent.event, CaseEvent.on, CaseEvent.facts, CaseEvent.to_state
        )
        .join(Case, Case.id == CaseEvent.case_id)
        .where(*open_cases)
        .order_by(CaseEvent.case_id, CaseEvent.id)
    ):
        histories[entry.case_id].append(entry)
    claimed = claimed_rungs_of_open_cases(partnership_id)
    if closure_changed is not None:
        keep_working_days(partnership_id, closure_changed, settings.closures)
    for case in cases:
        recompute_clocks(case, histories[case.id], settings, claimed)
        # Clocks kept by their own records: the open agency returns follow the holds and
        # closure days again; for the others only the ladder moves.
        follow_holds_on(case, settings, claimed)
        for clock in case.clocks:
            if clock.kind not in CASE_CLOCK_KINDS and clock.kind != "agency_return":
                set_rungs(clock, settings, claimed.get((clock.id, clock.due_on), ()))
    return len(cases)
