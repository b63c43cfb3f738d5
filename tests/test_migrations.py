"""Migrations: one head, upgrade from empty to head, and no difference from the models."""

from datetime import date, datetime

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text

from casework.extensions import db as _db
from casework.models import Alert, AlertClaim, CaseReadTotal, Clock, OutboxMessage
from casework.services.alerts import sweep
from tests.factories import make_case, make_partnership, make_user


def test_one_head_and_numbered_revisions(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        script = ScriptDirectory.from_config(config)
        assert len(script.get_heads()) == 1
        for revision in script.walk_revisions():
            assert revision.revision.isdigit() and len(revision.revision) == 4


def test_upgrade_from_empty_gives_the_models_schema(app, db):
    # The session fixture already migrated this database from empty to head.
    with _db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_revision() is not None
        differences = compare_metadata(context, _db.metadata)
    assert differences == []
    tables = set(inspect(_db.engine).get_table_names())
    assert {"cases", "case_events", "clocks", "holds", "sign_offs", "users"} <= tables


def test_downgrade_to_base_and_back(app, db):
    flask_migrate.downgrade(revision="base")
    assert set(inspect(_db.engine).get_table_names()) <= {"alembic_version"}
    flask_migrate.upgrade()
    assert "cases" in inspect(_db.engine).get_table_names()


def test_migrating_down_and_up_keeps_the_rows_that_refer_to_copied_tables(app, db):
    """SQLite alters a table by copying it and dropping the old one: with foreign keys enforced
    the drop would cascade to the rows that refer to it (the alert ledger, alerts, the outbox)."""
    manager = make_user(make_partnership("Migrated", "MIG"), "business_manager")
    make_case(manager)
    sweep(date(2023, 3, 6), now=datetime(2023, 3, 6, 7, 0))  # a rung claimed: rows refer to it

    def counts():
        _db.session.expire_all()
        return [
            _db.session.scalar(select(func.count()).select_from(model))
            for model in (Clock, AlertClaim, Alert, OutboxMessage)
        ]

    before = counts()
    assert all(before)
    _db.session.commit()
    flask_migrate.downgrade(revision="0004")
    flask_migrate.upgrade()
    assert counts() == before
    if _db.engine.dialect.name == "sqlite":  # enforced again on every pooled connection
        connections = [_db.engine.connect() for _ in range(3)]
        try:
            for connection in connections:
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        finally:
            for connection in connections:
                connection.close()


def test_reads_made_before_the_totals_existed_are_totalled(app, db):
    manager = make_user(make_partnership("Read before", "RDB"), "business_manager")
    lead = make_user(manager.partnership, "partner_lead", partner="police")
    case = make_case(manager)
    _db.session.commit()
    flask_migrate.downgrade(revision="0005")
    reads = [
        (manager.id, datetime(2023, 3, 6, 9, 0)),
        (manager.id, datetime(2023, 3, 8, 16, 30)),
        (manager.id, datetime(2023, 3, 7, 11, 15)),
        (lead.id, datetime(2023, 3, 7, 10, 0)),
    ]
    with _db.engine.begin() as connection:
        connection.execute(text("DELETE FROM case_reads"))  # opening the case read it too
        for user_id, at in reads:
            connection.execute(
                text(
                    "INSERT INTO case_reads (case_id, user_id, read_at, via) "
                    "VALUES (:case, :user, :at, 'web')"
                ),
                {"case": case.id, "user": user_id, "at": at},
            )
    flask_migrate.upgrade()
    totals = _db.session.execute(
        select(CaseReadTotal.user_id, CaseReadTotal.reads, CaseReadTotal.last_read_at)
        .where(CaseReadTotal.case_id == case.id)
        .order_by(CaseReadTotal.user_id)
    ).all()
    assert [tuple(row) for row in totals] == sorted(
        [(manager.id, 3, datetime(2023, 3, 8, 16, 30)), (lead.id, 1, datetime(2023, 3, 7, 10, 0))]
    )


def _kept_and_counted() -> list[tuple[int, int, int]]:
    """(partnership, kept number, count of its cases) for every partnership with a number."""
    from casework.models import Case, CaseCount

    _db.session.expire_all()
    counted = (
        select(func.count())
        .select_from(Case)
        .where(Case.partnership_id == CaseCount.partnership_id)
    )
    rows = _db.session.execute(
        select(CaseCount.partnership_id, CaseCount.cases, counted.scalar_subquery()).order_by(
            CaseCount.partnership_id
        )
    )
    return [tuple(row) for row in rows]


def test_cases_opened_before_the_kept_count_existed_are_counted(app, db):
    manager = make_user(make_partnership("Counted before", "CNT"), "business_manager")
    other = make_user(make_partnership("Counted too", "CNU"), "business_manager")
    for opener in (manager, manager, other):
        make_case(opener)
    _db.session.commit()
    flask_migrate.downgrade(revision="0008")
    flask_migrate.upgrade()
    assert _kept_and_counted() == [
        (manager.partnership_id, 2, 2),
        (other.partnership_id, 1, 1),
    ]


def test_the_kept_count_follows_every_writer_of_cases(app, db):
    """The triggers keep it: the services, a bulk INSERT ... SELECT, a hand-run DELETE, and a
    case moved to another partnership (which the product never does)."""
    manager = make_user(make_partnership("Counted", "CNT"), "business_manager")
    other = make_user(make_partnership("Counted too", "CNU"), "business_manager")
    first = make_case(manager)
    make_case(manager)
    assert _kept_and_counted() == [(manager.partnership_id, 2, 2)]

    columns = (
        "partnership_id, reference, nature, state, state_entered_on, incident_on, la_aware_on,"
        " sign_off_round, created_at, updated_at, created_by_id, version_id"
    )
    copy = (
        f"INSERT INTO cases ({columns}) SELECT {columns.replace('reference', 'reference || :tag')}"
        " FROM cases WHERE partnership_id = :partnership"
    )
    with _db.engine.begin() as connection:
        connection.execute(text(copy), {"tag": "-a", "partnership": manager.partnership_id})
        connection.execute(text(copy), {"tag": "-b", "partnership": manager.partnership_id})
    assert _kept_and_counted() == [(manager.partnership_id, 8, 8)]

    with _db.engine.begin() as connection:
        connection.execute(
            text("UPDATE cases SET partnership_id = :other WHERE id = :id"),
            {"other": other.partnership_id, "id": first.id},
        )
        connection.execute(
            text("DELETE FROM cases WHERE reference LIKE '%-b' AND partnership_id = :partnership"),
            {"partnership": manager.partnership_id},
        )
    assert _kept_and_counted() == [(manager.partnership_id, 3, 3), (other.partnership_id, 1, 1)]


def test_truncating_the_cases_forgets_their_numbers(app, db, backend):
    """PostgreSQL's TRUNCATE fires no DELETE trigger (SQLite has no TRUNCATE: DELETE it is)."""
    manager = make_user(make_partnership("Counted", "CNT"), "business_manager")
    make_case(manager)
    _db.session.commit()
    emptying = "TRUNCATE cases CASCADE" if backend == "postgresql" else "DELETE FROM cases"
    with _db.engine.begin() as connection:
        if backend == "sqlite":
            for table in ("case_read_totals", "case_reads", "case_events", "clocks"):
                connection.execute(text(f"DELETE FROM {table}"))
        connection.execute(text(emptying))
    assert _kept_and_counted() in ([], [(manager.partnership_id, 0, 0)])
