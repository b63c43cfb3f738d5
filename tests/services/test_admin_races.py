"""Two admins changing each other at the same moment: the partnership keeps an active admin."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from casework.extensions import db as _db
from casework.models import AdminChange, User
from casework.services import admin_users
from casework.services.errors import NotPermitted
from tests.factories import make_user
from tests.locks import waiting_for_a_lock_or_done

DEMOTE = ("change_role", {"role": "business_manager"})
DEACTIVATE = ("set_user_active", {"active": False})


def _apply(actor: User, target_id: int, change: tuple[str, dict]) -> None:
    name, arguments = change
    getattr(admin_users, name)(actor, target_id, **arguments)


def _first_holds_while_second_runs(app, backend, monkeypatch, first, second) -> dict:
    """Run `first` up to the point where it records its change (its checks done), hold it
    there until `second` has started and waits or finished, then let it commit. Each is
    (name, actor id, target id, change). Returns each one's outcome: "done" or the error."""
    holding, release = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}
    record_change = admin_users.record_change

    def record_and_hold(*args, **kwargs):
        record_change(*args, **kwargs)
        if threading.current_thread().name == first[0] and not holding.is_set():
            holding.set()
            release.wait(timeout=10)

    monkeypatch.setattr(admin_users, "record_change", record_and_hold)

    def run(name: str, actor_id: int, target_id: int, change: tuple[str, dict]) -> None:
        with app.app_context():
            actor = _db.session.get(User, actor_id)  # loaded first, as a request loads it
            try:
                _apply(actor, target_id, change)
                outcomes[name] = "done"
            except Exception as error:  # noqa: BLE001 (the test asserts which)
                outcomes[name] = error
            finally:
                _db.session.remove()

    one = threading.Thread(target=run, args=first, name=first[0])
    one.start()
    assert holding.wait(timeout=10)
    two = threading.Thread(target=run, args=second, name=second[0])
    two.start()
    waiting_for_a_lock_or_done(app, backend, two)
    release.set()
    one.join(timeout=15)
    two.join(timeout=15)
    assert not one.is_alive() and not two.is_alive()
    return outcomes


def active_admins(partnership) -> int:
    _db.session.expire_all()
    return _db.session.scalar(
        select(func.count(User.id)).where(
            User.partnership_id == partnership.id, User.role == "admin", User.active.is_(True)
        )
    )


@pytest.mark.parametrize(
    ("first_change", "second_change"),
    [(DEMOTE, DEMOTE), (DEACTIVATE, DEACTIVATE), (DEMOTE, DEACTIVATE), (DEACTIVATE, DEMOTE)],
    ids=["demote-demote", "deactivate-deactivate", "demote-deactivate", "deactivate-demote"],
)
def test_two_admins_changing_each_other_at_once_leave_one_admin(
    app, backend, monkeypatch, partnership, admin_user, first_change, second_change
):
    other_admin = make_user(partnership, "admin")
    outcomes = _first_holds_while_second_runs(
        app,
        backend,
        monkeypatch,
        ("first", admin_user.id, other_admin.id, first_change),
        ("second", other_admin.id, admin_user.id, second_change),
    )
    assert outcomes["first"] == "done"
    assert isinstance(outcomes["second"], NotPermitted), outcomes
    assert active_admins(partnership) == 1
    stored = _db.session.scalars(select(AdminChange.actor_id)).all()
    assert stored == [admin_user.id]  # the refused change left no history behind


def test_an_admin_changing_someone_else_waits_and_then_goes_ahead(
    app, backend, monkeypatch, partnership, admin_user, panel_member
):
    """Taking turns refuses nothing that is still allowed once the other change is in."""
    other_admin = make_user(partnership, "admin")
    outcomes = _first_holds_while_second_runs(
        app,
        backend,
        monkeypatch,
        ("first", admin_user.id, panel_member.id, DEACTIVATE),
        ("second", other_admin.id, panel_member.id, ("change_role", {"role": "reviewer"})),
    )
    assert outcomes == {"first": "done", "second": "done"}
    _db.session.expire_all()
    stored = _db.session.get(User, panel_member.id)
    assert (stored.role, stored.active) == ("reviewer", False)
    assert active_admins(partnership) == 2


def test_taking_turns_rewrites_no_key_of_the_partnership(
    app, backend, monkeypatch, partnership, admin_user, panel_member
):
    """The turn is a write to the partnership's row. Setting its id to itself made SQLite
    delete and re-insert the row and search every table referring to it (6 ms with 120,000
    clocks); a plain column is rewritten in place. PostgreSQL takes FOR NO KEY UPDATE either
    way: a row that only refers to the partnership can be written meanwhile."""
    turns: list[tuple[str, object]] = []

    def watch(conn, cursor, statement, parameters, *args) -> None:
        if statement.lstrip().upper().startswith("UPDATE PARTNERSHIPS"):
            turns.append((statement, parameters))

    holding, release = threading.Event(), threading.Event()
    record_change = admin_users.record_change

    def record_and_hold(*args, **kwargs):
        record_change(*args, **kwargs)
        holding.set()
        release.wait(timeout=10)

    monkeypatch.setattr(admin_users, "record_change", record_and_hold)

    def change() -> None:
        with app.app_context():
            try:
                _apply(_db.session.get(User, admin_user.id), panel_member.id, DEACTIVATE)
            finally:
                _db.session.remove()

    sa_event.listen(_db.engine, "before_cursor_execute", watch)
    one = threading.Thread(target=change)
    try:
        one.start()
        assert holding.wait(timeout=10)  # the turn is taken and held
        if backend == "postgresql":
            with _db.engine.connect() as other:
                lock = "SELECT id FROM partnerships WHERE id = :id FOR {} NOWAIT"
                other.execute(text(lock.format("KEY SHARE")), {"id": partnership.id})
                with pytest.raises(OperationalError):  # lock_not_available: the turn is held
                    other.execute(text(lock.format("NO KEY UPDATE")), {"id": partnership.id})
    finally:
        release.set()
        one.join(timeout=15)
        sa_event.remove(_db.engine, "before_cursor_execute", watch)
    assert len(turns) == 1, turns
    if backend == "sqlite":
        statement, parameters = turns[0]
        with _db.engine.connect() as connection:
            steps = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        assert "FkCounter" not in {step[1] for step in steps}  # no referring table searched
