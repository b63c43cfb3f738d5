"""Answer types: one handler per `type` a question may have, registered by its name.

Each handler turns what one page posted into a value to store (`clean`), says whether a stored
value counts as an answer (`is_answered`), writes it out for "check your answers" and the
compiled returns (`display`), and puts it back into the page's boxes (`form_values`).

Answers are stored as JSON keyed by question id: text as a string, a date as "YYYY-MM-DD",
yes/no as "yes" or "no", a choice as the option's value, a multiple choice as a list of values,
a chronology as a list of entries (see chronology.py).

Form field names: a question's field is named by its id; a date has three, `<id>-day`,
`<id>-month` and `<id>-year`, as the GOV.UK date input names them. Errors are keyed by the
question id, so a page can put each message beside its question and in the error summary.
A blank answer is not an error here: whether a question must be answered is the template's
business (it depends on `mandatory` and `show_when`), see `Template.missing`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from casework.review_templates.dates import DateProblem, date_parts, display_date, parse_parts
from workflows.facts import MAX_TEXT

if TYPE_CHECKING:
    from casework.review_templates.model import Option, Question

NOT_ANSWERED = "Not answered"
SHORT_TEXT_MAX = 200


@dataclass
class Cleaned:
    """The outcome of cleaning one page's values: a value to store, or errors by field."""

    value: Any = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def form_value(raw: Mapping[str, Any], name: str) -> str:
    """One posted value as text ("" when absent); \\r\\n as \\n, as the character count counts."""
    value = raw.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


def form_list(raw: Mapping[str, Any], name: str) -> list[str]:
    """Every value posted under a name: a werkzeug MultiDict (getlist), a list, or one string."""
    if hasattr(raw, "getlist"):
        values = raw.getlist(name)
    else:
        value = raw.get(name)
        values = (
            [] if value is None else list(value) if isinstance(value, list | tuple) else [value]
        )
    return [str(v).strip() for v in values if str(v).strip()]


class AnswerType:
    """The interface every answer type follows. `messages` are the defaults a template may
    override per question (and the only keys it may override for this type)."""

    name: ClassVar[str]
    messages: ClassVar[dict[str, str]]

    def field_names(self, question: Question) -> list[str]:
        return [question.id]

    def clean(
        self, question: Question, raw: Mapping[str, Any], today: date | None = None
    ) -> Cleaned:
        raise NotImplementedError

    def is_answered(self, value: Any) -> bool:
        raise NotImplementedError

    def display(self, question: Question, value: Any) -> str:
        raise NotImplementedError

    def form_values(self, question: Question, value: Any) -> dict[str, Any]:
        return {question.id: "" if value is None else value}


ANSWER_TYPES: dict[str, AnswerType] = {}


def answer_type(cls: type[AnswerType]) -> type[AnswerType]:
    """Register a handler under its `name`: the schema's list of types must match (tested)."""
    ANSWER_TYPES[cls.name] = cls()
    return cls


def handler_for(type_name: str) -> AnswerType:
    return ANSWER_TYPES[type_name]


@answer_type
class ShortText(AnswerType):
    name = "short_text"
    messages = {
        "required": "Enter an answer",
        "too_long": "The answer must be {max} characters or less",
    }

    def limit(self, question: Question) -> int:
        return SHORT_TEXT_MAX

    def clean(self, question, raw, today=None):
        text = form_value(raw, question.id)
        limit = self.limit(question)
        if len(text) > limit:
            return Cleaned(errors={question.id: question.message("too_long", max=limit)})
        return Cleaned(text or None)

    def is_answered(self, value):
        return isinstance(value, str) and bool(value.strip())

    def display(self, question, value):
        return value if self.is_answered(value) else NOT_ANSWERED


@answer_type
class LongText(ShortText):
    """Text over several lines, limited by the template's `max_characters` (shown as a GOV.UK
    character count) or, without one, by the engine's limit for any text."""

    name = "long_text"

    def limit(self, question: Question) -> int:
        return question.max_characters or MAX_TEXT


class _OneOf(AnswerType):
    def clean(self, question, raw, today=None):
        value = form_value(raw, question.id)
        if not value:
            return Cleaned()
        if value not in {option.value for option in question.choices}:
            return Cleaned(errors={question.id: question.message("invalid_choice")})
        return Cleaned(value)

    def is_answered(self, value):
        return isinstance(value, str) and bool(value)

    def display(self, question, value):
        labels = {option.value: option.label for option in question.choices}
        return labels.get(value, NOT_ANSWERED) if self.is_answered(value) else NOT_ANSWERED


@answer_type
class YesNo(_OneOf):
    name = "yes_no"
    messages = {"required": "Select yes or no", "invalid_choice": "Select yes or no"}


@answer_type
class Choice(_OneOf):
    name = "choice"
    messages = {"required": "Select an answer", "invalid_choice": "Select an answer from the list"}


@answer_type
class MultipleChoice(AnswerType):
    """Checkboxes. An `exclusive` option (such as "None known") cannot be ticked with others."""

    name = "multiple_choice"
    messages = {
        "required": "Select at least one answer",
        "invalid_choice": "Select answers from the list",
        "exclusive": "Select '{label}' or select the answers that apply, not both",
    }

    def clean(self, question, raw, today=None):
        chosen = set(form_list(raw, question.id))
        if not chosen:
            return Cleaned()
        options: list[Option] = list(question.choices)
        if chosen - {option.value for option in options}:
            return Cleaned(errors={question.id: question.message("invalid_choice")})
        for option in options:
            if option.exclusive and option.value in chosen and len(chosen) > 1:
                message = question.message("exclusive", label=option.label)
                return Cleaned(errors={question.id: message})
        return Cleaned([option.value for option in options if option.value in chosen])

    def is_answered(self, value):
        return isinstance(value, list) and bool(value)

    def display(self, question, value):
        if not self.is_answered(value):
            return NOT_ANSWERED
        labels = {option.value: option.label for option in question.choices}
        return "\n".join(labels.get(v, v) for v in value)

    def form_values(self, question, value):
        return {question.id: list(value or [])}


@answer_type
class Date(AnswerType):
    name = "date"
    messages = {
        "required": "Enter the date",
        "incomplete_date": "The date must include a {missing}",
        "invalid_year": "The date must have a year with 4 numbers",
        "invalid_date": "The date must be a real date",
    }

    def field_names(self, question):
        return [f"{question.id}-{part}" for part in ("day", "month", "year")]

    def clean(self, question, raw, today=None):
        parts = [form_value(raw, name) for name in self.field_names(question)]
        try:
            on = parse_parts(*parts)
        except DateProblem as problem:
            message = question.message(problem.key, missing=problem.missing)
            return Cleaned(errors={question.id: message})
        return Cleaned(on.isoformat() if on else None)

    def is_answered(self, value):
        return isinstance(value, str) and bool(value)

    def display(self, question, value):
        return display_date(value) if self.is_answered(value) else NOT_ANSWERED

    def form_values(self, question, value):
        names = self.field_names(question)
        return dict(zip(names, date_parts(value), strict=True))


# Registers the chronology handler; imported last because it builds on the ones above.
from casework.review_templates import chronology  # noqa: E402, F401, I001
