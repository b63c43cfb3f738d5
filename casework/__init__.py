"""Casework: serious child safeguarding incidents, from notification to closure."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from casework.config import DEVELOPMENT_SECRET_KEY, load_config
from casework.extensions import db, migrate
from casework.mail import init_app as mail_init_app


class DatabaseIdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):  # noqa: A002  (werkzeug's name)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    # The static folder is served at /assets: GOV.UK Frontend's CSS asks for /assets/fonts/...
    app = Flask(__name__, instance_relative_config=True, static_url_path="/assets")
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    _refuse_a_public_secret_key(app)

    # Ids in URLs stop at the database's integer range: a larger one is simply not found,
    # rather than an overflow error from PostgreSQL.
    app.url_map.converters["int"] = DatabaseIdConverter
    app.json.sort_keys = False  # keep fields in the order the API documents them
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    mail_init_app(app)
    from casework.review_templates import load_all

    load_all()  # refuse to start with a broken review template definition

    from casework import models  # noqa: F401  (registers the tables for Alembic)
    from casework.api import api
    from casework.cli import cli
    from casework.web import init_web
    from casework.web.health import health

    app.register_blueprint(api)
    app.register_blueprint(health)
    init_web(app)
    app.cli.add_command(cli)
    return app


def _refuse_a_public_secret_key(app: Flask) -> None:
    """Sessions are signed cookies: with the development key, which is in the source, anyone
    could sign one that says they are an admin. Only development and the tests may use it."""
    if app.config["DEVELOPMENT"] or app.config.get("TESTING"):
        return
    if app.config.get("SECRET_KEY") in (None, "", DEVELOPMENT_SECRET_KEY):
        raise RuntimeError(
            "SECRET_KEY is not set. Set it to a long random value, for example the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`, and keep it secret "
            "(or set CASEWORK_ENV=development to try Casework on your own machine)."
        )


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: enforce foreign keys, let readers and a writer work together, wait on locks."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
