"""The CSRF token in a page's forms, signed once per session instead of on every page.

Flask-WTF signs the session's secret token afresh, with the time, on every request that shows
a form, and every signed-in page shows one (the sign-out button): about 1% of the case page.
Casework sets no age limit on a signed token (`WTF_CSRF_TIME_LIMIT` is None: a token lasts as
long as its session), so a token signed earlier in the session is exactly as good. The signed
form of recent sessions' tokens is kept in memory here and handed to Flask-WTF through `g`, where
it keeps the token it signed for the request. With an age limit configured Flask-WTF signs as
before.
"""

from __future__ import annotations

import threading

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

FIELD = "csrf_token"  # Flask-WTF's default field name and session key, which Casework keeps
KEPT = 4096  # sessions whose signed token is kept; the oldest goes first

_signed: dict[tuple[str | bytes, str], str] = {}
_lock = threading.Lock()


def csrf_token() -> str:
    """What Flask-WTF's `csrf_token()` gives a template, reusing an earlier signature."""
    config = current_app.config
    if config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return generate_csrf()
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    kept = _signed.get((secret, session.get(FIELD, "")))
    signs = FIELD not in g  # else Flask-WTF gives the token it signed earlier in the request
    if kept is not None and signs:
        setattr(g, FIELD, kept)
    token = generate_csrf()  # signs only if nothing was kept (and makes the session's token)
    raw = session.get(FIELD)
    # Kept only when signed here, for the session's token as it is now: a token signed
    # earlier in the request may be for a token the session has since replaced.
    if kept is None and signs and raw is not None:
        with _lock:
            _signed[(secret, raw)] = token
            if len(_signed) > KEPT:
                del _signed[next(iter(_signed))]
    return token
