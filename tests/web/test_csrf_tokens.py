"""A page's CSRF token is signed once per session (casework/web/csrf_tokens.py): still one
token per session that the forms accept, another session's refused, and signed afresh when an
age limit is configured."""

from __future__ import annotations

import re
import time

import itsdangerous.timed

from tests.web.pages import WebClient

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _token(client: WebClient, path: str = "/") -> str:
    return TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def test_every_page_of_a_session_carries_a_token_its_forms_accept(
    web, business_manager, monkeypatch
):
    first = web(business_manager)
    token = _token(first, "/")
    # A minute later (by the signing clock) the same token: reused, not signed again.
    later = int(time.time()) + 60
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: later)
    assert _token(first, "/cases/") == token
    other = web(business_manager)  # another session of the same person
    assert _token(other, "/") != token
    # The other session's token is refused here, and this session's own accepted.
    refused = other.client.post("/sign-out", data={"csrf_token": token})
    assert refused.status_code == 400
    signed_out = first.client.post("/sign-out", data={"csrf_token": token})
    assert signed_out.status_code == 302
    assert signed_out.headers["Location"].startswith("/signed-out")


def test_with_an_age_limit_tokens_are_signed_afresh_and_old_ones_refused(
    app, web, business_manager, monkeypatch
):
    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 3600)
    client = web(business_manager)
    # The signing clock two hours on (the session's idle clock is another, and stays).
    started = int(time.time())
    signer = itsdangerous.timed.TimestampSigner
    monkeypatch.setattr(signer, "get_timestamp", lambda self: started)
    old = _token(client)
    monkeypatch.setattr(signer, "get_timestamp", lambda self: started + 7200)
    new = _token(client)
    assert new != old
    refused = client.client.post("/sign-out", data={"csrf_token": old})
    assert refused.status_code == 400  # older than the limit
    accepted = client.client.post("/sign-out", data={"csrf_token": new})
    assert accepted.status_code == 302


def test_a_token_signed_earlier_in_the_request_is_not_kept_for_the_sessions_new_token(app, db):
    """Flask-WTF keeps the token it signed for the request in `g`; if the session's token is
    replaced afterwards (a session cleared and begun again), that token is not kept for it."""
    from flask import g, session
    from flask_wtf.csrf import validate_csrf

    from casework.web.csrf_tokens import csrf_token

    with app.app_context(), app.test_request_context("/"):  # a request's own `g`
        session["csrf_token"] = "an earlier session's token"
        earlier = csrf_token()
        session["csrf_token"] = "this session's token"  # replaced after signing
        assert csrf_token() == earlier == g.csrf_token  # what Flask-WTF gives in the request
    with app.app_context(), app.test_request_context("/"):
        session["csrf_token"] = "this session's token"
        token = csrf_token()
        assert token != earlier
        validate_csrf(token)  # raises if it was not signed for this session's token
