"""A request helper that checks every page it fetches, as a user would meet it.

Each HTML page must have exactly one non-empty <title>, no duplicate ids, a CSRF token in
every POST form, and no server error. Titles are collected so a test can check that different
pages are told apart by their titles.
"""

from __future__ import annotations

import time
from collections import Counter
from html.parser import HTMLParser

from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import User

TITLES: dict[str, str] = {}  # endpoint path -> title, across a test session


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.titles: list[str] = []
        self.ids: list[str] = []
        self.forms: list[dict] = []  # {"method": ..., "has_csrf": ...}
        self.classes: dict[str, str] = {}  # id -> class attribute
        self.summary_links: list[str] = []  # the error summary's hrefs, in order
        self._in_title = False
        self._in_head = False
        self._in_summary_list = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
            self.classes[attributes["id"]] = attributes.get("class") or ""
        if tag == "ul" and "govuk-error-summary__list" in (attributes.get("class") or ""):
            self._in_summary_list = True
        elif tag == "a" and self._in_summary_list:
            self.summary_links.append(attributes.get("href") or "")
        if tag == "head":
            self._in_head = True
        elif tag == "title" and self._in_head:  # not an SVG's <title>
            self._in_title = True
            self.titles.append("")
        elif tag == "form":
            self.forms.append(
                {"method": (attributes.get("method") or "get").lower(), "has_csrf": False}
            )
        elif (
            tag == "input"
            and attributes.get("name") == "csrf_token"
            and attributes.get("value")
            and self.forms
        ):
            self.forms[-1]["has_csrf"] = True

    def handle_endtag(self, tag):
        if tag == "ul":
            self._in_summary_list = False
        elif tag == "title":
            self._in_title = False
        elif tag == "head":
            self._in_head = False

    def handle_data(self, data):
        if self._in_title:
            self.titles[-1] += data


def check_page(response) -> PageParser:
    assert response.status_code < 500, f"server error {response.status_code}"
    parser = PageParser()
    parser.feed(response.get_data(as_text=True))
    assert len(parser.titles) == 1 and parser.titles[0].strip(), "one non-empty <title>"
    duplicates = [i for i, n in Counter(parser.ids).items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    for form in parser.forms:
        if form["method"] == "post":
            assert form["has_csrf"], "a POST form without a CSRF token"
    return parser


def boxes_in_error(checked, date_id: str) -> list[str]:
    """Which boxes of the date input `date_id` carry GOV.UK's error style, in order, on a
    response the WebClient checked (or a PageParser fed some HTML)."""
    classes = getattr(checked, "page", checked).classes
    return [
        box
        for box in ("day", "month", "year")
        if "govuk-input--error" in classes[f"{date_id}-{box}"].split()
    ]


class WebClient:
    """A test client signed in as one user, checking every HTML page it gets."""

    def __init__(self, client, user=None):
        self.client = client
        self.user = user
        if user is not None:
            # A fresh session, as signing in would make: its generation as stored now (an
            # earlier client of the same person may have signed out since `user` was read).
            generation = _db.session.scalar(
                select(User.session_generation).where(User.id == user.id)
            )
            with client.session_transaction() as session:
                session["_user_id"] = f"{user.id}.{generation}"
                session["_fresh"] = True
                session["last_seen"] = time.time()

    def _checked(self, response):
        response.get_data()  # buffer the body, then release any file behind it
        response.close()
        if response.mimetype == "text/html" and not 300 <= response.status_code < 400:
            parser = check_page(response)
            response.page = parser
            response.title = " ".join(parser.titles[0].split())
        return response

    def _request(self, method: str, path: str, **kwargs):
        # A fresh app context per request, as in production: the test's own context (which
        # the factories use) would otherwise lend the request its `g`, where Flask-Login and
        # Flask-WTF cache the user and the CSRF token from one request to the next.
        with self.client.application.app_context():
            return self._checked(self.client.open(path, method=method, **kwargs))

    def get(self, path: str, **kwargs):
        return self._request("GET", path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self._request("POST", path, data=data, **kwargs)

    def csrf_token(self) -> str:
        # Any page of ours carries a token (the sign-out form); use it as a real browser would.
        with self.client.application.app_context():
            page = self.client.get("/")
            if page.status_code == 302:
                page = self.client.get("/sign-in")
        text = page.get_data(as_text=True)
        marker = 'name="csrf_token" type="hidden" value="'
        if marker not in text:
            marker = 'name="csrf_token" value="'
        start = text.index(marker) + len(marker)
        return text[start : text.index('"', start)]
