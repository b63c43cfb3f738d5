"""The lock-out: five failures for an email within 15 minutes lock it for 15 minutes from the
fifth, whether the attempts come one by one or all at once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from casework.extensions import db as _db
from casework.models import SignInFailure, User
from casework.services import auth
from casework.services.auth import Locked, sign_in
from casework.services.errors import Invalid

PASSWORD = "correct horse battery staple"
START = datetime(2026, 11, 26, 9, 0)


@pytest.fixture
def manager(business_manager):
    business_manager.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
    _db.session.commit()
    return business_manager


def attempt(email: str, password: str, minutes: float) -> str:
    try:
        sign_in(email, password, now=START + timedelta(minutes=minutes))
    except Locked:
        return "locked"
    except Invalid:
        return "wrong"
    return "signed in"


def test_the_lock_lasts_15_minutes_from_the_fifth_failure(manager):
    outcomes = [attempt(manager.email, "wrong", m) for m in (0, 1, 2, 3, 14.5)]
    assert outcomes == ["wrong", "wrong", "wrong", "wrong", "locked"]
    # 15 minutes after the first failure the other four are still within 15 minutes of the
    # fifth: locked until 14.5 + 15 minutes, however few are left in the last 15 minutes.
    assert attempt(manager.email, PASSWORD, 15.5) == "locked"
    assert attempt(manager.email, PASSWORD, 29.4) == "locked"
    assert attempt(manager.email, PASSWORD, 29.6) == "signed in"


def test_failures_spread_over_more_than_15_minutes_do_not_lock(manager):
    outcomes = [attempt(manager.email, "wrong", m) for m in (0, 4, 8, 12, 16, 20)]
    assert "locked" not in outcomes
    assert attempt(manager.email, PASSWORD, 21) == "signed in"


def test_attempts_sent_together_are_counted_one_after_another(app, manager, monkeypatch):
    """Twelve guesses at once, the right one among them: each guess's password is checked
    before any failure is recorded (the slow part, as when they arrive together). Only five
    may be judged; the rest, the right password included, are refused as locked."""
    wrong_guesses = 11
    checked = threading.Barrier(wrong_guesses + 1, timeout=20)
    wrong_ones_done = threading.Event()
    real_check = auth.check_password_hash

    def check_then_wait(stored: str, password: str) -> bool:
        result = real_check(stored, password)
        checked.wait()  # every guess has been checked before any goes on
        if password == PASSWORD:
            wrong_ones_done.wait(timeout=20)  # the right guess is judged last
        return result

    monkeypatch.setattr(auth, "check_password_hash", check_then_wait)
    email = manager.email
    outcomes: list[str] = []

    def guess(password: str) -> None:
        with app.app_context():
            try:
                outcomes.append(attempt(email, password, 1))
            finally:
                _db.session.remove()

    wrong = [threading.Thread(target=guess, args=(f"guess {n}",)) for n in range(wrong_guesses)]
    right = threading.Thread(target=guess, args=(PASSWORD,))
    for thread in [*wrong, right]:
        thread.start()
    for thread in wrong:
        thread.join(timeout=30)
    wrong_ones_done.set()
    right.join(timeout=30)

    assert len(outcomes) == wrong_guesses + 1
    assert outcomes.count("signed in") == 0
    assert outcomes.count("wrong") == auth.MAX_FAILURES - 1  # the fifth says "locked"
    assert outcomes[-1] == "locked"  # the right password, judged after five failures
    failures = _db.session.scalar(select(func.count()).where(SignInFailure.email == email))
    assert failures == auth.MAX_FAILURES
    assert _db.session.get(User, manager.id).active
