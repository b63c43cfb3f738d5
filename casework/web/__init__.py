"""The web pages, on the GOV.UK Design System.

`init_web(app)` wires the templates (ours first, then the GOV.UK macro packages), sign-in,
CSRF protection, the security headers, the error pages and the blueprints.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"


def init_web(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(TEMPLATES)),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)

    from casework.web import errors, govuk_chrome, page_rows, security, template_helpers

    security.init_security(app)  # sign-in, idle time-out, CSRF, headers: before the views
    errors.init_errors(app)
    template_helpers.init_template_helpers(app)
    govuk_chrome.init_govuk_chrome(app)
    page_rows.init_page_rows(app)

    from casework.web.access import access
    from casework.web.admin import admin
    from casework.web.agency_requests import agency_requests
    from casework.web.alerts import alerts
    from casework.web.auth import auth
    from casework.web.case_events import case_events
    from casework.web.cases import cases
    from casework.web.home import home
    from casework.web.rapid_review import rapid_review
    from casework.web.returns import returns

    for blueprint in (
        auth,
        home,
        cases,
        case_events,
        access,
        agency_requests,
        admin,
        alerts,
        rapid_review,
        returns,
    ):
        app.register_blueprint(blueprint)
