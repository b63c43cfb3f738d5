"""Test fixtures. Every test that touches a database runs on SQLite and on PostgreSQL.

PostgreSQL is expected on 127.0.0.1:5432 with trust authentication (override with
TEST_POSTGRES_URL). Outside CI a missing PostgreSQL skips its half of the suite with a reason;
with CI=true it fails the run.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator

import flask_migrate
import psycopg
import pytest
from flask import Flask
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from casework import create_app
from casework.extensions import db as _db
from tests.factories import make_partnership, make_user

# The processes the tests start (the scheduler, `run_both`) are configured from the environment
# as in production, where a SECRET_KEY of one's own is required.
os.environ.setdefault("SECRET_KEY", uuid.uuid4().hex + uuid.uuid4().hex)

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql")


def _postgres_database() -> Iterator[str]:
    name = f"casework_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and is not reachable: {error}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashing():
    """Users are made by the dozen here: one hash iteration instead of scrypt's 0.14 s each."""
    fast = functools.partial(generate_password_hash, method="pbkdf2:sha256:1")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("casework.services.users.generate_password_hash", fast)
        patch.setattr("casework.services.auth.generate_password_hash", fast)
        yield


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path_factory.mktemp("sqlite") / "casework.sqlite")
    else:
        yield from _postgres_database()


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    application = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with application.app_context():
        flask_migrate.upgrade()
        _db.session.remove()
    yield application
    with application.app_context():
        _db.engine.dispose()


def _empty_all_tables() -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    if _db.engine.dialect.name == "postgresql":
        _db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            _db.session.execute(text(f"DELETE FROM {table}"))
    _db.session.commit()


@pytest.fixture
def db(app: Flask):
    """An app context on an empty database; emptied again afterwards."""
    with app.app_context():
        try:
            yield _db
        finally:
            _db.session.rollback()
            _empty_all_tables()
            _db.session.remove()


@pytest.fixture
def backend(app: Flask) -> str:
    with app.app_context():
        return _db.engine.dialect.name


@pytest.fixture
def partnership(db):
    return make_partnership("Northbridge Safeguarding Children Partnership", "NSCP")


@pytest.fixture
def other_partnership(db):
    return make_partnership("Southmoor Safeguarding Children Partnership", "SSCP")


@pytest.fixture
def business_manager(partnership):
    return make_user(partnership, "business_manager")


@pytest.fixture
def la_lead(partnership):
    return make_user(partnership, "partner_lead", partner="local_authority")


@pytest.fixture
def police_lead(partnership):
    return make_user(partnership, "partner_lead", partner="police")


@pytest.fixture
def health_lead(partnership):
    return make_user(partnership, "partner_lead", partner="health")


@pytest.fixture
def leads(la_lead, police_lead, health_lead):
    return {"local_authority": la_lead, "police": police_lead, "health": health_lead}


@pytest.fixture
def scrutineer(partnership):
    return make_user(partnership, "scrutineer")


@pytest.fixture
def admin_user(partnership):
    return make_user(partnership, "admin")


@pytest.fixture
def panel_member(partnership):
    return make_user(partnership, "panel_member")


@pytest.fixture
def other_manager(other_partnership):
    return make_user(other_partnership, "business_manager")


@pytest.fixture
def client(app: Flask, db):
    return app.test_client()


@pytest.fixture
def smtp_server(app: Flask):
    """A real SMTP server on 127.0.0.1, with the app's mail pointed at it for this test."""
    from tests.smtp import SmtpServer

    server = SmtpServer()
    server.start()
    state = app.extensions["mailman"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(state, "backend", "smtp")
        patch.setattr(state, "server", "127.0.0.1")
        patch.setattr(state, "port", server.port)
        patch.setattr(state, "use_tls", False)
        patch.setattr(state, "timeout", 5)
        try:
            yield server
        finally:
            server.stop()
