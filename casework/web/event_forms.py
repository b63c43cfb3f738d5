"""A GOV.UK form for each event, built from the facts the workflow says it carries.

`workflows.facts.EVENT_FACTS` names each event's facts and their kinds; this module turns them
into WTForms fields with GOV.UK widgets and words for people: `on` first as a date input, text
as text areas (short ones as text inputs), choices as radios, the reviewer as two text inputs,
themes as checkboxes. WTForms checks the shape (a real date, required answers); the service
checks everything else, and its errors are put back on these fields by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
)
from wtforms.fields import RadioField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from casework.services.wording import long_date
from casework.web.forms import GovDateField, capital, legend, radio_field, text_field
from casework.web.template_helpers import words
from workflows import cases as workflow
from workflows.facts import EVENT_FACTS
from workflows.themes import THEMES

# What each event is called on its page, and what to say once it is done.
TITLES = {
    "notify": "Notify the Panel",
    "decline_notification": "Decide not to notify",
    "reopen": "Reopen the case",
    "record_decision": "Record the rapid review decision",
    "sign_off": "Record a sign-off",
    "submit_rapid_review": "Submit the rapid review",
    "withdraw": "Withdraw the notification",
    "record_panel_response": "Record the Panel's response",
    "appoint_reviewer": "Appoint the reviewer",
    "agree_terms_of_reference": "Agree the terms of reference",
    "start_review": "Start the review",
    "submit_final_report": "Submit the final report",
    "request_changes": "Request changes to the final report",
    "schedule_publication": "Schedule publication",
    "send_advance_copy": "Send the advance copy",
    "publish": "Publish the report",
    "national_review_published": "Record that the national review is published",
    "place_hold": "Place a hold",
    "lift_hold": "Lift the hold",
    "close": "Close the case",
}
DONE = {
    "notify": "The Panel has been notified",
    "decline_notification": "The decision not to notify has been recorded",
    "reopen": "The case has been reopened",
    "record_decision": "The rapid review decision has been recorded",
    "sign_off": "The sign-off has been recorded",
    "submit_rapid_review": "The rapid review has been submitted",
    "withdraw": "The notification has been withdrawn",
    "record_panel_response": "The Panel's response has been recorded",
    "appoint_reviewer": "The reviewer has been appointed",
    "agree_terms_of_reference": "The terms of reference have been agreed",
    "start_review": "The review has started",
    "submit_final_report": "The final report has been submitted",
    "request_changes": "Changes to the final report have been requested",
    "schedule_publication": "The publication date has been planned",
    "send_advance_copy": "The advance copy has been recorded as sent",
    "publish": "The report has been recorded as published",
    "national_review_published": "The national review's publication has been recorded",
    "place_hold": "The hold has been placed",
    "lift_hold": "The hold has been lifted",
    "close": "The case has been closed",
}
ON_LABELS = {
    "notify": "When was the Serious Incident Notification sent?",
    "decline_notification": "When was it decided not to notify?",
    "reopen": "When was the case reopened?",
    "record_decision": "When was the decision made?",
    "sign_off": "When was it signed off?",
    "submit_rapid_review": "When was the rapid review sent to the Panel?",
    "withdraw": "When was the notification withdrawn?",
    "record_panel_response": "When did the Panel respond?",
    "appoint_reviewer": "When was the reviewer appointed?",
    "agree_terms_of_reference": "When were the terms of reference agreed?",
    "start_review": "When did the review start?",
    "submit_final_report": "When was the final report submitted?",
    "request_changes": "When were the changes asked for?",
    "schedule_publication": "When was the publication date set?",
    "send_advance_copy": "When was the advance copy sent?",
    "publish": "When was the report published?",
    "national_review_published": "When was the national review published?",
    "place_hold": "When was the hold placed?",
    "lift_hold": "When was the hold lifted?",
    "close": "When was the case closed?",
}
CHOICES = {
    "decision": {
        "lcspr": "Hold a local child safeguarding practice review",
        "no_lcspr": "No local review: take the learning forward another way",
        "national_review_suggested": "Suggest a national review to the Panel",
    },
    "partner": {p: capital(name) for p, name in workflow.PARTNER_NAMES.items()},
    "panel_response": {
        "agree": "The Panel agrees with the decision",
        "disagree": "The Panel disagrees: revisit the decision",
        "further_information": "The Panel asks for further information",
        "national_review": "The Panel will hold a national review",
    },
    "kind": {"full": "The full report", "improvements_only": "Only the improvements"},
    "reason": {r: words(r) for r in workflow.HOLD_REASONS},
}
CHOICE_LABELS = {
    "decision": ("What did the partners decide?", "Choose the decision"),
    "partner": ("Which statutory partner gave the sign-off?", "Choose the statutory partner"),
    "panel_response": ("What did the Panel say?", "Choose the Panel's response"),
    "kind": ("What is published?", "Choose what is published"),
    "reason": ("Why is the case on hold?", "Choose the reason for the hold"),
}


@dataclass(frozen=True)
class Text:
    label: str
    missing: str | None = None  # the message when it is required and left empty
    hint: str | None = None
    short: bool = False


TEXTS = {
    ("notify", "sin_reference"): Text(
        "Serious Incident Notification reference (optional)", short=True
    ),
    ("decline_notification", "rationale"): Text(
        "Why the criteria for notification are not met", "Enter why the criteria are not met"
    ),
    ("reopen", "reason"): Text("Why is the case being reopened?", "Enter why it is reopened"),
    ("record_decision", "rationale"): Text("Rationale", "Enter the rationale for the decision"),
    ("sign_off", "given_by"): Text(
        "Who gave the sign-off?",
        "Enter who gave the sign-off",
        "Their name and role, for example Jo Bloggs, Detective Superintendent",
        short=True,
    ),
    ("withdraw", "reason"): Text(
        "Why is the notification being withdrawn?", "Enter why it is withdrawn"
    ),
    ("record_panel_response", "note"): Text("Note (optional)"),
    ("request_changes", "reason"): Text("What needs to change?", "Enter what needs to change"),
    ("publish", "reason"): Text(
        "Why are only the improvements published?",
        hint="Needed when only the improvements are published",
    ),
    ("publish", "pseudonym"): Text(
        "Pseudonym", "Enter the pseudonym", "For example, Child Julie", short=True
    ),
    ("place_hold", "note"): Text("Note (optional)"),
}
DATES = {
    "planned_on": ("Planned publication date", "the planned publication date"),
    "panel_informed_on": ("When was the Panel told about the hold? (optional)", "the date"),
}


def signs_for_own_partner(user, event: str) -> bool:
    """A partner lead's sign-off: their partner is implied, so the form does not ask."""
    return event == "sign_off" and user.role == "partner_lead"


def title_for(user, event: str, case) -> str:
    if signs_for_own_partner(user, event):
        return "Sign off the " + ("decision" if case.state != "approval" else "final report")
    return TITLES[event]


def _fields(user, event: str) -> dict[str, Any]:
    fields: dict[str, Any] = {"on": GovDateField(ON_LABELS[event])}
    for name, fact in EVENT_FACTS[event].items():
        if signs_for_own_partner(user, event):
            break  # no partner, and no "given by": the lead is signing as themselves
        if fact.kind == "text":
            text = TEXTS[(event, name)]
            # Publishing only the improvements needs a reason (checked before "optional").
            first = [_publish_reason] if (event, name) == ("publish", "reason") else []
            fields[name] = text_field(
                text.label,
                missing=text.missing,
                short=text.short,
                hint=text.hint,
                first=first,
                max_length=fact.max_length,
            )
        elif fact.kind == "choice":
            label, missing = CHOICE_LABELS[name]
            # A manager recording a sign-off must say whose it is.
            required = fact.required or event == "sign_off"
            fields[name] = radio_field(label, CHOICES[name], missing=missing, required=required)
        elif fact.kind == "date":
            label, noun = DATES[name]
            fields[name] = GovDateField(label, noun=noun, required=fact.required)
        elif fact.kind == "reviewer":
            fields["reviewer_name"] = text_field(
                "Reviewer's name", missing="Enter the reviewer's name", short=True
            )
            fields["reviewer_organisation"] = text_field(
                "Reviewer's organisation", missing="Enter the reviewer's organisation", short=True
            )
        elif fact.kind == "themes":
            label = "Themes (optional)"
            fields[name] = SelectMultipleField(
                label,
                choices=[SelectChoice(t, capital(t)) for t in THEMES],
                invalid_choice_message="Choose themes from the list",
                description="Select all that apply",
                widget=GovCheckboxesInput(),
                render_kw={"params": legend(label)},
            )
    return fields


def _publish_reason(form, field) -> None:
    if form.kind.data == "improvements_only" and not (field.data or "").strip():
        raise StopValidation("Enter why only the improvements are published")


def event_form(user, event: str, today: date) -> FlaskForm:
    """The form for `event` as `user` sees it, with what was posted; `on` starts as today."""
    fields = _fields(user, event)
    form_class = type(f"{event.title().replace('_', '')}Form", (FlaskForm,), fields)
    return form_class(data={"on": today})


def facts_from(form, event: str) -> dict[str, Any]:
    """The form's answers as the API takes them: dates as YYYY-MM-DD, empty answers left out."""
    raw: dict[str, Any] = {"on": form.on.data.isoformat()}
    for name, fact in EVENT_FACTS[event].items():
        if fact.kind == "reviewer":
            raw[name] = {
                "name": form.reviewer_name.data or "",
                "organisation": form.reviewer_organisation.data or "",
            }
            continue
        if name not in form:
            continue
        value = form[name].data
        if isinstance(value, date):
            raw[name] = value.isoformat()
        elif isinstance(value, str) and value.strip():
            raw[name] = value.strip()
        elif isinstance(value, list) and value:
            raw[name] = value
    return raw


def field_for_fact(name: str) -> str:
    """The form field that shows the service's error for fact `name`."""
    return "reviewer_name" if name == "reviewer" else name


def answers(form) -> list[tuple[str, str]]:
    """(question, answer in words) for each field: the rows of the check page."""
    rows = []
    for field in form:
        if field.name == "csrf_token":
            continue
        value = field.data
        if isinstance(value, date):
            shown = long_date(value)
        elif isinstance(field, RadioField):
            shown = dict((c.value, c.label) for c in field.iter_choices()).get(value, "")
        elif isinstance(field, SelectMultipleField):
            shown = ", ".join(c.label for c in field.iter_choices() if c.selected)
        else:
            shown = (value or "").strip()
        rows.append((field.label.text, shown or "Not given"))
    return rows


def destination(case, event: str, form) -> str:
    """The state the case will move to (the Panel's reply decides for its own event)."""
    if event == "record_panel_response":
        return workflow.panel_destination(case, form.panel_response.data)
    for transition in workflow.TRANSITIONS:
        sources = transition["source"]
        sources = sources if isinstance(sources, list) else [sources]
        if transition["trigger"] == event and case.state in sources:
            return transition["dest"]
    return case.state
