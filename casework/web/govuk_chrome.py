"""The GOV.UK header, service navigation and footer of every page, rendered once and reused.

They are the same on every page but for a few inputs (the home link, the navigation items and
which one is current), yet they were about half the time of a small page: the GOV.UK template
renders its header and footer twice per page (its wrappers call their content once to see if
it is empty, then again to print it), and the component macros are slow. The same GOV.UK
macros still make the markup; only their output is kept, keyed by everything that goes in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from flask import Flask
from markupsafe import Markup

COMPONENTS = "govuk_frontend_jinja/components"
SERVICE_NAME = "Casework"


def init_govuk_chrome(app: Flask) -> None:
    env = app.jinja_env

    def macro(component: str, name: str) -> Callable[[dict], Markup]:
        """A GOV.UK macro; in this autoescaping environment it returns Markup."""
        return getattr(env.get_template(f"{COMPONENTS}/{component}/macro.html").module, name)

    @lru_cache(maxsize=8)
    def header(home_url: str) -> Markup:
        return macro("header", "govukHeader")({"homepageUrl": home_url})

    @lru_cache(maxsize=1024)
    def service_navigation(home_url: str, items: tuple[tuple[str, str, bool], ...]) -> Markup:
        navigation = [{"href": h, "text": t, "active": active} for h, t, active in items]
        return macro("service-navigation", "govukServiceNavigation")(
            {"serviceName": SERVICE_NAME, "serviceUrl": home_url, "navigation": navigation}
        )

    @lru_cache(maxsize=1)
    def footer() -> Markup:
        return macro("footer", "govukFooter")({})

    def navigation_key(items: Iterable[dict]) -> tuple[tuple[str, str, bool], ...]:
        return tuple((i["href"], i["text"], bool(i.get("active"))) for i in items)

    app.add_template_global(header, "govuk_header")
    app.add_template_global(
        lambda home_url, items: service_navigation(home_url, navigation_key(items)),
        "govuk_service_navigation",
    )
    app.add_template_global(footer, "govuk_footer")
    # The two components any page may show (a flash message, a form's errors) under their
    # GOV.UK names for every template: imported in base.html, Jinja compared the template
    # globals at every render to see if the import needed a module of its own.
    for component, name in (
        ("notification-banner", "govukNotificationBanner"),
        ("error-summary", "govukErrorSummary"),
    ):
        app.add_template_global(macro(component, name), name)
