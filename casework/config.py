"""Configuration from the environment, with defaults that need nothing installed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


# Signs the session cookies of `make run` and the tests. Anyone can read it here, so anyone
# could forge a session signed with it: `create_app` refuses it outside development.
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105


def load_config(instance_path: str) -> dict[str, Any]:
    """Settings for `create_app`. `DATABASE_URL` picks the database (SQLite file by default)."""
    default_db = "sqlite:///" + str(Path(instance_path) / "casework.sqlite")
    url = os.environ.get("DATABASE_URL", default_db)
    # Heroku-style URLs name the old driver; SQLAlchemy wants the psycopg 3 dialect.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return {
        "DEVELOPMENT": os.environ.get("CASEWORK_ENV") == "development",
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY,
        "API_PAGE_SIZE": 50,
        # GOV.UK Frontend's fonts, CSS and JavaScript change only with a release.
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
        # Plain-http development (make run) cannot keep a Secure cookie; production must.
        "INSECURE_COOKIES": os.environ.get("CASEWORK_ENV") == "development",
        # Links in emails are absolute: the address people open Casework at.
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        # Email (flask-mailman). `smtp` unless MAIL_BACKEND says otherwise; `make run` picks
        # `file` (messages written to instance/mail/) so that nothing needs installing.
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "smtp"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "Casework <casework@localhost>"
        ),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", "20")),
        "MAIL_FILE_PATH": os.environ.get("MAIL_FILE_PATH", str(Path(instance_path) / "mail")),
        # The scheduler: the sweep runs every SWEEP_MINUTES (fractions allowed, for tests).
        "SWEEP_MINUTES": float(os.environ.get("SWEEP_MINUTES", "5")),
        "DELIVER_SECONDS": float(os.environ.get("DELIVER_SECONDS", "60")),
    }
