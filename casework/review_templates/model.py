"""One version of a review template, as the pages and services use it.

A `Template` is built by the loader from a definition that has passed every check, so the code
here can trust it: ids are unique, every `show_when` points at an earlier yes/no or choice
question, every option value is unique. Answers are a plain dict, question id -> stored value
(see answers.py), exactly as they are kept in the database as JSON.

Visibility: a question with `show_when` is shown only while the question it names is itself
shown and holds the given answer. A hidden question is never required and never displayed, but
its stored answer is kept (answer "yes" again and it comes back).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from casework.review_templates.answers import AnswerType, Cleaned, form_list, handler_for

YES_NO = ("yes", "Yes"), ("no", "No")


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    exclusive: bool = False


@dataclass(frozen=True)
class Condition:
    """`show_when` and `nil_return`: the question `question` holds the answer `equals`."""

    question: str
    equals: str


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    label: str
    mandatory: bool
    hint: str | None = None
    guidance: str | None = None
    options: tuple[Option, ...] = ()
    max_characters: int | None = None
    messages: Mapping[str, str] = field(default_factory=dict, compare=False)
    show_when: Condition | None = None

    @property
    def handler(self) -> AnswerType:
        return handler_for(self.type)

    @property
    def choices(self) -> tuple[Option, ...]:
        """The radios or checkboxes to show: the options, or Yes and No for a yes/no question."""
        if self.type == "yes_no":
            return tuple(Option(value, label) for value, label in YES_NO)
        return self.options

    @property
    def field_names(self) -> list[str]:
        """The names of the form fields this question's page posts."""
        return self.handler.field_names(self)

    def message(self, key: str, **values: Any) -> str:
        """The template's message for `key` if it gives one, else the answer type's default;
        `{max}`, `{missing}` and `{label}` are filled in."""
        text = self.messages.get(key) or self.handler.messages[key]
        for name, value in values.items():
            text = text.replace("{" + name + "}", str(value))
        return text

    def clean(self, raw: Mapping[str, Any], today: date | None = None) -> Cleaned:
        return self.handler.clean(self, raw, today)

    def is_answered(self, value: Any) -> bool:
        return self.handler.is_answered(value)

    def display(self, value: Any) -> str:
        return self.handler.display(self, value)

    def form_values(self, value: Any) -> dict[str, Any]:
        return self.handler.form_values(self, value)

    def display_posted(self, raw: Mapping[str, Any]) -> str | None:
        """What a page posted for this question, written out as `display` does, or as typed
        when it is not a valid answer (too long, not a real date); None when left blank. For
        showing back an answer that could not be saved, so that it can be copied."""
        cleaned = self.clean(raw)
        if cleaned.ok:
            return self.display(cleaned.value) if self.is_answered(cleaned.value) else None
        typed = [text for name in self.field_names for text in form_list(raw, name)]
        return " ".join(typed).replace("\r\n", "\n") or None


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    questions: tuple[Question, ...]
    guidance: str | None = None


@dataclass(frozen=True)
class Row:
    """One line of "check your answers": the question, whether it is answered, the text."""

    question: Question
    answered: bool
    text: str


@dataclass(frozen=True)
class SectionSummary:
    section: Section
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Template:
    id: str
    version: int
    title: str
    description: str
    sections: tuple[Section, ...]
    nil_return: Condition | None = None
    digest: str = ""  # sha256 of the definition's canonical JSON: it names this exact content

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for section in self.sections for q in section.questions)

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(f"{self.id} v{self.version} has no question {question_id!r}")

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(f"{self.id} v{self.version} has no section {section_id!r}")

    def is_shown(self, question_id: str, answers: Mapping[str, Any]) -> bool:
        condition = self.question(question_id).show_when
        if condition is None:
            return True
        return (
            self.is_shown(condition.question, answers)
            and answers.get(condition.question) == condition.equals
        )

    def shown_questions(self, section: Section, answers: Mapping[str, Any]) -> list[Question]:
        return [q for q in section.questions if self.is_shown(q.id, answers)]

    def shown_sections(self, answers: Mapping[str, Any]) -> list[Section]:
        """The sections with at least one question shown: the pages to go through."""
        return [s for s in self.sections if self.shown_questions(s, answers)]

    def shown_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The answers to the questions shown, dropping the kept answers of hidden ones:
        what a submitted return says and what the compiled returns show."""
        return {
            q.id: answers[q.id]
            for q in self.questions
            if q.id in answers and self.is_shown(q.id, answers)
        }

    def is_nil_return(self, answers: Mapping[str, Any]) -> bool:
        nil = self.nil_return
        return nil is not None and answers.get(nil.question) == nil.equals

    def missing(self, answers: Mapping[str, Any]) -> dict[str, str]:
        """Mandatory questions shown but not answered, question id -> message, in page order.
        Empty means the return can be submitted (a nil return needs nothing else)."""
        return {
            q.id: q.message("required")
            for q in self.questions
            if q.mandatory and self.is_shown(q.id, answers) and not q.is_answered(answers.get(q.id))
        }

    def clean_section(
        self,
        section_id: str,
        raw: Mapping[str, Any],
        answers: Mapping[str, Any],
        *,
        require: bool = False,
        today: date | None = None,
    ) -> Cleaned:
        """A section page's post: Cleaned(value={question id: value}, errors={field: message}).

        Only questions shown once this page's own answers are taken into account are cleaned
        (a yes/no on the page may reveal or hide the ones after it). Chronology questions are
        left out: their entries have pages of their own (`Question.clean` cleans one entry).
        With `require`, a mandatory question left blank is an error; without it (save and come
        back later) blanks are simply saved as blanks.
        """
        section = self.section(section_id)
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        merged = dict(answers)
        for q in section.questions:
            if q.type == "chronology" or not self.is_shown(q.id, merged):
                continue
            cleaned = q.clean(raw, today)
            errors.update(cleaned.errors)
            if cleaned.ok:
                values[q.id] = merged[q.id] = cleaned.value
                if require and q.mandatory and not q.is_answered(cleaned.value):
                    errors[q.id] = q.message("required")
        return Cleaned(values, errors)

    def summary(self, answers: Mapping[str, Any]) -> list[SectionSummary]:
        """The "check your answers" page: each shown section with its shown questions."""
        return [
            SectionSummary(
                section,
                tuple(
                    Row(q, q.is_answered(answers.get(q.id)), q.display(answers.get(q.id)))
                    for q in self.shown_questions(section, answers)
                ),
            )
            for section in self.shown_sections(answers)
        ]


def build_template(document: dict[str, Any], digest: str) -> Template:
    """A Template from a definition that has passed the schema and the loader's rules."""
    return Template(
        id=document["id"],
        version=document["version"],
        title=document["title"],
        description=document["description"],
        sections=tuple(_section(s) for s in document["sections"]),
        nil_return=_condition(document.get("nil_return")),
        digest=digest,
    )


def _section(document: dict[str, Any]) -> Section:
    return Section(
        id=document["id"],
        title=document["title"],
        guidance=document.get("guidance"),
        questions=tuple(_question(q) for q in document["questions"]),
    )


def _question(document: dict[str, Any]) -> Question:
    return Question(
        id=document["id"],
        type=document["type"],
        label=document["label"],
        mandatory=document["mandatory"],
        hint=document.get("hint"),
        guidance=document.get("guidance"),
        options=tuple(Option(**option) for option in document.get("options", ())),
        max_characters=document.get("max_characters"),
        messages=dict(document.get("messages", {})),
        show_when=_condition(document.get("show_when")),
    )


def _condition(document: dict[str, str] | None) -> Condition | None:
    return Condition(**document) if document else None
