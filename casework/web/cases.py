"""Cases: the list, opening a case, and the case page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import Form
from wtforms.fields import (
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp

from casework.services.case_list import case_listing
from casework.services.case_pages import DECISION_NAMES, PANEL_RESPONSE_NAMES, case_page
from casework.services.cases import open_case
from casework.services.errors import Invalid
from casework.services.numbers import whole_number
from casework.services.permissions import require_may_open_cases
from casework.web.forms import GovDateField
from casework.web.security import reads_and_records_reads, reads_only, signed_in_user
from workflows.cases import NATURES, PARTNER_NAMES, STATE_CHANGING_EVENTS, STATES

cases = Blueprint("cases", __name__, url_prefix="/cases")

NATURE_NAMES = {"death": "Death", "serious_harm": "Serious harm", "other": "Other"}


def _words(code: str) -> str:
    return code.replace("_", " ").capitalize()


def event_url(case_id: int, event: str) -> str:
    """Where an event's button leads: the form of the `case_events` blueprint."""
    return url_for("case_events.form", case_id=case_id, event=event)


def access_url(case_id: int) -> str:
    """The page where a business manager gives and takes back access to the case."""
    return url_for("access.index", case_id=case_id)


class CaseFilters(Form):
    """The list's filters: a GET form, so no CSRF token; rendered by hand in the template."""

    state = SelectField(
        "State",
        choices=[SelectChoice("", "Any state")] + [SelectChoice(s, _words(s)) for s in STATES],
        default="",
        invalid_choice_message="Choose a state from the list",
    )
    overdue = SelectField(
        "Has an overdue clock",
        choices=[
            SelectChoice("", "Either"),
            SelectChoice("true", "Yes"),
            SelectChoice("false", "No"),
        ],
        default="",
        invalid_choice_message="Choose yes, no or either",
    )
    nature = SelectField(
        "Nature",
        choices=[SelectChoice("", "Any nature")]
        + [SelectChoice(n, NATURE_NAMES[n]) for n in NATURES],
        default="",
        invalid_choice_message="Choose a nature from the list",
    )
    year = StringField(
        "Year the local authority became aware",
        validators=[
            Optional(),
            Regexp(r"^(19|20)\d\d$", message="Enter a year with 4 digits, like 2023"),
        ],
    )
    q = StringField(
        "Reference or pseudonym",
        validators=[Length(max=100, message="Search for 100 characters or fewer")],
    )

    def criteria(self) -> dict:
        """The filters that are valid, as `case_listing` takes them (invalid ones are ignored)."""

        def value(field):
            return None if field.errors or not field.data else field.data.strip()

        year = value(self.year)
        return {
            "state": value(self.state),
            "overdue": {"true": True, "false": False}.get(value(self.overdue) or ""),
            "nature": value(self.nature),
            "aware_year": int(year) if year else None,
            "text": value(self.q),
        }

    def query(self) -> dict:
        """The filters as query-string arguments, for the pagination links."""
        return {f.name: f.data for f in self if f.data}


def _page_number() -> int:
    page = whole_number(request.args.get("page", "1"))
    return page if page is not None and 0 < page < 100_000 else 1


@cases.get("/")
@reads_only
def index():
    filters = CaseFilters(request.args)
    filters.validate()
    page = _page_number()
    listing = case_listing(signed_in_user(), page=page, **filters.criteria())
    if page > listing.last_page:
        title = f"Cases (page {page}: no cases on this page)"
    elif listing.last_page > 1:
        title = f"Cases (page {page} of {listing.last_page})"
    else:
        title = "Cases"
    return render_template(
        "cases/index.html",
        listing=listing,
        query=filters.query(),
        natures=NATURE_NAMES,
        form=filters,
        title=title,
    )


class NewCaseForm(FlaskForm):
    nature = RadioField(
        "What happened to the child?",
        choices=[SelectChoice(n, NATURE_NAMES[n]) for n in NATURES],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select what happened to the child")],
    )
    incident_on = GovDateField(
        "When did the incident happen?",
        noun="the date of the incident",
        description="For example, 27 2 2023",
    )
    la_aware_on = GovDateField(
        "When did the local authority become aware?",
        noun="the date the local authority became aware",
        description="For example, 1 3 2023",
    )
    pseudonym = StringField(
        "Pseudonym (optional)",
        widget=GovTextInput(),
        description='For example, "Child Q". Never the child\'s name.',
        validators=[Length(max=100, message="Pseudonym must be 100 characters or fewer")],
    )
    summary = TextAreaField(
        "Summary (optional)",
        widget=GovTextArea(),
        description="What is known so far. Keep to the minimum: no names.",
    )
    submit = SubmitField("Open the case", widget=GovSubmitInput())

    def case_data(self) -> dict:
        return {
            "nature": self.nature.data,
            "incident_on": self.incident_on.iso(),
            "la_aware_on": self.la_aware_on.iso(),
            "pseudonym": self.pseudonym.data or None,
            "summary": self.summary.data or None,
        }

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            field = self._fields.get(name, self.nature)  # every name the service uses is here
            field.errors = [*field.errors, message]


@cases.route("/new", methods=["GET", "POST"])
def new():
    require_may_open_cases(current_user)
    form = NewCaseForm()
    if form.validate_on_submit():
        try:
            case = open_case(current_user, form.case_data())
        except Invalid as error:
            form.show_errors(error.fields)
        else:
            flash(f"Case {case.reference} is open.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/new.html", form=form, natures=NATURE_NAMES, title="Open a case")


@cases.get("/<int:case_id>")
@reads_and_records_reads
def show(case_id: int):
    page = case_page(signed_in_user(), case_id)
    return render_template(
        "cases/show.html",
        page=page,
        case=page.case,
        natures=NATURE_NAMES,
        decisions=DECISION_NAMES,
        panel_responses=PANEL_RESPONSE_NAMES,
        partner_names=PARTNER_NAMES,
        state_changing=STATE_CHANGING_EVENTS,
        event_url=event_url,
        access_url=access_url,
        title=f"Case {page.case.reference}",
    )
