"""Migrations: one head, upgrade from empty to head, and no difference from the models."""

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from casework.extensions import db as _db


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
