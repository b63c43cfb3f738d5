"""Configuration from the environment, with defaults that need nothing installed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


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
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "dev-only-not-secret"),
        "API_PAGE_SIZE": 50,
        # Plain-http development (make run) cannot keep a Secure cookie; production must.
        "INSECURE_COOKIES": os.environ.get("CASEWORK_ENV") == "development",
    }
