"""Signing in and out, the lock-out, the idle time-out, cookies and security headers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.security import generate_password_hash

from casework.extensions import db as _db
from casework.web import security

PASSWORD = "correct horse battery staple"


@pytest.fixture
def manager(business_manager):
    business_manager.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
    _db.session.commit()
    return business_manager


def sign_in(client, email, password, next_path=None):
    url = "/sign-in" + (f"?next={next_path}" if next_path else "")
    return client.post(url, {"email": email, "password": password})


def signed_in_with_a_token(web, manager):
    """A browser signed in as the manager, a form token of theirs, and the moment it began."""
    browser = web()
    sign_in(browser, manager.email, PASSWORD)
    return browser, browser.csrf_token(), security.now()


def test_every_page_but_sign_in_needs_a_signed_in_user(web):
    anonymous = web()
    for path in ("/", "/cases/", "/admin/users"):
        response = anonymous.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in?next=")
    assert anonymous.get("/sign-in").status_code == 200
    assert anonymous.get("/healthz").status_code == 200
    assert anonymous.get("/assets/govuk/govuk-frontend.min.css").status_code == 200
    assert anonymous.client.get("/api/v1/cases").status_code == 401  # JSON, not a redirect


def test_signing_in_and_out(web, manager):
    browser = web()
    response = sign_in(browser, manager.email.upper(), PASSWORD, next_path="/cases/")
    assert response.status_code == 302 and response.headers["Location"] == "/cases/"
    home = browser.get("/")
    assert home.status_code == 200 and home.title == "What needs doing – Casework"
    assert manager.name in home.get_data(as_text=True)
    response = browser.post("/sign-out")
    assert response.headers["Location"] == "/signed-out"
    assert browser.get("/").status_code == 302


def copy_of_the_session(web, browser):
    """Another client holding a copy of `browser`'s session cookie, as a thief would."""
    thief = web()
    thief.client.set_cookie("session", browser.client.get_cookie("session").value)
    return thief


def test_signing_out_ends_a_copy_of_the_session_too(web, manager):
    browser = web()
    sign_in(browser, manager.email, PASSWORD)
    thief = copy_of_the_session(web, browser)
    assert thief.get("/").status_code == 200
    browser.post("/sign-out")
    assert thief.get("/").status_code == 302
    again = web()  # signing in again works, with a new session
    sign_in(again, manager.email, PASSWORD)
    assert again.get("/").status_code == 200 and thief.get("/").status_code == 302


def test_signing_out_after_the_time_out_still_ends_the_other_copies(web, manager, monkeypatch):
    browser = web()
    sign_in(browser, manager.email, PASSWORD)
    thief = copy_of_the_session(web, browser)
    token = browser.csrf_token()
    start = security.now()
    monkeypatch.setattr(security, "now", lambda: start + timedelta(minutes=20))
    assert thief.get("/").status_code == 200  # the copy is kept alive
    monkeypatch.setattr(security, "now", lambda: start + timedelta(minutes=45))
    with browser.client.application.app_context():
        browser.client.post("/sign-out", data={"csrf_token": token})
    assert thief.get("/").status_code == 302


def test_a_session_does_not_come_back_with_reactivation(web, manager, admin_user):
    from casework.services.admin_users import set_user_active

    browser = web()
    sign_in(browser, manager.email, PASSWORD)
    set_user_active(admin_user, manager.id, False)
    assert browser.get("/").status_code == 302
    set_user_active(admin_user, manager.id, True)
    assert browser.get("/").status_code == 302
    sign_in(browser, manager.email, PASSWORD)
    assert browser.get("/").status_code == 200


@pytest.mark.parametrize("session_id", ["²", "1²", "99999999999.0", "1.0.0", "", "x.0"])
def test_a_cookie_naming_no_user_that_can_exist_is_refused(web, manager, session_id):
    browser = web()
    with browser.client.session_transaction() as session:
        session["_user_id"] = session_id
        session["last_seen"] = security.now().timestamp()
    assert browser.get("/").status_code == 302


def test_asset_requests_ask_the_database_nothing(web, manager, app):
    from sqlalchemy import event

    browser = web()
    sign_in(browser, manager.email, PASSWORD)
    statements = []
    with app.app_context():
        engine = _db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert browser.get("/assets/govuk/govuk-frontend.min.css").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert statements == []


def test_a_cookie_naming_only_the_user_id_is_refused(web, manager):
    """The form before session generations: such cookies were signed before the change."""
    browser = web()
    with browser.client.session_transaction() as session:
        session["_user_id"] = str(manager.id)
        session["last_seen"] = security.now().timestamp()
    assert browser.get("/").status_code == 302


@pytest.mark.parametrize(
    "next_path",
    [
        "//evil.example.org/",
        "/%09/evil.example.org/phish",  # a tab, which browsers drop: //evil.example.org
        "/%0d%0a/evil.example.org",  # a line break (was a server error after signing in)
        "/%5Cevil.example.org",  # a backslash, which browsers read as a slash
        "https://evil.example.org/",
        "javascript:alert(1)",
    ],
)
def test_next_never_leaves_the_site(web, manager, next_path):
    response = sign_in(web(), manager.email, PASSWORD, next_path=next_path)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_next_keeps_a_page_of_the_site_with_its_query(web, manager):
    response = sign_in(web(), manager.email, PASSWORD, next_path="/cases/%3Fstate%3Dclosed")
    assert response.headers["Location"] == "/cases/?state=closed"


def test_the_same_message_whether_the_email_exists_or_not(web, manager):
    known = sign_in(web(), manager.email, "wrong password").get_data(as_text=True)
    unknown = sign_in(web(), "nobody@example.org", "wrong password").get_data(as_text=True)
    message = "Enter a correct email address and password."
    assert message in known and message in unknown
    assert known.count(message) == unknown.count(message)
    # Longer than any address can be: it did not fit the failures' column (a 500 on PostgreSQL).
    overlong = sign_in(web(), "a" * 400 + "@example.org", "wrong password")
    assert overlong.status_code == 200
    assert overlong.get_data(as_text=True).count(message) == known.count(message)


def test_five_failures_lock_the_email_for_15_minutes(web, manager, monkeypatch):
    browser = web()
    for _ in range(4):
        response = sign_in(browser, manager.email, "wrong")
        assert "Enter a correct email address and password." in response.get_data(as_text=True)
    fifth = sign_in(browser, manager.email, "wrong").get_data(as_text=True)
    assert "too many attempts" in fifth and "Wait 15 minutes" in fifth
    sixth = sign_in(browser, manager.email, PASSWORD)  # even the right password
    assert sixth.status_code == 200 and "too many attempts" in sixth.get_data(as_text=True)
    assert browser.get("/").status_code == 302

    from casework.services import auth

    later = auth.utcnow() + timedelta(minutes=15, seconds=1)
    monkeypatch.setattr(auth, "utcnow", lambda: later)
    assert sign_in(browser, manager.email, PASSWORD).status_code == 302


@pytest.mark.parametrize(("idle_minutes", "still_signed_in"), [(29, True), (31, False)])
def test_idle_time_out(web, manager, monkeypatch, idle_minutes, still_signed_in):
    browser = web()
    sign_in(browser, manager.email, PASSWORD)
    start = security.now()
    monkeypatch.setattr(security, "now", lambda: start + timedelta(minutes=idle_minutes))
    response = browser.get("/cases/")
    if still_signed_in:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response.headers["Location"] == "/sign-in?next=/cases/"
        page = browser.get(response.headers["Location"]).get_data(as_text=True)
        assert "inactive for 30 minutes" in page


def test_the_idle_time_counts_from_the_last_request(web, manager, monkeypatch):
    browser = web()
    sign_in(browser, manager.email, PASSWORD)
    start = security.now()
    monkeypatch.setattr(security, "now", lambda: start + timedelta(seconds=59))
    assert browser.get("/cases/").status_code == 200
    # 29 minutes 30 seconds after that request: 30 minutes 29 seconds after signing in.
    later = start + timedelta(seconds=59) + timedelta(minutes=29, seconds=30)
    monkeypatch.setattr(security, "now", lambda: later)
    assert browser.get("/cases/").status_code == 200


def test_typing_in_a_form_keeps_the_session_alive(web, manager, monkeypatch):
    """The pages' script posts to /session/keep-alive while someone types (at most once a
    minute): that restarts the idle count, so a long answer is not lost at 30 minutes."""
    browser, token, start = signed_in_with_a_token(web, manager)
    assert 'name="casework-keep-alive" content="/session/keep-alive"' in browser.get(
        "/cases/"
    ).get_data(as_text=True)

    def ping(at_minute: int, headers: dict) -> int:
        monkeypatch.setattr(security, "now", lambda: start + timedelta(minutes=at_minute))
        with browser.client.application.app_context():
            return browser.client.post("/session/keep-alive", headers=headers).status_code

    assert ping(20, {"X-CSRFToken": token}) == 204
    assert ping(40, {"X-CSRFToken": token}) == 204  # 20 minutes after the last: still in
    assert ping(45, {}) == 400  # a post like any other: no token, refused
    monkeypatch.setattr(security, "now", lambda: start + timedelta(minutes=74))
    assert browser.get("/cases/").status_code == 200  # 29 minutes after the last request
    monkeypatch.setattr(security, "now", lambda: start + timedelta(minutes=105))
    assert browser.get("/cases/").status_code == 302  # 31 minutes: signed out


def test_the_ping_of_someone_timed_out_says_so_once_and_adds_no_banners(web, manager, monkeypatch):
    """The first ping after the time-out ends the session (its banner waits for the next
    page); later pings, and pings from someone never signed in, are a bare 401: they sent
    nothing, so nothing says "what you sent was not saved", once per ping."""
    browser, token, start = signed_in_with_a_token(web, manager)
    monkeypatch.setattr(security, "now", lambda: start + timedelta(minutes=31))
    with browser.client.application.app_context():
        pings = [
            browser.client.post("/session/keep-alive", headers={"X-CSRFToken": token})
            for _ in range(4)
        ]
    assert [p.status_code for p in pings] == [401] * 4
    assert all(p.get_data() == b"" for p in pings)
    page = browser.get("/sign-in").get_data(as_text=True)
    assert page.count("govuk-notification-banner__heading") == 1
    assert "inactive for 30 minutes" in page and "not saved" not in page
    assert web().client.post("/session/keep-alive").status_code == 401


def test_a_form_token_outlives_flask_wtfs_hour_while_the_session_does(web, manager, monkeypatch):
    """Typing kept the session alive for 90 minutes: the answer's post must still be taken."""
    browser, token, start = signed_in_with_a_token(web, manager)
    for minute in (25, 50, 75, 90):
        monkeypatch.setattr(security, "now", lambda m=minute: start + timedelta(minutes=m))
        with browser.client.application.app_context():
            response = browser.client.post("/session/keep-alive", headers={"X-CSRFToken": token})
        assert response.status_code == 204, minute
    real_time = __import__("time").time
    monkeypatch.setattr("time.time", lambda: real_time() + 90 * 60)  # Flask-WTF's clock
    with browser.client.application.app_context():
        assert (
            browser.client.post("/session/keep-alive", headers={"X-CSRFToken": token}).status_code
            == 204
        )


def test_the_keep_alive_is_offered_only_to_someone_signed_in(web):
    page = web().get("/sign-in").get_data(as_text=True)
    assert "casework-keep-alive" not in page


def test_a_form_posted_after_the_time_out_lands_on_sign_in(web, manager, monkeypatch):
    browser, token, start = signed_in_with_a_token(web, manager)
    monkeypatch.setattr(security, "now", lambda: start + timedelta(minutes=31))
    with browser.client.application.app_context():
        response = browser.client.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "inactive for 30 minutes" in page


def test_two_messages_at_once_are_two_banners_with_their_own_ids(web, manager, monkeypatch):
    """Timed out (the typing ping found it), then the form posted: the sign-in page says both,
    and each banner's heading keeps an id of its own (the page check refuses duplicates)."""
    browser, token, start = signed_in_with_a_token(web, manager)
    monkeypatch.setattr(security, "now", lambda: start + timedelta(minutes=31))
    with browser.client.application.app_context():
        browser.client.post("/session/keep-alive", headers={"X-CSRFToken": token})
        response = browser.client.post("/cases/new", data={"csrf_token": token})
    page = browser.get(response.headers["Location"])  # checked: no duplicate ids
    text = page.get_data(as_text=True)
    assert "inactive for 30 minutes" in text and "What you sent was not saved" in text


def test_a_post_without_a_valid_csrf_token_is_refused_readably(web, manager):
    browser = web()
    sign_in(browser, manager.email, PASSWORD)
    with browser.client.application.app_context():
        response = browser.client.post("/sign-out", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert "This page has expired" in response.get_data(as_text=True)
    signed_out = web().client.post("/sign-out", data={})
    assert signed_out.status_code == 302 and signed_out.headers["Location"].startswith("/sign-in")


def test_cookies_and_security_headers(web, manager):
    browser = web()
    response = sign_in(browser, manager.email, PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    page = browser.get("/")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in page.get_data(as_text=True)
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "same-origin"


def test_error_pages_are_gov_uk_pages_without_traces(web, manager):
    browser = web()
    sign_in(browser, manager.email, PASSWORD)
    response = browser.get("/no-such-page")
    assert response.status_code == 404
    assert response.title == "Page not found – Casework"
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_database_error_while_saving_still_shows_the_gov_uk_error_page(web, manager, monkeypatch):
    """On PostgreSQL a failed statement aborts the transaction: the error page's own reads (who
    is signed in, the navigation) failed with it, and no page at all was shown."""
    from sqlalchemy import text

    from casework.web import cases as case_views

    def broken(*args, **kwargs):
        _db.session.execute(text("SELECT * FROM no_such_table"))

    monkeypatch.setattr(case_views, "open_case", broken)
    browser = web()
    sign_in(browser, manager.email, PASSWORD)
    form = {
        "nature": "death",
        "incident_on": ["27", "2", "2023"],
        "la_aware_on": ["1", "3", "2023"],
        "csrf_token": browser.csrf_token(),
    }
    with browser.client.application.app_context():  # unchecked: a 500 is what is expected
        response = browser.client.post("/cases/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "<title>Sorry, there is a problem with the service – Casework</title>" in page
    assert manager.name in page or "Sign out" in page  # still shown as signed in
    assert "no_such_table" not in page and "Traceback" not in page
