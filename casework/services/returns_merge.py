"""Saving a return: every write to its answers, merged answer by answer.

Several people in an agency may work on one return at once. Each page carries the revision
its author loaded (`loaded_revision`); every save bumps the request's `revision` and writes an
AnswerChange for each answer it changes. What an answer was when someone loaded the page is
the last change at or before that revision (an answer never changed through here is simply its
stored value). A save then goes answer by answer:

- the person left it as it was when they loaded the page: not theirs to write, nothing happens
  (anyone else's change since is kept);
- they changed it and nobody else has since: written;
- someone else changed it to the same value: fine, nothing to write;
- someone else changed it to something different: a clash. The whole save is refused, so
  nothing of it is written silently, with an AnswerConflict naming who changed each clashing
  answer, when, and both values. The page shows both, with the person's input kept and the
  current revision, so saving again deliberately keeps theirs.

So two people editing different answers of one section both keep their work. A chronology's
entries are answers of their own ("<question id>.<entry id>"): adding one never clashes (its
id is new, chosen with the request locked); changing or removing one merges like any answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from casework.extensions import db
from casework.models import AgencyRequest, AnswerChange, User
from casework.models.time import utcnow
from casework.review_templates import Question, Template, display_entry
from casework.services.errors import Conflict, Invalid, NotFound, Refused
from casework.services.numbers import whole_number
from casework.services.returns_access import (
    entry_key,
    find_chronology,
    find_section,
    in_transaction,
    load_request,
    london,
    require_editable,
    stored_entries,
    template_answers,
    template_of,
)
from casework.services.today import london_today
from casework.services.wording import clock_time, long_date

OUT_OF_DATE = "This page was out of date. Reload it and make your changes again."


@dataclass(frozen=True)
class Clash:
    """One answer two people changed differently: who changed it last, when, both values."""

    answer_id: str
    label: str
    field: str  # the id of the form field the error summary links to
    changed_by: str
    changed_at: datetime | None  # Europe/London
    theirs: str  # as "check your answers" shows it ("Not answered", "Removed"...)
    yours: str


class AnswerConflict(Conflict):
    """Someone else changed an answer differently since the person loaded the page.

    `clashes` names each one; `answers` is what to put back in the page's fields (the answers
    as they are now, with this person's changes on top) and `revision` the revision to carry.
    """

    def __init__(self, clashes: list[Clash], revision: int, answers: dict[str, Any]):
        names = sorted({clash.changed_by for clash in clashes})
        message = (
            f"{' and '.join(names)} changed {_count(len(clashes), 'answer')} you also changed, "
            "after you opened this page. Nothing you entered has been saved yet: check each "
            "answer, then save again to keep what is in the boxes."
        )
        super().__init__(message, {c.answer_id: _clash_message(c) for c in clashes})
        self.clashes, self.revision, self.answers = clashes, revision, answers


def _count(n: int, noun: str) -> str:
    return f"{'an' if n == 1 else n} {noun}{'' if n == 1 else 's'}"


def _clash_message(clash: Clash) -> str:
    when = ""
    if clash.changed_at:
        at = clash.changed_at
        when = f" at {clock_time(at)} on {long_date(at)}"
    return f"{clash.changed_by} changed '{clash.label}'{when}, after you opened this page"


@dataclass(frozen=True)
class Saved:
    revision: int
    written: list[str]  # the answer ids written (none when nothing changed)


# The merge --------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def _same(a: Any, b: Any) -> bool:
    return (_blank(a) and _blank(b)) or a == b


def _revision(loaded_revision: Any, request: AgencyRequest) -> int:
    try:
        loaded = int(loaded_revision)
    except (TypeError, ValueError):
        raise Invalid(OUT_OF_DATE) from None
    if not 0 <= loaded <= request.revision:
        raise Invalid(OUT_OF_DATE)
    return loaded


def _history(request_id: int, answer_ids: list[str]) -> dict[str, list[AnswerChange]]:
    found: dict[str, list[AnswerChange]] = {}
    if answer_ids:
        for change in db.session.scalars(
            select(AnswerChange)
            .where(AnswerChange.request_id == request_id, AnswerChange.answer_id.in_(answer_ids))
            .order_by(AnswerChange.revision, AnswerChange.id)
        ):
            found.setdefault(change.answer_id, []).append(change)
    return found


def _value_at(changes: list[AnswerChange], revision: int, stored: Any) -> Any:
    if not changes:
        return stored  # never changed through here: as it is
    value = None
    for change in changes:
        if change.revision <= revision:
            value = change.value
    return value


Describe = dict[str, tuple[str, str, Any]]  # answer id -> (label, field, display(value))


def _merge(
    request: AgencyRequest,
    user: User,
    mine: Mapping[str, Any],
    loaded: int | None,
    describe: Describe,
    template: Template,
) -> Saved:
    """Write the person's changed answers, or raise AnswerConflict writing nothing.

    `loaded` None means every value in `mine` is new (an entry just added)."""
    stored = dict(request.answers or {})
    history = _history(request.id, list(mine)) if loaded is not None else {}
    writes: dict[str, Any] = {}
    changed: dict[str, Any] = {}
    clashes: list[tuple[str, AnswerChange | None]] = []
    for answer_id, value in mine.items():
        current = stored.get(answer_id)
        base = None if loaded is None else _value_at(history.get(answer_id, []), loaded, current)
        if loaded is not None and _same(value, base):
            continue  # not changed by this person
        changed[answer_id] = value
        if _same(current, base):
            writes[answer_id] = value
        elif not _same(current, value):
            last = history.get(answer_id, [None])[-1]
            clashes.append((answer_id, last))
    if clashes:
        raise _conflict(request, stored, changed, clashes, describe, template)
    if writes:
        revision = request.revision + 1
        for answer_id, value in writes.items():
            if _blank(value):
                stored.pop(answer_id, None)
            else:
                stored[answer_id] = value
            db.session.add(
                AnswerChange(
                    request_id=request.id,
                    revision=revision,
                    answer_id=answer_id,
                    value=None if _blank(value) else value,
                    user_id=user.id,
                    at=utcnow(),
                )
            )
        request.answers, request.revision = stored, revision
    return Saved(request.revision, list(writes))


def _conflict(request, stored, changed, clashes, describe: Describe, template) -> AnswerConflict:
    people = {c.user_id for _, c in clashes if c is not None}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(people))).all())
    found = []
    for answer_id, last in clashes:
        label, field, display = describe[answer_id]
        found.append(
            Clash(
                answer_id=answer_id,
                label=label,
                field=field,
                changed_by=names.get(last.user_id, "Someone") if last else "Someone",
                changed_at=london(last.at) if last else None,
                theirs=display(stored.get(answer_id)),
                yours=display(changed[answer_id]),
            )
        )
    answers = template_answers(template, {**stored, **changed})
    answers.update(changed)  # a changed entry stays under its own key for its page
    return AnswerConflict(found, request.revision, answers)


def _question_describe(question: Question) -> tuple[str, str, Any]:
    field = question.field_names[0] if question.type == "date" else question.id
    return question.label, field, question.display


def _entry_describe(question: Question) -> tuple[str, str, Any]:
    def display(entry: Any) -> str:
        if not isinstance(entry, dict):
            return "Removed"
        return "\n".join(f"{label}: {text}" for label, text in display_entry(entry).items())

    return f"{question.label}: this event", f"{question.id}-date-day", display


# Sections ---------------------------------------------------------------------------------


def save_section(
    user: User,
    request_id: int,
    section_id: str,
    form: Mapping[str, Any],
    loaded_revision: Any,
    require: bool = False,
    today: date | None = None,
) -> Saved:
    """Save one section's page, merged against the revision the person loaded.

    With `require` ("Save and continue") the section's mandatory answers shown must be given;
    without it ("Save and come back later") blanks are saved as blanks. Checks in order:
    NotFound / NotPermitted (the request), NotFound (the section), Refused (locked, closed, or
    the section does not apply), Invalid (the page's answers, by question id), AnswerConflict.
    """
    today = today or london_today()

    def work() -> Saved:
        request, case = load_request(user, request_id, lock=True)
        template = template_of(request)
        section = find_section(template, section_id)
        require_editable(request, case)
        answers = template_answers(template, request.answers or {})
        if not template.shown_questions(section, answers):
            raise Refused("This section does not apply to your return, given your answers.")
        loaded = _revision(loaded_revision, request)
        cleaned = template.clean_section(section_id, form, answers, require=require, today=today)
        if cleaned.errors:
            raise Invalid("There is a problem with your answers.", cleaned.errors)
        describe = {q.id: _question_describe(q) for q in section.questions}
        return _merge(request, user, cleaned.value, loaded, describe, template)

    return in_transaction(work)


# Chronology entries -----------------------------------------------------------------------


def _chronology(user: User, request_id: int, question_id: str):
    request, case = load_request(user, request_id, lock=True)
    template = template_of(request)
    _, question = find_chronology(template, question_id)
    require_editable(request, case)
    if not template.is_shown(question_id, template_answers(template, request.answers or {})):
        raise Refused("The chronology does not apply to your return, given your answers.")
    return request, template, question


def _next_entry_id(request: AgencyRequest, question_id: str) -> int:
    """One more than any entry id this chronology has ever had: an id is never reused."""
    prefix = question_id + "."
    used = [i for i, _ in stored_entries(request.answers or {}, question_id)]
    used += [
        number
        for answer_id in db.session.scalars(
            select(AnswerChange.answer_id)
            .where(
                AnswerChange.request_id == request.id,
                AnswerChange.answer_id.startswith(prefix, autoescape=True),
            )
            .distinct()
        )
        if (number := whole_number(answer_id[len(prefix) :])) is not None
    ]
    return max(used, default=0) + 1


def add_chronology_entry(
    user: User,
    request_id: int,
    question_id: str,
    form: Mapping[str, Any],
    today: date | None = None,
) -> int:
    """Add one event to a chronology (all four fields, a date not in the future); its id."""
    today = today or london_today()

    def work() -> int:
        request, template, question = _chronology(user, request_id, question_id)
        cleaned = question.clean(form, today)
        if cleaned.errors:
            raise Invalid("There is a problem with the event.", cleaned.errors)
        entry_id = _next_entry_id(request, question_id)
        key = entry_key(question_id, entry_id)
        _merge(request, user, {key: cleaned.value}, None, {}, template)
        return entry_id

    return in_transaction(work)


def change_chronology_entry(
    user: User,
    request_id: int,
    question_id: str,
    entry_id: int,
    form: Mapping[str, Any],
    loaded_revision: Any,
    today: date | None = None,
) -> Saved:
    """Change one event, merged against the revision loaded (someone else's change or
    removal of the same event since is a clash)."""
    today = today or london_today()

    def work() -> Saved:
        request, template, question = _chronology(user, request_id, question_id)
        key = entry_key(question_id, entry_id)
        loaded = _revision(loaded_revision, request)
        _require_entry(request, key, loaded)
        cleaned = question.clean(form, today)
        if cleaned.errors:
            raise Invalid("There is a problem with the event.", cleaned.errors)
        describe = {key: _entry_describe(question)}
        return _merge(request, user, {key: cleaned.value}, loaded, describe, template)

    return in_transaction(work)


def remove_chronology_entry(
    user: User, request_id: int, question_id: str, entry_id: int, loaded_revision: Any
) -> Saved:
    """Remove one event (a clash if someone else changed it since the page was loaded)."""

    def work() -> Saved:
        request, template, question = _chronology(user, request_id, question_id)
        key = entry_key(question_id, entry_id)
        loaded = _revision(loaded_revision, request)
        _require_entry(request, key, loaded)
        describe = {key: _entry_describe(question)}
        return _merge(request, user, {key: None}, loaded, describe, template)

    return in_transaction(work)


def _require_entry(request: AgencyRequest, key: str, loaded: int) -> None:
    """NotFound unless the entry is there now or ever was. Once removed, an entry saved again
    comes back: the clash over its removal tells the person that saving again keeps what is
    in the boxes, and by then the page holds the revision after the removal."""
    if key in (request.answers or {}):
        return
    if not _history(request.id, [key]).get(key):
        raise NotFound("There is no such entry in the chronology.")
