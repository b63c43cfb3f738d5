"""Carrying out an event on a case: a form for its facts, then a confirmation.

GET shows the form, `on` prefilled with today, and, when the event cannot happen now, the same
reason the API would give. POST checks the form's shape; an event that changes the state then
shows a check page whose Confirm button posts the same answers back with `confirm=yes`, and
only then is the service called. Its errors go back on the form: `Invalid` beside the fields,
a guard's refusal, a wrong state or a conflict in the summary at the top.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from casework.services.cases import get_case
from casework.services.errors import Conflict, Invalid, Refused, TransitionNotAllowed
from casework.services.events import fire_event
from casework.services.partnerships import clock_settings
from casework.services.permissions import require_may_fire
from casework.services.today import london_today
from casework.web.event_forms import (
    CHOICES,
    DONE,
    answers,
    destination,
    event_form,
    facts_from,
    field_for_fact,
    signs_for_own_partner,
    title_for,
)
from casework.web.template_helpers import words
from workflows import cases as workflow

case_events = Blueprint("case_events", __name__, url_prefix="/cases/<int:case_id>/events")


@case_events.route("/<event>", methods=["GET", "POST"])
def form(case_id: int, event: str):
    if event not in workflow.EVENTS:
        abort(404)
    me = current_user._get_current_object()
    case = get_case(me, case_id, via="web")  # 404 unless the user may see the case
    require_may_fire(me, event, None, None)  # 403 for a role that may not fire it
    today = london_today()
    form = event_form(me, event, today)
    heading = title_for(me, event, case)
    verb = heading[:1].lower() + heading[1:]
    blocked = problem = None

    if request.method == "GET":
        blocked = _not_possible(me, case, event, None, verb)
    elif request.form.get("change"):
        pass  # back from the check page: the form again, with the answers kept
    elif form.validate_on_submit():
        if event in workflow.STATE_CHANGING_EVENTS and request.form.get("confirm") != "yes":
            problem = _not_possible(me, case, event, form.on.data, verb)
            if problem is None:
                return _check_page(case, event, form, verb)
        else:
            try:
                case = fire_event(me, case_id, event, facts_from(form, event))
            except Invalid as error:
                problem = _put_on_fields(form, error)
            except TransitionNotAllowed:
                problem = _wrong_state(case, verb)
            except (Refused, Conflict) as error:
                problem = error.message
            else:
                flash(_done(me, event, case), "success")
                return redirect(url_for("cases.show", case_id=case_id))

    return render_template(
        "case_events/form.html",
        title=f"{heading} – {case.reference}",
        heading=heading,
        case=case,
        event=event,
        form=form,
        blocked=blocked,
        problem=problem,
        lead_partner=workflow.PARTNER_NAMES[me.partner]
        if signs_for_own_partner(me, event)
        else None,
        changes_state=event in workflow.STATE_CHANGING_EVENTS,
        decision=CHOICES["decision"].get(case.decision or ""),
    )


def _not_possible(me, case, event: str, on: date | None, verb: str) -> str | None:
    """Why the event cannot happen on `on`, in the words the API uses, or None."""
    if event not in workflow.events_from(case.state):
        return _wrong_state(case, verb)
    facts = {"partner": me.partner} if signs_for_own_partner(me, event) else {}
    closures = clock_settings(case.partnership_id).closures
    return workflow.refusal(case, event, facts, on, closures)


def _wrong_state(case, verb: str) -> str:
    return f"You cannot {verb} while the case is in the {words(case.state).lower()} stage."


def _put_on_fields(form, error: Invalid) -> str | None:
    """The service's field errors beside the fields; any it names that the form lacks, on top."""
    elsewhere = []
    for name, message in error.fields.items():
        field = form._fields.get(field_for_fact(name))
        if field is None or name == "csrf_token":
            elsewhere.append(message)
        else:
            field.errors = [message]
    if elsewhere or not error.fields:
        return " ".join(elsewhere) or error.message
    return None


def _check_page(case, event: str, form, verb: str):
    hidden = [
        (field.name, value)
        for field in form
        if field.name != "csrf_token"
        for value in field.raw_data or []
    ]
    return render_template(
        "case_events/check.html",
        title=f"Check before you {verb} – {case.reference}",
        verb=verb,
        case=case,
        form=form,
        rows=answers(form),
        state_now=case.state,
        state_next=destination(case, event, form),
        hidden=hidden,
    )


def _done(me, event: str, case) -> str:
    if signs_for_own_partner(me, event):
        message = f"Your sign-off for {workflow.PARTNER_NAMES[me.partner]} has been recorded"
    else:
        message = DONE[event]
    if event in workflow.STATE_CHANGING_EVENTS and event != "close":  # "closed" says it all
        return f"{message}. The case has moved to {words(case.state).lower()}."
    return f"{message}."
