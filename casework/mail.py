"""Outgoing email: the flask-mailman extension and the settings messages are written with.

Like `casework.extensions.db`, this is bound to the app in `create_app` and read by the
services through the application context, so no service reads the request or the app itself.
`init_app` refuses to start with mail settings that could never work: started anyway, every
delivery failed in the same way, and the first sign was mail that never came.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_mailman import Mail

mail = Mail()


class MailSettingError(ValueError):
    """A mail setting that could never work; the message names it and says what to set."""


@dataclass(frozen=True)
class MailSettings:
    base_url: str  # absolute links in messages: BASE_URL/cases/<id>
    message_id_domain: str  # the right-hand side of every Message-ID we make


def init_app(app: Flask) -> None:
    state = mail.init_app(app)
    _check_backend(state)
    base_url = app.config["BASE_URL"].rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        # Links in emails are made from it: without a scheme they are no links at all.
        raise MailSettingError(
            f"BASE_URL must be the address people open Casework at, starting http:// or "
            f"https:// (such as https://casework.example.org), not {base_url!r}."
        )
    app.extensions["casework_mail"] = MailSettings(base_url, parts.hostname)


def _check_backend(state) -> None:
    """What flask-mailman would otherwise refuse only when asked for a connection."""
    if state.use_tls and state.use_ssl:
        raise MailSettingError(
            "MAIL_USE_TLS and MAIL_USE_SSL cannot both be on: MAIL_USE_TLS upgrades a plain "
            "connection (usually port 587), MAIL_USE_SSL uses TLS from the start (usually "
            "port 465). Turn one off."
        )
    try:
        mail.import_backend(state.backend)
    except (ImportError, AttributeError):
        raise MailSettingError(
            f"MAIL_BACKEND {state.backend!r} is not a mail backend: use smtp, file, console, "
            "locmem or dummy, or the dotted path of a backend class."
        ) from None


def mail_settings() -> MailSettings:
    return current_app.extensions["casework_mail"]
