"""A `Prepared` statement gives what SQLAlchemy's execution gives, on both databases, and is seen
by the engine's statement listeners (the reads-only guard among them)."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from sqlalchemy import bindparam, event, exc, func, insert, select, text, update
from sqlalchemy.orm import aliased

from casework.extensions import db as _db
from casework.models import Case, CaseRead, Clock
from casework.models.time import utcnow
from casework.services import transactions
from casework.services.json_rows import comma_list, json_rows
from casework.services.prepared import Prepared
from tests.conftest import POSTGRES_ADMIN_URL
from tests.factories import advance_case, make_case


@pytest.fixture
def case(business_manager, leads):
    case = make_case(business_manager)
    advance_case(case.id, business_manager, leads, "commissioning")  # several clocks, some met
    _db.session.execute(
        update(Case).where(Case.id == case.id).values(themes=["neglect", "exploitation"])
    )
    _db.session.commit()
    return case


def _statement():
    """Every kind of value the hot pages read: dates, a time, true and false, NULL, JSON, text
    and whole numbers, an aggregate as JSON text, a literal written into the statement."""
    every = aliased(Clock)
    return (
        select(
            Clock.id,
            Clock.kind,
            Clock.statutory,
            Clock.due_on,
            Clock.met_on,
            Clock.paused,
            Case.reference,
            Case.themes,
            Case.created_at,
            select(json_rows(every.id, every.due_on))
            .where(every.case_id == Case.id)
            .scalar_subquery()
            .label("all_clocks"),
            select(comma_list(every.kind))
            .where(every.case_id == Case.id)
            .scalar_subquery()
            .label("kinds"),
        )
        .join(Case, Case.id == Clock.case_id)
        .where(Case.id == bindparam("case_id"), Clock.seq >= 0, Case.state != "nothing")
        .order_by(Clock.id)
    )


def test_the_rows_are_sqlalchemys_rows(case):
    statement = _statement()
    expected = [tuple(row) for row in _db.session.execute(statement, {"case_id": case.id})]
    prepared = Prepared(statement)
    rows = prepared.rows({"case_id": case.id})
    assert len(rows) >= 2
    assert [tuple(row) for row in rows] == expected
    first = rows[0]
    assert all(isinstance(row.due_on, date) for row in rows)
    assert {row.met_on is None for row in rows} == {True, False}
    assert first.statutory is True and first.paused is False  # the notification clock
    assert first.themes == ["neglect", "exploitation"]
    assert first.created_at == case.created_at
    assert sorted(first.kinds.split(",")) == sorted(row.kind for row in rows)
    # Run again (compiled once): the same; another case's parameters: its own rows (none).
    assert [tuple(row) for row in prepared.rows({"case_id": case.id})] == expected
    assert prepared.rows({"case_id": case.id + 1000}) == []


def test_one_row_or_an_error_as_sqlalchemys_one(case):
    one = Prepared(select(Case.reference).where(Case.id == bindparam("case_id")))
    assert one.one({"case_id": case.id}).reference == case.reference
    with pytest.raises(exc.NoResultFound):
        one.one({"case_id": case.id + 1000})
    with pytest.raises(exc.MultipleResultsFound):
        Prepared(select(Clock.id).where(Clock.case_id == bindparam("case_id"))).one(
            {"case_id": case.id}
        )


def test_an_insert_gives_its_row_count_and_writes_in_the_sessions_transaction(
    case, business_manager
):
    record = Prepared(
        insert(CaseRead.__table__).from_select(
            ["case_id", "user_id", "read_at", "via"],
            select(
                Case.id,
                bindparam("reader"),
                bindparam("at", type_=CaseRead.read_at.type),
                bindparam("via"),
            ).where(Case.id == bindparam("case_id")),
        )
    )
    values = {"reader": business_manager.id, "at": utcnow(), "via": "web"}
    assert record.count({**values, "case_id": case.id}) == 1
    assert record.count({**values, "case_id": case.id + 1000}) == 0
    _db.session.rollback()  # the same transaction as the session's: gone with it
    reads = select(func.count()).select_from(CaseRead).where(CaseRead.case_id == case.id)
    assert _db.session.scalar(reads) == 0
    record.count({**values, "case_id": case.id})
    _db.session.commit()
    assert _db.session.scalar(reads) == 1


def test_the_engines_listeners_see_each_statement(case):
    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(("before", statement.split()[0], parameters))

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append(("after", statement.split()[0], parameters))

    event.listen(_db.engine, "before_cursor_execute", before)
    event.listen(_db.engine, "after_cursor_execute", after)
    try:
        Prepared(select(Case.reference).where(Case.id == bindparam("case_id"))).one(
            {"case_id": case.id}
        )
    finally:
        event.remove(_db.engine, "before_cursor_execute", before)
        event.remove(_db.engine, "after_cursor_execute", after)
    assert [(when, word) for when, word, _ in seen] == [("before", "SELECT"), ("after", "SELECT")]
    assert case.id in (seen[0][2].values() if isinstance(seen[0][2], dict) else seen[0][2])


def test_a_write_in_a_reads_only_request_is_refused(case):
    write = Prepared(update(Case).where(Case.id == bindparam("case_id")).values(summary="Changed"))
    transactions.reads_only()
    try:
        with pytest.raises(transactions.WriteInReadsOnlyRequest):
            write.count({"case_id": case.id})
    finally:
        transactions.end_reads_only()
    _db.session.expire_all()
    assert _db.session.get(Case, case.id).summary != "Changed"


def test_a_database_error_is_sqlalchemys(db):
    with pytest.raises(exc.DBAPIError):
        Prepared(text("SELECT no_such_column FROM cases")).count()
    _db.session.rollback()


def test_a_statement_whose_sql_changes_with_its_values_is_refused(db):
    with pytest.raises(TypeError, match="change its SQL"):
        Prepared(select(Case.id).where(Case.id.in_(bindparam("ids", expanding=True)))).rows(
            {"ids": [1, 2]}
        )
    with pytest.raises(TypeError, match="distinct names"):
        Prepared(select(Case.id, Clock.id).join(Clock, Clock.case_id == Case.id)).rows()


def test_values_go_in_as_sqlalchemy_writes_them(case):
    # A list for a JSON column: neither driver takes it as it is.
    change = Prepared(
        update(Case)
        .where(Case.id == bindparam("case_id"))
        .values(themes=bindparam("themes", type_=Case.themes.type))
    )
    assert change.count({"case_id": case.id, "themes": ["online harm"]}) == 1
    _db.session.commit()
    _db.session.expire_all()
    assert _db.session.get(Case, case.id).themes == ["online harm"]


def test_a_lost_connection_is_replaced_as_sqlalchemy_would(case, backend):
    reference = Prepared(select(Case.reference).where(Case.id == bindparam("case_id")))
    reference.one({"case_id": case.id})
    if backend == "postgresql":  # a server that ends the connection (a restart, a failover)
        pid = _db.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    else:  # SQLite has no server: the driver's connection closed under the pool
        _db.session.connection().connection.dbapi_connection.close()
    with pytest.raises(exc.DBAPIError) as raised:
        reference.one({"case_id": case.id})
    assert raised.value.connection_invalidated
    _db.session.rollback()
    # The next statement has a working connection.
    assert reference.one({"case_id": case.id}).reference == case.reference
