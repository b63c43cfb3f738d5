"""The rapid review's papers: the panel meeting, the compiled returns, and the documents
submitted to the Panel.

The meeting form has no JavaScript: attendees and immediate actions are a fixed number of
repeated rows, and blank rows are ignored. WTForms checks only the shape (a real date, lengths);
the service checks the rest, and its errors go back beside the fields by name.
"""

from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms.fields import SelectField
from wtforms.fields.choices import SelectChoice

from casework.services.compiled_returns import compiled_returns as compile_returns
from casework.services.compiled_returns import reads_rapid_review_papers
from casework.services.errors import Conflict, Invalid, Refused, TransitionNotAllowed
from casework.services.panel_meetings import (
    CRITERIA,
    meeting_setup,
    panel_meetings,
    record_panel_meeting,
)
from casework.services.submission_documents import (
    DOCX_TYPE,
    submission_document,
    submission_documents,
)
from casework.web.event_forms import CHOICES
from casework.web.forms import GovDateField, radio_field, text_field
from casework.web.template_helpers import words

rapid_review = Blueprint("rapid_review", __name__, url_prefix="/cases/<int:case_id>")
rapid_review.add_app_template_global(reads_rapid_review_papers, "reads_rapid_review_papers")

ATTENDEE_ROWS = 8
ACTION_ROWS = 6


def _meeting_form_class() -> type[FlaskForm]:
    """The fields in page order (WTForms orders fields by when they were made)."""
    fields: dict = {
        "held_on": GovDateField(
            "When was the meeting held?", noun="the date the meeting was held", required=False
        )
    }
    for n in range(1, ATTENDEE_ROWS + 1):
        name = text_field(f"Attendee {n}: name", missing=None, short=True)
        name.kwargs["render_kw"]["params"]["classes"] = ""  # the column sets the width
        fields[f"attendee_{n}_name"] = name
        fields[f"attendee_{n}_agency"] = SelectField(
            f"Attendee {n}: agency",
            choices=[],
            widget=GovSelect(),
            validate_choice=False,  # the service checks the agency is the partnership's
        )
    for key, label in CRITERIA.items():
        fields[f"criterion_{key}"] = text_field(label, missing=None, short=False)
    fields["facts"] = text_field("The facts agreed", missing=None, short=False)
    for n in range(1, ACTION_ROWS + 1):
        action = text_field(f"Action {n}", missing=None, short=False)
        action.kwargs["render_kw"]["params"]["rows"] = 2
        fields[f"action_{n}_action"] = action
        owner = text_field(f"Action {n}: owner", missing=None, short=True)
        owner.kwargs["render_kw"]["params"]["classes"] = ""  # the column sets the width
        fields[f"action_{n}_owner"] = owner
    fields["learning"] = text_field("Learning identified (optional)", missing=None, short=False)
    fields["dissent"] = text_field(
        "Dissent (optional)",
        missing=None,
        short=False,
        hint="Who disagreed with the decision, and why",
    )
    fields["decision"] = radio_field(
        "What did the panel decide?",
        CHOICES["decision"],
        missing="Choose the decision",
        required=False,  # the service asks for it, with every other missing answer
    )
    fields["rationale"] = text_field("Rationale for the decision", missing=None, short=False)
    return type("MeetingForm", (FlaskForm,), fields)


MeetingForm = _meeting_form_class()


def _form_for(setup) -> FlaskForm:
    form = MeetingForm()
    choices = [SelectChoice("", "Choose the agency")]
    choices += [SelectChoice(str(agency_id), name) for agency_id, name in setup.agencies]
    for n in range(1, ATTENDEE_ROWS + 1):
        form[f"attendee_{n}_agency"].choices = choices
    return form


def _meeting_data(form) -> dict:
    return {
        "held_on": form.held_on.iso(),
        "attendees": [
            {
                "name": form[f"attendee_{n}_name"].data,
                "agency_id": form[f"attendee_{n}_agency"].data,
            }
            for n in range(1, ATTENDEE_ROWS + 1)
        ],
        "criteria": {key: form[f"criterion_{key}"].data for key in CRITERIA},
        "facts": form.facts.data,
        "immediate_actions": [
            {"action": form[f"action_{n}_action"].data, "owner": form[f"action_{n}_owner"].data}
            for n in range(1, ACTION_ROWS + 1)
        ],
        "learning": form.learning.data,
        "dissent": form.dissent.data,
        "decision": form.decision.data,
        "rationale": form.rationale.data,
    }


def _put_on_fields(form, error: Invalid) -> str | None:
    elsewhere = []
    for name, message in error.fields.items():
        if name in form._fields and name != "csrf_token":
            form[name].errors = [message]
        else:
            elsewhere.append(message)
    return " ".join(elsewhere) or None


@rapid_review.route("/meeting/new", methods=["GET", "POST"])
def record_meeting(case_id: int):
    setup = meeting_setup(current_user, case_id)  # 404 unless visible, 403 unless a manager
    form = _form_for(setup)
    problem = None
    if form.validate_on_submit():
        try:
            record_panel_meeting(current_user, case_id, _meeting_data(form))
        except Invalid as error:
            problem = _put_on_fields(form, error)
        except TransitionNotAllowed:
            problem = _wrong_state(setup.case.state)
        except (Refused, Conflict) as error:
            problem = error.message
        else:
            # One banner (two would repeat the banner's id); a warning shows on the meeting.
            flash("The panel meeting and its decision have been recorded.", "success")
            return redirect(url_for("rapid_review.meeting", case_id=case_id))
    blocked = _wrong_state(setup.case.state) if setup.case.state != "rapid_review" else None
    return render_template(
        "rapid_review/record_meeting.html",
        title=f"Record the panel meeting – {setup.case.reference}",
        case=setup.case,
        form=form,
        statutory=setup.statutory,
        attendee_rows=range(1, ATTENDEE_ROWS + 1),
        action_rows=range(1, ACTION_ROWS + 1),
        criteria=CRITERIA,
        problem=problem,
        blocked=blocked,
    )


def _wrong_state(state: str) -> str:
    return (
        "You cannot record the panel meeting's decision while the case is in the "
        f"{words(state).lower()} stage."
    )


@rapid_review.get("/meeting")
def meeting(case_id: int):
    page = panel_meetings(current_user, case_id)
    return render_template(
        "rapid_review/meeting.html",
        title=f"Panel meeting – {page.case.reference}",
        page=page,
        case=page.case,
    )


@rapid_review.get("/compiled-returns")
def compiled_returns(case_id: int):
    page = compile_returns(current_user, case_id)
    return render_template(
        "rapid_review/compiled_returns.html",
        title=f"Compiled agency returns – {page.case.reference}",
        page=page,
        case=page.case,
        returns=page.returns,
    )


@rapid_review.get("/documents")
def documents(case_id: int):
    page = submission_documents(current_user, case_id)
    return render_template(
        "rapid_review/documents.html",
        title=f"Documents submitted to the Panel – {page.case.reference}",
        page=page,
        case=page.case,
    )


@rapid_review.get("/documents/<int:number>.docx")
def document_docx(case_id: int, number: int):
    document = submission_document(current_user, case_id, number, via="docx")
    return send_file(
        io.BytesIO(document.docx),
        mimetype=DOCX_TYPE,
        as_attachment=True,
        download_name=document.filename,
        etag=document.sha256,
        max_age=0,
    )


@rapid_review.get("/documents/<int:number>")
def document(case_id: int, number: int):
    document = submission_document(current_user, case_id, number, via="document")
    return render_template(
        "rapid_review/document.html",
        title=f"Submission document {number} – {document.case.reference}",
        document=document,
        case=document.case,
    )
