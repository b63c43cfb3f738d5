"""Benchmark of the alert sweep: 20,000 cases, 100,000 clocks, 2,000 rungs due on one day.

    .venv/bin/python benchmarks/alerts.py [--backend sqlite|postgresql|both]
        [--cases 20000] [--clocks 100000] [--due 2000]

For each backend (SQLite in a temporary file; PostgreSQL in a throwaway database
`casework_bench_<random>` on TEST_POSTGRES_URL, created and dropped here) the script migrates an
empty database, makes partnerships through the services, then bulk-inserts the rest as the
rows the services would have made: people, cases, clocks with their rung dates, and a ledger
and outbox that already hold earlier rungs (the clocks due today have had their lower rungs;
thousands of others are met or fully claimed). Of the clocks, `--due` have a rung due on the
sweep day, a quarter of them at each rung, and a tenth of those catching up over several
rungs; the rest are due later or cannot alert.

It then times the real `sweep(on)`, from the first statement to the commit, including the
ledger claims, the outbox emails and the in-app alerts, and checks what it wrote. Target: under
1 second. Prints PASS or FAIL per backend; the exit status is 1 if any fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python benchmarks/alerts.py` puts benchmarks/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import date, datetime, timedelta  # noqa: E402

import flask_migrate  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from casework import create_app  # noqa: E402
from casework.extensions import db  # noqa: E402
from casework.models import (  # noqa: E402
    Alert,
    AlertClaim,
    Case,
    Clock,
    OutboxMessage,
    Partnership,
    User,
)
from casework.services.alerts import sweep  # noqa: E402
from casework.services.partnerships import create_partnership  # noqa: E402
from workflows.clocks import ClockSettings, rung_dates  # noqa: E402

TARGET_SECONDS = 1.0
ON = date(2025, 6, 4)  # a Wednesday
NOW = datetime(2025, 6, 4, 6, 0)
PARTNERSHIPS = 10
KINDS = ("notification", "rapid_review", "panel_response", "reviewer_appointment", "publication")
SETTINGS = ClockSettings()
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def due_on_for_rung(rung: str) -> date:
    """A due date whose `rung` falls on ON."""
    for offset in range(-20, 20):
        due = ON + timedelta(days=offset)
        if rung_dates(due, SETTINGS)[rung] == ON:
            return due
    raise AssertionError(rung)


def build(cases: int, clocks: int, due: int) -> dict[str, int]:
    """Bulk-insert the data set; returns what the sweep should do."""
    rng = random.Random(20250604)
    partnerships = [
        create_partnership(f"Bench partnership {n}", f"BP{n}") for n in range(PARTNERSHIPS)
    ]
    users = []
    for p in partnerships:
        for role, partner in (
            ("business_manager", None),
            ("business_manager", None),
            ("partner_lead", "local_authority"),
            ("partner_lead", "police"),
            ("partner_lead", "health"),
            ("scrutineer", None),
        ):
            users.append(
                {
                    "partnership_id": p.id,
                    "email": f"{role}.{len(users)}@bp{p.id}.example.org",
                    "name": f"Person {len(users)}",
                    "role": role,
                    "partner": partner,
                    "active": True,
                    "created_at": NOW,
                }
            )
    db.session.execute(insert(User), users)
    creator = db.session.scalar(select(User.id).where(User.role == "business_manager").limit(1))
    case_rows = []
    for n in range(cases):
        aware = date(2023, 1, 2) + timedelta(days=n % 880)
        case_rows.append(
            {
                "partnership_id": partnerships[n % PARTNERSHIPS].id,
                "reference": f"BP-{n:06d}",
                "nature": "serious_harm",
                "state": "referred",
                "state_entered_on": aware,
                "pseudonym": f"Child {n}",
                "incident_on": aware,
                "la_aware_on": aware,
                "sign_off_round": 0,
                "created_at": NOW,
                "updated_at": NOW,
                "created_by_id": creator,
                "version_id": 1,
            }
        )
    db.session.execute(insert(Case), case_rows)
    case_ids = db.session.scalars(select(Case.id).order_by(Case.id)).all()

    rungs_due = ("due_soon", "due", "overdue", "escalated")
    clock_rows, plans = [], []
    for n in range(clocks):
        case_id = case_ids[n % len(case_ids)]
        seq = n // len(case_ids) + 1
        if n < due:
            rung = rungs_due[n % 4]
            due_on = due_on_for_rung(rung)
            catching_up = n % 10 == 0 and rung != "due_soon"
            claimed = [] if catching_up else list(rungs_due[: rungs_due.index(rung)])
        elif n % 5 == 0:  # met or cancelled: cannot alert, its rungs long claimed
            due_on = ON - timedelta(days=rng.randint(30, 400))
            claimed, rung = list(rungs_due), None
        else:  # due later
            due_on = ON + timedelta(days=rng.randint(5, 300))
            claimed, rung = [], None
        ladder = rung_dates(due_on, SETTINGS)
        alerting = n < due or n % 5 != 0
        next_rung = next((r for r in rungs_due if r not in claimed), None) if alerting else None
        clock_rows.append(
            {
                "case_id": case_id,
                "partnership_id": case_rows[n % len(case_ids)]["partnership_id"],
                "kind": KINDS[seq % len(KINDS)],
                "seq": seq,
                "statutory": seq % 2 == 0,
                "anchor_on": due_on - timedelta(days=21),
                "due_on": due_on,
                "met_on": None if alerting else due_on,
                "hold_days": 0,
                "paused": False,
                "alert_from_on": ladder["due_soon"] if alerting else None,
                "due_soon_on": ladder["due_soon"] if alerting else None,
                "due_rung_on": ladder["due"] if alerting else None,
                "overdue_on": ladder["overdue"] if alerting else None,
                "escalated_on": ladder["escalated"] if alerting else None,
                "next_rung_on": ladder[next_rung] if next_rung else None,
            }
        )
        plans.append((due_on, claimed))
    db.session.execute(insert(Clock), clock_rows)
    clock_ids = db.session.scalars(select(Clock.id).order_by(Clock.id)).all()

    ledger = []
    for clock_id, (due_on, claimed) in zip(clock_ids, plans, strict=True):
        for r in claimed:
            ledger.append(
                {
                    "clock_id": clock_id,
                    "rung": r,
                    "due_on": due_on,
                    "status": "sent",
                    "claimed_at": NOW,
                }
            )
    db.session.execute(insert(AlertClaim), ledger)
    managers = db.session.execute(
        select(User.id, User.email).where(User.role == "business_manager")
    ).all()
    earlier = []
    for row in ledger[:20_000]:
        person = managers[row["clock_id"] % len(managers)]
        earlier.append(
            {
                "kind": "alert",
                "user_id": person.id,
                "recipient": person.email,
                "subject": "An earlier alert",
                "body": "An earlier alert",
                "message_id": f"<bench.{row['clock_id']}.{row['rung']}.{person.id}@bench>",
                "clock_id": row["clock_id"],
                "rung": row["rung"],
                "due_on": row["due_on"],
                "created_at": NOW - timedelta(days=3),
                "attempts": 1,
                "next_attempt_at": NOW - timedelta(days=3),
                "sent_at": NOW - timedelta(days=3),
            }
        )
    db.session.execute(insert(OutboxMessage), earlier)
    db.session.commit()
    return {"ledger_before": len(ledger), "outbox_before": len(earlier)}


def run(backend: str, url: str, args: argparse.Namespace) -> bool:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        flask_migrate.upgrade()
        started = time.perf_counter()
        before = build(args.cases, args.clocks, args.due)
        progress(f"{backend}: built in {time.perf_counter() - started:.1f} s")
        if backend == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        counts = {
            "cases": db.session.scalar(select(func.count(Case.id))),
            "clocks": db.session.scalar(select(func.count(Clock.id))),
            "due": db.session.scalar(select(func.count(Clock.id)).where(Clock.next_rung_on <= ON)),
        }
        started = time.perf_counter()
        report = sweep(ON, now=NOW)
        seconds = time.perf_counter() - started
        again_started = time.perf_counter()
        again = sweep(ON, now=NOW)
        again_seconds = time.perf_counter() - again_started
        outbox = db.session.scalar(select(func.count(OutboxMessage.id))) - before["outbox_before"]
        alerts = db.session.scalar(select(func.count(Alert.id)))
        ledger = db.session.scalar(select(func.count(AlertClaim.id))) - before["ledger_before"]
        partnerships = db.session.scalar(select(func.count(Partnership.id)))
        db.session.remove()
        db.engine.dispose()
    correct = (
        report.sent == args.due
        and again.sent == again.skipped == 0
        and outbox == report.emails
        and alerts == report.alerts
        and ledger == report.sent + report.skipped
    )
    ok = correct and seconds < TARGET_SECONDS
    print(
        f"{backend:<10} {counts['cases']:>6} cases {counts['clocks']:>7} clocks in "
        f"{partnerships} partnerships, {counts['due']} with a rung due: sweep {seconds:.3f} s "
        f"({report.sent} sent, {report.skipped} skipped; {ledger} ledger, {outbox} outbox, "
        f"{alerts} in-app rows); second sweep {again_seconds * 1000:.1f} ms  "
        f"{'PASS' if ok else 'FAIL'}" + ("" if correct else " (wrong counts)")
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description="Time the alert sweep.")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--clocks", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=2_000)
    args = parser.parse_args()
    print(f"Alert sweep on {ON}: target under {TARGET_SECONDS:.0f} s (ledger, outbox, alerts)")
    results = []
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            results.append(run("sqlite", f"sqlite:///{folder}/bench.sqlite", args))
    if args.backend in ("postgresql", "both"):
        name = f"casework_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace(
            "postgresql://", "postgresql+psycopg://"
        )
        try:
            results.append(run("postgresql", f"{base}/{name}", args))
        finally:
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print("PASS" if all(results) else "FAIL")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
