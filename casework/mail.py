"""Outgoing email: the flask-mailman extension and the settings messages are written with.

Like `casework.extensions.db`, this is bound to the app in `create_app` and read by the
services through the application context, so no service reads the request or the app itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_mailman import Mail

mail = Mail()


@dataclass(frozen=True)
class MailSettings:
    base_url: str  # absolute links in messages: BASE_URL/cases/<id>
    message_id_domain: str  # the right-hand side of every Message-ID we make


def init_app(app: Flask) -> None:
    mail.init_app(app)
    base_url = app.config["BASE_URL"].rstrip("/")
    domain = urlsplit(base_url).hostname or "casework.invalid"
    app.extensions["casework_mail"] = MailSettings(base_url, domain)


def mail_settings() -> MailSettings:
    return current_app.extensions["casework_mail"]
