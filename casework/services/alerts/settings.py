"""A partnership's alert settings: the ladder's offsets, escalation, the digest time.

Changing an offset moves the rung dates of every open clock of the partnership at once; a rung
already claimed for a clock's due date stays claimed, so nothing is sent twice, and a rung
whose new date has already passed is sent by the next sweep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from casework.extensions import db
from casework.models import Partnership, User
from casework.services.admin_settings import update_settings
from casework.services.errors import NotPermitted

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
    """Change the actor's partnership's alert settings (admins only); None leaves one as is.

    The partnership's settings have one writer, `admin_settings.update_settings`: it records
    each change in the history and moves the rung dates of the open clocks.
    """
    _require_admin(actor)
    given = {
        "due_soon_days": due_soon_days,
        "escalate_after_days": escalate_after_days,
        "escalation_enabled": escalation_enabled,
        "digest_time": digest_time,
    }
    update_settings(actor, {name: value for name, value in given.items() if value is not None})
    return alert_settings(actor)
