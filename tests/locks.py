"""Two transactions at once in a test: wait until the second one waits for the first."""

from __future__ import annotations

import threading
import time

from flask import Flask
from sqlalchemy import text

from casework.extensions import db


def waiting_for_a_lock_or_done(app: Flask, backend: str, thread: threading.Thread) -> None:
    """Wait until `thread` waits for a lock (PostgreSQL) or has finished; SQLite: a moment."""
    if backend != "postgresql":
        thread.join(timeout=0.5)
        return
    with app.app_context():
        for _ in range(100):
            waiting = db.session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            db.session.rollback()
            if waiting or not thread.is_alive():
                return
            time.sleep(0.05)
    raise AssertionError("the second transaction neither waited nor finished")
