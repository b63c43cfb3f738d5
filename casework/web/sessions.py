"""Flask's signed-cookie sessions, with less work per request for the same cookie.

Every signed-in request rewrites the session cookie (the idle time-out counts from the last
request exactly), so reading and writing it are on every page's path. Flask builds a new
signing serializer for each of the two, and passes the session through its tagged JSON (which
walks every value looking for tuples, bytes and dates to tag) even though Casework's session
holds only text and numbers but for a moment when a flash message waits in it. Here the
serializer is built once per secret key, and a session of plain values goes through the
standard library's JSON; anything else, and every cookie read with a value that could be
tagged, goes through Flask's own as before. The cookie is the same: Flask reads ours and we read
Flask's.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface, session_json_serializer
from itsdangerous import URLSafeTimedSerializer

PLAIN = (str, int, float, bool, type(None))


class SessionJSON:
    def dumps(self, value: dict[str, Any]) -> str:
        if all(type(item) in PLAIN for item in value.values()):
            return json.dumps(value, separators=(",", ":"))
        return session_json_serializer.dumps(value)

    def loads(self, value: str) -> dict[str, Any]:
        data = json.loads(value)
        if isinstance(data, dict) and all(type(item) in PLAIN for item in data.values()):
            return data
        return session_json_serializer.loads(value)


class CookieSessions(SecureCookieSessionInterface):
    serializer = SessionJSON()

    def __init__(self) -> None:
        self._signing: tuple[tuple[Any, ...], URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._signing is None or self._signing[0] != keys:
            self._signing = (keys, super().get_signing_serializer(app))
        return self._signing[1]
