"""Scheduler processes, for real: two side by side, the leader killed, a restart days later.

Each test starts `flask casework scheduler` as operating-system processes on the test's
database (SQLite file or PostgreSQL), sweeping every second, with "today" set through
CASEWORK_TODAY, and counts what a real SMTP server receives.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import AlertClaim
from tests.factories import make_case, make_user
from tests.jobs.processes import SchedulerRun, wait_until


@pytest.fixture
def start_scheduler(database_url, smtp_server, tmp_path, app):
    runs: list[SchedulerRun] = []

    def start(today: date) -> SchedulerRun:
        env = {
            "DATABASE_URL": database_url,
            "SWEEP_MINUTES": str(1 / 60),
            "DELIVER_SECONDS": "1",
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_server.port),
            "BASE_URL": app.config["BASE_URL"],
            "CASEWORK_TODAY": today.isoformat(),
        }
        run = SchedulerRun(tmp_path / f"scheduler-{len(runs)}.log", env)
        runs.append(run)
        return run

    try:
        yield start
    finally:
        for run in runs:
            run.kill()


def alert_emails(smtp_server) -> list:
    """Alert emails only: a digest may also go out, depending on the time of day."""
    return [m for m in smtp_server.received if m["Message-ID"].startswith("<casework.alert.")]


def exactly_once(smtp_server) -> Counter:
    counts = Counter(m["Message-ID"] for m in alert_emails(smtp_server))
    assert counts and max(counts.values()) == 1, counts
    return counts


def test_two_schedulers_deliver_each_rung_once_and_one_takes_over_within_10_s(
    start_scheduler, smtp_server, partnership, leads
):
    managers = [make_user(partnership, "business_manager") for _ in range(2)]
    today = date(2023, 3, 15)
    make_case(managers[0], la_aware_on="2023-03-01")  # escalated today: 2 managers + 3 leads
    make_case(managers[0], la_aware_on="2023-03-09")  # due soon today: 2 managers

    first, second = start_scheduler(today), start_scheduler(today)
    wait_until(lambda: len(alert_emails(smtp_server)) >= 7, timeout=30)
    time.sleep(2.5)  # two more sweeps and deliveries by whoever leads: nothing more
    assert len(exactly_once(smtp_server)) == 7
    leader, standby = (first, second) if first.leading() else (second, first)
    assert leader.leading() and not standby.leading()
    assert "standing by" in standby.output()

    leader.stop(signal.SIGKILL)
    took = wait_until(standby.leading, timeout=10)
    print(f"takeover after SIGKILL: {took:.2f} s")
    assert took < 10

    make_case(managers[0], la_aware_on="2023-03-08")  # due today: 2 more emails
    wait_until(lambda: len(alert_emails(smtp_server)) >= 9, timeout=15)
    time.sleep(2)
    assert len(exactly_once(smtp_server)) == 9
    assert standby.stop() == 0
    assert "Traceback" not in standby.output() + leader.output()


def test_a_scheduler_stopped_across_two_days_sends_only_the_highest_rung(
    start_scheduler, smtp_server, business_manager
):
    make_case(business_manager, la_aware_on="2023-03-01")  # due Wed 8 March
    make_case(business_manager, la_aware_on="2023-02-27")  # due Mon 6 March

    monday = start_scheduler(date(2023, 3, 6))
    wait_until(lambda: len(alert_emails(smtp_server)) >= 2, timeout=30)
    assert monday.stop() == 0
    subjects = [m["Subject"].split(":")[0] for m in alert_emails(smtp_server)]
    assert sorted(subjects) == ["Due", "Due soon"]

    thursday = start_scheduler(date(2023, 3, 9))  # Tuesday and Wednesday missed
    wait_until(lambda: len(alert_emails(smtp_server)) >= 4, timeout=30)
    time.sleep(2)
    assert thursday.stop() == 0
    exactly_once(smtp_server)
    subjects = [m["Subject"].split(":")[0] for m in alert_emails(smtp_server)[2:]]
    assert subjects == ["Overdue", "Overdue"]
    _db.session.expire_all()
    ledger = Counter((c.rung, c.status) for c in _db.session.scalars(select(AlertClaim)).all())
    assert ledger == {
        ("due_soon", "skipped"): 1,  # the 6 March clock's, claimed on its due day
        ("due_soon", "sent"): 1,
        ("due", "sent"): 1,
        ("due", "skipped"): 1,
        ("overdue", "sent"): 2,
    }
