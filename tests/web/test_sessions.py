"""The session cookie (casework/web/sessions.py): the same cookie as Flask's own, read and written
with less work, and signed with whatever the secret key is now."""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface

from casework.web.sessions import CookieSessions

PLAIN = {"_user_id": "12.3", "_fresh": True, "last_seen": 1795000000.25, "csrf_token": "ab12"}
WITH_A_FLASH = {**PLAIN, "_flashes": [("success", "Case NSCP-2023-0001 is open.")]}


def test_flasks_cookies_are_read_and_ours_are_read_by_flask(app):
    ours, flasks = CookieSessions(), SecureCookieSessionInterface()
    for session in (PLAIN, WITH_A_FLASH):
        for writer, reader in ((flasks, ours), (ours, flasks)):
            cookie = writer.get_signing_serializer(app).dumps(dict(session))
            assert reader.get_signing_serializer(app).loads(cookie) == session


def test_a_new_secret_key_signs_with_the_new_key_and_reads_the_old_one_only_as_a_fallback(app):
    sessions = CookieSessions()
    old_cookie = sessions.get_signing_serializer(app).dumps(PLAIN)
    old_key, fallbacks = app.secret_key, app.config["SECRET_KEY_FALLBACKS"]
    try:
        app.secret_key = "a new secret key, long enough to sign with"
        app.config["SECRET_KEY_FALLBACKS"] = []
        serializer = sessions.get_signing_serializer(app)
        assert serializer.loads(serializer.dumps(PLAIN)) == PLAIN
        assert serializer.loads_unsafe(old_cookie)[0] is False  # signed with the old key
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert sessions.get_signing_serializer(app).loads(old_cookie) == PLAIN
    finally:
        app.secret_key, app.config["SECRET_KEY_FALLBACKS"] = old_key, fallbacks


def test_a_flash_message_survives_the_redirect(web, business_manager):
    client = web(business_manager)
    with client.client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved <everything>.")]
    page = client.get("/")
    assert "Saved &lt;everything&gt;." in page.get_data(as_text=True)
    assert "Saved" not in client.get("/").get_data(as_text=True)
