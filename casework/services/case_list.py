"""The case list: one page of the cases a user may see, filtered, with an overdue flag each.

One query whatever the page or the number of cases: the page's rows as plain columns, each
with the overdue flag worked out by the database and the total (no case objects, no clocks
loaded). A page past the last asks the total on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, exists, func, select

from casework.extensions import db
from casework.models import Case, CaseCount, Clock, User
from casework.services.cases import case_filters
from casework.services.clocks import open_clock_overdue_clause
from casework.services.permissions import SEES_ALL_CASES
from casework.services.today import london_today
from casework.services.transactions import execute_core

PER_PAGE = 25


@dataclass(slots=True)  # not frozen: a frozen constructor is slow (see services/case_pages.py)
class CaseRow:
    id: int
    reference: str
    pseudonym: str | None
    nature: str
    state: str
    la_aware_on: date
    overdue: bool


@dataclass(frozen=True)
class CaseListing:
    rows: list[CaseRow]
    page: int
    last_page: int
    total: int
    first_shown: int  # "Showing 26 to 50 of 120 cases"
    last_shown: int
    pages: list[int | None]  # page numbers for the pagination, None for an ellipsis


def _total(user: User, where: list[ColumnElement[bool]], *, filtered: bool) -> ColumnElement[int]:
    """How many cases the list has in all, as a column of the page's statement. Unfiltered,
    for someone who sees every case of the partnership, it is the number the database keeps
    (`CaseCount`, kept by triggers): counting 20,000 cases on every page was nearly all of the
    list's time in the database."""
    if user.active and user.role in SEES_ALL_CASES and not filtered:
        kept = select(CaseCount.cases).where(CaseCount.partnership_id == user.partnership_id)
        return func.coalesce(kept.scalar_subquery(), 0)
    return select(func.count()).select_from(Case).where(*where).scalar_subquery()


def page_numbers(page: int, last_page: int) -> list[int | None]:
    """1 … 4 5 6 … 20: the first, the last and the pages either side of the current one."""
    wanted = {1, last_page, page - 1, page, page + 1}
    shown = sorted(n for n in wanted if 1 <= n <= last_page)
    numbers: list[int | None] = []
    for n in shown:
        if numbers and n - numbers[-1] > 1:  # type: ignore[operator]
            numbers.append(None)
        numbers.append(n)
    return numbers


def case_listing(
    user: User,
    *,
    state: str | None = None,
    overdue: bool | None = None,
    nature: str | None = None,
    aware_year: int | None = None,
    text: str | None = None,
    page: int = 1,
    today: date | None = None,
) -> CaseListing:
    """One page of the cases `user` may see, newest first. `overdue`: True, False or either."""
    today = today or london_today()
    where = case_filters(
        user,
        state=state,
        overdue=overdue is True,
        not_overdue=overdue is False,
        nature=nature,
        aware_year=aware_year,
        text=text,
        on=today,
    )
    # case_filters gives who may see the cases, then a clause per filter given.
    total_column = _total(user, where, filtered=len(where) > 1)
    # The page first, then the overdue flag for its rows only: asked in one SELECT, SQLite
    # would work the flag out for every case of the partnership before sorting. The total
    # comes in the same statement (a round trip fewer), on every row.
    shown = (
        select(Case.id, Case.reference, Case.pseudonym, Case.nature, Case.state, Case.la_aware_on)
        .where(*where)
        .order_by(Case.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
        .subquery()
    )
    overdue_clock = exists(
        select(Clock.id).where(Clock.case_id == shown.c.id, open_clock_overdue_clause(today))
    )
    found = execute_core(
        select(shown, overdue_clock, total_column).order_by(shown.c.id.desc())
    ).all()
    rows = [CaseRow(*row[:-2], overdue=bool(row[-2])) for row in found]
    # A page past the end has no row to carry the total: only then is it asked on its own.
    total = found[0][-1] if found else db.session.scalar(select(total_column)) or 0
    last_page = max(1, -(-total // PER_PAGE))
    first_shown = (page - 1) * PER_PAGE + 1
    return CaseListing(
        rows,
        page,
        last_page,
        total,
        first_shown,
        first_shown + len(rows) - 1,
        page_numbers(page, last_page),
    )
