"""Giving and taking back access to a case (need-to-know grants).

Only business managers see this page: another partnership's case is a 404, anyone else a 403
(the services decide both). The page lists every grant, live or not, with a button to take
back each live one, and a form to give a panel member, reviewer or contributor access for a
purpose until a date. Taking back asks first: the button leads to a page that says what will
happen, whose red button takes the access back.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms.fields import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from casework.services.access import (
    case_for_grants,
    grant_access,
    grant_to_take_back,
    grantable_users,
    grants_for_case,
    revoke_access,
)
from casework.services.errors import Conflict, Invalid
from casework.services.wording import long_date
from casework.web.forms import GovDateField, radio_field
from casework.web.template_helpers import ROLE_NAMES

access = Blueprint("access", __name__, url_prefix="/cases/<int:case_id>/access")


class GrantForm(FlaskForm):
    user_id = radio_field("Who needs access?", {}, missing="Choose who needs access", coerce=int)
    purpose = StringField(
        "Purpose",
        validators=[
            DataRequired("Enter the purpose of the access"),
            Length(max=200, message="Purpose must be 200 characters or fewer"),
        ],
        description="For example, rapid review panel meeting on 14 March",
        widget=GovTextInput(),
        render_kw={
            "params": {
                "label": {"text": "Purpose", "classes": "govuk-label--s"},
                "classes": "govuk-!-width-two-thirds",
            }
        },
    )
    until_on = GovDateField(
        "Until when?",
        noun="the date the access ends",
        description="Access ends at the end of this day. For example, 31 3 2024",
    )


def _grant_form(people) -> GrantForm:
    form = GrantForm()
    form.user_id.choices = [
        SelectChoice(str(p.id), f"{p.name} ({ROLE_NAMES[p.role]}, {p.email})") for p in people
    ]
    return form


@access.route("", methods=["GET", "POST"])
def index(case_id: int):
    me = current_user._get_current_object()
    case = case_for_grants(me, case_id)  # 404 for a case not seen, 403 unless a manager
    people = grantable_users(me)
    form = _grant_form(people)
    problem = None
    if form.validate_on_submit():
        try:
            grant = grant_access(
                me, case_id, form.user_id.data, form.purpose.data, form.until_on.data
            )
        except Invalid as error:
            for name, message in error.fields.items():
                form[name].errors = [message]
        except Conflict as error:
            problem = error.message
        else:
            name = next(p.name for p in people if p.id == grant.user_id)
            flash(f"{name} has access to this case until {long_date(grant.until_on)}.", "success")
            return redirect(url_for("access.index", case_id=case_id))
    return render_template(
        "access/index.html",
        title=f"Who has access – {case.reference}",
        case=case,
        grants=grants_for_case(me, case),
        people=people,
        form=form,
        problem=problem,
    )


# Why a grant's confirmation page is not shown: it can no longer be taken back.
ALREADY = {"taken_back": "was already taken back", "expired": "has already ended"}


@access.route("/<int:grant_id>/revoke", methods=["GET", "POST"])
def revoke(case_id: int, grant_id: int):
    me = current_user._get_current_object()
    if request.method == "POST":
        person = revoke_access(me, case_id, grant_id)
        flash(f"{person.name} no longer has access to this case.", "success")
        return redirect(url_for("access.index", case_id=case_id))
    case, grant = grant_to_take_back(me, case_id, grant_id)  # refused as taking it back is
    if not grant.may_take_back:  # a page left open, or the address typed again
        flash(f"{grant.user_name}'s access to this case {ALREADY[grant.status]}.", "info")
        return redirect(url_for("access.index", case_id=case_id))
    return render_template(
        "access/revoke.html",
        title=f"Take back {grant.user_name}'s access to {case.reference}?",
        case=case,
        grant=grant,
    )
