"""Requests to agencies for their rapid review returns: the business manager's pages.

`/cases/<id>/requests` lists the case's requests and has the form to send more (the three
statutory partners ticked to start with, the due date filled in from the partnership's
setting). `/cases/<id>/requests/<request_id>` shows one request with its history and the forms
to chase, extend, cancel and, once submitted, return it for amendment; each posts to its own
address and comes back to the page. Another partnership's case is a 404, any role but a
business manager a 403: the services decide both, before any form is read.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.fields import SelectMultipleField
from wtforms.validators import InputRequired

from casework.services.agency_request_views import RequestDetail, request_detail, request_overview
from casework.services.agency_requests import (
    cancel,
    chase,
    extend,
    return_for_amendment,
    send_requests,
)
from casework.services.errors import Conflict, Invalid, Refused
from casework.services.wording import long_date
from casework.web.forms import GovDateField, text_field

agency_requests = Blueprint("agency_requests", __name__, url_prefix="/cases/<int:case_id>/requests")

# Each status as its tag says it, with the tag's colour.
STATUS_TAGS = {
    "open": ("Open", "govuk-tag--blue"),
    "overdue": ("Overdue", "govuk-tag--red"),
    "paused": ("Paused: the case is on hold", "govuk-tag--grey"),
    "returned_for_amendment": ("Returned for amendment", "govuk-tag--orange"),
    "submitted": ("Submitted", "govuk-tag--green"),
    "nil_return": ("Nil return", "govuk-tag--turquoise"),
    "cancelled": ("Cancelled", "govuk-tag--grey"),
    "closed": ("Closed: the case left the rapid review", "govuk-tag--grey"),
}
EVENT_WORDS = {
    "sent": "Sent",
    "chased": "Chased",
    "extended": "Extended",
    "cancelled": "Cancelled",
    "submitted": "Submitted",
    "returned": "Returned for amendment",
    "closure_added": "closure day added",
    "closure_removed": "closure day removed",
}


class SendForm(FlaskForm):
    agency_ids = SelectMultipleField(
        "Which agencies are you asking?",
        coerce=int,
        validate_choice=False,
        validators=[InputRequired("Choose at least one agency")],
    )
    due_on = GovDateField("When is the return due?", noun="the due date")
    note = text_field(
        "Note to the agencies (optional)",
        missing=None,
        short=False,
        hint="For example, the period the return should cover",
    )


class ChaseForm(FlaskForm):
    chase_note = text_field(
        "Note (optional)", missing=None, short=False, hint="For example, who you spoke to"
    )


class ExtendForm(FlaskForm):
    new_due_on = GovDateField("New due date", noun="the new due date")
    extend_reason = text_field(
        "Reason for the extension", missing="Enter the reason for the extension", short=False
    )


class CancelForm(FlaskForm):
    cancel_reason = text_field(
        "Reason for cancelling", missing="Enter the reason for cancelling", short=False
    )


class ReturnForm(FlaskForm):
    amendment_comment = text_field(
        "What needs amending?", missing="Enter what needs amending", short=False
    )


FORMS: dict[str, type[FlaskForm]] = {
    "chase": ChaseForm,
    "extend": ExtendForm,
    "cancel": CancelForm,
    "return": ReturnForm,
}
# The services' field names, as each form calls them.
FIELDS = {
    "send": {"agency_ids": "agency_ids", "due_on": "due_on", "note": "note"},
    "chase": {"note": "chase_note"},
    "extend": {"new_due_on": "new_due_on", "reason": "extend_reason"},
    "cancel": {"reason": "cancel_reason"},
    "return": {"comment": "amendment_comment"},
}


def _me():
    return current_user._get_current_object()


def _on_fields(form: FlaskForm, error: Invalid, names: dict[str, str]) -> str | None:
    """The service's field errors beside the fields; anything else in the summary on top."""
    elsewhere = []
    for name, message in error.fields.items():
        field = form._fields.get(names.get(name, ""))
        if field is None:
            elsewhere.append(message)
        else:
            field.errors = [message]
    if elsewhere or not error.fields:
        return " ".join(elsewhere) or error.message
    return None


@agency_requests.route("", methods=["GET", "POST"])
def index(case_id: int):
    me = _me()
    overview = request_overview(me, case_id)  # 404 for a case not seen, 403 unless a manager
    choices = [a for a in overview.agencies if not a.asked]
    form = SendForm(
        data={
            "due_on": overview.default_due_on,
            "agency_ids": [a.id for a in choices if a.statutory_partner],
        }
    )
    default = long_date(overview.default_due_on)
    form.due_on.description = (
        f"The partnership's usual time gives {default}. For example, 27 3 2023"
    )
    problem = None
    if form.validate_on_submit():
        try:
            sent = send_requests(
                me, case_id, form.agency_ids.data, form.due_on.data, form.note.data
            )
        except Invalid as error:
            problem = _on_fields(form, error, FIELDS["send"])
        except (Refused, Conflict) as error:
            problem = error.message
        else:
            names = ", ".join(r.agency.name for r in sent)
            due = long_date(sent[0].due_on)
            flash(f"Requests sent to {names}. Their returns are due on {due}.", "success")
            return redirect(url_for("agency_requests.index", case_id=case_id))
    chosen = set(form.agency_ids.data or [])
    return render_template(
        "agency_requests/index.html",
        title=f"Requests to agencies – {overview.case.reference}",
        overview=overview,
        case=overview.case,
        form=form,
        problem=problem,
        agency_items=[
            {
                "value": str(a.id),
                "text": a.name,
                "checked": a.id in chosen,
                **({} if a.has_contributor else {"hint": {"text": "No contributor yet"}}),
            }
            for a in choices
        ],
        asked=[a for a in overview.agencies if a.asked],
        status_tags=STATUS_TAGS,
    )


@agency_requests.get("/<int:request_id>")
def show(case_id: int, request_id: int):
    return _request_page(request_detail(_me(), case_id, request_id))


def _request_page(
    detail: RequestDetail, failed: str | None = None, form=None, problem: str | None = None
):
    forms = {name: kind(formdata=None) for name, kind in FORMS.items()}
    if failed:
        forms[failed] = form
    current = long_date(detail.request.due_on)
    forms["extend"].new_due_on.description = f"Later than {current}. For example, 27 3 2023"
    return render_template(
        "agency_requests/show.html",
        title=f"Request to {detail.request.agency_name} – {detail.case.reference}",
        detail=detail,
        case=detail.case,
        line=detail.request,
        forms=forms,
        form=form,  # the one with errors, for the error summary
        problem=problem,
        status_tags=STATUS_TAGS,
        event_words=EVENT_WORDS,
    )


def _act(case_id: int, request_id: int, name: str, call: Callable, done: Callable[[str], str]):
    """Check the actor and request, read the form, call the service, come back to the page."""
    me = _me()
    detail = request_detail(me, case_id, request_id)  # 404 / 403 before the form is read
    form = FORMS[name]()
    problem = None
    if form.validate_on_submit():
        try:
            request = call(me, form)
        except Invalid as error:
            problem = _on_fields(form, error, FIELDS[name])
        except (Refused, Conflict) as error:
            problem = error.message
        else:
            flash(done(long_date(request.due_on)), "success")
            return redirect(url_for("agency_requests.show", case_id=case_id, request_id=request_id))
    return _request_page(detail, name, form, problem)


@agency_requests.post("/<int:request_id>/chase")
def chase_agency(case_id: int, request_id: int):
    return _act(
        case_id,
        request_id,
        "chase",
        lambda me, f: chase(me, request_id, f.chase_note.data, case_id=case_id),
        lambda due: "The chase is recorded.",
    )


@agency_requests.post("/<int:request_id>/extend")
def extend_request(case_id: int, request_id: int):
    return _act(
        case_id,
        request_id,
        "extend",
        lambda me, f: extend(
            me, request_id, f.new_due_on.data, f.extend_reason.data, case_id=case_id
        ),
        lambda due: f"The request is extended: the return is now due on {due}.",
    )


@agency_requests.post("/<int:request_id>/cancel")
def cancel_request(case_id: int, request_id: int):
    return _act(
        case_id,
        request_id,
        "cancel",
        lambda me, f: cancel(me, request_id, f.cancel_reason.data, case_id=case_id),
        lambda due: "The request is cancelled.",
    )


@agency_requests.post("/<int:request_id>/return-for-amendment")
def return_request(case_id: int, request_id: int):
    return _act(
        case_id,
        request_id,
        "return",
        lambda me, f: return_for_amendment(
            me, request_id, f.amendment_comment.data, case_id=case_id
        ),
        lambda due: f"The return is sent back for amendment. It is due again on {due}.",
    )
