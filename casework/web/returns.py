"""Agency returns: the contributor's pages.

`/requests/` lists the agency's requests; `/requests/<id>` is a return's task list, one task
per section, each page saved with "Save and continue" (its mandatory answers required) or
"Save and come back later" (blanks allowed). A chronology is its own list of events, added one
per page with change and remove links, as GOV.UK's list-collecting pages do. Then "check your
answers", submit, and a confirmation.

Every page first loads the request through a service, which decides who may see it: another
agency's request, a cancelled one or another partnership's is a 404, any role but an agency
contributor a 403, before any form is read. Each form carries the revision its page showed:
when someone else changed the same answer differently in the meantime, the page comes back
with both values and the person's input still in the boxes.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from casework.review_templates import Question, Section
from casework.review_templates.chronology import ENTRY_FIELDS, ENTRY_TEXT_LIMITS
from casework.services.errors import Conflict, Invalid, Refused
from casework.services.numbers import whole_number
from casework.services.returns import (
    check_answers,
    chronology_for,
    entry_for,
    my_requests,
    request_for,
    section_for,
    submit_return,
)
from casework.services.returns_merge import (
    AnswerConflict,
    add_chronology_entry,
    change_chronology_entry,
    remove_chronology_entry,
    save_section,
)
from casework.web.forms import date_error_href

returns = Blueprint("returns", __name__, url_prefix="/requests")

# A request's status as its tag says it, with the tag's colour.
STATUS_TAGS = {
    "not_started": ("Not started", "govuk-tag--blue"),
    "in_progress": ("In progress", "govuk-tag--light-blue"),
    "overdue": ("Overdue", "govuk-tag--red"),
    "paused": ("Paused: the case is on hold", "govuk-tag--grey"),
    "returned_for_amendment": ("Returned for amendment", "govuk-tag--orange"),
    "submitted": ("Submitted", "govuk-tag--green"),
    "nil_return": ("Nil return submitted", "govuk-tag--green"),
    "closed": ("Closed", "govuk-tag--grey"),
}
SECTION_STATUSES = {
    "not_started": {"tag": {"text": "Not started", "classes": "govuk-tag--blue"}},
    "in_progress": {"tag": {"text": "In progress", "classes": "govuk-tag--light-blue"}},
    "completed": {"text": "Completed"},
    "cannot_start": {
        "text": "Cannot start yet",
        "classes": "govuk-task-list__status--cannot-start-yet",
    },
}


def _me():
    return current_user._get_current_object()


def _values(questions, answers: dict[str, Any]) -> dict[str, Any]:
    """The page's boxes filled from stored answers."""
    values: dict[str, Any] = {}
    for question in questions:
        if question.type != "chronology":
            values.update(question.form_values(answers.get(question.id)))
    return values


def _posted(names: list[str], multiple: set[str]) -> dict[str, Any]:
    """The page's boxes as the person filled them in."""
    return {
        name: request.form.getlist(name) if name in multiple else request.form.get(name, "")
        for name in names
    }


def _error_list(
    errors: dict[str, str], date_fields: set[str], values: dict[str, Any]
) -> list[dict[str, str]]:
    """The error summary's links: a date's message goes to its first box at fault."""
    return [
        {
            "text": message,
            "href": date_error_href(values, key) if key in date_fields else f"#{key}",
        }
        for key, message in errors.items()
    ]


def _revision() -> str:
    return request.form.get("loaded_revision", "")


def _posted_revision(current: int) -> int:
    """The revision the posted answers were typed against, shown again with them."""
    posted = whole_number(_revision())
    return posted if posted is not None and posted <= current else current


# The agency's requests and a return's task list ------------------------------------------


@returns.get("/")
def index():
    return render_template(
        "returns/index.html",
        title="Your agency's requests",
        items=my_requests(_me()),
        status_tags=STATUS_TAGS,
    )


@returns.get("/<int:request_id>")
def show(request_id: int):
    view = request_for(_me(), request_id)
    return render_template(
        "returns/show.html",
        title=f"{view.agency_name}'s return – {view.case.reference}",
        view=view,
        status_tags=STATUS_TAGS,
        section_statuses=SECTION_STATUSES,
    )


# A section's page ---------------------------------------------------------------------------


def _after_saving(request_id: int, section_id: str, later: bool):
    if later:
        flash("Your answers have been saved. You can come back to them at any time.", "success")
        return redirect(url_for("returns.show", request_id=request_id))
    if request.args.get("from") == "check":
        return redirect(url_for("returns.check", request_id=request_id))
    following = request_for(_me(), request_id).next_after(section_id)
    if following is None:
        return redirect(url_for("returns.check", request_id=request_id))
    if following.chronology:
        return redirect(
            url_for("returns.chronology", request_id=request_id, question_id=following.chronology)
        )
    return redirect(
        url_for("returns.section", request_id=request_id, section_id=following.section.id)
    )


@returns.route("/<int:request_id>/sections/<section_id>", methods=["GET", "POST"])
def section(request_id: int, section_id: str):
    me = _me()
    view, section = section_for(me, request_id, section_id)  # 404 / 403 before the form
    questions = view.template.shown_questions(section, view.answers)
    values, revision = _values(questions, view.answers), view.revision
    errors: dict[str, str] = {}
    clashes = []
    problem = None
    if request.method == "GET" and not view.editable:
        return redirect(url_for("returns.check", request_id=request_id))
    if request.method == "GET" and questions and all(q.type == "chronology" for q in questions):
        return redirect(
            url_for("returns.chronology", request_id=request_id, question_id=questions[0].id)
        )
    if request.method == "POST":
        later = request.form.get("action") == "later"
        try:
            save_section(me, request_id, section_id, request.form, _revision(), require=not later)
        except AnswerConflict as error:
            clashes, errors = error.clashes, error.fields
            values, revision = _values(questions, error.answers), error.revision
        except Invalid as error:
            errors, values = error.fields, _posted_answers(questions)
            revision = _posted_revision(revision)
            problem = None if errors else error.message
        except (Refused, Conflict) as error:
            # What they typed stays in the boxes, to copy or to try again with, with the
            # revision it was typed against: saving again then merges against what they saw,
            # and a colleague's change since is a clash, not silently overwritten.
            problem, values = error.message, _posted_answers(questions)
            revision = _posted_revision(revision)
        else:
            return _after_saving(request_id, section_id, later)
    not_saved = _not_asked(section, questions) if request.method == "POST" else []
    dates = {q.id for q in questions if q.type == "date"}
    return render_template(
        "returns/section.html",
        title=f"{section.title} – {view.case.reference}",
        view=view,
        section=section,
        questions=questions,
        values=values,
        revision=revision,
        errors=errors,
        error_list=_error_list(errors, dates, values),
        clashes={clash.answer_id: clash for clash in clashes},
        problem=problem,
        not_saved=not_saved,
        from_check=request.args.get("from") == "check",
    )


def _posted_answers(questions) -> dict:
    names = [name for q in questions if q.type != "chronology" for name in q.field_names]
    return _posted(names, {q.id for q in questions if q.type == "multiple_choice"})


def _not_asked(section: Section, questions: list[Question]) -> list[tuple[Question, str]]:
    """(question, what was posted for it) for the section's questions this page no longer
    asks. A colleague's answer since the page was loaded (a nil return) hides them, so the
    save is refused and their boxes are gone: the text is shown to copy rather than lost."""
    asked = {q.id for q in questions}
    return [
        (q, typed)
        for q in section.questions
        if q.type != "chronology"
        and q.id not in asked
        and (typed := q.display_posted(request.form)) is not None
    ]


# The chronology ---------------------------------------------------------------------------


@returns.get("/<int:request_id>/chronology/<question_id>")
def chronology(request_id: int, question_id: str):
    page = chronology_for(_me(), request_id, question_id)
    return render_template(
        "returns/chronology.html",
        title=f"{page.question.label} – {page.view.case.reference}",
        page=page,
        view=page.view,
        following=page.view.next_after(page.section.id),
        entry_fields=ENTRY_FIELDS,
    )


def _entry_page(page, heading: str, values, errors, *, entry_id=None, revision=None, **more):
    question = page.question
    return render_template(
        "returns/entry.html",
        title=f"{heading} – {page.view.case.reference}",
        heading=heading,
        page=page,
        view=page.view,
        question=question,
        values=values,
        errors=errors,
        error_list=_error_list(errors, {f"{question.id}-date"}, values),
        entry_id=entry_id,
        revision=revision,
        labels=ENTRY_FIELDS,
        limits=ENTRY_TEXT_LIMITS,
        **more,
    )


def _to_list(request_id: int, question_id: str):
    return redirect(url_for("returns.chronology", request_id=request_id, question_id=question_id))


@returns.route("/<int:request_id>/chronology/<question_id>/add", methods=["GET", "POST"])
def add_entry(request_id: int, question_id: str):
    me = _me()
    page = chronology_for(me, request_id, question_id)
    if request.method == "GET" and not page.may_change:
        return _to_list(request_id, question_id)
    values, errors, problem = page.question.form_values(None), {}, None
    if request.method == "POST":
        try:
            add_chronology_entry(me, request_id, question_id, request.form)
        except Invalid as error:
            errors, values = error.fields, _posted(page.question.field_names, set())
        except (Refused, Conflict) as error:
            problem, values = error.message, _posted(page.question.field_names, set())
        else:
            flash("The event has been added to the chronology.", "success")
            return _to_list(request_id, question_id)
    return _entry_page(page, "Add an event", values, errors, problem=problem)


@returns.route("/<int:request_id>/chronology/<question_id>/<int:entry_id>", methods=["GET", "POST"])
def change_entry(request_id: int, question_id: str, entry_id: int):
    me = _me()
    if request.method == "GET":
        page, line = entry_for(me, request_id, question_id, entry_id)
        if not page.may_change:
            return _to_list(request_id, question_id)
        values = page.question.form_values(line.entry)
        return _entry_page(
            page, "Change an event", values, {}, entry_id=entry_id, revision=page.view.revision
        )
    page = chronology_for(me, request_id, question_id)  # 404 / 403 before the form
    revision, errors, clash, problem = _revision(), {}, None, None
    values = _posted(page.question.field_names, set())
    try:
        change_chronology_entry(me, request_id, question_id, entry_id, request.form, revision)
    except AnswerConflict as error:
        [clash] = error.clashes
        revision, problem = error.revision, error.fields[clash.answer_id]
    except Invalid as error:
        errors = error.fields
        problem = None if errors else error.message
    except (Refused, Conflict) as error:
        problem = error.message
    else:
        flash("The event has been changed.", "success")
        return _to_list(request_id, question_id)
    return _entry_page(
        page,
        "Change an event",
        values,
        errors,
        entry_id=entry_id,
        revision=revision,
        clash=clash,
        problem=problem,
    )


@returns.route(
    "/<int:request_id>/chronology/<question_id>/<int:entry_id>/remove", methods=["GET", "POST"]
)
def remove_entry(request_id: int, question_id: str, entry_id: int):
    me = _me()
    if request.method == "POST":
        try:
            remove_chronology_entry(me, request_id, question_id, entry_id, _revision())
        except AnswerConflict as error:
            [clash] = error.clashes
            page, line = entry_for(me, request_id, question_id, entry_id)
            return _remove_page(page, line, error.revision, clash, error.fields[clash.answer_id])
        except (Invalid, Refused, Conflict) as error:
            page, line = entry_for(me, request_id, question_id, entry_id)
            return _remove_page(page, line, page.view.revision, None, error.message)
        flash("The event has been removed from the chronology.", "success")
        return _to_list(request_id, question_id)
    page, line = entry_for(me, request_id, question_id, entry_id)
    if not page.may_change:
        return _to_list(request_id, question_id)
    return _remove_page(page, line, page.view.revision, None, None)


def _remove_page(page, line, revision, clash, problem):
    return render_template(
        "returns/remove_entry.html",
        title=f"Remove an event – {page.view.case.reference}",
        page=page,
        view=page.view,
        line=line,
        revision=revision,
        clash=clash,
        problem=problem,
        entry_fields=ENTRY_FIELDS,
    )


# Checking and submitting ------------------------------------------------------------------


def _check_page(check, problem: str | None = None, missing_errors: bool = False):
    return render_template(
        "returns/check.html",
        title=f"Check your answers – {check.view.case.reference}",
        check=check,
        view=check.view,
        problem=problem,
        missing_errors=missing_errors,
    )


@returns.get("/<int:request_id>/check")
def check(request_id: int):
    return _check_page(check_answers(_me(), request_id))


@returns.post("/<int:request_id>/submit")
def submit(request_id: int):
    me = _me()
    checked = request.form.get("checked_revision", "")
    try:
        # The revision the person checked: not a number means it cannot be theirs.
        revision = whole_number(checked)
        revision = -1 if revision is None else revision
        submit_return(me, request_id, checked_revision=revision)
    except Invalid:
        return _check_page(check_answers(me, request_id), missing_errors=True)
    except (Refused, Conflict) as error:
        return _check_page(check_answers(me, request_id), problem=error.message)
    return redirect(url_for("returns.submitted", request_id=request_id))


@returns.get("/<int:request_id>/submitted")
def submitted(request_id: int):
    view = request_for(_me(), request_id)
    if view.status not in ("submitted", "nil_return"):
        return redirect(url_for("returns.show", request_id=request_id))
    return render_template(
        "returns/submitted.html",
        title=f"Return submitted – {view.case.reference}",
        view=view,
    )
