"""`templates/base.html` writes out the GOV.UK page template instead of extending it (for speed,
see its comment). Here it is held to what govuk-frontend-jinja's own `template.html` gives for
the same page, so an upgrade of the package that changes the template fails this test rather
than leaving Casework's pages behind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import flash, g, render_template_string
from flask_login import login_user
from jinja2 import ChoiceLoader, DictLoader

from casework.web.auth import SignInForm

# base.html as it was when it extended the GOV.UK template: the same blocks, filled the same way.
THROUGH_THE_GOVUK_TEMPLATE = (Path(__file__).parent / "govuk_template_reference.html").read_text()


PAGE = """{% extends "base.html" %}
{% block breadcrumbs %}<a href="/cases/" class="govuk-back-link">Back to cases</a>{% endblock %}
{% block page %}<h1 class="govuk-heading-l">{{ title }}</h1>{% endblock %}"""


def _render(app, *, user=None, flashes=(), form=None) -> str:
    with app.test_request_context("/cases/"):
        g.csp_nonce = "the-nonce"
        if user is not None:
            login_user(user)
        for category, message in flashes:
            flash(message, category)
        html = render_template_string(PAGE, title="A <page>", form=form)
    html = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', html)
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


def _through_the_govuk_template(app, **page) -> str:
    original = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"base.html": THROUGH_THE_GOVUK_TEMPLATE}), original]
    )
    app.jinja_env.cache.clear()
    try:
        return _render(app, **page)
    finally:
        app.jinja_env.loader = original
        app.jinja_env.cache.clear()


def _form_with_errors(app):
    with app.test_request_context("/sign-in", method="POST", data={}):
        form = SignInForm(meta={"csrf": False})
    form.email.errors = ["Enter your email address"]
    return form


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed out", "signed in"])
def test_the_written_out_template_is_the_govuk_templates_markup(
    app, db, business_manager, signed_in
):
    page = {
        "user": business_manager if signed_in else None,
        "flashes": [("success", "Saved."), ("timeout", "Signed out <after> a while.")],
        "form": _form_with_errors(app),
    }
    ours = _render(app, **page)
    assert ours == _through_the_govuk_template(app, **page)
    # The parts that vary were in it: the nonce, both banners, the error summary, the person.
    assert 'nonce="the-nonce"' in ours
    assert "govuk-notification-banner-title-2" in ours
    assert "govuk-error-summary" in ours
    assert "&lt;after&gt;" in ours and "A &lt;page&gt;" in ours
    assert ("Sign out" in ours) == signed_in


def test_a_page_without_a_nonce_has_a_script_without_one(app, db):
    with app.test_request_context("/sign-in"):
        html = render_template_string(PAGE, title="x", form=None)
    assert "<script>document.body.className" in html


def test_the_links_on_every_page_follow_where_the_application_is_mounted(app, db):
    client = app.test_client()
    for mounted, prefix in (("", ""), ("/casework", "/casework"), ("", "")):
        page = client.get("/sign-in", base_url=f"http://localhost{mounted}/")
        html = page.get_data(as_text=True)
        assert f'href="{prefix}/assets/govuk/govuk-frontend.min.css"' in html
        assert f'src="{prefix}/assets/casework.mjs"' in html
        assert f'href="{prefix}/sign-in" class="govuk-header__homepage-link"' in html
