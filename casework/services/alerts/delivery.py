"""Delivering the outbox by SMTP: marked sent only once the server has accepted the message.

Each run first drops, as superseded, waiting alerts whose clock was met, cancelled or paused (or
whose due date moved: its rungs were re-armed) since they were written, with their cases locked
(see `_drop_superseded`), and releases their rungs' claims in the ledger: if the clock comes
back to that due date (a date moved and moved back, a hold lifted the day it was placed), the
rung is claimed again and those whose email was dropped get it then (see `sweep`). It then takes
a batch of due messages with a lease (their next attempt moved 10 minutes on, in one UPDATE ...
RETURNING), so no other deliverer takes them meanwhile, and sends them one by one, each marked
sent in its own commit as soon as the server accepts it. A temporary failure (the server down, a
4xx reply, a mailer that cannot be set up) is retried after 1, 2, 4, ... minutes, at most an
hour apart, for 7 days from when the message was written; then, or at once on a permanent
(5xx) refusal, the message is marked failed, for an admin to see. Errors are recorded by type
and SMTP code only: never an address.
"""

from __future__ import annotations

import contextlib
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_mailman import EmailMessage
from sqlalchemy import and_, delete, exists, or_, select, text, update

from casework.extensions import db
from casework.mail import mail
from casework.models import AlertClaim, Case, Clock, OutboxMessage, User
from casework.models.alerts import PENDING
from casework.services.alerts.bulk import id_in, keys_in
from casework.services.errors import NotPermitted
from casework.services.users import is_email_address

LEASE = timedelta(minutes=10)
GIVE_UP_AFTER = timedelta(days=7)
MAX_DELAY_MINUTES = 60
BATCH = 200


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    superseded: int = 0


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: 1, 2, 4, ... minutes, capped at an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_DELAY_MINUTES))


def deliver_outbox(now: datetime, limit: int = BATCH) -> DeliveryReport:
    """Send the messages due by `now` (UTC, naive). Returns what happened to them."""
    superseded = _drop_superseded(now)
    batch = _lease(now, limit)
    if not batch:
        return DeliveryReport(superseded=superseded)
    sent = retrying = failed = 0
    try:
        connection = mail.get_connection(fail_silently=False)
        connection.open()
    except Exception as error:
        # Whatever stops a connection being made (the server down, or a backend flask-mailman
        # cannot set up: settings changed since start-up, the file backend's folder not a
        # folder) fails this attempt for every leased message, so each retries and in the end
        # shows as failed to an admin. Raised from here, it left them leased and unmarked.
        for message in batch:
            retrying, failed = _count(_failed(message, now, error), retrying, failed)
        db.session.commit()
        return DeliveryReport(0, retrying, failed, superseded)
    try:
        for position, message in enumerate(batch):
            try:
                if not is_email_address(message.recipient):
                    raise UnsendableAddress  # no attempt could ever succeed
                email = EmailMessage(
                    subject=message.subject,
                    body=message.body,
                    to=[message.recipient],
                    headers={"Message-ID": message.message_id},
                    connection=connection,
                )
                connection.send_messages([email])
            except (OSError, smtplib.SMTPException, ValueError) as error:
                retrying, failed = _count(_failed(message, now, error), retrying, failed)
                db.session.commit()
                if _connection_lost(error):
                    # The server went away: the rest wait for the next attempt too.
                    for rest in batch[position + 1 :]:
                        retrying, failed = _count(_failed(rest, now, error), retrying, failed)
                    db.session.commit()
                    break
                continue
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id)
                .values(sent_at=now, last_error=None)
            )
            db.session.commit()
            sent += 1
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.close()
    return DeliveryReport(sent, retrying, failed, superseded)


def _drop_superseded(now: datetime) -> int:
    waiting = and_(text(PENDING), OutboxMessage.kind == "alert")
    moved_on = or_(  # the clock no longer alerts for the message's due date
        Clock.met_on.is_not(None),
        Clock.cancelled_on.is_not(None),
        Clock.paused,
        Clock.due_on.is_(None),
        Clock.due_on != OutboxMessage.due_on,
    )
    # The cases of the emails that look stale are locked first, as an event locks its case,
    # and only their emails are judged, by a statement that starts once the locks are ours. So
    # an event on one of those cases either committed before the lock (and is seen: an email
    # current again is kept) or waits for this commit (and reads the ledger with the claims
    # released, re-arming a rung the clock comes back to). An email that goes stale after the
    # lock statement, its case not locked, is left for the next run (the lease below may send
    # it meanwhile, as if the event had come a moment later). FOR NO KEY UPDATE: an event's
    # FOR UPDATE waits for it, but an insert that only refers to a case, such as a read's audit
    # row, does not. SQLite has no row locks and this SELECT takes none: there an event that
    # read the ledger before this commit and writes after it can still miss a release.
    stale_cases = (
        select(Clock.case_id)
        .join(OutboxMessage, OutboxMessage.clock_id == Clock.id)
        .where(waiting, moved_on)
    )
    locked = db.session.scalars(
        select(Case.id)
        .where(Case.id.in_(stale_cases))
        .order_by(Case.id)
        .with_for_update(key_share=True)
    ).all()
    superseded = []
    if locked:
        superseded = db.session.execute(
            update(OutboxMessage)
            .where(
                waiting,
                exists().where(
                    Clock.id == OutboxMessage.clock_id, id_in(Clock.case_id, locked), moved_on
                ),
            )
            .values(superseded_at=now)
            .returning(OutboxMessage.clock_id, OutboxMessage.rung, OutboxMessage.due_on)
            .execution_options(synchronize_session=False)
        ).all()
    claims = sorted({tuple(row) for row in superseded})
    if claims:
        # One JSON parameter, however many: thousands would each have been 3 bind parameters.
        keys = [{"clock_id": c, "rung": r, "due_on": d} for c, r, d in claims]
        db.session.execute(
            delete(AlertClaim)
            .where(keys_in(AlertClaim.__table__, keys))
            .execution_options(synchronize_session=False)
        )
    # Nothing more goes to someone deactivated since their message was queued.
    deactivated = exists().where(User.id == OutboxMessage.user_id, User.active.is_(False))
    dropped = db.session.execute(
        update(OutboxMessage)
        .where(text(PENDING), deactivated)
        .values(superseded_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return len(superseded) + (dropped.rowcount or 0)


def _lease(now: datetime, limit: int) -> list:
    due = and_(text(PENDING), OutboxMessage.next_attempt_at <= now)
    ids = (
        select(OutboxMessage.id)
        .where(due)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .scalar_subquery()
    )
    # The conditions are repeated outside the subquery: on PostgreSQL a second deliverer that
    # waited on the row lock re-checks them against the leased row and leaves it alone.
    rows = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), due)
        .values(next_attempt_at=now + LEASE, attempts=OutboxMessage.attempts + 1)
        .returning(
            OutboxMessage.id,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.body,
            OutboxMessage.message_id,
            OutboxMessage.attempts,
            OutboxMessage.created_at,
        )
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(rows, key=lambda row: row.id)


class UnsendableAddress(ValueError):
    """The recipient is not an address any server could take (a looser check on invitations
    once let "x;y@example.org" in): failed at once, not retried for seven days."""


def _permanent(error: BaseException) -> bool:
    # Any other ValueError (a mistyped MAIL_DEFAULT_SENDER, say) is the installation's to put
    # right: its messages wait and retry rather than all failing for good.
    if isinstance(error, UnsendableAddress):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _connection_lost(error: BaseException) -> bool:
    return isinstance(error, OSError | smtplib.SMTPServerDisconnected)


def _describe(error: BaseException) -> str:
    """The error's type and SMTP code: enough to act on, and no address or message text."""
    code = getattr(error, "smtp_code", None)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code = ",".join(str(c) for c, _ in error.recipients.values())
    return f"{type(error).__name__}" + (f" (SMTP {code})" if code else "")


def _failed(message, now: datetime, error: BaseException) -> str:
    """Record a failed attempt: retry later, or give up. Returns `retrying` or `failed`."""
    values: dict = {"last_error": _describe(error)}
    if _permanent(error) or now >= message.created_at + GIVE_UP_AFTER:
        values["failed_at"] = now
        outcome = "failed"
    else:
        values["next_attempt_at"] = min(
            now + retry_delay(message.attempts), message.created_at + GIVE_UP_AFTER
        )
        outcome = "retrying"
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(**values))
    return outcome


def _count(outcome: str, retrying: int, failed: int) -> tuple[int, int]:
    return (retrying + 1, failed) if outcome == "retrying" else (retrying, failed + 1)


@dataclass(frozen=True)
class FailedMessage:
    id: int
    recipient: str
    subject: str
    attempts: int
    created_at: datetime
    failed_at: datetime
    last_error: str | None


def failed_messages(actor: User, limit: int = 200) -> list[FailedMessage]:
    """Messages given up on, newest first, for an admin to follow up. Admins only."""
    if not actor.active or actor.role != "admin":
        raise NotPermitted("Only an admin can see undelivered messages.")
    rows = db.session.scalars(
        select(OutboxMessage)
        .join(User, User.id == OutboxMessage.user_id)
        .where(OutboxMessage.failed_at.is_not(None), User.partnership_id == actor.partnership_id)
        .order_by(OutboxMessage.failed_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    return [
        FailedMessage(
            m.id, m.recipient, m.subject, m.attempts, m.created_at, m.failed_at, m.last_error
        )
        for m in rows
    ]
