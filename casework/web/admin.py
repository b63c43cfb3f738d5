"""Administration: users, agencies, the partnership's settings and the history of changes.

The users' pages are in `casework.web.admin_users`, on this blueprint.

Admins see every page here; business managers see the users and may invite people (the
services say whom). Everyone else gets a 403 on every page, GET or POST, before any form is
read. Each view calls the service that checks permission and scope itself; a service's field
errors go back beside the form's fields of the same name.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms.fields import RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice

from casework.services.admin import (
    add_agency,
    get_agency,
    list_agencies,
    list_changes,
    rename_agency,
    require_admin,
    require_administration,
    set_agency_active,
)
from casework.services.admin_settings import (
    NUMBERS,
    SETTING_NAMES,
    add_closure_day,
    get_settings,
    remove_closure_day,
    update_settings,
)
from casework.services.alerts import failed_messages as list_failed_messages
from casework.services.errors import Invalid, Refused
from casework.services.today import LONDON
from casework.services.wording import clock_time, long_date
from casework.web.forms import GovDateField

admin = Blueprint("admin", __name__, url_prefix="/admin")

ANCHORS = {
    "sin_submitted_on": "When the Serious Incident Notification is sent to the Panel",
    "la_aware_on": "When the local authority becomes aware of the incident",
}
SETTING_LABELS = {
    "rapid_review_anchor": "Rapid review clock starts",
    "rapid_review_days": "Rapid review",
    "panel_response_days": "Panel response",
    "agency_return_days": "Agency return",
    "reviewer_appointment_days": "Reviewer appointment",
    "terms_of_reference_days": "Terms of reference",
    "publication_months": "Publication",
    "pause_local_clocks_on_hold": "Local targets pause during a hold",
    "due_soon_days": "Due soon warning",
    "escalate_after_days": "Escalate when overdue by",
    "escalation_enabled": "Escalation to the partner leads",
    "digest_time": "Daily digest time",
}
SETTING_HINTS = {
    "rapid_review_days": "After the clock starts. National guidance: 15 working days.",
    "panel_response_days": "After the rapid review is sent, before chasing the Panel.",
    "agency_return_days": "For each agency request, unless the request says otherwise.",
    "reviewer_appointment_days": "After the decision to hold a local review.",
    "terms_of_reference_days": "After the decision to hold a local review.",
    "publication_months": "After the decision to hold a local review. Guidance: 6 months.",
    "due_soon_days": (
        "Before the due date. It must be shorter than each time above in working days (not "
        "the publication time, in months) and than the 5 working days to notify the Panel. "
        "0 warns on the last working day only."
    ),
    "escalate_after_days": "After the due date; escalations go to the three partner leads too.",
}
# How the history shows each field's name; the settings use their labels above.
FIELD_NAMES = {
    **SETTING_LABELS,
    "invited": "Invited",
    "invitation": "Invitation link",
    "role": "Role",
    "partner": "Statutory partner",
    "agency": "Agency",
    "active": "Active",
    "added": "Added",
    "removed": "Removed",
    "name": "Name",
}


@admin.before_request
def _administration_only():
    require_administration(current_user)  # NotPermitted: the 403 page, whatever was sent


def me():
    return current_user._get_current_object()


def show_errors(form: FlaskForm, error: Invalid) -> None:
    """The service's field errors beside the fields (a field's own error is kept)."""
    for name, message in error.fields.items():
        field = form._fields.get(name)
        if field is not None and not field.errors:
            field.errors = [message]
    if not any(name in form._fields for name in error.fields):
        flash(error.message, "error")


# Agencies --------------------------------------------------------------------------------


class AgencyForm(FlaskForm):
    name = StringField("Name of the agency", widget=GovTextInput())
    submit = SubmitField("Save", widget=GovSubmitInput())


@admin.get("/agencies")
def agencies():
    return render_template("admin/agencies.html", agencies=list_agencies(me()), title="Agencies")


@admin.route("/agencies/new", methods=["GET", "POST"])
def new_agency():
    require_admin(me())
    form = AgencyForm()
    if form.validate_on_submit():
        try:
            agency = add_agency(me(), form.name.data)
        except Invalid as error:
            show_errors(form, error)
        else:
            flash(f"{agency.name} is added.", "success")
            return redirect(url_for("admin.agencies"))
    return render_template("admin/agency_form.html", form=form, title="Add an agency")


@admin.route("/agencies/<int:agency_id>/rename", methods=["GET", "POST"])
def rename(agency_id: int):
    agency = get_agency(me(), agency_id)
    form = AgencyForm(data={"name": agency.name})
    old_name = agency.name
    if form.validate_on_submit():
        try:
            agency = rename_agency(me(), agency_id, form.name.data)
        except Invalid as error:
            show_errors(form, error)
        else:
            flash(f"{old_name} is now called {agency.name}.", "success")
            return redirect(url_for("admin.agencies"))
    return render_template(
        "admin/agency_form.html", form=form, agency_name=old_name, title=f"Rename {old_name}"
    )


@admin.post("/agencies/<int:agency_id>/deactivate")
def deactivate_agency(agency_id: int):
    agency = set_agency_active(me(), agency_id, False)
    flash(f"{agency.name} is deactivated: nobody new can be invited for it.", "success")
    return redirect(url_for("admin.agencies"))


@admin.post("/agencies/<int:agency_id>/reactivate")
def reactivate_agency(agency_id: int):
    agency = set_agency_active(me(), agency_id, True)
    flash(f"{agency.name} is active again.", "success")
    return redirect(url_for("admin.agencies"))


# Settings --------------------------------------------------------------------------------


def _number(name: str) -> StringField:
    return StringField(SETTING_LABELS[name], description=SETTING_HINTS[name], widget=GovTextInput())


class SettingsForm(FlaskForm):
    rapid_review_anchor = RadioField(
        "When does the rapid review clock start?",
        choices=[SelectChoice(value, text) for value, text in ANCHORS.items()],
        widget=GovRadioInput(),
        validate_choice=False,
    )
    rapid_review_days = _number("rapid_review_days")
    panel_response_days = _number("panel_response_days")
    agency_return_days = _number("agency_return_days")
    reviewer_appointment_days = _number("reviewer_appointment_days")
    terms_of_reference_days = _number("terms_of_reference_days")
    publication_months = _number("publication_months")
    pause_local_clocks_on_hold = RadioField(
        "Do local targets pause while a case is on hold?",
        description="Statutory clocks never pause.",
        choices=[
            SelectChoice("yes", "Yes, their due dates move later by the length of the hold"),
            SelectChoice("no", "No"),
        ],
        widget=GovRadioInput(),
        validate_choice=False,
    )
    due_soon_days = _number("due_soon_days")
    escalate_after_days = _number("escalate_after_days")
    escalation_enabled = RadioField(
        "Are escalated clocks also sent to the three partner leads?",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No, only to business managers")],
        widget=GovRadioInput(),
        validate_choice=False,
    )
    digest_time = StringField(
        "Daily digest time",
        description="Each working day, in UK time, as HH:MM. For example, 07:30",
        widget=GovTextInput(),
    )
    submit = SubmitField("Save settings", widget=GovSubmitInput())


# The session key for a closure day's refused removal, until the settings page shows it.
REFUSED_REMOVAL = "refused_closure_removal"


class ClosureDayForm(FlaskForm):
    day = GovDateField(
        "Date",
        noun="the date of the closure day",
        description="Today or a later date. For example, 24 12 2030",
    )
    name = StringField("Name", description="For example, Christmas closure", widget=GovTextInput())
    submit = SubmitField("Add closure day", widget=GovSubmitInput())


@admin.route("/settings", methods=["GET", "POST"])
def settings():
    current = get_settings(me())
    values = {name: str(value) for name, value in current.values.items()}
    for name in ("pause_local_clocks_on_hold", "escalation_enabled"):
        values[name] = "yes" if current.values[name] else "no"
    form = SettingsForm(data=values)
    if form.validate_on_submit():
        try:
            changed = update_settings(me(), {name: form[name].data for name in SETTING_NAMES})
        except Invalid as error:
            show_errors(form, error)
        else:
            flash(_saved(changed), "success")
            return redirect(url_for("admin.settings"))
    # A closure day whose removal was refused: why, in the summary and beside its row.
    refused = session.pop(REFUSED_REMOVAL, None)
    if refused and refused.get("id") in {closure.id for closure in current.closures}:
        refused["href"] = f"#closure-{refused['id']}"
    return render_template(
        "admin/settings.html",
        form=form,
        closures=current.closures,
        changeable_from=current.changeable_from,
        refused=refused,
        units={name: setting.unit for name, setting in NUMBERS.items()},
        title="Settings",
    )


def _saved(changed: list[str]) -> str:
    if not changed:
        return "Nothing was changed."
    return (
        f"Settings saved: {', '.join(SETTING_LABELS[name].lower() for name in changed)}. "
        "The due dates of open cases follow the new settings."
    )


@admin.route("/closure-days/new", methods=["GET", "POST"])
def new_closure_day():
    require_admin(me())
    form = ClosureDayForm()
    if request.method == "POST":
        form.validate()  # reads the date boxes; the service checks the rest, errors together
        try:
            closure = add_closure_day(me(), form.day.data, form.name.data)
        except Invalid as error:
            show_errors(form, error)
        else:
            flash(f"{closure.name} is a closure day. Open clocks skip it.", "success")
            return redirect(url_for("admin.settings"))
    return render_template("admin/closure_day.html", form=form, title="Add a closure day")


@admin.post("/closure-days/<int:closure_id>/remove")
def remove_closure(closure_id: int):
    try:
        remove_closure_day(me(), closure_id)
    except Refused as error:  # a day gone by, from a page left open: shown beside its row
        # On the settings page at its own address, so that its form saves there: rendered
        # here, at the removal's address, the form posted back to the removal and its changes
        # were lost. Kept in the session for that one page, as the invitation link is.
        session[REFUSED_REMOVAL] = {"id": closure_id, "message": error.message}
        return redirect(url_for("admin.settings"))
    flash("The closure day is removed. Open clocks count it as a working day again.", "success")
    return redirect(url_for("admin.settings"))


# History ---------------------------------------------------------------------------------


def _when(at: datetime) -> str:
    """8 March 2023 at 2:05pm, in London time."""
    local = at.replace(tzinfo=UTC).astimezone(LONDON)
    return f"{long_date(local)} at {clock_time(local)}"


@admin.get("/history")
def history():
    page = list_changes(me(), page=request.args.get("page", 1, type=int))
    return render_template(
        "admin/history.html",
        changes=page,
        field_names=FIELD_NAMES,
        anchors=ANCHORS,
        when=_when,
        title="History of changes" + (f" (page {page.page})" if page.page > 1 else ""),
    )


@admin.get("/failed-messages")
def failed_messages():
    return render_template(
        "admin/failed_messages.html",
        messages=list_failed_messages(me()),
        title="Undelivered email",
    )


# The users' views, on this blueprint (imported last: they use what is above).
from casework.web import admin_users  # noqa: E402, F401
