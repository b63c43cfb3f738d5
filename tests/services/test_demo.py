"""The demonstration data: every role and state, clocks both ways, and safe to load again."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from casework.extensions import db as database
from casework.models import ROLES, Case, CaseEvent, Clock, Partnership, User
from casework.services import demo
from casework.services import users as user_service
from casework.services.clocks import status_clause
from casework.services.today import london_today
from casework.services.users import user_for_token
from workflows.calendar import add_working_days
from workflows.cases import NATURES, STATE_CHANGING_EVENTS, STATES
from workflows.themes import THEMES


def _quick_hash(password: str, method: str = "", salt_length: int = 16) -> str:
    return generate_password_hash(password, method="pbkdf2:sha256:1")


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    """Password hashes are slow on purpose; a dozen users need not be here."""
    monkeypatch.setattr(user_service, "generate_password_hash", _quick_hash)
    monkeypatch.setattr(demo, "generate_password_hash", _quick_hash)


def _token(summary: str) -> str:
    match = re.search(r'Bearer (\S+)" http://127\.0\.0\.1:5000/api/v1/cases', summary)
    assert match, summary
    return match.group(1)


def _count(model) -> int:
    return database.session.scalar(select(func.count()).select_from(model))


def _clocks(status: str, today: date) -> list[Clock]:
    return list(database.session.scalars(select(Clock).where(status_clause(status, today))))


def _check_loaded(today: date) -> None:
    assert _count(Partnership) == 1
    users = database.session.scalars(select(User)).all()
    assert {u.role for u in users} == set(ROLES)
    assert {u.partner for u in users if u.role == "partner_lead"} == {
        "local_authority",
        "police",
        "health",
    }
    assert len({u.agency_id for u in users if u.role == "agency_contributor"}) >= 3
    assert all(check_password_hash(u.password_hash, demo.DEMO_PASSWORD) for u in users)

    cases = database.session.scalars(select(Case)).all()
    assert {c.state for c in cases} == set(STATES)
    assert {c.nature for c in cases} == set(NATURES)
    overdue, running = _clocks("overdue", today), _clocks("running", today)
    assert {c.kind for c in overdue} >= {"notification", "rapid_review", "panel_response"}
    assert {c.kind for c in running} >= {"notification", "rapid_review", "publication"}
    assert any(c.open_hold and c.open_hold.reason == "criminal_proceedings" for c in cases)
    assert any(c.state == "rapid_review" and c.panel_response == "disagree" for c in cases)
    published = [c for c in cases if c.state == "learning" and c.published_on]
    assert published and all(c.pseudonym and c.themes for c in published)
    assert all(t in THEMES for c in published for t in c.themes)

    events = database.session.scalars(select(CaseEvent).join(Case)).all()
    assert all(e.case.la_aware_on <= e.on <= today for e in events)


def test_loads_people_in_every_role_and_cases_in_every_state_once(db):
    first = demo.load_demo_data()

    _check_loaded(london_today())
    for text in (
        "http://127.0.0.1:5000",
        "/api/v1",
        "/api/v1/openapi.json",
        demo.DEMO_PASSWORD,
        "demonstration only",
        *(f"{local}@{demo.DOMAIN}" for local, *_ in demo.USERS),
    ):
        assert text in first
    counts = [_count(m) for m in (Partnership, User, Case, CaseEvent)]

    second = demo.load_demo_data()

    assert [_count(m) for m in (Partnership, User, Case, CaseEvent)] == counts
    assert "nothing new was loaded" in second
    assert _token(second) != _token(first)
    for summary in (first, second):
        assert user_for_token(_token(summary)).email == demo.MANAGER_EMAIL


def test_loads_nothing_beside_another_partnership(db, business_manager):
    summary = demo.load_demo_data()

    assert "nothing was loaded" in summary
    assert (_count(Partnership), _count(User), _count(Case)) == (1, 1, 0)


@pytest.mark.parametrize(
    "today",
    [date(2025, 4, 22), date(2026, 12, 29)],
    ids=["after-easter-2025", "after-christmas-2026"],
)
def test_loads_whatever_today_is(db, today):
    demo.load_demo_data(today)

    _check_loaded(today)


def test_each_script_keeps_its_dates_in_order_and_not_after_today():
    for script in demo.CASES:
        offsets = [offset for _event, offset, _facts in script.steps]
        assert offsets == sorted(offsets), script.pseudonym
        assert all(0 < offset <= script.age for offset in offsets), script.pseudonym
        dated = [v for _e, _o, facts in script.steps for k, v in facts.items() if k.endswith("_on")]
        assert all(isinstance(v, int) and v > 0 for v in dated), script.pseudonym
        changes = [e for e, _o, _f in script.steps if e in STATE_CHANGING_EVENTS]
        if "publish" in changes:
            steps = {e: (o, f) for e, o, f in script.steps}
            advance_copy = steps["send_advance_copy"][0]
            assert steps["publish"][0] - advance_copy >= 7, script.pseudonym
            assert steps["schedule_publication"][1]["planned_on"] - advance_copy >= 7


def test_no_script_date_falls_after_today_even_on_a_weekend_or_bank_holiday():
    oldest = max(script.age for script in demo.CASES)
    for today in (date(2026, 1, 1) + timedelta(days=n) for n in range(365)):
        for age in (2, 8, oldest):
            aware = add_working_days(today, -age)
            assert aware <= add_working_days(aware, 1) <= add_working_days(aware, age) <= today
