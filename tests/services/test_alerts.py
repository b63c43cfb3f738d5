"""The sweep, the outbox and the SMTP delivery, against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import AlertClaim, Clock, OutboxMessage
from casework.services.alerts import deliver_outbox, sweep
from casework.services.events import fire_event
from tests.factories import make_case, make_user

# A case the local authority became aware of on Wed 1 March 2023: its notification clock is
# due Wed 8 March, so its rungs are due_soon Mon 6, due Wed 8, overdue Thu 9, escalated Wed 15.
RUNG_DAYS = {
    "due_soon": date(2023, 3, 6),
    "due": date(2023, 3, 8),
    "overdue": date(2023, 3, 9),
    "escalated": date(2023, 3, 15),
}
NOW = datetime(2023, 3, 1, 7, 0)


def days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def run_days(start: date, end: date) -> None:
    """The scheduler over simulated days: sweep twice and deliver on each."""
    for day in days(start, end):
        moment = datetime.combine(day, datetime.min.time()) + timedelta(hours=7)
        sweep(day, now=moment)
        sweep(day, now=moment)
        deliver_outbox(moment)


def rung_of(subject: str) -> str:
    return subject.split(":")[0]


@pytest.fixture
def managers(partnership):
    return [make_user(partnership, "business_manager") for _ in range(2)]


def test_each_recipient_gets_one_email_per_rung(smtp_server, managers, leads, scrutineer):
    make_case(managers[0])
    run_days(date(2023, 3, 1), date(2023, 3, 24))

    assert max(smtp_server.message_ids().values()) == 1
    for manager in managers:
        assert [rung_of(s) for s in smtp_server.subjects_to(manager.email)] == [
            "Due soon",
            "Due",
            "Overdue",
            "Escalated",
        ]
    for lead in leads.values():
        assert [rung_of(s) for s in smtp_server.subjects_to(lead.email)] == ["Escalated"]
    assert smtp_server.subjects_to(scrutineer.email) == []
    assert len(smtp_server.received) == 4 * 2 + 3


def test_the_rungs_come_on_their_working_days(smtp_server, managers):
    make_case(managers[0])
    for rung, day in RUNG_DAYS.items():
        before = len(smtp_server.received)
        run_days(day - timedelta(days=1), day - timedelta(days=1))
        assert len(smtp_server.received) == before, f"{rung} came early"
        run_days(day, day)
        assert [rung_of(m["Subject"]) for m in smtp_server.received[before:]] == [
            rung.replace("_", " ").capitalize()
        ] * 2


def test_meeting_the_clock_stops_further_mail(smtp_server, managers):
    case = make_case(managers[0])
    run_days(date(2023, 3, 1), date(2023, 3, 8))
    fire_event(managers[0], case.id, "notify", {"on": "2023-03-08"})
    run_days(date(2023, 3, 9), date(2023, 3, 24))
    assert Counter(rung_of(m["Subject"]) for m in smtp_server.received) == {
        "Due soon": 2,
        "Due": 2,
    }


def test_a_message_whose_clock_was_met_before_delivery_is_superseded(smtp_server, managers):
    case = make_case(managers[0])
    sweep(RUNG_DAYS["due_soon"], now=NOW)
    fire_event(managers[0], case.id, "notify", {"on": "2023-03-06"})
    report = deliver_outbox(NOW)
    assert report.superseded == 2 and report.sent == 0
    assert smtp_server.received == []
    statuses = {m.status for m in _db.session.scalars(select(OutboxMessage))}
    assert statuses == {"superseded"}


def test_catch_up_sends_only_the_highest_rung_and_records_the_rest_skipped(smtp_server, managers):
    make_case(managers[0])
    report = sweep(date(2023, 3, 10), now=NOW)  # due_soon, due and overdue have all come
    assert (report.sent, report.skipped, report.emails) == (1, 2, 2)
    deliver_outbox(NOW)
    assert [rung_of(m["Subject"]) for m in smtp_server.received] == ["Overdue", "Overdue"]
    ledger = {(c.rung, c.status) for c in _db.session.scalars(select(AlertClaim)).all()}
    assert ledger == {("due_soon", "skipped"), ("due", "skipped"), ("overdue", "sent")}
    assert _clock_only().next_rung_on == RUNG_DAYS["escalated"]


def test_a_message_names_the_case_by_reference_and_pseudonym_only(smtp_server, managers, app):
    case = make_case(managers[0], pseudonym="Child R", summary="Private details of the child")
    sweep(RUNG_DAYS["due_soon"], now=NOW)
    deliver_outbox(NOW)
    message = smtp_server.received[0]
    body = message.get_payload(decode=True).decode()
    assert case.reference in message["Subject"] and case.reference in body
    assert "Child R" in body and "Private details" not in body + message["Subject"]
    assert "notifying the national Panel" in body and "statutory" in body
    assert "Monday 6 March 2023" not in body  # the due date is shown, not the rung date
    assert "Wednesday 8 March 2023" in body and "2 working days left" in body
    assert f"{app.config['BASE_URL']}/cases/{case.id}" in body
    assert message["Message-ID"].startswith(f"<casework.alert.{case.clocks[0].id}.due_soon.")


def test_a_due_date_moved_later_re_arms_the_rungs(smtp_server, managers, leads):
    from tests.factories import advance_case

    case = make_case(managers[0])
    advance_case(case.id, managers[0], leads, "approval")
    fire_event(
        managers[0],
        case.id,
        "schedule_publication",
        {"on": "2023-08-03", "planned_on": "2023-09-01"},
    )
    advance_copy = _clock(case.id, "advance_copy")
    first_due = advance_copy.due_on
    run_days(date(2023, 8, 3), advance_copy.overdue_on)
    fire_event(
        managers[0],
        case.id,
        "schedule_publication",
        {"on": advance_copy.overdue_on.isoformat(), "planned_on": "2023-10-02"},
    )
    advance_copy = _clock(case.id, "advance_copy")
    assert advance_copy.due_on > first_due
    assert advance_copy.next_rung_on == advance_copy.due_soon_on  # a fresh ladder
    run_days(advance_copy.overdue_on - timedelta(days=20), advance_copy.overdue_on)
    about = [rung_of(s) for s in smtp_server.subjects_to(managers[0].email) if "advance copy" in s]
    assert about == ["Due soon", "Due", "Overdue", "Due soon", "Due", "Overdue"]
    assert max(smtp_server.message_ids().values()) == 1


def _clock(case_id: int, kind: str) -> Clock:
    _db.session.expire_all()
    return _db.session.scalars(
        select(Clock).where(Clock.case_id == case_id, Clock.kind == kind)
    ).one()


def test_while_the_smtp_server_is_down_the_message_waits_then_arrives_once(smtp_server, managers):
    make_case(managers[0])
    smtp_server.stop()
    sweep(RUNG_DAYS["due_soon"], now=NOW)
    first = deliver_outbox(NOW)
    assert (first.sent, first.retrying) == (0, 2)
    waiting = _db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.attempts, m.next_attempt_at) for m in waiting] == [
        (1, NOW + timedelta(minutes=1))
    ] * 2
    assert waiting[0].last_error and "@" not in waiting[0].last_error

    assert deliver_outbox(NOW + timedelta(seconds=30)) == type(first)()  # not due yet
    second = deliver_outbox(NOW + timedelta(minutes=1))
    assert second.retrying == 2
    _db.session.expire_all()
    assert {m.next_attempt_at for m in _db.session.scalars(select(OutboxMessage))} == {
        NOW + timedelta(minutes=3)  # 2 minutes after the second attempt
    }

    smtp_server.start()  # the same port again
    assert deliver_outbox(NOW + timedelta(minutes=2)).sent == 0
    assert deliver_outbox(NOW + timedelta(minutes=3)).sent == 2
    assert deliver_outbox(NOW + timedelta(hours=2)).sent == 0
    assert sorted(smtp_server.by_recipient().values()) == [1, 1]
    assert max(smtp_server.message_ids().values()) == 1


def test_retries_back_off_to_an_hour_and_give_up_after_seven_days(
    smtp_server, managers, admin_user
):
    from casework.services.alerts import failed_messages
    from casework.services.alerts.delivery import retry_delay

    assert [retry_delay(n).seconds // 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    make_case(managers[0])
    smtp_server.stop()
    sweep(RUNG_DAYS["due_soon"], now=NOW)
    moment = NOW
    for _ in range(12):
        deliver_outbox(moment)
        moment += timedelta(hours=1)
    assert failed_messages(admin_user) == []
    report = deliver_outbox(NOW + timedelta(days=7))
    assert report.failed == 2
    failed = failed_messages(admin_user)
    assert len(failed) == 2 and failed[0].attempts == 13
    smtp_server.start()
    assert deliver_outbox(NOW + timedelta(days=8)).sent == 0  # failed stays failed


def test_setting_due_soon_to_3_moves_that_rung(smtp_server, managers, admin_user):
    from casework.services.alerts import alert_settings, update_alert_settings

    make_case(managers[0])
    settings = update_alert_settings(admin_user, due_soon_days=3)
    assert settings.due_soon_days == 3 and alert_settings(admin_user) == settings
    clock = _clock_only()
    assert clock.due_soon_on == clock.next_rung_on == date(2023, 3, 3)  # Friday, not Monday
    run_days(date(2023, 3, 1), date(2023, 3, 3))
    assert [rung_of(m["Subject"]) for m in smtp_server.received] == ["Due soon"] * 2
    assert "3 working days left" in smtp_server.received[0].get_payload(decode=True).decode()

    # A rung already claimed is not sent again when the ladder moves.
    update_alert_settings(admin_user, due_soon_days=1)
    assert _clock_only().next_rung_on == RUNG_DAYS["due"]
    run_days(date(2023, 3, 4), date(2023, 3, 7))
    assert len(smtp_server.received) == 2


def test_a_later_escalation_setting_moves_the_escalated_rung(managers, admin_user):
    from casework.services.alerts import update_alert_settings

    make_case(managers[0])
    update_alert_settings(admin_user, escalate_after_days=10)
    assert _clock_only().escalated_on == date(2023, 3, 22)


def test_only_admins_change_alert_settings_and_bad_values_are_refused(managers, admin_user):
    from casework.services.alerts import alert_settings, update_alert_settings
    from casework.services.errors import Invalid, NotPermitted

    with pytest.raises(NotPermitted):
        update_alert_settings(managers[0], due_soon_days=3)
    with pytest.raises(NotPermitted):
        alert_settings(managers[0])
    with pytest.raises(Invalid) as refused:
        update_alert_settings(
            admin_user, due_soon_days=-1, escalate_after_days=0, digest_time="7:30"
        )
    assert set(refused.value.fields) == {"due_soon_days", "escalate_after_days", "digest_time"}
    settings = update_alert_settings(admin_user, escalation_enabled=False, digest_time="06:45")
    assert (settings.escalation_enabled, settings.digest_time) == (False, "06:45")


def _clock_only() -> Clock:
    _db.session.expire_all()
    return _db.session.scalars(select(Clock)).one()


def test_escalation_goes_to_partner_leads_only_when_on(smtp_server, managers, leads, admin_user):
    from casework.services.alerts import update_alert_settings

    update_alert_settings(admin_user, escalation_enabled=False)
    make_case(managers[0])
    sweep(RUNG_DAYS["escalated"], now=NOW)
    deliver_outbox(NOW)
    assert sorted(smtp_server.by_recipient()) == sorted(m.email for m in managers)
    assert "statutory partners' leads" not in smtp_server.received[0].get_payload()


def test_inactive_people_get_nothing(smtp_server, managers):
    managers[1].active = False
    _db.session.commit()
    make_case(managers[0])
    sweep(RUNG_DAYS["due"], now=NOW)
    deliver_outbox(NOW)
    assert list(smtp_server.by_recipient()) == [managers[0].email]


def test_the_sweep_issues_the_same_statements_for_10_and_1000_due_rungs(business_manager):
    from sqlalchemy import event, insert

    case = make_case(business_manager)
    few_day, many_day = date(2024, 1, 8), date(2024, 1, 9)
    far = date(2024, 6, 3)

    def clocks(count: int, day: date, first_seq: int) -> list[dict]:
        ladder = {"due_soon_on": day, "due_rung_on": far, "overdue_on": far, "escalated_on": far}
        return [
            {
                "case_id": case.id,
                "partnership_id": case.partnership_id,
                "kind": "notification",
                "seq": first_seq + n,
                "statutory": True,
                "anchor_on": day,
                "due_on": far,
                "hold_days": 0,
                "paused": False,
                "alert_from_on": day,
                "next_rung_on": day,
                **ladder,
            }
            for n in range(count)
        ]

    sweep(few_day - timedelta(days=1), now=NOW)  # the case's own clock, long overdue
    _db.session.execute(insert(Clock), clocks(10, few_day, 100) + clocks(1000, many_day, 200))
    _db.session.commit()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        few = sweep(few_day, now=NOW)
        for_few = list(statements)
        statements.clear()
        many = sweep(many_day, now=NOW)
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)
    assert (few.sent, many.sent) == (10, 1000)
    assert (few.emails, many.emails) == (10, 1000)
    assert len(for_few) == len(statements) == 7, for_few


def test_sweeps_at_once_claim_each_rung_once(app, managers):
    import threading

    for _ in range(6):
        make_case(managers[0])
    barrier = threading.Barrier(4)
    reports = []

    def sweeper():
        with app.app_context():
            barrier.wait()
            reports.append(sweep(RUNG_DAYS["overdue"]))
            _db.session.remove()

    threads = [threading.Thread(target=sweeper) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in reports) == 6
    assert sum(r.emails for r in reports) == 12
    assert _db.session.scalar(select(func_count(OutboxMessage.id))) == 12


def func_count(column):
    from sqlalchemy import func

    return func.count(column)


def test_an_address_the_mailer_refuses_fails_once_and_the_rest_still_go(smtp_server, managers):
    """flask-mailman raises ValueError for an address it cannot parse: that message used to be
    retried every few minutes for ever, holding up every message after it in the batch."""

    make_case(managers[0])
    sweep(RUNG_DAYS["due_soon"], now=NOW)
    first = _db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    first.recipient = "x;y@example.org"  # as a looser check on invitations once let in
    _db.session.commit()

    report = deliver_outbox(NOW)

    assert (report.sent, report.failed, report.retrying) == (1, 1, 0)
    assert len(smtp_server.received) == 1
    _db.session.expire_all()
    bad = _db.session.get(OutboxMessage, first.id)
    assert bad.status == "failed" and bad.last_error == "UnsendableAddress"
    assert deliver_outbox(NOW + timedelta(hours=1)).sent == 0  # not tried again


def test_nothing_more_goes_to_someone_deactivated_after_their_message_was_queued(
    smtp_server, managers
):
    make_case(managers[0])
    sweep(RUNG_DAYS["due_soon"], now=NOW)
    managers[1].active = False
    _db.session.commit()

    report = deliver_outbox(NOW)

    assert (report.sent, report.superseded) == (1, 1)
    assert [m["To"] for m in smtp_server.received] == [managers[0].email]


def test_a_mistyped_sender_setting_leaves_every_message_waiting_not_failed(
    smtp_server, managers, app, monkeypatch
):
    """The mailer also raises ValueError for a malformed MAIL_DEFAULT_SENDER: that is for the
    installation to put right, so the messages retry rather than all failing for good."""
    make_case(managers[0])
    sweep(RUNG_DAYS["due_soon"], now=NOW)
    monkeypatch.setattr(app.extensions["mailman"], "default_sender", "casework@@example.org")

    report = deliver_outbox(NOW)

    assert (report.sent, report.failed, report.retrying) == (0, 0, 2)
    monkeypatch.undo()
    assert deliver_outbox(NOW + timedelta(minutes=5)).sent == 2  # once the setting is right


def test_a_mailer_that_cannot_be_set_up_leaves_every_message_waiting_until_it_can(
    smtp_server, managers, app, monkeypatch
):
    """Settings that stop flask-mailman making a connection at all (here both TLS and SSL, as
    if changed after start-up, which refuses them) used to raise before delivery's error
    handling, after the batch was leased: the messages were never marked as failing."""
    make_case(managers[0])
    sweep(RUNG_DAYS["due_soon"], now=NOW)
    state = app.extensions["mailman"]
    monkeypatch.setattr(state, "use_tls", True)
    monkeypatch.setattr(state, "use_ssl", True)

    report = deliver_outbox(NOW)

    assert (report.sent, report.failed, report.retrying) == (0, 0, 2)
    waiting = _db.session.scalars(select(OutboxMessage)).all()
    assert {(m.attempts, m.last_error, m.next_attempt_at) for m in waiting} == {
        (1, "ValueError", NOW + timedelta(minutes=1))
    }
    monkeypatch.setattr(state, "use_tls", False)
    monkeypatch.setattr(state, "use_ssl", False)
    assert deliver_outbox(NOW + timedelta(minutes=1)).sent == 2
    assert sorted(smtp_server.by_recipient()) == sorted(m.email for m in managers)


def test_a_mailer_that_never_can_be_set_up_fails_the_messages_for_an_admin_to_see(
    managers, admin_user, app, monkeypatch, tmp_path
):
    """The file backend (`make run`'s) with MAIL_FILE_PATH naming a file, not a folder: every
    connection fails, so the messages retry as for a server that is down, then fail."""
    from casework.services.alerts import failed_messages

    make_case(managers[0])
    sweep(RUNG_DAYS["due_soon"], now=NOW)
    not_a_folder = tmp_path / "mail"
    not_a_folder.write_text("")
    state = app.extensions["mailman"]
    monkeypatch.setattr(state, "backend", "file")
    monkeypatch.setattr(state, "file_path", str(not_a_folder))

    assert deliver_outbox(NOW).retrying == 2
    assert deliver_outbox(NOW + timedelta(days=7)).failed == 2
    failed = failed_messages(admin_user)
    assert [(m.attempts, m.last_error) for m in failed] == [(2, "ImproperlyConfigured")] * 2
