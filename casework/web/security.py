"""Sign-in required by default, the 30-minute idle time-out, CSRF, and the security headers.

Order matters: the idle time-out runs before the CSRF check, so a form posted after the
time-out lands on the sign-in page with a banner saying why, not on a CSRF error.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, logout_user
from flask_wtf.csrf import CSRFProtect, validate_csrf
from wtforms.validators import ValidationError

from casework.request_checks import refusal
from casework.services import transactions
from casework.services.auth import load_user, sign_out_everywhere
from casework.web.sessions import CookieSessions

IDLE_LIMIT = timedelta(minutes=30)
# Reachable without signing in.
PUBLIC_ENDPOINTS = frozenset(
    {"auth.sign_in_page", "auth.invitation", "health.healthz", "static", "auth.signed_out"}
)
TIMED_OUT = "You were signed out because you were inactive for 30 minutes."

login_manager = LoginManager()
csrf = CSRFProtect()


def now() -> datetime:
    """The time for the idle check (a function, so tests can move the clock)."""
    return datetime.now(UTC)


def init_security(app: Flask) -> None:
    app.session_interface = CookieSessions()
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = not app.config.get("INSECURE_COOKIES")
    # A form's token lasts as long as its session (which ends after 30 idle minutes, or at
    # signing out), not Flask-WTF's default hour from the page's loading: someone typing a
    # long answer, kept signed in by the typing ping, would otherwise lose it at the hour.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)

    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.session_protection = "basic"

    app.before_request(_start_request)
    app.teardown_request(lambda _error: transactions.end_reads_only())
    csrf.init_app(app)  # after _start_request: see the module docstring
    from casework.api import api

    csrf.exempt(api)  # the API authenticates each request with a bearer token, not cookies
    app.after_request(_security_headers)


def signed_in_user():
    """The signed-in person themself rather than Flask-Login's `current_user` proxy, for a view
    to hand to a service: each attribute read through the proxy looks the person up again, and
    the case page's services read the person's role and ids a few dozen times."""
    return current_user._get_current_object()


def _is_public() -> bool:
    endpoint = request.endpoint or ""
    return endpoint in PUBLIC_ENDPOINTS or endpoint.startswith("api.")


def reads_only(view):
    """Declare a GET view that only reads (as do the hooks before it): its request runs
    outside a transaction on PostgreSQL, and any write in it is refused (see
    `services.transactions.reads_only`). For the pages on the hot path."""
    view.reads_only = True
    return view


def reads_and_records_reads(view):
    """As `reads_only`, for a page of case detail: it may also record its read (see
    `services.transactions.reads_only`)."""
    view.reads_only = transactions.RECORDS_READS
    return view


def _start_request():
    if request.endpoint == "static":
        return None  # the GOV.UK assets: public, and nobody's activity
    g.csp_nonce = secrets.token_urlsafe(16)
    declared = getattr(current_app.view_functions.get(request.endpoint), "reads_only", False)
    if declared and request.method in ("GET", "HEAD"):
        # Before the first statement: loading the person.
        transactions.reads_only(records_reads=declared == transactions.RECORDS_READS)
    if request.blueprint == "api":
        return None  # the API refuses bad text itself, once the token is checked
    why = refusal()
    if why:
        abort(400, description=why)
    if current_user.is_authenticated:
        seen = session.get("last_seen")
        moment = now()
        if seen is not None and moment - datetime.fromtimestamp(seen, UTC) > IDLE_LIMIT:
            if request.endpoint == "auth.sign_out" and _csrf_token_valid():
                # Signing out after the time-out still ends every copy of the session (only
                # with a valid token: another site must not sign people out everywhere).
                sign_out_everywhere(current_user)
            logout_user()
            session.clear()
            flash(TIMED_OUT, "timeout")
            if request.endpoint == "auth.keep_alive":
                return _nobody_to_keep_alive()
            return redirect(url_for("auth.sign_in_page", next=_next_target()))
        # Every request, so the limit counts from the last one exactly (stored once a minute,
        # someone was signed out up to a minute early).
        session["last_seen"] = moment.timestamp()
        # The unread count every page shows came with the person (`load_user`): asked while
        # rendering, after a service has committed, it would cost another transaction.
        g.unread_alerts = current_user.unread_alerts
        return None
    if _is_public() or request.endpoint is None:
        return None
    if request.endpoint == "auth.keep_alive":
        return _nobody_to_keep_alive()  # nothing was sent: no banner saying it was not saved
    if request.method != "GET":
        flash("Sign in again to continue. What you sent was not saved.", "timeout")
    return redirect(url_for("auth.sign_in_page", next=_next_target()))


def _nobody_to_keep_alive() -> Response:
    """The typing ping of someone no longer signed in: the page's script stops on it, and
    the person's next real request goes to sign-in (with the banner saying why)."""
    return empty_response(401)


def empty_response(status: int) -> Response:
    """A response with nothing in it, so no type either (and not a page)."""
    response = Response(status=status)
    del response.headers["Content-Type"]
    return response


def _csrf_token_valid() -> bool:
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


def _next_target() -> str | None:
    # Only come back to a page (never replay a POST), and only within this site.
    target = request.full_path if request.method == "GET" else request.referrer or ""
    if request.method != "GET" and target.startswith(request.host_url):
        target = "/" + target[len(request.host_url) :]
    return local_path(target.rstrip("?"))


def local_path(target: str | None) -> str | None:
    r"""`target` if it is a path on this site, else None: where to go after signing in.

    Browsers ignore tabs and line breaks in a URL and read a backslash as a slash, so
    "/\t/evil.example" or "/\evil.example" would leave the site though they start with one
    slash; anything with those, a scheme or a host is refused.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(character) < 32 or ord(character) == 127 for character in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _security_headers(response):
    nonce = getattr(g, "csp_nonce", "")
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; "
        "img-src 'self' data:; "
        "font-src 'self'; "
        "connect-src 'self'; "
        "object-src 'none'; "
        "base-uri 'none'; "
        "form-action 'self'; "
        "frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.blueprint != "api" and request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response
