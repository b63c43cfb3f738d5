"""The number of SQL statements a page costs does not grow with the number of cases.

For every role that sees pages, each page they can open (home, the case list, a case page and,
for admins and business managers, the list of users) is fetched with 100 cases in the
partnership and again with 2,000, counting the statements of that one request with a
`before_cursor_execute` listener. The counts must be equal.

The cases: 20 made through the services, in most states of the process, with overdue and
running clocks, a hold, sign-offs waiting; then copied, rows and all (cases, history, clocks,
sign-offs, holds and grants, with new ids and references), by INSERT ... SELECT. The granted
roles hold grants to some of the cases, copied with them, so they see more cases at 2,000.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import Integer, String, event, func, literal, select, text

from casework.extensions import db as _db
from casework.models import Alert, Case, CaseAccess, CaseEvent, Clock, Hold, SignOff
from casework.services.events import fire_event
from casework.services.today import london_today
from tests.factories import advance_case, grant_access, make_case, make_partnership, make_user
from tests.web.pages import WebClient

ORIGINALS = 20
COPIED = (Case, CaseEvent, Clock, SignOff, Hold, CaseAccess, Alert)  # parents first
GRANTED = ("panel_member", "agency_contributor", "reviewer")
# How many of the 20 original cases each role sees (grants are copied with their cases).
SEES = {
    "business_manager": 20,
    "partner_lead": 20,
    "scrutineer": 20,
    "panel_member": 5,
    "agency_contributor": 0,  # contributors see their agency's requests, never a case
    "reviewer": 2,
}
PAGES = {
    "business_manager": ("home", "case list", "case page", "alerts", "users"),
    "partner_lead": ("home", "case list", "case page", "alerts"),
    "panel_member": ("home", "case list", "case page", "alerts"),
    "agency_contributor": ("home", "case list", "alerts"),
    "reviewer": ("home", "case list", "case page", "alerts"),
    "scrutineer": ("home", "case list", "case page", "alerts"),
    "admin": ("home", "alerts", "users"),
}
ALERTED = ("business_manager", "partner_lead")  # an alert on each clock with a due date


PLACEHOLDERS = re.compile(r"IN \((?:\s*(?:\?|%\(\w+\)s|%s)(?:::\w+)?,?)+\s*\)")


def _shape(statement: str) -> str:
    """The statement on one line, an IN list of any length written `IN (...)`."""
    return PLACEHOLDERS.sub("IN (...)", " ".join(statement.split()))


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements sent to the database meanwhile."""
    sent: list[str] = []

    def record(connection, cursor, statement, parameters, context, executemany):
        sent.append(_shape(statement))

    event.listen(_db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(_db.engine, "before_cursor_execute", record)


def make_cases(manager, leads, today: date) -> list[int]:
    """20 cases through the services, across the process; returns their ids, oldest first."""

    def fire(case, name, **facts):
        return fire_event(manager, case.id, name, facts)

    recent = today - timedelta(days=1)
    cases = [make_case(manager) for _ in range(3)]  # referred, long overdue notification
    cases += [
        make_case(manager, incident_on=recent.isoformat(), la_aware_on=recent.isoformat())
        for _ in range(2)
    ]  # referred, the notification clock running
    declined = make_case(manager)
    fire(declined, "decline_notification", on="2023-03-02", rationale="Criteria not met")
    cases.append(declined)
    for _ in range(2):  # rapid review, overdue
        case = make_case(manager)
        fire(case, "notify", on="2023-03-06")
        cases.append(case)
    waiting = make_case(manager)  # rapid review with a decision: the leads' sign-offs wait
    fire(waiting, "notify", on="2023-03-06")
    fire(waiting, "record_decision", on="2023-03-14", decision="lcspr", rationale="Met")
    fire_event(leads["police"], waiting.id, "sign_off", {"on": "2023-03-15"})
    cases.append(waiting)
    held = make_case(manager)
    fire(held, "notify", on="2023-03-06")
    fire(held, "place_hold", on="2023-03-08", reason="criminal_proceedings")
    cases.append(held)
    for state in ("awaiting_panel", "commissioning", "commissioning", "in_review"):
        case = make_case(manager)
        cases.append(advance_case(case.id, manager, leads, state))
    for state in ("approval", "pre_publication", "learning", "closed"):
        case = make_case(manager)
        cases.append(advance_case(case.id, manager, leads, state))
    withdrawn = make_case(manager)
    fire(withdrawn, "notify", on="2023-03-06")
    fire(withdrawn, "withdraw", on="2023-03-10", reason="Criteria not met after all")
    cases.append(withdrawn)
    national = make_case(manager)
    advance_case(national.id, manager, leads, "awaiting_panel")
    fire(national, "record_panel_response", on="2023-03-30", panel_response="national_review")
    cases.append(national)
    assert len(cases) == ORIGINALS
    return [case.id for case in cases]


def highest_ids() -> dict[type, int]:
    """The highest id of each copied table: taken before copying, it tells the originals."""
    return {model: _db.session.scalar(select(func.max(model.id))) or 0 for model in COPIED}


def copy_cases(originals: dict[type, int], copies: range) -> None:
    """Copy the original rows once for each number in `copies`: copy k of a row has the id
    `id + k * highest`, and of a case, the reference `<reference>-k`."""
    case_offset = originals[Case]
    for k in copies:
        for model in COPIED:
            table = model.__table__
            if not originals[model]:
                continue
            columns = []
            for column in table.columns:
                if column.name == "id":
                    value = column + literal(k * originals[model], Integer)
                elif column.name == "case_id":
                    value = column + literal(k * case_offset, Integer)
                elif column.name == "clock_id":
                    value = column + literal(k * originals[Clock], Integer)
                elif column.name == "reference":
                    value = column + literal(f"-{k}", String)
                else:
                    value = column
                columns.append(value.label(column.name))
            rows = select(*columns).where(table.c.id <= originals[model])
            _db.session.execute(table.insert().from_select(list(table.columns.keys()), rows))
    if _db.engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
        for model in COPIED:
            name = model.__table__.name
            _db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
                )
            )
    _db.session.commit()


def measure(
    browsers: dict[str, WebClient], paths: dict[str, str], copies: int
) -> dict[tuple, list[str]]:
    """(role, page) -> the statements of one request for it (after one to warm up)."""
    counted = {}
    for role, pages in PAGES.items():
        browser = browsers[role]
        for page in pages:
            path = paths[page]
            assert browser.get(path).status_code == 200, f"{role} opens {page}"
            with statements() as sent:
                response = browser.get(path)
            assert response.status_code == 200, f"{role} opens {page}"
            counted[(role, page)] = sent
            if page == "case list" and SEES[role]:  # the cases it should see, copies too
                total = SEES[role] * copies
                assert f"of {total} cases" in response.get_data(as_text=True), (role, total)
    return counted


def cases_in(partnership_id: int) -> int:
    return _db.session.scalar(
        select(func.count(Case.id)).where(Case.partnership_id == partnership_id)
    )


def test_queries_per_page_are_the_same_at_100_and_2000_cases(app, db, subtests):
    today = london_today()
    partnership = make_partnership("Northbridge Safeguarding Children Partnership", "NSCP")
    people = {role: make_user(partnership, role) for role in PAGES if role != "partner_lead"}
    leads = {
        partner: make_user(partnership, "partner_lead", partner=partner)
        for partner in ("local_authority", "police", "health")
    }
    people["partner_lead"] = leads["local_authority"]
    manager = people["business_manager"]
    ids = make_cases(manager, leads, today)
    until = today + timedelta(days=60)
    shown = ids[12]  # in commissioning: every granted role may open it
    for role in GRANTED:
        grant_access(shown, people[role], manager, until)
    for case_id in (ids[0], ids[6], ids[8], ids[15]):
        grant_access(case_id, people["panel_member"], manager, until)
    grant_access(ids[3], people["agency_contributor"], manager, until)
    grant_access(ids[14], people["reviewer"], manager, until)

    for role in ALERTED:
        for clock_id, due_on in _db.session.execute(
            select(Clock.id, Clock.due_on).where(Clock.due_on.is_not(None))
        ):
            _db.session.add(
                Alert(user_id=people[role].id, clock_id=clock_id, rung="due", due_on=due_on)
            )
    _db.session.commit()

    browsers = {role: WebClient(app.test_client(), user) for role, user in people.items()}
    paths = {"home": "/", "case list": "/cases/", "case page": f"/cases/{shown}"}
    paths.update({"alerts": "/alerts/", "users": "/admin/users"})

    originals = highest_ids()
    copy_cases(originals, range(1, 5))
    assert cases_in(partnership.id) == 100
    at_100 = measure(browsers, paths, copies=5)
    copy_cases(originals, range(5, 100))
    assert cases_in(partnership.id) == 2000
    at_2000 = measure(browsers, paths, copies=100)

    print("\nSQL statements per page (100 cases / 2,000 cases):")
    for (role, page), sent in at_100.items():
        print(f"  {role:<20} {page:<10} {len(sent):>3} / {len(at_2000[(role, page)]):>3}")
    for key, sent in at_100.items():
        with subtests.test(role=key[0], page=key[1]):
            more = Counter(at_2000[key])
            more.subtract(Counter(sent))
            repeated = "\n".join(f"  {n:+d} x {s[:300]}" for s, n in more.items() if n)
            small, large = len(sent), len(at_2000[key])
            assert large == small, (
                f"{key[0]} on the {key[1]}: {small} statements with 100 cases, "
                f"{large} with 2,000. Sent more (or fewer) times:\n{repeated}"
            )
