"""What every template can use: the CSP nonce, navigation, dates and the error summary."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode

from flask import Flask, g, request, url_for
from govuk_frontend_wtf.main import wtforms_errors

from casework.services.alerts import unread_alert_count
from casework.services.wording import clock_time, date_at_time, long_date
from casework.web.csrf_tokens import csrf_token
from casework.web.forms import GovDateField, date_items
from casework.web.security import signed_in_user

ROLE_NAMES = {
    "business_manager": "Business manager",
    "partner_lead": "Partner lead",
    "panel_member": "Panel member",
    "agency_contributor": "Agency contributor",
    "reviewer": "Independent reviewer",
    "scrutineer": "Independent scrutineer",
    "admin": "Administrator",
}


def init_template_helpers(app: Flask) -> None:
    app.context_processor(_context)
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(clock_time, "clock_time")
    app.add_template_filter(date_at_time, "date_at_time")
    app.add_template_filter(words, "words")
    app.add_template_global(error_summary, "error_summary")
    app.add_template_global(date_items, "date_items")
    app.add_template_global(fixed_url, "fixed_url")
    app.add_template_global(page_url, "page_url")


def words(code: str | None) -> str:
    """`rapid_review` -> `Rapid review`."""
    if not code:
        return ""
    text = code.replace("_", " ")
    return text[0].upper() + text[1:]


def error_summary(form) -> dict:
    """Params for govukErrorSummary; a date links to its first box at fault, for focus to land."""
    params = wtforms_errors(form)
    dates = {f.id: f for f in form if isinstance(f, GovDateField)}
    for item in params["errorList"]:
        field = dates.get(item["href"].lstrip("#"))
        if field is not None:
            item["href"] += f"-{field.boxes_at_fault()[0]}"
    return params


# Which navigation item a page belongs to: its endpoint, or else its blueprint's item.
SECTION_OF_BLUEPRINT = {
    "cases": "cases.index",
    "case_events": "cases.index",
    "access": "cases.index",
    "agency_requests": "cases.index",
    "rapid_review": "cases.index",
    "returns": "returns.index",
}
ADMIN_SECTIONS = (
    ("/admin/agencies", "admin.agencies"),
    ("/admin/settings", "admin.settings"),
    ("/admin/closure-days", "admin.settings"),
    ("/admin/history", "admin.history"),
    ("/admin/failed-messages", "admin.failed_messages"),
)


def _navigation() -> list[dict]:
    user = signed_in_user()  # once, not through the proxy for each question
    if not user.is_authenticated:
        return []
    items = [("home.index", "What needs doing")]
    if user.role == "agency_contributor":
        items.append(("returns.index", "Your agency's requests"))
    elif user.role != "admin":
        items.append(("cases.index", "Cases"))
    unread = g.get("unread_alerts")
    if unread is None:
        unread = unread_alert_count(user)
    items.append(("alerts.index", f"Alerts ({unread} unread)" if unread else "Alerts"))
    if user.role in ("admin", "business_manager"):
        items.append(("admin.users", "Users"))
    if user.role == "admin":
        items += [
            ("admin.agencies", "Agencies"),
            ("admin.settings", "Settings"),
            ("admin.history", "History"),
            ("admin.failed_messages", "Undelivered email"),
        ]
    endpoints = {endpoint for endpoint, _ in items}
    current = request.endpoint
    if current not in endpoints:
        current = SECTION_OF_BLUEPRINT.get(request.blueprint or "", current)
    if current not in endpoints and request.blueprint == "admin":
        current = next(
            (e for prefix, e in ADMIN_SECTIONS if request.path.startswith(prefix)), "admin.users"
        )
    return [
        {"href": fixed_url(endpoint), "text": text, "active": endpoint == current}
        for endpoint, text in items
    ]


def _context() -> dict:
    return {
        "cspNonce": getattr(g, "csp_nonce", None),
        "navigation": _navigation(),
        "role_names": ROLE_NAMES,
        # Over Flask-WTF's own, which its context processor (registered earlier) gives.
        "csrf_token": csrf_token,
    }


def fixed_url(endpoint: str, filename: str | None = None) -> str:
    """`url_for(endpoint)`, or a static file's URL, for an endpoint whose URL takes no values:
    every page has several (the style sheets, the navigation, sign out), and the answer
    depends only on where the application is mounted, so it is worked out once."""
    return _fixed_url(request.script_root, endpoint, filename)


def page_url(base: str, number: int, query: dict) -> str:
    """What `url_for(endpoint, page=number, **query)` gives for the page of a list at `base`
    (from `fixed_url`), written as Werkzeug writes it: url_for for each pagination link cost a
    twentieth of the case list."""
    items = [
        ("page", number),
        *((name, value) for name, value in query.items() if value is not None),
    ]
    return f"{base}?{urlencode(items, safe=WERKZEUG_SAFE)}"


WERKZEUG_SAFE = "!$'()*,/:;?@"  # what Werkzeug leaves unquoted in a query string


@lru_cache(maxsize=256)
def _fixed_url(script_root: str, endpoint: str, filename: str | None) -> str:
    return url_for(endpoint, filename=filename) if filename else url_for(endpoint)
