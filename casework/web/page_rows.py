"""The busiest pages' repeated markup, written here rather than in Jinja: on the case page the
timeline picture's marks and the rows of the stages, clock dates, holds and history tables; on
the home page the rows of the due clocks; on the case list its rows and its filters' options.

They are a row (or a few SVG elements) per stage, clock, hold, event or due clock, each with
several values: on the benchmark's case of 29 events about 600 escaped values and two
milliseconds of template loops, a fifth of the page's time, and 0.9 ms of the home page's
(issue 3: "the GOV.UK markup is what users need, not necessarily the macros on every hot
path"). The markup is the templates', element for element: the tables' captions and headers
stay in the templates, with a comment that sends the reader here. Every text is escaped;
numbers and dates are written as the templates wrote them (`str`, `long_date`,
`date_at_time`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from casework.services.case_timeline import ClockMark, HoldSpan, Stage, Timeline
from casework.services.wording import date_at_time, long_date
from casework.web.template_helpers import ROLE_NAMES, words

if TYPE_CHECKING:
    from casework.services.case_list import CaseRow
    from casework.services.case_pages import ClockLine, HistoryLine
    from casework.services.worklist import WorkItem


def _text(value: object) -> str:
    """`value` escaped as markupsafe's `escape` writes it (and markup left as it is), as text:
    these rows put it straight into a bigger string, and most values have nothing to escape,
    where the Markup that `escape` makes cost more than looking."""
    if type(value) is not str:
        if hasattr(value, "__html__"):
            return value.__html__()
        value = str(value)
    if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
        return str(escape(value))
    return value


ROW = '<tr class="govuk-table__row">'
CELL = '<td class="govuk-table__cell">'
LABEL = "casework-timeline__label"


def _rows(rows: Iterable[Iterable[str]]) -> Markup:
    """Table rows from each row's cells, given as markup already escaped."""
    # S704: every text in a cell was escaped by the function that made the cell.
    return Markup(  # noqa: S704
        "".join(ROW + "".join(f"{CELL}{cell}</td>" for cell in cells) + "</tr>" for cells in rows)
    )


def timeline_marks(t: Timeline) -> Markup:
    """Everything inside the timeline's <svg> but its title and description."""
    marks = []
    for band in t.holds:
        marks.append(
            f'<rect class="casework-timeline__hold" x="{band.x}" y="{t.plot_top}"'
            f' width="{band.width}" height="{t.plot_bottom - t.plot_top}"></rect>'
        )
    for bar in t.bars:
        current = " casework-timeline__stage--current" if bar.current else ""
        marks.append(
            f'<text class="{LABEL} {LABEL}--row" x="{t.label_x}" y="{bar.label_y}">'
            f"{_text(words(bar.state))}</text>"
            f'<rect class="casework-timeline__stage{current}" x="{bar.x}" y="{bar.y}"'
            f' width="{bar.width}" height="{t.bar_height}"></rect>'
        )
    for row in t.clocks:
        marks.append(
            f'<text class="{LABEL} {LABEL}--row" x="{t.label_x}" y="{row.label_y}">'
            f"{_text(row.label)}</text>"
            f'<line class="casework-timeline__guide" x1="{t.plot_left}" y1="{row.met_y}"'
            f' x2="{t.plot_right}" y2="{row.met_y}"></line>'
        )
        if row.due_points:
            late = " casework-timeline__late" if row.due_late else ""
            marks.append(
                f'<polygon class="casework-timeline__due{late}"'
                f' points="{_text(row.due_points)}"></polygon>'
            )
        if row.met_x is not None:
            late = " casework-timeline__late" if row.met_late else ""
            marks.append(
                f'<circle class="casework-timeline__met{late}" cx="{row.met_x}"'
                f' cy="{row.met_y}" r="5"></circle>'
            )
    marks.append(
        f'<line class="casework-timeline__axis" x1="{t.plot_left}" y1="{t.plot_bottom}"'
        f' x2="{t.plot_right}" y2="{t.plot_bottom}"></line>'
    )
    for tick in t.ticks:
        marks.append(
            f'<line class="casework-timeline__axis" x1="{tick.x}" y1="{t.plot_bottom}"'
            f' x2="{tick.x}" y2="{t.plot_bottom + 5}"></line>'
            f'<text class="{LABEL} {LABEL}--middle" x="{tick.x}" y="{t.axis_y}">'
            f"{_text(tick.label)}</text>"
        )
    marks.append(
        f'<line class="casework-timeline__today" x1="{t.today_x}" y1="{t.plot_top - 8}"'
        f' x2="{t.today_x}" y2="{t.plot_bottom}"></line>'
        f'<text class="{LABEL} {LABEL}--middle" x="{t.today_x}" y="{t.plot_top - 12}">Today</text>'
    )
    return Markup("".join(marks))  # noqa: S704 (each text above is escaped)


def clock_rows(clocks: list[ClockLine]) -> Markup:
    rows = []
    for clock in clocks:
        statutory = ' <strong class="govuk-tag govuk-tag--grey">Statutory</strong>'
        note = ""
        if clock.hold_note:
            note = f'<br><span class="govuk-body-s">{_text(clock.hold_note)}</span>'
        rows.append(
            (
                f"{_text(clock.label)}{statutory if clock.statutory else ''}",
                long_date(clock.due_on),
                long_date(clock.met_on),
                f'<strong class="govuk-tag {clock.tag}">{_text(clock.words)}</strong>{note}',
            )
        )
    return _rows(rows)


def _span_rows(spans: Iterable[tuple[str, date, date | None]], ongoing: str) -> Markup:
    """Rows of (a code in words, from, to), with `ongoing` for a span not yet ended."""
    return _rows(
        (_text(words(code)), long_date(start), long_date(end) if end else ongoing)
        for code, start, end in spans
    )


def stage_rows(stages: list[Stage]) -> Markup:
    return _span_rows(((s.state, s.start, s.end) for s in stages), "Now")


def clock_date_rows(marks: list[ClockMark]) -> Markup:
    rows = []
    for mark in marks:
        due = long_date(mark.due_on) + (" (overdue)" if mark.late and not mark.met_on else "")
        if mark.met_on:
            met = long_date(mark.met_on) + (" (late)" if mark.late else "")
        else:
            met = "Not yet"
        rows.append((_text(mark.label), due, met))
    return _rows(rows)


def hold_rows(holds: list[HoldSpan]) -> Markup:
    return _span_rows(((h.reason, h.start, h.end) for h in holds), "Still open")


# A state's and a role's words, escaped: worked out once per code rather than once per row.
@lru_cache(maxsize=64)
def _word(state: str | None) -> str:
    return _text(words(state))


@lru_cache(maxsize=16)
def _role(role: str) -> str:
    return _text(ROLE_NAMES[role])


def _state_change(line: HistoryLine) -> str:
    if line.from_state == line.to_state or not line.to_state:
        return f"{_word(line.from_state)} (no change)"
    if line.from_state:
        return f"{_word(line.from_state)} → {_word(line.to_state)}"
    return _word(line.to_state)


def history_rows(history: list[HistoryLine]) -> Markup:
    rows = []
    for line in history:
        detail = ""
        if line.detail:
            detail = f'<br><span class="govuk-body-s">{_text(line.detail)}</span>'
        rows.append(
            (
                long_date(line.on),
                f"{_text(line.words)}{detail}",
                _state_change(line),
                f'{_text(line.actor_name)}<br><span class="govuk-body-s">'
                f"{_role(line.actor_role)}</span>",
                date_at_time(line.recorded_at),
            )
        )
    return _rows(rows)


def summary_rows(rows: list[tuple[str, object]]) -> Markup:
    """GOV.UK summary list rows, one for each (key, value) with a value (a date as
    `long_date` writes it); a pair whose value is None or empty is left out."""
    html = []
    for key, value in rows:
        if not value:
            continue
        text = long_date(value) if isinstance(value, date) else _text(value)
        html.append(
            '<div class="govuk-summary-list__row">'
            f'<dt class="govuk-summary-list__key">{_text(key)}</dt>'
            f'<dd class="govuk-summary-list__value">{text}</dd></div>'
        )
    return Markup("".join(html))  # noqa: S704 (each text above is escaped)


def due_clock_rows(items: list[WorkItem], cases_url: str) -> Markup:
    """The home page's overdue, due soon and escalated clocks, each linking to its case."""
    rows = []
    for item in items:
        clock, days = item.clock, item.working_days
        statutory = ' <span class="govuk-tag govuk-tag--grey">Statutory</span>'
        if item.overdue:
            tag = "govuk-tag--red", f"Overdue by {days} working day{'s' if days != 1 else ''}"
        else:
            tag = "govuk-tag--yellow", f"Due in {days} working day{'s' if days != 1 else ''}"
        rows.append(
            (
                f'<a class="govuk-link" href="{_text(cases_url)}{clock.case_id}">'
                f"{_text(clock.case_reference)}</a>",
                f"{_text(words(clock.kind))}{statutory if clock.statutory else ''}",
                long_date(clock.due_on),
                f'<strong class="govuk-tag {tag[0]}">{tag[1]}</strong>',
            )
        )
    return _rows(rows)


def case_list_rows(rows: list[CaseRow], cases_url: str, natures: dict[str, str]) -> Markup:
    """The case list's rows: each case's reference linking to its page."""
    return _rows(
        (
            f'<a class="govuk-link" href="{_text(cases_url)}{row.id}">{_text(row.reference)}</a>',
            _text(row.pseudonym or ""),
            _text(natures[row.nature]),
            f"{_text(words(row.state))}"
            + (' <strong class="govuk-tag govuk-tag--red">Overdue</strong>' if row.overdue else ""),
            long_date(row.la_aware_on),
        )
        for row in rows
    )


def select_options(field) -> Markup:  # noqa: ANN001 (a WTForms SelectField)
    """A select field's <option>s, its value selected: the same few lists on every case list."""
    return _options(tuple((choice.value, choice.label) for choice in field.choices), field.data)


@lru_cache(maxsize=256)
def _options(choices: tuple[tuple[str, str], ...], selected: object) -> Markup:
    return Markup(  # noqa: S704 (each text is escaped)
        "".join(
            f'<option value="{_text(value)}"{" selected" if value == selected else ""}>'
            f"{_text(label)}</option>"
            for value, label in choices
        )
    )


def init_page_rows(app) -> None:  # noqa: ANN001 (a Flask app)
    helpers = (
        timeline_marks,
        clock_rows,
        stage_rows,
        clock_date_rows,
        hold_rows,
        history_rows,
        summary_rows,
        due_clock_rows,
        case_list_rows,
        select_options,
    )
    for helper in helpers:
        app.add_template_global(helper)
