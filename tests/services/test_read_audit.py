"""The audit of reads: every read is a row, and the running totals agree with the rows."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from casework.extensions import db as _db
from casework.models import CaseRead, CaseReadTotal
from casework.services.case_pages import case_page
from casework.services.cases import get_case, read_cases
from tests.factories import grant_access, make_case


def totals_from_the_rows() -> list[tuple]:
    rows = _db.session.execute(
        select(CaseRead.case_id, CaseRead.user_id, func.count(), func.max(CaseRead.read_at))
        .group_by(CaseRead.case_id, CaseRead.user_id)
        .order_by(CaseRead.case_id, CaseRead.user_id)
    )
    return [tuple(row) for row in rows]


def kept_totals() -> list[tuple]:
    rows = _db.session.execute(
        select(
            CaseReadTotal.case_id,
            CaseReadTotal.user_id,
            CaseReadTotal.reads,
            CaseReadTotal.last_read_at,
        ).order_by(CaseReadTotal.case_id, CaseReadTotal.user_id)
    )
    return [tuple(row) for row in rows]


def test_every_read_is_a_row_and_the_totals_count_them(
    business_manager, police_lead, scrutineer, panel_member
):
    first, second = make_case(business_manager), make_case(business_manager)
    grant_access(first.id, panel_member, business_manager, date.today() + timedelta(days=30))
    for _ in range(3):
        case_page(business_manager, first.id)
    get_case(police_lead, first.id)
    read_cases(scrutineer, via="api_list")  # both cases, one read each
    read_cases(scrutineer, via="api_list")
    case_page(panel_member, first.id)

    reads = _db.session.scalar(select(func.count()).select_from(CaseRead))
    assert reads == 3 + 1 + 2 * 2 + 1
    assert kept_totals() == totals_from_the_rows()
    by_user = {row[1]: row[2] for row in kept_totals() if row[0] == first.id}
    assert by_user == {
        business_manager.id: 3,
        police_lead.id: 1,
        scrutineer.id: 2,
        panel_member.id: 1,
    }
    assert {row[1]: row[2] for row in kept_totals() if row[0] == second.id} == {scrutineer.id: 2}


def test_the_case_page_lists_readers_latest_first_with_their_counts(
    business_manager, police_lead, scrutineer
):
    case = make_case(business_manager)
    case_page(business_manager, case.id)
    get_case(police_lead, case.id)
    case_page(business_manager, case.id)
    page = case_page(scrutineer, case.id)
    readers = [(r.name, r.reads) for r in page.readers]
    # The scrutineer's own read is recorded before the summary is read, so it is first.
    assert readers == [(scrutineer.name, 1), (business_manager.name, 2), (police_lead.name, 1)]


def test_the_last_read_stays_the_latest_when_an_earlier_read_is_recorded_second(
    business_manager, monkeypatch
):
    from datetime import datetime

    from casework.services import read_audit

    case = make_case(business_manager)
    for at in (datetime(2026, 11, 26, 10, 5), datetime(2026, 11, 26, 10, 0)):
        monkeypatch.setattr(read_audit, "utcnow", lambda at=at: at)
        read_audit.record_reads(business_manager, [case.id], via="web")
    _db.session.commit()
    total = _db.session.get(CaseReadTotal, (case.id, business_manager.id))
    assert total.last_read_at == datetime(2026, 11, 26, 10, 5)


def test_a_read_written_by_hand_is_totalled_too(business_manager):
    """The totals are kept by the database (migration 0010), whoever writes the read."""
    from sqlalchemy import text

    case = make_case(business_manager)
    for at in ("2026-11-26 10:05:00.000000", "2026-11-26 09:00:00.000000"):
        _db.session.execute(
            text(
                "INSERT INTO case_reads (case_id, user_id, read_at, via) "
                "VALUES (:case, :user, :at, 'web')"
            ),
            {"case": case.id, "user": business_manager.id, "at": at},
        )
    _db.session.commit()
    assert kept_totals() == totals_from_the_rows()
