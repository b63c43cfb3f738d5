"""Form fields shared by the pages: GOV.UK date inputs, radios and text, with GOV.UK messages."""

from __future__ import annotations

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


class GovDateField(DateField):
    """Day, month and year boxes, with the GOV.UK error messages for dates."""

    def __init__(self, label: str, *, noun: str = "the date", required: bool = True, **kwargs):
        params = {"fieldset": {"legend": {"text": label, "classes": "govuk-fieldset__legend--s"}}}
        kwargs.setdefault("description", "For example, 27 3 2023")
        super().__init__(
            label, format="%d %m %Y", widget=GovDateInput(), render_kw={"params": params}, **kwargs
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
