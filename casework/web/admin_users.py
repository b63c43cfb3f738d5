"""Administration of users: inviting people by a one-time link, their pages, changing a
role, deactivating and reactivating. On the `admin` blueprint (see `casework.web.admin`):
admins see every page; business managers see the users and may invite people (the services
say whom)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms.fields import RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice

from casework.services.admin import require_admin
from casework.services.admin_users import (
    change_role,
    deactivation_of,
    get_user,
    invite_user,
    list_users,
    reinvite_user,
    role_options,
    set_user_active,
)
from casework.services.errors import Invalid
from casework.web.admin import admin, me, show_errors
from casework.web.template_helpers import ROLE_NAMES, words


# WTForms orders fields by when they were declared: the person's name and email come first,
# as on the page, so the error summary lists problems in the page's order.
class PersonForm(FlaskForm):
    name = StringField("Full name", widget=GovTextInput())
    email = StringField("Email address", widget=GovTextInput())


class RoleForm(FlaskForm):
    role = RadioField("Role", widget=GovRadioInput(), validate_choice=False)
    partner = RadioField(
        "Statutory partner",
        description="For a partner lead only: the partner they sign off for.",
        widget=GovRadioInput(),
        validate_choice=False,
    )
    agency = SelectField(
        "Agency",
        description="For an agency contributor only: the agency whose requests they answer.",
        widget=GovSelect(),
        validate_choice=False,
    )

    def offer(self, options) -> None:
        self.role.choices = [SelectChoice(role, ROLE_NAMES[role]) for role in options.roles]
        self.partner.choices = [SelectChoice(p, words(p)) for p in options.partners]
        self.agency.choices = [
            SelectChoice("", "Choose an agency"),
            *(SelectChoice(str(i), name) for i, name in options.agencies),
        ]

    def role_fields(self) -> dict:
        return {
            "role": self.role.data,
            "partner": self.partner.data if self.partner.choices else None,
            "agency_id": self.agency.data or None,
        }


class InviteForm(PersonForm, RoleForm):
    submit = SubmitField("Create invitation link", widget=GovSubmitInput())


class ChangeRoleForm(RoleForm):
    submit = SubmitField("Change role", widget=GovSubmitInput())


@admin.get("/users")
def users():
    return render_template("admin/users.html", people=list_users(me()), title="Users")


@admin.route("/users/invite", methods=["GET", "POST"])
def invite():
    # A link such as "invite a contributor for this agency" may suggest the role and agency.
    suggested = {"role": request.args.get("role"), "agency": request.args.get("agency")}
    form = InviteForm(data=suggested if request.method == "GET" else None)
    form.offer(role_options(me()))
    if form.validate_on_submit():
        try:
            user, token = invite_user(
                me(), name=form.name.data, email=form.email.data, **form.role_fields()
            )
        except Invalid as error:
            show_errors(form, error)
        else:
            return _show_link_once(user.id, token)
    return render_template("admin/invite.html", form=form, title="Invite a user")


def _show_link_once(user_id: int, token: str):
    # Kept in the session only until the next page shows it: a refresh does not post again.
    link = url_for("auth.invitation", token=token, _external=True)
    session["invitation_link"] = {"user_id": user_id, "url": link}
    return redirect(url_for("admin.invitation_link", user_id=user_id))


@admin.get("/users/<int:user_id>/invitation-link")
def invitation_link(user_id: int):
    detail = get_user(me(), user_id)
    kept = session.pop("invitation_link", None)
    link = kept["url"] if kept and kept.get("user_id") == user_id else None
    return render_template(
        "admin/invitation_link.html",
        detail=detail,
        link=link,
        title=f"Invitation link for {detail.person.name}",
    )


@admin.post("/users/<int:user_id>/invitation")
def reinvite(user_id: int):
    user, token = reinvite_user(me(), user_id)
    return _show_link_once(user.id, token)


@admin.get("/users/<int:user_id>")
def user(user_id: int):
    detail = get_user(me(), user_id)
    return render_template("admin/user.html", detail=detail, title=f"{detail.person.name} – Users")


@admin.route("/users/<int:user_id>/role", methods=["GET", "POST"])
def change_user_role(user_id: int):
    require_admin(me())
    detail = get_user(me(), user_id)
    if not detail.may_change:  # their own role: the service refuses it, say so before the form
        abort(403)
    person = detail.person
    form = ChangeRoleForm(
        data={"role": person.role, "partner": person.partner, "agency": str(person.agency_id or "")}
    )
    form.offer(role_options(me()))
    if form.validate_on_submit():
        try:
            changed = change_role(me(), user_id, **form.role_fields())
        except Invalid as error:
            show_errors(form, error)
        else:
            if changed:
                flash(f"{person.name}'s role is changed.", "success")
            return redirect(url_for("admin.user", user_id=user_id))
    return render_template(
        "admin/change_role.html", form=form, detail=detail, title=f"Change role – {person.name}"
    )


@admin.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
def deactivate_user(user_id: int):
    if request.method == "POST":
        user = set_user_active(me(), user_id, False)
        flash(f"{user.name} is deactivated and can no longer sign in.", "success")
        return redirect(url_for("admin.user", user_id=user_id))
    # The page that asks first, refused as deactivating is; it changes nothing.
    deactivation = deactivation_of(me(), user_id)
    name = deactivation.person.name
    if not deactivation.person.active:
        flash(f"{name} is already deactivated.", "info")
        return redirect(url_for("admin.user", user_id=user_id))
    return render_template(
        "admin/deactivate_user.html", deactivation=deactivation, title=f"Deactivate {name}?"
    )


@admin.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id: int):
    user = set_user_active(me(), user_id, True)
    flash(f"{user.name} is active again.", "success")
    return redirect(url_for("admin.user", user_id=user_id))
