"""The scheduler process: `flask --app wsgi casework scheduler`.

Run it beside the web server, never inside it (every web worker would run every job). Run as
many as you like, on one host or several: one is the leader and works, the others stand by and
one takes over within a few seconds when the leader dies (see `casework.jobs.leader`).

The leader runs, on APScheduler 3's BlockingScheduler in Europe/London:

- the sweep every SWEEP_MINUTES (default 5), at once on start, then delivery of the outbox;
- delivery alone every DELIVER_SECONDS (default 60), so retries go out on time;
- every minute, the daily digest for each partnership whose digest time has come today.

Nothing depends on the scheduler's memory: jobs live in memory with empty arguments, and the
sweep asks the database what is due today, so a leader that starts after downtime catches up
(highest rung only). Logs say what was done in counts, never who or which case.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from casework.extensions import db
from casework.jobs.leader import Leadership, leadership_for
from casework.jobs.today import jobs_today
from casework.models.time import utcnow
from casework.services.alerts import deliver_outbox, digest_due, sweep
from casework.services.today import LONDON

log = logging.getLogger("casework.scheduler")

STANDBY_RETRY_SECONDS = 1.0
LEADERSHIP_CHECK_SECONDS = 2.0
DIGEST_CHECK_SECONDS = 60.0


class SchedulerProcess:
    """Stand by until leader, then run the jobs until stopped or the lead is lost."""

    def __init__(self, app: Flask):
        self.app = app
        self.stopping = threading.Event()
        self.scheduler: BlockingScheduler | None = None
        with app.app_context():
            self.leadership: Leadership = leadership_for(db.engine)

    def run(self) -> None:
        log.info("scheduler %s: standing by (%s)", os.getpid(), self.leadership.description)
        try:
            while not self.stopping.is_set():
                if self.leadership.acquire():
                    log.info("scheduler %s: leading", os.getpid())
                    self._lead()
                    if not self.stopping.is_set():
                        log.warning("scheduler %s: lost the lead; standing by", os.getpid())
                else:
                    self.stopping.wait(STANDBY_RETRY_SECONDS)
        finally:
            self.leadership.release()
            log.info("scheduler %s: stopped", os.getpid())

    def stop(self, *_signal_args: object) -> None:
        self.stopping.set()
        scheduler = self.scheduler
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)

    def _lead(self) -> None:
        config = self.app.config
        scheduler = BlockingScheduler(
            timezone=LONDON,
            executors={"default": ThreadPoolExecutor(1), "watch": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        now = datetime.now(LONDON)
        scheduler.add_job(
            self._job(self.sweep_and_deliver),
            "interval",
            seconds=config["SWEEP_MINUTES"] * 60,
            next_run_time=now,
            id="sweep",
        )
        scheduler.add_job(
            self._job(self.deliver), "interval", seconds=config["DELIVER_SECONDS"], id="deliver"
        )
        scheduler.add_job(
            self._job(self.digest),
            "interval",
            seconds=DIGEST_CHECK_SECONDS,
            next_run_time=now,
            id="digest",
        )
        scheduler.add_job(
            self._check_leadership,
            "interval",
            seconds=LEADERSHIP_CHECK_SECONDS,
            executor="watch",
            id="leadership",
        )
        self.scheduler = scheduler
        if self.stopping.is_set():
            return
        scheduler.start()  # blocks until shutdown
        self.scheduler = None
        self.leadership.release()

    def _check_leadership(self) -> None:
        if not self.leadership.held() and self.scheduler is not None:
            self.scheduler.shutdown(wait=False)

    def _job(self, work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            with self.app.app_context():
                try:
                    work()
                except Exception as error:  # noqa: BLE001 (a job must not take the process down)
                    # The type only: a database error's text can carry the row's values.
                    log.error("%s failed: %s", work.__name__, type(error).__name__)
                finally:
                    db.session.remove()

        run.__name__ = work.__name__
        return run

    @staticmethod
    def sweep_and_deliver() -> None:
        today = jobs_today()
        report = sweep(today)
        log.info(
            "sweep %s: %d sent, %d skipped, %d emails",
            today.isoformat(),
            report.sent,
            report.skipped,
            report.emails,
        )
        SchedulerProcess.deliver()

    @staticmethod
    def deliver() -> None:
        report = deliver_outbox(utcnow())
        if report != type(report)():
            log.info(
                "delivery: %d sent, %d retrying, %d failed, %d superseded",
                report.sent,
                report.retrying,
                report.failed,
                report.superseded,
            )

    @staticmethod
    def digest() -> None:
        written = digest_due(datetime.now(LONDON), today=jobs_today())
        if written:
            log.info("digest: %d emails", written)


def run_scheduler(app: Flask) -> None:
    """The entry point: stand by or lead until SIGINT or SIGTERM."""
    process = SchedulerProcess(app)
    signal.signal(signal.SIGINT, process.stop)
    signal.signal(signal.SIGTERM, process.stop)
    process.run()
