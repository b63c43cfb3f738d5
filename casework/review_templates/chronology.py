"""The chronology answer type: a list of significant events, added one entry per page.

An entry is {"date": "YYYY-MM-DD", "what_happened", "practitioner_role", "why_it_matters"}, all
four required. The entry page posts `<id>-date-day`, `<id>-date-month`, `<id>-date-year`,
`<id>-what_happened`, `<id>-practitioner_role` and `<id>-why_it_matters`; `clean` checks that
one entry and returns it, for the service to add to the stored list or put in place of the
entry being changed. `clean`'s errors are keyed by those field names (`<id>-date` for the
date's three boxes). The list page shows `entries_in_date_order` with each entry's index in the
stored list, for its change and remove links.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from casework.review_templates.answers import (
    NOT_ANSWERED,
    SHORT_TEXT_MAX,
    AnswerType,
    Cleaned,
    answer_type,
    form_value,
)
from casework.review_templates.dates import DateProblem, date_parts, display_date, parse_parts
from workflows.facts import DATE_RANGE, FIRST_DAY, LAST_DAY

ENTRY_FIELDS = {
    "date": "Date",
    "what_happened": "What happened",
    "practitioner_role": "Practitioner's role",
    "why_it_matters": "Why it matters",
}
ENTRY_TEXT_LIMITS = {
    "what_happened": 2000,
    "practitioner_role": SHORT_TEXT_MAX,
    "why_it_matters": 2000,
}
ENTRY_MESSAGES = {
    "date": "Enter the date of the event",
    "incomplete_date": "The date of the event must include a {missing}",
    "invalid_year": "The date of the event must have a year with 4 numbers",
    "invalid_date": "The date of the event must be a real date",
    "out_of_range": f"The date of the event must be {DATE_RANGE}",
    "future_date": "The date of the event must be today or in the past",
    "what_happened": "Enter what happened",
    "practitioner_role": "Enter the practitioner's role",
    "why_it_matters": "Enter why it matters",
}
TOO_LONG_NOUNS = {
    "what_happened": "What happened",
    "practitioner_role": "The practitioner's role",
    "why_it_matters": "Why it matters",
}


@answer_type
class Chronology(AnswerType):
    name = "chronology"
    messages = {"required": "Add at least one event to the chronology"}

    def field_names(self, question):
        date_boxes = [f"{question.id}-date-{part}" for part in ("day", "month", "year")]
        return date_boxes + [f"{question.id}-{name}" for name in ENTRY_TEXT_LIMITS]

    def clean(self, question, raw, today: date | None = None) -> Cleaned:
        """One entry from the entry page: a date in the engine's range (a year typed wrong,
        such as 0001, would go into the compiled returns) and, with `today`, not after it."""
        errors: dict[str, str] = {}
        entry: dict[str, str] = {}
        date_field = f"{question.id}-date"
        parts = [form_value(raw, f"{date_field}-{part}") for part in ("day", "month", "year")]
        try:
            on = parse_parts(*parts)
        except DateProblem as problem:
            on = None
            errors[date_field] = ENTRY_MESSAGES[problem.key].replace("{missing}", problem.missing)
        else:
            if on is None:
                errors[date_field] = ENTRY_MESSAGES["date"]
            elif not FIRST_DAY <= on <= LAST_DAY:
                errors[date_field] = ENTRY_MESSAGES["out_of_range"]
            elif today is not None and on > today:
                errors[date_field] = ENTRY_MESSAGES["future_date"]
            else:
                entry["date"] = on.isoformat()
        for name, limit in ENTRY_TEXT_LIMITS.items():
            key = f"{question.id}-{name}"
            text = form_value(raw, key)
            if not text:
                errors[key] = ENTRY_MESSAGES[name]
            elif len(text) > limit:
                errors[key] = f"{TOO_LONG_NOUNS[name]} must be {limit} characters or less"
            else:
                entry[name] = text
        return Cleaned(errors=errors) if errors else Cleaned(entry)

    def is_answered(self, value: Any) -> bool:
        return isinstance(value, list) and bool(value)

    def display(self, question, value) -> str:
        """Every entry in date order, one paragraph each, for the compiled returns."""
        if not self.is_answered(value):
            return NOT_ANSWERED
        return "\n\n".join(
            "\n".join(f"{label}: {text}" for label, text in display_entry(entry).items())
            for _, entry in entries_in_date_order(value)
        )

    def form_values(self, question, value) -> dict[str, Any]:
        """One entry back into the entry page's fields (the change link), or empty ones."""
        entry = value or {}
        day, month, year = date_parts(entry.get("date"))
        values = {
            f"{question.id}-date-day": day,
            f"{question.id}-date-month": month,
            f"{question.id}-date-year": year,
        }
        for name in ENTRY_TEXT_LIMITS:
            values[f"{question.id}-{name}"] = entry.get(name, "")
        return values


def display_entry(entry: dict[str, str]) -> dict[str, str]:
    """An entry's fields by their labels, the date written out: a summary list's rows."""
    return {
        label: display_date(entry["date"]) if name == "date" else entry.get(name, "")
        for name, label in ENTRY_FIELDS.items()
    }


def entries_in_date_order(entries: list[dict[str, str]]) -> list[tuple[int, dict[str, str]]]:
    """(index in the stored list, entry), oldest first; entries of one day stay as entered."""
    return sorted(enumerate(entries), key=lambda pair: (pair[1]["date"], pair[0]))
