"""Alerts: the ladder each open clock climbs, the emails and in-app alerts it sends.

Every clock climbs a ladder of rungs on the partnership's working days: `due_soon`, `due`,
`overdue`, `escalated` (see `workflows.clocks.rung_dates`). The scheduler runs `sweep(today)`
every few minutes. The sweep claims each rung reached in the alert ledger, whose key is
(clock, rung, due date), with INSERT ... ON CONFLICT DO NOTHING, so a rung is claimed once
however many sweeps run; when several rungs are reached at once (the scheduler was down) only
the highest is sent and the lower ones are recorded as skipped. In the same transaction it
writes one email to the outbox and one in-app alert for each recipient, worked out at claim
time. `deliver_outbox(now)` then sends what is waiting by SMTP, retrying temporary failures,
and drops messages whose clock was met, cancelled or paused, or whose due date moved,
meanwhile (releasing their rung, which comes again should the clock return to that due date).
An email written again keeps its Message-ID, unique in the outbox, so each person is delivered
at most one email per rung and due date (the one exception, a deliverer stopping or outlasting
its lease between the server accepting a message and marking it sent: see
`casework.models.alerts`). `digest(on)` sends each person one email per working day listing
their clocks at a rung.
"""

from casework.services.alerts.delivery import DeliveryReport, deliver_outbox, failed_messages
from casework.services.alerts.digest import digest, digest_due
from casework.services.alerts.inbox import (
    AlertView,
    alerts_for,
    mark_alert_read,
    unread_alert_count,
)
from casework.services.alerts.settings import (
    AlertSettings,
    alert_settings,
    update_alert_settings,
)
from casework.services.alerts.sweep import SweepReport, sweep

__all__ = [
    "AlertSettings",
    "AlertView",
    "DeliveryReport",
    "SweepReport",
    "alert_settings",
    "alerts_for",
    "deliver_outbox",
    "digest",
    "digest_due",
    "failed_messages",
    "mark_alert_read",
    "sweep",
    "unread_alert_count",
    "update_alert_settings",
]
