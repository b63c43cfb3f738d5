"""The case timeline picture, worked out as plain geometry for a server-drawn SVG.

`draw_timeline` takes the stages a case passed through, its clocks and its holds, and returns
rectangles, markers and ticks with their x and y positions already computed, so the template only
writes them out. It knows nothing of the database or of Flask: plain values in, plain values out.

The picture is a small Gantt chart. One row per stage (a bar from the day the case entered it to
the day it left, or today), then one row per clock (a diamond on its due date, a circle on the
day it was met; red when late), holds shaded across every row, and a dashed line for today.

Its records are plain dataclasses with slots, not frozen ones (see case_pages.py for why).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

WIDTH = 960
LABEL_WIDTH = 200  # the row labels sit left of the plot
PLOT_LEFT, PLOT_RIGHT = LABEL_WIDTH + 10, WIDTH - 30
TOP = 28  # room for the "Today" label
ROW = 26
BAR = 16
AXIS = 34  # tick labels under the plot
MARKER = 6  # half the diamond's width; the circle's radius is a little less


@dataclass(slots=True)
class Stage:
    state: str
    start: date
    end: date | None  # None: the case is in this stage now


@dataclass(slots=True)
class ClockMark:
    label: str
    due_on: date | None
    met_on: date | None
    late: bool  # met late, or still open past its due date


@dataclass(slots=True)
class HoldSpan:
    reason: str
    start: date
    end: date | None  # None: still open


@dataclass(slots=True)
class Bar:
    state: str
    start: date
    end: date | None
    x: float
    y: float
    width: float
    label_y: float
    current: bool


@dataclass(slots=True)
class ClockRow:
    label: str
    label_y: float
    due_points: str | None  # the diamond's polygon points
    due_late: bool
    met_x: float | None
    met_y: float
    met_late: bool


@dataclass(slots=True)
class Band:
    reason: str
    x: float
    width: float


@dataclass(slots=True)
class Tick:
    x: float
    label: str


@dataclass(slots=True)
class Timeline:
    width: int
    height: int
    plot_left: int
    plot_right: int
    bar_height: int
    plot_top: float
    plot_bottom: float
    bars: list[Bar]
    clocks: list[ClockRow]
    holds: list[Band]
    ticks: list[Tick]
    today_x: float
    label_x: int
    axis_y: float
    description: str


def _ticks(start: date, end: date, scale) -> list[Tick]:
    """Weeks for a short span, then months, quarters or years: about a dozen labels at most."""
    span = (end - start).days
    if span <= 70:
        day = start + timedelta(days=(7 - start.weekday()) % 7)  # the first Monday
        ticks = []
        while day <= end:
            ticks.append(Tick(scale(day), f"{day.day} {day:%b}"))
            day += timedelta(days=7)
        return ticks
    step = 1 if span <= 400 else 3 if span <= 1200 else 12
    year, month = start.year, start.month + 1  # the first month that starts inside the span
    if month > 12:
        year, month = year + 1, 1
    ticks = []
    while date(year, month, 1) <= end:
        if (month - 1) % step == 0:
            day = date(year, month, 1)
            ticks.append(Tick(scale(day), f"{day:%b %Y}"))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return ticks


def _describe(stages: list[Stage], clocks: list[ClockMark], holds: list[HoldSpan]) -> str:
    if not stages:
        return "The case has no recorded stages."
    count = len(stages)
    text = (
        f"The case passed through {count} stage{'s' if count != 1 else ''} "
        f"from {stages[0].start.isoformat()}; it is now in {stages[-1].state.replace('_', ' ')}."
    )
    late = sum(1 for c in clocks if c.late)
    text += f" {len(clocks)} clock{'s' if len(clocks) != 1 else ''}, {late} late."
    if holds:
        text += f" {len(holds)} hold{'s' if len(holds) != 1 else ''}."
    return text + " The tables below give the same facts."


def draw_timeline(
    stages: list[Stage], clocks: list[ClockMark], holds: list[HoldSpan], today: date
) -> Timeline:
    """Lay out the picture: every x from a date, every y from a row number."""
    days = [today]
    for stage in stages:
        days += [stage.start, stage.end or today]
    for clock in clocks:
        days += [d for d in (clock.due_on, clock.met_on) if d]
    for hold in holds:
        days += [hold.start, hold.end or today]
    start, end = min(days), max(days)
    span = max((end - start).days, 1)

    def x(day: date) -> float:
        return round(PLOT_LEFT + (day - start).days / span * (PLOT_RIGHT - PLOT_LEFT), 1)

    bars = []
    for row, stage in enumerate(stages):
        left, right = x(stage.start), x(stage.end or today)
        top = TOP + row * ROW + (ROW - BAR) / 2
        bars.append(
            Bar(
                stage.state,
                stage.start,
                stage.end,
                left,
                top,
                max(right - left, 2.0),  # a stage entered and left on one day still shows
                top + BAR - 4,
                stage.end is None,
            )
        )
    rows = []
    for offset, clock in enumerate(clocks):
        middle = TOP + (len(stages) + offset) * ROW + ROW / 2
        points = None
        if clock.due_on:
            cx = x(clock.due_on)
            points = (
                f"{cx},{middle - MARKER} {cx + MARKER},{middle} "
                f"{cx},{middle + MARKER} {cx - MARKER},{middle}"
            )
        met_late = clock.late and clock.met_on is not None
        rows.append(
            ClockRow(
                clock.label,
                middle + 4,
                points,
                clock.late and clock.met_on is None,
                x(clock.met_on) if clock.met_on else None,
                middle,
                met_late,
            )
        )
    plot_bottom = TOP + (len(stages) + len(clocks)) * ROW
    bands = [Band(h.reason, x(h.start), max(x(h.end or today) - x(h.start), 2.0)) for h in holds]
    return Timeline(
        width=WIDTH,
        height=int(plot_bottom + AXIS),
        plot_left=PLOT_LEFT,
        plot_right=PLOT_RIGHT,
        bar_height=BAR,
        plot_top=TOP,
        plot_bottom=plot_bottom,
        bars=bars,
        clocks=rows,
        holds=bands,
        ticks=_ticks(start, end, x),
        today_x=x(today),
        label_x=LABEL_WIDTH,
        axis_y=plot_bottom + 20,
        description=_describe(stages, clocks, holds),
    )
