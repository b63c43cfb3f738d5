"""Pages declared reads-only (`web.security.reads_only`): outside a transaction on PostgreSQL,
and any write in them refused."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import event, func, insert, select, text, update

from casework.extensions import db as _db
from casework.models import CaseRead, ClosureDay, Partnership
from casework.services import transactions
from casework.services.case_page_reads import read_case_page
from casework.services.transactions import WriteInReadsOnlyRequest
from tests.factories import make_case


def _statements(app, fetch) -> list[tuple[str, bool]]:
    """(first words, inside a transaction?) of each statement `fetch()` runs."""
    seen = []

    def record(conn, cursor, statement, *args):  # noqa: ANN001
        dbapi = conn.connection.dbapi_connection
        if conn.dialect.name == "postgresql":
            inside = dbapi.info.transaction_status.name != "IDLE"
        else:
            inside = dbapi.in_transaction
        seen.append((" ".join(statement.split()[:2]), inside))

    with app.app_context():
        engine = _db.engine
    event.listen(engine, "after_cursor_execute", record)
    try:
        assert fetch().status_code == 200
    finally:
        event.remove(engine, "after_cursor_execute", record)
    return seen


def test_the_pages_on_the_hot_path_hold_no_transaction_on_postgresql(
    app, web, business_manager, backend
):
    case = make_case(business_manager)
    browser = web(business_manager)
    home = _statements(app, lambda: browser.get("/"))
    listing = _statements(app, lambda: browser.get("/cases/"))
    page = _statements(app, lambda: browser.get(f"/cases/{case.id}"))

    assert home and listing
    # The case page's one write is the record of its read, a statement by itself.
    assert [words for words, _inside in page if not words.startswith("SELECT")] == ["INSERT INTO"]
    if backend == "postgresql":  # SQLite opens no transaction to read, either way
        assert not any(inside for _words, inside in home + listing + page)
    assert _db.session.scalar(select(func.count()).select_from(CaseRead)) == 1  # and kept


def test_a_page_that_records_reads_may_record_reads_and_nothing_else(
    app, db, business_manager, partnership
):
    case = make_case(business_manager)
    record = insert(CaseRead).values(
        case_id=case.id, user_id=business_manager.id, read_at=datetime(2026, 11, 27), via="web"
    )
    rename = update(Partnership).values(name="Renamed")
    transactions.reads_only()
    with pytest.raises(WriteInReadsOnlyRequest):  # a page that only reads records nothing
        _db.session.execute(record)
    transactions.end_reads_only()
    transactions.reads_only(records_reads=True)
    _db.session.execute(record)
    with pytest.raises(WriteInReadsOnlyRequest):
        _db.session.execute(rename)
    transactions.end_reads_only()
    assert _db.session.scalar(select(Partnership.name)) == partnership.name


def test_a_write_in_a_reads_only_request_is_refused_until_it_ends(app, db, partnership):
    """However it is sent: Core, the ORM's flush and bulk methods, text, the connection."""
    partnership_id, name = partnership.id, partnership.name
    writes = [
        lambda: _db.session.execute(
            insert(ClosureDay).values(partnership_id=partnership_id, day=date(2030, 1, 2), name="x")
        ),
        lambda: _db.session.execute(update(Partnership).values(name="Renamed")),
        lambda: _db.session.execute(text("UPDATE partnerships SET name = 'Renamed'")),
        # A common table expression may write (PostgreSQL), and may hide the write.
        lambda: _db.session.execute(
            text(
                "WITH renamed AS (UPDATE partnerships SET name = 'Renamed' RETURNING id)"
                " SELECT count(*) FROM renamed"
            )
        ),
        lambda: _db.session.connection().execute(update(Partnership).values(name="Renamed")),
        lambda: _db.session.bulk_insert_mappings(
            ClosureDay, [{"partnership_id": partnership_id, "day": date(2030, 1, 3), "name": "y"}]
        ),
    ]

    def flush():
        _db.session.add(ClosureDay(partnership_id=partnership_id, day=date(2030, 1, 4), name="z"))
        _db.session.flush()

    for write in [*writes, flush]:
        transactions.reads_only()  # as a request starts; it ends with the refusal
        with pytest.raises(WriteInReadsOnlyRequest):
            write()
        transactions.end_reads_only()
        _db.session.expunge_all()
    transactions.reads_only()
    assert _db.session.scalar(select(Partnership.name)) == name  # reads are fine
    named = select(Partnership.name, Partnership.id).cte("named")
    assert _db.session.scalar(select(named.c.name)) == name  # a CTE that reads too
    transactions.end_reads_only()
    _db.session.add(ClosureDay(partnership_id=partnership_id, day=date(2030, 1, 5), name="w"))
    _db.session.commit()
    assert _db.session.scalars(select(ClosureDay.name)).all() == ["w"]
    with _db.engine.connect() as connection:  # every pooled connection may write again
        assert not connection.info.get(transactions.READS_ONLY)


def test_a_page_declared_reads_only_that_writes_fails_and_writes_nothing(
    app, web, business_manager, monkeypatch
):
    from casework.web import home as home_views

    def writes(user, today):
        _db.session.execute(update(Partnership).values(name="Written by a page"))
        _db.session.commit()

    monkeypatch.setattr(home_views, "worklist", writes)
    browser = web(business_manager)
    with app.app_context():  # unchecked: a 500 is what is expected
        response = browser.client.get("/")
    assert response.status_code == 500
    _db.session.expire_all()
    assert _db.session.scalar(select(Partnership.name)) != "Written by a page"


def test_the_case_pages_read_alone_commits_without_waiting_for_the_disk(
    app, web, business_manager, backend
):
    """On PostgreSQL the read record, a transaction by itself, commits asynchronously (see
    services/case_page_reads.py); the setting ends with it, and anything else commits as
    before."""
    case = make_case(business_manager)
    sent = []

    def record(conn, cursor, statement, *args):  # noqa: ANN001
        sent.append(" ".join(statement.split()))

    with app.app_context():
        engine = _db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert web(business_manager).get(f"/cases/{case.id}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    (insert_statement,) = [s for s in sent if s.startswith("INSERT INTO case_reads")]
    assert ("set_config" in insert_statement) == (backend == "postgresql")
    if backend == "postgresql":
        with app.app_context():  # every connection in the pool, the page's among them
            connections = [_db.engine.connect() for _ in range(_db.engine.pool.size())]
            try:
                for connection in connections:
                    setting = connection.exec_driver_sql("SHOW synchronous_commit").scalar()
                    assert setting == "on"
            finally:
                for connection in connections:
                    connection.close()
    # Read inside a transaction (as a test, or any other caller, would): synchronous.
    sent.clear()
    event.listen(engine, "before_cursor_execute", record)
    try:
        read_case_page(business_manager, case.id, date.today())
    finally:
        event.remove(engine, "before_cursor_execute", record)
    _db.session.rollback()
    assert not any("set_config" in s for s in sent)
