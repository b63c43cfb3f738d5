"""Start-up refuses settings that would make Casework unsafe."""

from __future__ import annotations

import pytest

from casework import create_app
from casework.config import DEVELOPMENT_SECRET_KEY


@pytest.mark.parametrize("secret", [None, "", DEVELOPMENT_SECRET_KEY])
def test_no_start_outside_development_without_a_secret_key_of_its_own(monkeypatch, secret):
    monkeypatch.delenv("CASEWORK_ENV", raising=False)
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_development_may_use_the_development_key(monkeypatch):
    monkeypatch.setenv("CASEWORK_ENV", "development")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY


def test_a_key_of_its_own_is_used(monkeypatch):
    monkeypatch.delenv("CASEWORK_ENV", raising=False)
    monkeypatch.setenv("SECRET_KEY", "a-long-random-value-kept-secret-0123456789")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == "a-long-random-value-kept-secret-0123456789"
