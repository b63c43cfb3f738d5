"""A partnership's alert settings: the ladder's offsets, escalation, the digest time.

Changing an offset moves the rung dates of every open clock of the partnership at once; a rung
already claimed for a clock's due date stays claimed, so nothing is sent twice, and a rung
whose new date has already passed is sent by the next sweep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update

from casework.extensions import db
from casework.models import AlertClaim, Case, Clock, Partnership, User
from casework.services.errors import Invalid, NotPermitted
from casework.services.partnerships import clock_settings
from workflows.clocks import next_rung, rung_dates

DIGEST_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_DUE_SOON_DAYS = 20
MAX_ESCALATE_AFTER_DAYS = 60


@dataclass(frozen=True)
class AlertSettings:
    due_soon_days: int
    escalate_after_days: int
    escalation_enabled: bool
    digest_time: str


def _require_admin(actor: User) -> Partnership:
    if not actor.active or actor.role != "admin":
        raise NotPermitted("Only an admin can change the alert settings.")
    partnership = db.session.get(Partnership, actor.partnership_id)
    assert partnership is not None
    return partnership


def _settings(partnership: Partnership) -> AlertSettings:
    return AlertSettings(
        partnership.due_soon_days,
        partnership.escalate_after_days,
        partnership.escalation_enabled,
        partnership.digest_time,
    )


def alert_settings(actor: User) -> AlertSettings:
    """The actor's partnership's alert settings. Admins only."""
    return _settings(_require_admin(actor))


def update_alert_settings(
    actor: User,
    *,
    due_soon_days: int | None = None,
    escalate_after_days: int | None = None,
    escalation_enabled: bool | None = None,
    digest_time: str | None = None,
) -> AlertSettings:
    """Change the actor's partnership's alert settings (admins only); None leaves one as is."""
    partnership = _require_admin(actor)
    errors = {}
    if due_soon_days is not None and not (
        isinstance(due_soon_days, int) and 0 <= due_soon_days <= MAX_DUE_SOON_DAYS
    ):
        errors["due_soon_days"] = f"Enter a whole number of working days, 0 to {MAX_DUE_SOON_DAYS}"
    if escalate_after_days is not None and not (
        isinstance(escalate_after_days, int) and 1 <= escalate_after_days <= MAX_ESCALATE_AFTER_DAYS
    ):
        errors["escalate_after_days"] = (
            f"Enter a whole number of working days, 1 to {MAX_ESCALATE_AFTER_DAYS}"
        )
    if digest_time is not None and not DIGEST_TIME.match(digest_time):
        errors["digest_time"] = "Enter a time as HH:MM, for example 07:30"
    if errors:
        raise Invalid("The alert settings were not changed: check the fields.", errors)

    ladder_moved = (due_soon_days is not None and due_soon_days != partnership.due_soon_days) or (
        escalate_after_days is not None and escalate_after_days != partnership.escalate_after_days
    )
    if due_soon_days is not None:
        partnership.due_soon_days = due_soon_days
    if escalate_after_days is not None:
        partnership.escalate_after_days = escalate_after_days
    if escalation_enabled is not None:
        partnership.escalation_enabled = escalation_enabled
    if digest_time is not None:
        partnership.digest_time = digest_time
    try:
        db.session.flush()
        if ladder_moved:
            _move_rungs(partnership.id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return _settings(partnership)


def _move_rungs(partnership_id: int) -> None:
    """Recompute the rung columns of the partnership's clocks that can alert."""
    settings = clock_settings(partnership_id)
    alerting = (
        select(Clock.id, Clock.due_on)
        .join(Case, Case.id == Clock.case_id)
        .where(Case.partnership_id == partnership_id, Clock.alert_from_on.is_not(None))
    )
    clocks = db.session.execute(alerting).all()
    if not clocks:
        return
    claimed: dict[int, set[str]] = {}
    ledger = db.session.execute(
        select(AlertClaim.clock_id, AlertClaim.rung)
        .join(Clock, (Clock.id == AlertClaim.clock_id) & (Clock.due_on == AlertClaim.due_on))
        .join(Case, Case.id == Clock.case_id)
        .where(Case.partnership_id == partnership_id, Clock.alert_from_on.is_not(None))
    )
    for clock_id, rung in ledger:
        claimed.setdefault(clock_id, set()).add(rung)
    rows = []
    for clock_id, due_on in clocks:
        rungs = rung_dates(due_on, settings)
        upcoming = next_rung(rungs, claimed.get(clock_id, ()))
        rows.append(
            {
                "clock": clock_id,
                "due_soon": rungs["due_soon"],
                "due": rungs["due"],
                "overdue": rungs["overdue"],
                "escalated": rungs["escalated"],
                "alert_from": min(rungs.values()),
                "next_rung": rungs[upcoming] if upcoming else None,
            }
        )
    table = Clock.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == bindparam("clock"))
        .values(
            due_soon_on=bindparam("due_soon"),
            due_rung_on=bindparam("due"),
            overdue_on=bindparam("overdue"),
            escalated_on=bindparam("escalated"),
            alert_from_on=bindparam("alert_from"),
            next_rung_on=bindparam("next_rung"),
        ),
        rows,
    )
