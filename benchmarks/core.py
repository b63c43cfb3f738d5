"""Benchmark of the workflow core: events per second through the services, and `clocks_due`.

    .venv/bin/python benchmarks/core.py [--backend sqlite|postgresql|both] [--cases 20000]

For each backend (SQLite in a temporary file; PostgreSQL in a throwaway database
`casework_bench_<random>`, created and dropped here) the script:

1. creates the app, runs the migrations, and makes a partnership, a business manager and the
   three partner leads through the services;
2. builds N cases with their clocks, spread over the last two years and over every state. Firing
   every event of 20,000 cases through `fire_event` would take far longer than the run allows,
   so the cases are inserted in bulk as the rows the services would have made: each case's
   events are replayed through the workflow's own code (`workflows.facts.clean`, the guards,
   the state machine, `record_facts`, `derive_clocks` and `casework.services.clocks.set_rungs`),
   and a sample of the same plans is first driven through `open_case` and `fire_event` and the
   rows compared column by column with the bulk ones;
3. measures `clocks_due(on)` on a date with few clocks at a rung (today) and one with many, over
   a smaller set of cases holding the same due clocks and then over all N, and shows the query
   plan (EXPLAIN / EXPLAIN QUERY PLAN);
4. opens fresh cases with `open_case` and fires a realistic mix of events on them through
   `fire_event`, each event its own committed transaction, and prints events per second: first
   one after another on one connection (the time each kind of event takes), then, on another
   set of fresh cases, from 2 processes at once (the web application's 2 gunicorn workers),
   which is the rate held against the target: what the installation can take;
5. prints a summary table against the targets of issue 2; the exit status is 1 if any target is
   missed.

Progress goes to stderr, figures to stdout.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python benchmarks/core.py` puts benchmarks/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse  # noqa: I001
import json
import multiprocessing
import os
import queue as queue_module
import random
import statistics
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import flask_migrate
import psycopg
from sqlalchemy import JSON, Table, bindparam, event, func, insert, select, text

from casework import create_app
from casework.extensions import db
from casework.models import Case, CaseEvent, Clock, Hold, SignOff, User
from casework.models.cases import CaseQuestions
from casework.services.cases import open_case
from casework.services.clocks import clocks_due, copy_derived, set_rungs
from casework.services.events import fire_event
from casework.services.partnerships import clock_settings, create_partnership
from casework.services.today import london_today
from casework.services.users import create_user
from workflows import cases as workflow
from workflows.calendar import add_working_days
from workflows.clocks import ClockSettings, derive_clocks
from workflows.facts import clean
from workflows.themes import THEMES

POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL",
    os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
)
PARTNERSHIP_CODE = "BENCH"
INDEX_NAME = "ix_clocks_alert_from_on"

# Targets of issue 2, "How we will know".
EVENTS_PER_SECOND_TARGET = 300
CLOCKS_DUE_MS_TARGET = 50.0
# Ten times the cases with the same clocks due should cost about the same; allow for noise.
CASE_GROWTH_RATIO_TARGET = 2.0

# The date with many clocks at a rung: four weeks ahead, when the clocks running out over the
# next four weeks have joined those already at a rung today.
MANY_DUE_AHEAD = timedelta(days=28)

_started = time.perf_counter()


def progress(message: str) -> None:
    print(f"[{time.perf_counter() - _started:6.1f}s] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Plans: the events of one case, as a business manager and the leads would record them.
# --------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """A case as opened (`open_case` data) and its events in order, all dated up to today."""

    nature: str
    incident_on: date
    la_aware_on: date
    steps: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # actor, event, raw

    @property
    def open_data(self) -> dict[str, Any]:
        return {
            "nature": self.nature,
            "incident_on": self.incident_on.isoformat(),
            "la_aware_on": self.la_aware_on.isoformat(),
        }


class _NotYet(Exception):
    """The next event of the plan falls after today: the case stops where it is."""


def make_plan(rng: random.Random, number: int, la_aware_on: date, today: date) -> Plan:
    """A case known to the local authority since `la_aware_on`, taken as far as today allows.

    Most cases follow the process on time; some run late, are declined, withdrawn, sent back
    by the Panel, held, or have their final report sent back for changes.
    """
    plan = Plan(
        nature=rng.choices(workflow.NATURES, weights=(35, 60, 5))[0],
        incident_on=la_aware_on - timedelta(days=rng.randint(0, 14)),
        la_aware_on=la_aware_on,
    )

    def step(actor: str, event_name: str, on: date, **facts: Any) -> date:
        if on > today:
            raise _NotYet
        plan.steps.append((actor, event_name, {"on": on.isoformat(), **facts}))
        return on

    def later(day: date, low: int, high: int) -> date:
        return add_working_days(day, rng.randint(low, high))

    def sign_offs(after: date, low: int, high: int) -> date:
        days = sorted((later(after, low, high), p) for p in workflow.PARTNERS)
        for day, partner in days:
            step(partner, "sign_off", day)
        return days[-1][0]

    with suppress(_NotYet):
        _walk(rng, number, plan, step, later, sign_offs)
    return plan


def _walk(
    rng: random.Random,
    number: int,
    plan: Plan,
    step: Callable[..., date],
    later: Callable[[date, int, int], date],
    sign_offs: Callable[[date, int, int], date],
) -> None:
    day = plan.la_aware_on
    if rng.random() < 0.08:
        day = step("manager", "decline_notification", later(day, 1, 5), rationale="Not met")
        if rng.random() < 0.75:
            return
        day = step("manager", "reopen", later(day, 10, 60), reason="New information")
    notify_gap = rng.randint(1, 5) if rng.random() < 0.9 else rng.randint(6, 9)
    day = step(
        "manager", "notify", add_working_days(day, notify_gap), sin_reference=f"SIN-{number}"
    )

    decision = rng.choices(workflow.DECISIONS, weights=(50, 40, 10))[0]
    first_round = True
    while True:  # rapid review; again if the Panel disagrees or wants more
        if rng.random() < 0.02:
            step("manager", "withdraw", later(day, 2, 10), reason="Criteria not met after all")
            return
        submit_gap = rng.randint(9, 15) if rng.random() < 0.88 else rng.randint(16, 24)
        submitted_on = add_working_days(day, submit_gap)
        decided_on = later(day, 3, submit_gap - 4)
        step("manager", "record_decision", decided_on, decision=decision, rationale="Agreed")
        sign_offs(decided_on, 0, 3)
        day = step("manager", "submit_rapid_review", submitted_on)
        if rng.random() < 0.01:
            step("manager", "withdraw", later(day, 1, 5), reason="Family withdrew")
            return
        weights = (82, 7, 5, 6) if first_round else (90, 0, 0, 10)
        response = rng.choices(
            ("agree", "further_information", "disagree", "national_review"), weights=weights
        )[0]
        gap = (3, 10) if rng.random() < 0.9 else (11, 16)
        day = step("manager", "record_panel_response", later(day, *gap), panel_response=response)
        if response in ("agree", "national_review"):
            break
        first_round = False

    destination = "national_review" if response == "national_review" else None
    destination = destination or workflow.AGREED_DESTINATION[decision]
    if destination == "national_review":
        day = step("manager", "national_review_published", later(day, 60, 200))
    elif destination == "commissioning":
        day = _commission_and_review(rng, number, step, later, sign_offs, day)
    step("manager", "close", later(day, 20, 80))


def _commission_and_review(
    rng: random.Random,
    number: int,
    step: Callable[..., date],
    later: Callable[[date, int, int], date],
    sign_offs: Callable[[date, int, int], date],
    day: date,
) -> date:
    if rng.random() < 0.06:  # a hold pauses the local commissioning targets
        day = step("manager", "place_hold", later(day, 1, 5), reason="criminal_proceedings")
        day = step("manager", "lift_hold", later(day, 20, 80))
    reviewer = {"name": f"Reviewer {number % 40}", "organisation": "Independent"}
    day = step("manager", "appoint_reviewer", later(day, 3, 12), reviewer=reviewer)
    day = step("manager", "agree_terms_of_reference", later(day, 2, 10))
    day = step("manager", "start_review", later(day, 1, 5))
    if rng.random() < 0.04:
        day = step("manager", "place_hold", later(day, 5, 30), reason="inquest", note="Inquest")
        day = step("manager", "lift_hold", later(day, 10, 60))
    day = step("manager", "submit_final_report", later(day, 50, 100))
    if rng.random() < 0.12:
        day = step("manager", "request_changes", later(day, 5, 15), reason="More on the school")
        day = step("manager", "submit_final_report", later(day, 10, 25))
    day = sign_offs(day, 1, 8)
    scheduled_on = later(day, 0, 3)
    planned_on = later(scheduled_on, 12, 20)
    step("manager", "schedule_publication", scheduled_on, planned_on=planned_on.isoformat())
    step("manager", "send_advance_copy", later(scheduled_on, 1, 3))
    facts: dict[str, Any] = {
        "kind": "full",
        "pseudonym": f"Child {number}",
        "themes": rng.sample(THEMES, rng.randint(1, 3)),
    }
    if rng.random() < 0.15:
        facts.update(kind="improvements_only", reason="Identifiable family")
    return step("manager", "publish", planned_on, **facts)


# --------------------------------------------------------------------------------------------
# Replaying a plan without the database: the rows `open_case` and `fire_event` would make.
# --------------------------------------------------------------------------------------------


class SimCase(CaseQuestions):
    """A case's columns as plain attributes, with what the guards ask of a case (answered as
    `Case` answers it, through `CaseQuestions`)."""

    def __init__(self, **columns: Any):
        for name, value in column_defaults(Case.__table__).items():
            setattr(self, name, value)
        self.sign_offs: list[SimpleNamespace] = []
        self.holds: list[SimpleNamespace] = []
        for name, value in columns.items():
            setattr(self, name, value)


@dataclass
class Built:
    """The rows of one case (without ids), as the services would have written them."""

    case: dict[str, Any]
    events: list[dict[str, Any]]
    sign_offs: list[dict[str, Any]]
    holds: list[dict[str, Any]]
    clocks: list[dict[str, Any]]

    def due_clocks(self, on: date) -> int:
        return sum(1 for c in self.clocks if c["alert_from_on"] and c["alert_from_on"] <= on)


# The case's own columns (`case_id`, `partnership_id`) are set when the rows are inserted.
CASE_KEYS = ("case_id", "partnership_id")
CLOCK_COLUMNS = [c.key for c in Clock.__table__.columns if c.key not in ("id", *CASE_KEYS)]


def column_defaults(table: Table) -> dict[str, Any]:
    """Each column (but the id) with the value an insert gives it when the ORM leaves it unset."""
    defaults = {}
    for column in table.columns:
        if column.key != "id":
            default = column.default
            scalar = default is not None and default.is_scalar
            defaults[column.key] = default.arg if scalar else None  # type: ignore[union-attr]
    return defaults


def replay(plan: Plan, settings: ClockSettings, today: date, actors: dict[str, int]) -> Built:
    """Apply the plan's events as `casework.services.events.fire_event` does, in memory."""
    case = SimCase(
        nature=plan.nature,
        incident_on=plan.incident_on,
        la_aware_on=plan.la_aware_on,
        state="referred",
        state_entered_on=plan.la_aware_on,
        created_by_id=actors["manager"],
    )
    opening = {"nature": plan.nature, "incident_on": plan.incident_on.isoformat()}
    history = [
        SimpleNamespace(event="open", on=plan.la_aware_on, facts=opening, to_state="referred")
    ]
    events = [_event_row("open", None, "referred", actors["manager"], plan.la_aware_on, opening)]
    for actor, name, raw in plan.steps:
        if case.state_entered_on > case.la_aware_on:
            earliest, reason = case.state_entered_on, "state entry"
        else:
            earliest, reason = case.la_aware_on, "awareness"
        on, facts = clean(name, raw, today, earliest, reason)
        if name == "sign_off":
            facts = {**facts, "partner": actor}
        refused = workflow.refusal(case, name, facts, on, settings.closures)
        if refused:
            raise AssertionError(f"plan error: {name}: {refused}")
        from_state = case.state
        workflow.trigger(case, name, facts)  # raises MachineError if not allowed in the state
        workflow.record_facts(case, name, on, facts)
        if name == "sign_off":
            subject = "decision" if from_state == "rapid_review" else "final_report"
            case.sign_offs.append(
                SimpleNamespace(
                    round=case.sign_off_round,
                    subject=subject,
                    partner=facts["partner"],
                    signed_on=on,
                    recorded_by_id=actors[actor],
                    given_by=None,
                    recorded_at=datetime.combine(on, datetime.min.time()) + timedelta(hours=11),
                )
            )
        elif name == "place_hold":
            case.holds.append(
                SimpleNamespace(
                    reason=facts["reason"],
                    note=facts.get("note"),
                    panel_informed_on=facts.get("panel_informed_on"),
                    placed_on=on,
                    lifted_on=None,
                    placed_by_id=actors[actor],
                    lifted_by_id=None,
                )
            )
        elif name == "lift_hold":
            hold = case.open_hold
            assert hold is not None
            hold.lifted_on, hold.lifted_by_id = on, actors[actor]
        stored = json.loads(json.dumps(facts, default=lambda d: d.isoformat()))
        history.append(SimpleNamespace(event=name, on=on, facts=stored, to_state=case.state))
        events.append(_event_row(name, from_state, case.state, actors[actor], on, stored))

    clocks = []
    clock_defaults = {
        k: v for k, v in column_defaults(Clock.__table__).items() if k not in CASE_KEYS
    }
    for derived in derive_clocks(case.la_aware_on, history, settings):
        row = SimpleNamespace(**clock_defaults)  # then as recompute_clocks sets a new row
        row.kind, row.seq = derived.kind, derived.seq
        copy_derived(derived, row)  # type: ignore[arg-type]
        set_rungs(row, settings)  # type: ignore[arg-type]  (a new due date: no rung claimed)
        clocks.append({name: getattr(row, name) for name in CLOCK_COLUMNS})

    last_on = max(e["occurred_on"] for e in events)
    case_row = {c.key: getattr(case, c.key) for c in Case.__table__.columns if c.key != "id"}
    case_row.update(
        version_id=len(events),  # one for the opening, one more per event
        created_at=datetime.combine(plan.la_aware_on, datetime.min.time()) + timedelta(hours=9),
        updated_at=datetime.combine(last_on, datetime.min.time()) + timedelta(hours=17),
    )
    return Built(
        case=case_row,
        events=events,
        sign_offs=[vars(s) for s in case.sign_offs],
        holds=[vars(h) for h in case.holds],
        clocks=clocks,
    )


def _event_row(
    name: str, from_state: str | None, to_state: str, actor_id: int, on: date, facts: dict
) -> dict[str, Any]:
    return {
        "event": name,
        "from_state": from_state,
        "to_state": to_state,
        "actor_id": actor_id,
        "recorded_at": datetime.combine(on, datetime.min.time()) + timedelta(hours=10),
        "occurred_on": on,
        "facts": facts,
    }


# --------------------------------------------------------------------------------------------
# Databases
# --------------------------------------------------------------------------------------------


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A URL for an empty database of `backend`, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="casework_bench_") as folder:
            yield f"sqlite:///{folder}/bench.sqlite"
        return
    name = f"casework_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        progress(f"dropped database {name}")


def insert_cases(built: list[Built], partnership_id: int, numbers: Counter[int]) -> None:
    """Insert the cases and every row that belongs to them, in one transaction.

    References are numbered per year as `open_case` numbers them, after the `numbers` taken.
    """
    ids = _reserve_ids(Case.__table__, len(built))
    references = []
    for b in built:
        year = b.case["la_aware_on"].year
        numbers[year] += 1
        references.append(f"{PARTNERSHIP_CODE}-{year}-{numbers[year]:03d}")
    _insert_many(
        Case.__table__,
        [
            {**b.case, "id": i, "partnership_id": partnership_id, "reference": ref}
            for b, i, ref in zip(built, ids, references, strict=True)
        ],
    )
    owned = list(zip(built, ids, strict=True))
    for model, attribute in (
        (CaseEvent, "events"),
        (SignOff, "sign_offs"),
        (Hold, "holds"),
        (Clock, "clocks"),
    ):
        rows = [{**r, "case_id": i} for b, i in owned for r in getattr(b, attribute)]
        if model is Clock:
            rows = [{**r, "partnership_id": partnership_id} for r in rows]
        if rows:
            _insert_many(model.__table__, rows)
    db.session.commit()


def _reserve_ids(table: Table, count: int) -> list[int]:
    if db.engine.dialect.name == "postgresql":  # from the id sequence, as inserts would
        reserve = text(
            f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
            "FROM generate_series(1, :count)"
        )
        return sorted(db.session.scalars(reserve, {"count": count}))
    first = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(first, first + count))


def _insert_many(table: Table, rows: list[dict[str, Any]]) -> None:
    """Multi-row INSERTs, or COPY on PostgreSQL (INSERTs of 250,000 rows take too long there).

    None in a JSON column is stored as SQL NULL, as the ORM leaves an unset column.
    """
    columns = list(rows[0])
    json_columns = {c.key for c in table.columns if isinstance(c.type, JSON) and c.key in columns}
    if db.engine.dialect.name != "postgresql":
        as_null = JSON(none_as_null=True)
        statement = insert(table).values(
            {c: bindparam(f"{c}_", type_=as_null) for c in json_columns}
        )
        renamed = [{(f"{k}_" if k in json_columns else k): v for k, v in r.items()} for r in rows]
        db.session.execute(statement, renamed)
        return
    raw = db.session.connection().connection.driver_connection
    assert raw is not None
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(row[c]) if c in json_columns and row[c] is not None else row[c]
                    for c in columns
                ]
            )


def stored_rows(case_id: int) -> dict[str, Any]:
    """A case's rows as stored, without ids and timestamps, to compare with a replay."""

    def rows(table: Table, skip: set[str]) -> list[dict[str, Any]]:
        found = db.session.execute(select(table).where(table.c.case_id == case_id).order_by("id"))
        return [{k: v for k, v in r._mapping.items() if k not in skip} for r in found]

    cases = Case.__table__
    case = db.session.execute(select(cases).where(cases.c.id == case_id)).one()._mapping
    skip = {"id", "case_id", "partnership_id", "recorded_at"}
    return {
        "case": {k: v for k, v in case.items() if k not in _CASE_SKIP},
        "themes is SQL NULL": db.session.scalar(
            select(cases.c.themes.is_(None)).where(cases.c.id == case_id)
        ),
        "events": rows(CaseEvent.__table__, skip),
        "sign_offs": rows(SignOff.__table__, skip),
        "holds": rows(Hold.__table__, skip),
        "clocks": rows(Clock.__table__, skip),
    }


# version_id counts the service's flushes, not its events; any value serves the optimistic lock.
_CASE_SKIP = {"id", "reference", "created_at", "updated_at", "partnership_id", "version_id"}


def _rows_elsewhere(case_ids: list[int]) -> dict[str, int]:
    """Rows of other tables that name these cases."""
    compared = {"cases", "case_events", "sign_offs", "holds", "clocks"}
    counts = {}
    for table in db.metadata.sorted_tables:
        if table.name not in compared and "case_id" in table.c:
            query = select(func.count()).where(table.c.case_id.in_(case_ids))
            count = db.session.scalar(query)
            if count:
                counts[table.name] = count
    return counts


def differences(stored: dict[str, Any], replayed: dict[str, Any]) -> list[str]:
    """Where the service's rows and the replayed ones differ, field by field."""
    found = []
    for part, mine in replayed.items():
        theirs = stored[part]
        if isinstance(mine, dict):
            theirs, mine = [theirs], [mine]
        elif not isinstance(mine, list):
            theirs, mine = [{"": theirs}], [{"": mine}]
        if len(theirs) != len(mine):
            found.append(f"{part}: {len(theirs)} rows from the services, {len(mine)} replayed")
            continue
        for n, (a, b) in enumerate(zip(theirs, mine, strict=True)):
            for key in sorted(set(a) | set(b)):
                if a.get(key) != b.get(key):
                    found.append(f"{part}[{n}].{key}: services {a.get(key)!r}, bulk {b.get(key)!r}")
    return found


def replayed_rows(b: Built) -> dict[str, Any]:
    skip = {"recorded_at"}
    return {
        "case": {k: v for k, v in b.case.items() if k not in _CASE_SKIP},
        "themes is SQL NULL": b.case["themes"] is None,
        "events": [{k: v for k, v in r.items() if k not in skip} for r in b.events],
        "sign_offs": [{k: v for k, v in r.items() if k != "recorded_at"} for r in b.sign_offs],
        "holds": list(b.holds),
        "clocks": list(b.clocks),
    }


# --------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------


@dataclass
class Timing:
    median_ms: float
    p95_ms: float
    due: int
    sql_median_ms: float  # the same statement run alone: execute and fetch the rows
    min_ms: float  # the fastest runs: the cost with the least disturbance from other work
    sql_min_ms: float
    plan: list[str]

    @property
    def index_used(self) -> bool:
        return any(INDEX_NAME in line for line in self.plan)


def time_clocks_due(on: date, runs: int) -> Timing:
    """Time `clocks_due(on)`, then its SQL statement alone, and ask for the statement's plan."""
    with captured_statements() as seen:
        due = len(clocks_due(on))  # also warms the caches
    statement, parameters = next((s, p) for s, p in seen if "alert_from_on" in s)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        clocks_due(on)
        times.append((time.perf_counter() - started) * 1000)
    connection = db.session.connection()
    sql_times = []
    for _ in range(runs):
        started = time.perf_counter()
        connection.exec_driver_sql(statement, parameters).fetchall()
        sql_times.append((time.perf_counter() - started) * 1000)
    if db.engine.dialect.name == "sqlite":
        found = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        plan = [row[-1] for row in found]
    else:
        found = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        plan = [row[0] for row in found]
    db.session.rollback()
    return Timing(
        statistics.median(times),
        _p95(times),
        due,
        statistics.median(sql_times),
        min(times),
        min(sql_times),
        plan,
    )


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@contextmanager
def captured_statements() -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


@dataclass
class Row:
    backend: str
    metric: str
    value: str
    target: str
    result: str  # PASS, FAIL or info


@dataclass
class Population:
    plans: list[Plan]
    built: list[Built]


def build_population(
    count: int, seed: int, today: date, settings: ClockSettings, actors: dict[str, int]
) -> Population:
    rng = random.Random(seed)
    plans = []
    for number in range(1, count + 1):
        aware = today - timedelta(days=rng.randint(0, 730))
        plans.append(make_plan(rng, number, aware, today))
    plans.sort(key=lambda p: p.la_aware_on)
    return Population(plans, [replay(p, settings, today, actors) for p in plans])


def fidelity_sample(population: Population, size: int, rng: random.Random) -> list[int]:
    """Indexes of cases covering every state reached (and every event kind), then random."""
    chosen: dict[str, int] = {}
    for i, b in enumerate(population.built):
        for key in [b.case["state"], *(e["event"] for e in b.events)]:
            chosen.setdefault(key, i)
    picked = sorted(set(chosen.values()))
    rest = [i for i in range(len(population.built)) if i not in set(picked)]
    picked += rng.sample(rest, max(0, size - len(picked)))
    return picked


# --------------------------------------------------------------------------------------------
# One backend
# --------------------------------------------------------------------------------------------


def run_backend(backend: str, args: argparse.Namespace, today: date) -> list[Row]:
    rows: list[Row] = []
    progress(f"{backend}: creating the database")
    try:
        with database(backend) as url:
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DEVELOPMENT": True})
            with app.app_context():
                try:
                    rows = _run(backend, args, today)
                finally:
                    db.session.remove()
                    db.engine.dispose()
    except psycopg.OperationalError as error:
        print(f"\n{backend}: PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error}")
        rows.append(Row(backend, "database reachable", "no", "yes", "FAIL"))
    return rows


_populations: dict[tuple[int, int, ClockSettings, tuple], Population] = {}


def _run(backend: str, args: argparse.Namespace, today: date) -> list[Row]:
    rows: list[Row] = []
    out = print
    flask_migrate.upgrade()
    partnership = create_partnership(
        "Benchmark Safeguarding Children Partnership", PARTNERSHIP_CODE
    )
    users = {"manager": _user("business_manager", None)}
    for partner in workflow.PARTNERS:
        users[partner] = _user("partner_lead", partner)
    actors = {key: user.id for key, user in users.items()}
    partnership_id = partnership.id
    settings = clock_settings(partnership_id)

    out(f"\n=== {backend} ({db.engine.dialect.name}, {db.engine.url.database}) ===")
    key = (args.cases, args.seed, settings, tuple(sorted(actors.items())))
    if key not in _populations:
        progress(f"{backend}: planning {args.cases:,} cases and replaying their events")
        started = time.perf_counter()
        _populations[key] = build_population(args.cases, args.seed, today, settings, actors)
        progress(f"{backend}: replayed in {time.perf_counter() - started:.1f}s")
    population = _populations[key]
    built = population.built
    states = Counter(b.case["state"] for b in built)
    event_count = sum(len(b.events) for b in built)
    clock_count = sum(len(b.clocks) for b in built)
    out(
        f"Cases: {len(built):,} with la_aware_on from {built[0].case['la_aware_on']} to "
        f"{built[-1].case['la_aware_on']}; {event_count:,} history rows, {clock_count:,} clocks "
        f"({sum(1 for b in built for c in b.clocks if c['alert_from_on']):,} able to alert)."
    )
    out("States: " + ", ".join(f"{s} {n:,}" for s, n in states.most_common()))

    # Do the bulk rows match the services'? Drive a sample through them and compare.
    rng = random.Random(args.seed + 1)
    sample = fidelity_sample(population, args.check, rng)
    progress(f"{backend}: driving {len(sample)} sample cases through open_case and fire_event")
    mismatches = []
    driven = []
    for i in sample:
        plan = population.plans[i]
        case_id = open_case(users["manager"], plan.open_data).id
        driven.append(case_id)
        try:
            for actor, name, raw in plan.steps:
                fire_event(users[actor], case_id, name, dict(raw))
        except Exception as error:  # noqa: BLE001 (reported as a difference)
            out(f"MISMATCH: case {i}: the services refused {name}: {error!r}")
            mismatches.append(i)
            continue
        stored, replayed = stored_rows(case_id), replayed_rows(built[i])
        if stored != replayed:
            mismatches.append(i)
            if len(mismatches) <= 3:
                out(f"MISMATCH in case {i} ({plan.steps[-1][1] if plan.steps else 'open'}):")
                for line in differences(stored, replayed):
                    out(f"    {line}")
    sample_events = sum(len(population.plans[i].steps) for i in sample)
    out(
        f"Bulk rows checked against the services: {len(sample)} of the cases ({sample_events} "
        "events, every state and event kind reached) were driven through open_case and "
        "fire_event, and their rows in cases, case_events, sign_offs, holds and clocks compared "
        f"with the replayed ones: {len(sample) - len(mismatches)} identical, {len(mismatches)} "
        "different. They stay, as part of the N cases; the others are inserted in bulk."
    )
    elsewhere = _rows_elsewhere(driven)
    if elsewhere:
        out(
            "  Also written by the services for them, and not made for the bulk cases: "
            + ", ".join(f"{table} {count}" for table, count in elsewhere.items())
            + " rows."
        )
    rows.append(
        Row(
            backend,
            "bulk rows identical to service rows",
            f"{len(sample) - len(mismatches)}/{len(sample)} cases",
            "all",
            "PASS" if not mismatches else "FAIL",
        )
    )

    rows += _clocks_due(backend, args, today, population, partnership_id, set(sample))
    rows += _events(backend, args, today, users, settings, actors)
    return rows


def _clocks_due(
    backend: str,
    args: argparse.Namespace,
    today: date,
    population: Population,
    partnership_id: int,
    present: set[int],
) -> list[Row]:
    """Insert a small set of cases holding every clock due, time; insert the rest, time again.

    `present` are the cases already in the database (driven through the services).
    """
    out = print
    built = population.built
    few_on, many_on = today, today + MANY_DUE_AHEAD
    due_cases = [i for i, b in enumerate(built) if b.due_clocks(many_on) and i not in present]
    quiet_cases = [i for i, b in enumerate(built) if not b.due_clocks(many_on) and i not in present]
    small_size = max(args.cases // 10, len(due_cases) + len(present))
    filler = small_size - len(present) - len(due_cases)
    small = sorted(due_cases + quiet_cases[:filler])
    rest = sorted(quiet_cases[filler:])
    expected = {on: sum(b.due_clocks(on) for b in built) for on in (few_on, many_on)}

    numbers: Counter[int] = Counter()  # references already given, by year
    for reference in db.session.scalars(select(Case.reference)):
        numbers[int(reference.split("-")[-2])] += 1
    timings: dict[tuple[int, date], Timing] = {}
    seconds, sizes = [], []
    for part in (small, rest):
        progress(f"{backend}: bulk-inserting {len(part):,} cases")
        started = time.perf_counter()
        insert_cases([built[i] for i in part], partnership_id, numbers)
        _analyze()
        seconds.append(time.perf_counter() - started)
        cases = db.session.scalar(select(func.count()).select_from(Case.__table__)) or 0
        sizes.append(cases)
        progress(f"{backend}: timing clocks_due over {cases:,} cases")
        for on in (few_on, many_on):
            timings[cases, on] = time_clocks_due(on, args.runs)
    first, total = sizes
    out(
        f"Built in bulk: {len(small) + len(rest):,} of the {total:,} cases, with their history, "
        f"sign-offs, holds and clocks ({len(small):,} in {seconds[0]:.1f}s, then "
        f"{len(rest):,} more in {seconds[1]:.1f}s). "
        "Measured through the services: clocks_due, and the fresh cases below (open_case, "
        "fire_event)."
    )
    if db.engine.dialect.name == "postgresql":
        out("ANALYZE was run after each bulk load, as autovacuum would in service.")

    out(
        f"\nclocks_due(on), {args.runs} timed runs each after a warm-up (ms); 'sql' is the same "
        "statement alone (execute and fetch); 'min' the fastest run, least disturbed by other "
        "work, which the growth ratios below compare:"
    )
    out(
        f"  {'cases':>7}  {'on':10}  {'due':>6}  {'median':>7}  {'p95':>7}  {'min':>7}"
        f"  {'sql med':>7}  {'sql min':>7}  index used"
    )
    for (cases, on), t in sorted(timings.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        out(
            f"  {cases:>7,}  {on.isoformat()}  {t.due:>6,}  {t.median_ms:>7.2f}  {t.p95_ms:>7.2f}"
            f"  {t.min_ms:>7.2f}  {t.sql_median_ms:>7.2f}  {t.sql_min_ms:>7.2f}"
            f"  {'yes' if t.index_used else 'NO'}"
        )
    for on in (few_on, many_on):
        if timings[total, on].due != expected[on]:
            found = timings[total, on].due
            out(f"  NOTE: {expected[on]} clocks expected due on {on}, {found} found")
    for on in (few_on, many_on):
        out(f"Plan over {total:,} cases on {on}:")
        for line in timings[total, on].plan:
            out(f"    {line}")

    rows = []
    labels = {few_on: "today", many_on: f"today+{MANY_DUE_AHEAD.days}d"}
    for on, label in labels.items():
        t = timings[total, on]
        rows.append(
            Row(
                backend,
                f"clocks_due p95, {total:,} cases, {label} ({t.due:,} due)",
                f"{t.p95_ms:.1f} ms (median {t.median_ms:.1f})",
                f"< {CLOCKS_DUE_MS_TARGET:g} ms",
                "PASS" if t.p95_ms < CLOCKS_DUE_MS_TARGET else "FAIL",
            )
        )
        rows.append(
            Row(
                backend,
                f"  {INDEX_NAME} used ({label})",
                "yes" if t.index_used else "no",
                "yes",
                "PASS" if t.index_used else "FAIL",
            )
        )
    for on, label in labels.items():
        big, little = timings[total, on], timings[first, on]
        growth = big.min_ms / little.min_ms
        rows.append(
            Row(
                backend,
                f"clocks_due, {total:,} vs {first:,} cases, same {big.due:,} due ({label})",
                f"time x{growth:.2f}",
                f"< x{CASE_GROWTH_RATIO_TARGET:g}",
                "PASS" if growth < CASE_GROWTH_RATIO_TARGET and big.due == little.due else "FAIL",
            )
        )
    sql_growth = [timings[total, on].sql_min_ms / timings[first, on].sql_min_ms for on in labels]
    rows.append(
        Row(
            backend,
            f"  its SQL alone, {total:,} vs {first:,} cases ({' / '.join(labels.values())})",
            " / ".join(f"time x{g:.2f}" for g in sql_growth),
            "-",
            "info",
        )
    )
    many, few = timings[total, many_on], timings[total, few_on]
    rows.append(
        Row(
            backend,
            f"clocks_due, {many.due:,} vs {few.due:,} due, {total:,} cases",
            f"time x{many.min_ms / few.min_ms:.2f}",
            "grows",
            "info",
        )
    )
    return rows


def _user(role: str, partner: str | None):  # noqa: ANN202
    name = partner or role
    user, _password = create_user(
        partnership_code=PARTNERSHIP_CODE,
        email=f"{name}@bench.example.org",
        name=name.replace("_", " ").title(),
        role=role,
        partner=partner,
    )
    return user


def _analyze() -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()


Queue = list[tuple[int, str, str, dict[str, Any]]]  # case id, actor, event, raw facts


def _fresh_queue(
    backend: str,
    args: argparse.Namespace,
    today: date,
    users: dict[str, Any],
    settings: ClockSettings,
    actors: dict[str, int],
    seed: int,
) -> tuple[Queue, float, int]:
    """Open `args.fresh` new cases with open_case; their events in date order across all
    cases, as they would arrive in service. Also the seconds opening took, and how many."""
    rng = random.Random(seed)
    plans = []
    for number in range(1, args.fresh + 1):
        aware = today - timedelta(days=rng.randint(3, 45))
        plan = make_plan(rng, 100_000 * seed + number, aware, today)
        replay(plan, settings, today, actors)  # the plan is valid (raises otherwise)
        plans.append(plan)
    plans.sort(key=lambda p: p.la_aware_on)

    progress(f"{backend}: opening {len(plans):,} fresh cases with open_case")
    started = time.perf_counter()
    case_ids = [open_case(users["manager"], plan.open_data).id for plan in plans]
    open_seconds = time.perf_counter() - started

    rank = list(range(len(plans)))
    rng.shuffle(rank)
    ordered = sorted(
        (
            (raw["on"], rank[i], n, case_ids[i], actor, name, raw)
            for i, plan in enumerate(plans)
            for n, (actor, name, raw) in enumerate(plan.steps)
        ),
        key=lambda item: item[:3],
    )
    queue = [(case_id, actor, name, raw) for _on, _r, _n, case_id, actor, name, raw in ordered]
    return queue, open_seconds, len(plans)


def _fire_queue(users: dict[str, Any], queue: Queue) -> tuple[dict[str, list[float]], Counter[str]]:
    """Fire each event through fire_event, its own transaction, timing each call."""
    per_kind: dict[str, list[float]] = defaultdict(list)
    errors: Counter[str] = Counter()
    for case_id, actor, name, raw in queue:
        begun = time.perf_counter()
        try:
            fire_event(users[actor], case_id, name, dict(raw))
        except Exception as error:  # noqa: BLE001 (counted and reported)
            errors[f"{name}: {type(error).__name__}: {error}"] += 1
        per_kind[name].append(time.perf_counter() - begun)
    return per_kind, errors


def _events(
    backend: str,
    args: argparse.Namespace,
    today: date,
    users: dict[str, Any],
    settings: ClockSettings,
    actors: dict[str, int],
) -> list[Row]:
    """Open fresh cases and fire their events through the services: first one after another
    on one connection, then from WORKERS processes at once, as the web server's workers would."""
    queue, open_seconds, opened = _fresh_queue(
        backend, args, today, users, settings, actors, args.seed + 2
    )
    progress(f"{backend}: firing {len(queue):,} events with fire_event, one after another")
    started = time.perf_counter()
    per_kind, errors = _fire_queue(users, queue)
    seconds = time.perf_counter() - started
    rate = len(queue) / seconds

    all_times = sorted(t for times in per_kind.values() for t in times)
    print(
        f"\nEvents: {opened:,} fresh cases opened with open_case in {open_seconds:.1f}s "
        f"({opened / open_seconds:.0f} cases/s); then {len(queue):,} events fired with "
        f"fire_event one after another in {seconds:.1f}s: {rate:.0f} events/s (median "
        f"{statistics.median(all_times) * 1000:.1f} ms, p95 {_p95(all_times) * 1000:.1f} ms "
        "per event, each its own transaction)."
    )
    print(f"  {'event':26} {'count':>6} {'mean ms':>8}")
    for name, times in sorted(per_kind.items(), key=lambda kv: -len(kv[1])):
        print(f"  {name:26} {len(times):>6,} {statistics.mean(times) * 1000:>8.2f}")
    for message, count in errors.most_common(5):
        print(f"  ERROR x{count}: {message}")

    together, together_errors = _events_from_workers(backend, args, today, users, settings, actors)
    return [
        Row(
            backend,
            f"events/s, {WORKERS} workers at once ({together.fired:,} events)",
            f"{together.rate:.0f}",
            f">= {EVENTS_PER_SECOND_TARGET}",
            "PASS" if together.rate >= EVENTS_PER_SECOND_TARGET else "FAIL",
        ),
        Row(
            backend,
            f"  events/s, one after another ({len(queue):,} events)",
            f"{rate:.0f}",
            "-",
            "info",
        ),
        Row(
            backend,
            "  events refused or failed",
            f"{sum(errors.values()) + together_errors}",
            "0",
            "PASS" if not errors and not together_errors else "FAIL",
        ),
        Row(backend, "cases/s through open_case", f"{opened / open_seconds:.0f}", "-", "info"),
    ]


# The web application is served by 2 gunicorn workers (see benchmarks/web.py), so at most two
# events are fired at once on this 2-core machine.
WORKERS = 2
WORKER_TIMEOUT_SECONDS = 600


@dataclass
class Together:
    fired: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.fired / self.seconds


def _events_from_workers(
    backend: str,
    args: argparse.Namespace,
    today: date,
    users: dict[str, Any],
    settings: ClockSettings,
    actors: dict[str, int],
) -> tuple[Together, int]:
    """Another set of fresh cases, shared out between WORKERS forked processes by case, each
    firing its cases' events in date order on its own connection to the same database; all
    start together, and the rate is the events over the time until the last one finishes."""
    queue, _seconds, _opened = _fresh_queue(
        backend, args, today, users, settings, actors, args.seed + 3
    )
    user_ids = {key: user.id for key, user in users.items()}
    db.session.remove()
    db.engine.dispose()  # each process opens its own connections
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    shares = [[item for item in queue if item[0] % WORKERS == n] for n in range(WORKERS)]
    progress(f"{backend}: firing {len(queue):,} events with fire_event from {WORKERS} processes")
    processes = [
        context.Process(target=_worker, args=(share, user_ids, barrier, results))
        for share in shares
    ]
    for process in processes:
        process.start()
    outcomes = []
    for _ in processes:
        try:  # a process killed outright (out of memory, a signal) never reports
            outcomes.append(results.get(timeout=WORKER_TIMEOUT_SECONDS))
        except queue_module.Empty:
            failed = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
            outcomes.append((0.0, 0.0, Counter({f"worker silent, exit codes {failed}": 1})))
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
    timed = [outcome for outcome in outcomes if outcome[1]] or [(0.0, float("inf"), None)]
    began = min(outcome[0] for outcome in timed)
    ended = max(outcome[1] for outcome in timed)
    errors: Counter[str] = Counter()
    for outcome in outcomes:
        errors.update(outcome[2])
    # Only the events that went through count towards the rate.
    together = Together(len(queue) - sum(errors.values()), ended - began)
    print(
        f"\nEvents from {WORKERS} processes at once: {len(queue):,} events on {args.fresh:,} "
        f"other fresh cases, shared out by case, in {together.seconds:.1f}s: "
        f"{together.rate:.0f} events/s."
    )
    for message, count in errors.most_common(5):
        print(f"  ERROR x{count}: {message}")
    return together, sum(errors.values())


def _worker(share: Queue, user_ids: dict[str, int], barrier: Any, results: Any) -> None:
    """One process: its own connections (`dispose(close=False)` leaves the parent's alone).
    It always reports, so the parent never waits for a process that failed."""
    began = time.monotonic()
    try:
        db.engine.dispose(close=False)
        users = {key: db.session.get(User, user_id) for key, user_id in user_ids.items()}
        db.session.commit()
        barrier.wait(timeout=300)
        began = time.monotonic()
        _per_kind, errors = _fire_queue(users, share)
        results.put((began, time.monotonic(), errors))
    except BaseException as error:  # noqa: BLE001 (reported as a failure by the parent)
        barrier.abort()
        results.put((began, time.monotonic(), Counter({f"worker failed: {error!r}": 1})))
    finally:
        db.session.remove()


# --------------------------------------------------------------------------------------------


def machine_check() -> str:
    """How fast this machine is right now, to compare runs: it drifted by a quarter within an
    hour on the 2-core machine. A fixed pure-Python workload (the working-day calendar), best
    of three, and the round trip of `SELECT 1` to PostgreSQL (median of 500), the floor under
    every statement an event sends."""
    start = date(2023, 1, 2)
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        for n in range(20_000):
            add_working_days(start + timedelta(days=n % 700), 15)
        best = min(best, time.perf_counter() - began)
    text_ = f"calendar workload {best * 1000:.0f} ms"
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=5) as connection:
            trips = []
            for _ in range(500):
                began = time.perf_counter()
                connection.execute("SELECT 1").fetchone()
                trips.append(time.perf_counter() - began)
        text_ += f", PostgreSQL round trip {statistics.median(trips) * 1_000_000:.0f} µs"
    except psycopg.OperationalError:
        text_ += ", PostgreSQL not reachable"
    return text_


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--cases", type=int, default=20_000, help="cases built (default 20000)")
    parser.add_argument(
        "--fresh", type=int, default=1_000, help="fresh cases whose events are fired (1000)"
    )
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each clocks_due")
    parser.add_argument("--check", type=int, default=30, help="sample cases checked (30)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    today = london_today()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    load = os.getloadavg()
    print(
        f"Casework core benchmark, {today} (Europe/London); {os.cpu_count()} CPUs, load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; --cases {args.cases} --fresh {args.fresh} "
        f"--runs {args.runs} --seed {args.seed}"
    )
    print(f"Machine check (compare runs by it): {machine_check()}")
    rows: list[Row] = []
    for backend in backends:
        rows += run_backend(backend, args, today)

    load = os.getloadavg()
    print(f"\nSummary (load average now {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}):")
    print(f"Machine check now: {machine_check()}")
    headers = ("backend", "metric", "value", "target", "result")
    table = [headers, *((r.backend, r.metric, r.value, r.target, r.result) for r in rows)]
    widths = [max(len(str(line[i])) for line in table) for i in range(len(headers))]
    for line in table:
        print(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)
            ).rstrip()
        )
    failed = [r for r in rows if r.result == "FAIL"]
    print(f"\n{len(failed)} target(s) missed." if failed else "\nAll targets met.")
    progress("done")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
