"""Form fields shared by the pages: GOV.UK date inputs, radios and text, with GOV.UK messages,
and the one rule for which boxes of a date input are styled as wrong (`boxes_at_fault`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovTextArea,
    GovTextInput,
)
from wtforms.fields import DateField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from workflows.facts import DATE_RANGE, FIRST_DAY, LAST_DAY, MAX_TEXT

DATE_BOXES = ("day", "month", "year")
BOX_WIDTHS = {"day": 2, "month": 2, "year": 4}
HIGHEST_IN_BOX = {"day": 31, "month": 12, "year": 9999}


def boxes_at_fault(day: str | None, month: str | None, year: str | None) -> tuple[str, ...]:
    """The boxes to style as wrong when a date has an error, in order: the error summary links
    to the first. Every date input on every page asks this, given what its boxes show.

    GOV.UK's rule: a problem with particular boxes highlights only those; a problem with the
    date as a whole highlights all three. So, following the checks' order (a box left empty, a
    year without 4 numbers, a date that does not exist): nothing entered is all three; some
    boxes empty is those boxes; a year not 4 characters long is the year; one box that cannot
    be right whatever the others say (month 13, day 32, letters, year 0000) is that box. Any
    other error is about the whole date: more than one box wrong, a day its month lacks (31 4,
    29 2 2023), or a real date that breaks a rule (in the future, before another date).
    """
    parts = ((part or "").strip() for part in (day, month, year))
    typed = dict(zip(DATE_BOXES, parts, strict=True))
    if not any(typed.values()):
        return DATE_BOXES
    empty = tuple(box for box, value in typed.items() if not value)
    if empty:
        return empty
    if len(typed["year"]) != 4:
        return ("year",)
    wrong = tuple(box for box, value in typed.items() if not _could_be(box, value))
    return wrong if len(wrong) == 1 else DATE_BOXES


def _could_be(box: str, value: str) -> bool:
    return value.isascii() and value.isdigit() and 1 <= int(value) <= HIGHEST_IN_BOX[box]


def box_classes(box: str, at_fault: bool) -> str:
    """A date box's classes: its width, and GOV.UK's error style when it is at fault."""
    width = f"govuk-input--width-{BOX_WIDTHS[box]}"
    return f"{width} govuk-input--error" if at_fault else width


def date_items(values: Mapping[str, Any], prefix: str, error: object) -> list[dict[str, str]]:
    """govukDateInput's items for boxes named `<prefix>-day`, `-month`, `-year`, filled from
    `values`; when there is an `error`, only the boxes at fault are styled as wrong."""
    typed = _typed(values, prefix)
    at_fault = boxes_at_fault(*typed) if error else ()
    return [
        {"name": box, "value": value, "classes": box_classes(box, box in at_fault)}
        for box, value in zip(DATE_BOXES, typed, strict=True)
    ]


def date_error_href(values: Mapping[str, Any], prefix: str) -> str:
    """The error summary's link for a date with an error: its first box at fault."""
    return f"#{prefix}-{boxes_at_fault(*_typed(values, prefix))[0]}"


def _typed(values: Mapping[str, Any], prefix: str) -> list[str]:
    return [values.get(f"{prefix}-{box}") or "" for box in DATE_BOXES]


class GovDateBoxes(GovDateInput):
    """govuk-frontend-wtf's date input, with the error style on the boxes at fault only."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        at_fault = field.boxes_at_fault() if field.errors else ()
        for box, item in zip(DATE_BOXES, params["items"], strict=True):
            item["classes"] = box_classes(box, box in at_fault)
        return params


class GovDateField(DateField):
    """Day, month and year boxes, with the GOV.UK error messages for dates."""

    def __init__(self, label: str, *, noun: str = "the date", required: bool = True, **kwargs):
        params = {"fieldset": {"legend": {"text": label, "classes": "govuk-fieldset__legend--s"}}}
        kwargs.setdefault("description", "For example, 27 3 2023")
        super().__init__(
            label, format="%d %m %Y", widget=GovDateBoxes(), render_kw={"params": params}, **kwargs
        )
        self.noun, self.required = noun, required

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        if len(valuelist) != 3:  # not from our three boxes: show them empty again
            self.raw_data = None
            if valuelist:
                raise ValueError(f"{capital(self.noun)} must be a real date")
            return
        parts = [value.strip() for value in valuelist]
        if not any(parts):
            return  # left blank: `required` decides in pre_validate
        boxes = zip(("day", "month", "year"), parts, strict=True)
        missing = [name for name, value in boxes if not value]
        if missing:
            raise ValueError(f"{capital(self.noun)} must include a {' and a '.join(missing)}")
        if len(parts[2]) != 4:
            raise ValueError(f"{capital(self.noun)} must have a year with 4 numbers")
        try:
            day = datetime.strptime(" ".join(parts), "%d %m %Y").date()
        except ValueError:
            raise ValueError(f"{capital(self.noun)} must be a real date") from None
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ValueError(f"{capital(self.noun)} must be {DATE_RANGE}")
        self.data = day

    def pre_validate(self, form) -> None:
        if self.required and self.data is None and not self.errors:
            raise StopValidation(f"Enter {self.noun}")

    def boxes_at_fault(self) -> tuple[str, ...]:
        """The boxes to style as wrong and link to, judged on what they show (see the function)."""
        if self.raw_data and len(self.raw_data) == 3:
            return boxes_at_fault(*self.raw_data)
        return DATE_BOXES  # nothing typed: empty boxes, or a date the page filled in

    def iso(self) -> str | None:
        """The date as the services take it (YYYY-MM-DD), or None."""
        return self.data.isoformat() if isinstance(self.data, date) else None


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def radio_field(
    label: str, choices: dict[str, str], *, missing: str, required: bool = True, coerce=str
):
    return RadioField(
        label,
        coerce=coerce,
        choices=[SelectChoice(value, text) for value, text in choices.items()],
        validators=[] if required else [Optional()],
        invalid_choice_message=missing,
        invalid_value_message=missing,
        widget=GovRadioInput(),
        render_kw={"params": {**legend(label), "hint": None}},  # no empty hint box
    )


def legend(label: str) -> dict[str, Any]:
    return {"fieldset": {"legend": {"text": label, "classes": "govuk-fieldset__legend--s"}}}


def text_field(
    label: str,
    *,
    missing: str | None,
    short: bool,
    hint: str | None = None,
    first=(),
    max_length: int | None = None,
):
    """A text input (`short`, up to 200 characters unless `max_length` says) or a text area."""
    checks = [*first, DataRequired(missing) if missing else Optional()]
    label_params = {"label": {"text": label, "classes": "govuk-label--s"}}
    if short:
        most = min(max_length or 200, 200)
        limit = Length(max=most, message=f"Use {most} characters or fewer")
        return StringField(
            label,
            validators=[*checks, limit],
            description=hint,
            widget=GovTextInput(),
            render_kw={"params": {**label_params, "classes": "govuk-!-width-two-thirds"}},
        )
    limit = Length(max=MAX_TEXT, message=f"Use {MAX_TEXT:,} characters or fewer")
    return TextAreaField(
        label,
        validators=[*checks, limit],
        description=hint,
        widget=GovTextArea(),
        render_kw={"params": {**label_params, "rows": 5}},
    )
