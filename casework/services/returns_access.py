"""Who may reach an agency's return, and how its answers are kept.

The request is the grant (see the model): a contributor reaches a request when it is for
their agency, on a case of their partnership, and not cancelled. Anything else is NotFound,
exactly as if it did not exist; any other role is NotPermitted before a request is even looked
up (the same answer whatever the id, so it gives nothing away).

Answers are kept keyed by question id, except a chronology's entries, kept one per key
"<question id>.<entry id>" so that two people adding or changing different entries never
clash. `template_answers` folds the entries back into a list under the question's id, the
shape the review template reads, and the shape a submitted return stores.

A return can be changed while its request is open, the case is in the rapid review and the
request's `agency_return` clock is running; `locked_reason` says why not otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from casework.extensions import db
from casework.models import AgencyRequest, Case, Clock, User
from casework.review_templates import Question, Section, Template
from casework.review_templates import get as get_template
from casework.services.errors import Conflict, NotFound, NotPermitted, Refused
from casework.services.numbers import whole_number
from casework.services.today import LONDON
from casework.services.wording import long_date

CONTRIBUTOR = "agency_contributor"
SAVE_CONFLICT = (
    "Someone else in your agency saved this return at the same moment. Nothing of yours was "
    "saved: try again."
)
NOT_A_CONTRIBUTOR = "Only your agency's contributors complete its returns."

T = TypeVar("T")


# Answers ------------------------------------------------------------------------------------


def entry_key(question_id: str, entry_id: int) -> str:
    return f"{question_id}.{entry_id}"


def stored_entries(stored: Mapping[str, Any], question_id: str) -> list[tuple[int, dict]]:
    """A chronology's entries as kept, (entry id, entry), in the order they were added."""
    prefix = question_id + "."
    found = [
        (number, value)
        for key, value in stored.items()
        if key.startswith(prefix)
        and isinstance(value, dict)
        and (number := whole_number(key[len(prefix) :])) is not None
    ]
    return sorted(found, key=lambda pair: pair[0])


def template_answers(template: Template, stored: Mapping[str, Any]) -> dict[str, Any]:
    """The answers as the template reads them: each chronology's entries as a list under its
    question's id, in the order they were added (the template sorts them by date to show)."""
    chronologies = [q.id for q in template.questions if q.type == "chronology"]
    prefixes = tuple(q + "." for q in chronologies)
    answers = {k: v for k, v in stored.items() if not k.startswith(prefixes)}
    for question_id in chronologies:
        entries = [entry for _, entry in stored_entries(stored, question_id)]
        if entries:
            answers[question_id] = entries
        else:
            answers.pop(question_id, None)
    return answers


def chronology_of(section: Section) -> str | None:
    """The chronology a section's task opens when it holds nothing but chronologies."""
    if section.questions and all(q.type == "chronology" for q in section.questions):
        return section.questions[0].id
    return None


def section_status(template: Template, section: Section, answers: Mapping[str, Any]) -> str:
    shown = template.shown_questions(section, answers)
    if not shown:
        return "cannot_start"
    if not any(q.is_answered(answers.get(q.id)) for q in shown):
        return "not_started"
    if any(q.mandatory and not q.is_answered(answers.get(q.id)) for q in shown):
        return "in_progress"
    return "completed"


# Loading, with the permission checks -------------------------------------------------------


def require_contributor(user: User) -> None:
    if not user.active or user.role != CONTRIBUTOR or user.agency_id is None:
        raise NotPermitted(NOT_A_CONTRIBUTOR)


def load_request(
    user: User, request_id: int, *, lock: bool = False, lock_case: bool = False
) -> tuple[AgencyRequest, Case]:
    """The user's agency's request and its case. NotPermitted for anyone but a contributor;
    NotFound for another agency's request, another partnership's or a cancelled one.

    `lock_case` locks the case too, before the request (the order the manager's services and
    events take): for a change to the request's clock, which holds placed or lifted on the case
    also change."""
    require_contributor(user)
    if not isinstance(request_id, int) or not 0 < request_id < 2**31:
        raise NotFound("There is no such request.")
    query = (
        select(AgencyRequest, Case)
        .join(Case, Case.id == AgencyRequest.case_id)
        .where(
            AgencyRequest.id == request_id,
            AgencyRequest.agency_id == user.agency_id,
            AgencyRequest.status != "cancelled",
            Case.partnership_id == user.partnership_id,
        )
    )
    if lock_case:
        found = db.session.scalar(query.with_only_columns(Case.id))
        if found is not None:  # the case first, fresh with its holds and clocks
            db.session.scalars(
                select(Case)
                .where(Case.id == found)
                .with_for_update(of=Case)
                .execution_options(populate_existing=True)
            ).one()
    if lock:
        query = query.with_for_update(of=AgencyRequest).execution_options(populate_existing=True)
    row = db.session.execute(query).first()
    if row is None:
        raise NotFound("There is no such request.")
    return row[0], row[1]


def template_of(request: AgencyRequest) -> Template:
    return get_template(request.template_id, request.template_version)


def current_clock(request_id: int) -> Clock | None:
    return db.session.scalar(
        select(Clock)
        .where(Clock.agency_request_id == request_id, Clock.kind == "agency_return")
        .order_by(Clock.seq.desc())
        .limit(1)
    )


def clock_open(clock: Clock | None) -> bool:
    return clock is not None and clock.met_on is None and clock.cancelled_on is None


def locked_reason(request: AgencyRequest, case: Case, clock: Clock | None) -> str | None:
    """Why the return cannot be changed or submitted now, or None."""
    if request.status == "submitted":
        kind = "nil return" if request.nil_return else "return"
        return (
            f"Your agency's {kind} was submitted on {long_date(request.submitted_on)} and is "
            "locked. The business unit can return it to you if it needs amending."
        )
    if case.state != "rapid_review" or not clock_open(clock):
        return (
            "This request is closed: the case is not in the rapid review at the moment. Your "
            "saved answers are kept, and you can carry on if the business unit sends the "
            "request again."
        )
    return None


def require_editable(request: AgencyRequest, case: Case) -> None:
    reason = locked_reason(request, case, current_clock(request.id))
    if reason:
        raise Refused(reason)


def in_transaction(work: Callable[[], T]) -> T:
    """Run `work` and commit, or roll everything back; a clash of two writers is a Conflict."""
    try:
        result = work()
        db.session.commit()
    except (StaleDataError, IntegrityError, OperationalError) as error:
        db.session.rollback()
        if isinstance(error, OperationalError) and not any(
            word in str(error).lower() for word in ("locked", "deadlock")
        ):
            raise
        raise Conflict(SAVE_CONFLICT) from None
    except Exception:
        db.session.rollback()
        raise
    return result


def find_section(template: Template, section_id: str) -> Section:
    for section in template.sections:
        if section.id == section_id:
            return section
    raise NotFound("There is no such section in this return.")


def find_chronology(template: Template, question_id: str) -> tuple[Section, Question]:
    for section in template.sections:
        for question in section.questions:
            if question.id == question_id and question.type == "chronology":
                return section, question
    raise NotFound("There is no such chronology in this return.")


def london(moment: datetime) -> datetime:
    """A stored UTC timestamp in Europe/London."""
    return moment.replace(tzinfo=UTC).astimezone(LONDON)
