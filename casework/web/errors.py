"""GOV.UK-style error pages (no stack traces), and JSON errors for the API's paths."""

from __future__ import annotations

import logging

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from casework.api.errors import json_http_error
from casework.services import transactions
from casework.services.errors import DomainError

log = logging.getLogger(__name__)

PAGES = {403: "errors/403.html", 404: "errors/404.html", 500: "errors/500.html"}


def init_errors(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(Exception, _unexpected)


def _csrf_error(error: CSRFError):
    if not current_user.is_authenticated:
        flash("Sign in again to continue. What you sent was not saved.", "timeout")
        return redirect(url_for("auth.sign_in_page"))
    return render_template("errors/csrf.html"), 400


def _http_error(error: HTTPException):
    if request.path.startswith("/api/"):
        return json_http_error(error)
    code = error.code or 500
    template = PAGES.get(code)
    page = render_template(template or "errors/generic.html", error=error)
    # Werkzeug's headers that the answer must keep (the `Allow` of a 405), not its HTML type.
    headers = [
        (name, value) for name, value in error.get_headers() if name.lower() != "content-type"
    ]
    return page, code, headers


def _domain_error(error: DomainError):
    """A domain error that no view caught: the page that matches its status."""
    if error.status in PAGES:
        return render_template(PAGES[error.status], message=error.message), error.status
    return render_template("errors/generic.html", error=error), error.status


def _unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    # A database error leaves PostgreSQL's transaction aborted: without this, the error page's
    # own reads (who is signed in, their unread alerts) failed too, and no page was shown.
    transactions.abandon()
    # Only the type: exception messages can carry personal data.
    log.error("Unhandled %s on %s %s", type(error).__name__, request.method, request.endpoint)
    if request.path.startswith("/api/"):
        return json_http_error(InternalServerError())
    return render_template("errors/500.html"), 500
