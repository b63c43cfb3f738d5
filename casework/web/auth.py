"""Signing in and out, and accepting an invitation."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms.fields import PasswordField, StringField, SubmitField

from casework.services.auth import (
    Locked,
    accept_invitation,
    invitation_for,
    sign_in,
    sign_out_everywhere,
)
from casework.services.errors import Invalid, NotFound
from casework.web import security

auth = Blueprint("auth", __name__)


class SignInForm(FlaskForm):
    email = StringField("Email address", widget=GovTextInput())
    password = PasswordField("Password", widget=GovPasswordInput())
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class PasswordForm(FlaskForm):
    password = PasswordField(
        "Choose a password",
        widget=GovPasswordInput(),
        description="Use 12 characters or more. A few unrelated words work well.",
    )
    confirm = PasswordField("Type the password again", widget=GovPasswordInput())
    submit = SubmitField("Save password and sign in", widget=GovSubmitInput())


def _safe_next(target: str | None) -> str:
    return security.local_path(target) or url_for("home.index")


def _start_session(user) -> None:
    session.clear()  # a fresh session on sign-in: nothing carried over from before
    login_user(user)
    session["last_seen"] = security.now().timestamp()


@auth.route("/sign-in", methods=["GET", "POST"])
def sign_in_page():
    form = SignInForm()
    locked = None
    if form.validate_on_submit():
        try:
            user = sign_in(form.email.data, form.password.data)
        except Locked as error:
            locked = error.message
        except Invalid as error:
            for name, message in error.fields.items():
                getattr(form, name).errors = [message]
        else:
            target = request.args.get("next")
            _start_session(user)
            return redirect(_safe_next(target))
    return render_template("auth/sign_in.html", form=form, locked=locked, title="Sign in")


@auth.post("/sign-out")
def sign_out():
    if current_user.is_authenticated:
        sign_out_everywhere(current_user)  # a copy of this cookie must not outlive signing out
    logout_user()
    session.clear()
    return redirect(url_for("auth.signed_out"))


@auth.post("/session/keep-alive")
def keep_alive():
    """Typing in a form is activity the server does not see until the form is posted: the
    pages' script posts here now and then while someone types, and this request, like any
    other, restarts the 30-minute idle count (`security._start_request`)."""
    return security.empty_response(204)


@auth.get("/signed-out")
def signed_out():
    return render_template("auth/signed_out.html", title="You have signed out")


@auth.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    try:
        invited = invitation_for(token).user
    except NotFound as error:
        return render_template(
            "auth/invitation_expired.html", title="Invitation link expired", message=error.message
        ), 404
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            user = accept_invitation(token, form.password.data, form.confirm.data)
        except Invalid as error:
            for name, message in error.fields.items():
                getattr(form, name).errors = [message]
        else:
            _start_session(user)
            flash("Your password is saved and you are signed in.", "success")
            return redirect(url_for("home.index"))
    return render_template(
        "auth/invitation.html", form=form, invited=invited, title="Set your password"
    )
