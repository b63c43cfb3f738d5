"""Benchmark of the web pages under gunicorn and wrk, against a bare "hello" route.

    .venv/bin/python benchmarks/web.py [--backend postgresql|sqlite|both] [--cases 20000]

For each backend (PostgreSQL in a throwaway database `casework_bench_<random>`, SQLite in a
temporary file; both made and removed by `benchmarks.core.database`) the script:

1. creates the app, runs the migrations, makes a partnership, a business manager (whose
   generated password it keeps) and the three partner leads, and builds N realistic cases in
   bulk with `benchmarks.core` (`build_population`, `insert_cases`: see benchmarks/README.md);
2. starts `gunicorn -w 2 -b 127.0.0.1:<free port> benchmarks.web_app:app` with DATABASE_URL
   and CASEWORK_ENV=development (plain http, so the session cookie is not Secure), waits for
   /healthz, and signs in as the business manager (GET /sign-in for the CSRF token and cookie,
   then POST the form), keeping the session cookie;
3. loads each target with `wrk -t2 -c8 -d10s -s benchmarks/wrk_report.lua` and that cookie:
   /hello (bare, the baseline), /hello/signed-in (for information: the same route through the
   app's sign-in hooks), / (home: what needs doing), /cases/ (the case list), /cases/<id> (the
   page of the case with the longest history), then /hello again; wrk_report.lua counts every
   response that is not 2xx (a redirect to sign-in is a 302 and fails) and gives the p95; the
   CPU time the gunicorn workers and their PostgreSQL backends spent per request is read from
   /proc around each run (it moves less than req/s when other work shares the machine);
4. stops gunicorn and times one request of each page in-process (Flask's test client, same
   database): milliseconds, SQL statements and SQL time, so that a miss can be traced; with
   --profile, also the top functions of 10 requests under cProfile;
5. prints a table against the targets of issue 3: each page at least 10% of the hello route's
   requests per second, p95 latency under 100 ms, no non-2xx response. Exit status 1 if any is
   missed. The throwaway database is always dropped and gunicorn always stopped.

Progress goes to stderr, figures to stdout.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python benchmarks/web.py` puts benchmarks/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse  # noqa: I001
import cProfile
import http.client
import io
import os
import pstats
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import flask_migrate
import psycopg
from sqlalchemy import event, func, select

from benchmarks.core import (
    PARTNERSHIP_CODE,
    POSTGRES_ADMIN_URL,
    Population,
    build_population,
    database,
    insert_cases,
    progress,
)
from casework import create_app
from casework.extensions import db
from casework.models import Case, CaseEvent
from casework.services.partnerships import clock_settings, create_partnership
from casework.services.today import london_today
from casework.services.users import create_user
from workflows import cases as workflow

ROOT = Path(__file__).resolve().parents[1]
# Targets of issue 3, "How we will know" (Speed).
RATIO_TARGET = 0.10  # each page at least 10% of the hello route's requests per second
P95_MS_TARGET = 100.0
LUA = ROOT / "benchmarks" / "wrk_report.lua"
USER_AGENT = "casework-web-benchmark"  # the same for sign-in and wrk (Flask-Login's identifier)
MANAGER_EMAIL = "manager@bench.example.org"
IN_PROCESS_RUNS = 20
PROFILED_RUNS = 10


# --------------------------------------------------------------------------------------------
# The database: N cases and the people, built with benchmarks/core.py
# --------------------------------------------------------------------------------------------


@dataclass
class Built:
    password: str  # the business manager's
    case_id: int  # the case with the longest history
    case_reference: str
    case_events: int
    case_state: str
    cases: int


_populations: dict[tuple, Population] = {}


def build_database(args: argparse.Namespace, today: date) -> Built:
    """Migrate, make the people, and bulk-insert the cases (inside an app context)."""
    flask_migrate.upgrade()
    partnership = create_partnership(
        "Benchmark Safeguarding Children Partnership", PARTNERSHIP_CODE
    )
    manager, password = _user("business_manager", None, MANAGER_EMAIL)
    actors = {"manager": manager.id}
    for partner in workflow.PARTNERS:
        actors[partner] = _user("partner_lead", partner, f"{partner}@bench.example.org")[0].id
    partnership_id = partnership.id
    settings = clock_settings(partnership_id)

    key = (args.cases, args.seed, settings, tuple(sorted(actors.items())))
    if key not in _populations:
        progress(f"planning {args.cases:,} cases and replaying their events (benchmarks.core)")
        _populations[key] = build_population(args.cases, args.seed, today, settings, actors)
    population = _populations[key]
    progress(f"bulk-inserting {len(population.built):,} cases")
    insert_cases(population.built, partnership_id, Counter())  # references numbered from 1
    if db.engine.dialect.name == "postgresql":
        # As autovacuum would after a bulk load: statistics, and the visibility map that lets
        # the case list count its cases from the index alone.
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")

    longest = (
        select(CaseEvent.case_id, func.count().label("events"))
        .group_by(CaseEvent.case_id)
        .order_by(func.count().desc(), CaseEvent.case_id)
        .limit(1)
    )
    case_id, events = db.session.execute(longest).one()
    case = db.session.get(Case, case_id)
    assert case is not None
    cases = db.session.scalar(select(func.count()).select_from(Case)) or 0
    return Built(password, case_id, case.reference, events, case.state, cases)


def _user(role: str, partner: str | None, email: str) -> tuple[Any, str]:
    name = partner or role
    return create_user(
        partnership_code=PARTNERSHIP_CODE,
        email=email,
        name=name.replace("_", " ").title(),
        role=role,
        partner=partner,
    )


# --------------------------------------------------------------------------------------------
# gunicorn, signing in, wrk
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    port: int
    pid: int  # gunicorn's master; its children are the workers
    database: str | None  # PostgreSQL: the database whose backends serve the workers


@contextmanager
def gunicorn(url: str, log: Path) -> Iterator[Server]:
    """gunicorn with 2 workers serving benchmarks.web_app on a free port; stopped afterwards."""
    port = free_port()
    binary = Path(sys.executable).with_name("gunicorn")
    command = [
        str(binary if binary.exists() else shutil.which("gunicorn") or "gunicorn"),
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "benchmarks.web_app:app",
    ]
    env = {**os.environ, "DATABASE_URL": url, "CASEWORK_ENV": "development"}
    progress(f"starting {' '.join(command[-5:])}")
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_healthy(port, process, log)
        database = url.rsplit("/", 1)[1] if url.startswith("postgresql") else None
        yield Server(port, process.pid, database)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        progress(f"gunicorn stopped (exit {process.returncode})")


def _wait_healthy(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited ({process.returncode}):\n{log.read_text()[-3000:]}"
            )
        try:
            status, _headers, _body = request(port, "GET", "/healthz")
        except OSError:
            status = None
        if status == 200:
            return
        time.sleep(0.2)
    raise RuntimeError(f"/healthz did not answer 200 within 60s:\n{log.read_text()[-3000:]}")


def request(
    port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            method, path, body=body, headers={"User-Agent": USER_AGENT, **(headers or {})}
        )
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _session_cookie(headers: http.client.HTTPMessage) -> str | None:
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        if name.strip() == "session":
            return rest.split(";", 1)[0]
    return None


CSRF_FIELD = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE = re.compile(r'value="([^"]*)"')


def csrf_token(html: str) -> str:
    field = CSRF_FIELD.search(html)
    value = VALUE.search(field.group(0)) if field else None
    if value is None:
        raise RuntimeError("no csrf_token field on the sign-in page")
    return value.group(1)


def sign_in(port: int, password: str) -> str:
    """Sign in as the business manager as a browser would; return the session cookie."""
    status, headers, body = request(port, "GET", "/sign-in")
    cookie = _session_cookie(headers)
    if status != 200 or cookie is None:
        raise RuntimeError(
            f"GET /sign-in: {status}, session cookie {'set' if cookie else 'not set'}"
        )
    form = urllib.parse.urlencode(
        {"email": MANAGER_EMAIL, "password": password, "csrf_token": csrf_token(body.decode())}
    )
    status, headers, body = request(
        port,
        "POST",
        "/sign-in",
        body=form.encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"session={cookie}",
        },
    )
    signed_in = _session_cookie(headers)
    if status != 302 or signed_in is None:
        raise RuntimeError(f"POST /sign-in: {status} (expected a 302 to the home page)")
    return signed_in


# CPU time from /proc (Linux): what the server spent per request, whatever else ran meanwhile.
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    try:
        text_ = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text_.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces


def _cpu_seconds(pid: int) -> float | None:
    fields = _stat(pid)  # fields[11], fields[12]: utime and stime (fields 14 and 15 of stat)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS if fields else None


def _workers(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and fields[1] == str(master):
                pids.append(int(entry.name))
    return pids


def _backends(database: str | None) -> list[int]:
    if database is None:  # SQLite runs inside the workers
        return []
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        found = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,))
        return [pid for (pid,) in found]


def cpu_sample(server: Server) -> tuple[dict[int, float], dict[int, float]]:
    """CPU seconds so far of each gunicorn worker, and of each PostgreSQL backend of the run."""
    if not Path("/proc/self/stat").exists():
        return {}, {}

    def sample(pids: list[int]) -> dict[int, float]:
        return {pid: t for pid in pids if (t := _cpu_seconds(pid)) is not None}

    return sample(_workers(server.pid)), sample(_backends(server.database))


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


@dataclass
class Target:
    name: str
    path: str
    page: bool  # held to the ratio target (the pages), or a baseline / information
    note: str = ""


@dataclass
class Result:
    target: Target
    rps: float
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    first_non2xx: str
    socket_errors: int
    app_cpu_ms: float | None = None  # per request, in the gunicorn workers
    db_cpu_ms: float | None = None  # per request, in the PostgreSQL backends
    ratio: float | None = None
    cpu_ratio: float | None = None  # hello's CPU per request over this target's

    @property
    def cpu_ms(self) -> float | None:
        if self.app_cpu_ms is None:
            return None
        return self.app_cpu_ms + (self.db_cpu_ms or 0.0)


def run_wrk(server: Server, target: Target, cookie: str, args: argparse.Namespace) -> Result:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "-s",
        str(LUA),
        "-H",
        f"Cookie: session={cookie}",
        "-H",
        f"User-Agent: {USER_AGENT}",
        f"http://127.0.0.1:{server.port}{target.path}",
    ]
    progress(f"wrk {target.path} ({args.duration}s)")
    workers, backends = cpu_sample(server)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    workers_after, backends_after = cpu_sample(server)
    values = dict(
        line.split(" ", 1) for line in done.stdout.splitlines() if line.startswith("WRK_")
    )
    if done.returncode != 0 or "WRK_RPS" not in values:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    requests = int(values["WRK_REQUESTS"])
    app_cpu = _spent(workers, workers_after) * 1000 / requests if workers_after else None
    db_cpu = _spent(backends, backends_after) * 1000 / requests if backends_after else None
    return Result(
        target=target,
        rps=float(values["WRK_RPS"]),
        requests=int(values["WRK_REQUESTS"]),
        p50_ms=float(values["WRK_P50_MS"]),
        p95_ms=float(values["WRK_P95_MS"]),
        p99_ms=float(values["WRK_P99_MS"]),
        max_ms=float(values["WRK_MAX_MS"]),
        non2xx=int(values["WRK_NON2XX"]),
        first_non2xx=values["WRK_FIRST_NON2XX"].strip(),
        socket_errors=int(values["WRK_SOCKET_ERRORS"]),
        app_cpu_ms=app_cpu,
        db_cpu_ms=db_cpu,
    )


def warm_up(port: int, targets: list[Target], cookie: str) -> dict[str, tuple[int, int]]:
    """A few requests of each target, so both workers have compiled the templates.

    Returns each path's status and size in bytes.
    """
    seen = {}
    for target in targets:
        for _ in range(6):
            status, _headers, body = request(
                port, "GET", target.path, headers={"Cookie": f"session={cookie}"}
            )
        seen[target.path] = (status, len(body))
    return seen


# --------------------------------------------------------------------------------------------
# In-process: where the time of one request goes
# --------------------------------------------------------------------------------------------


@dataclass
class InProcess:
    path: str
    median_ms: float
    cpu_ms: float  # median CPU time of this process (the app, not the database server)
    statements: int
    sql_ms: float  # median over the runs of the time spent executing SQL


def signed_in_test_client(app: Any, password: str) -> Any:
    """Flask's test client for `app`, signed in as the business manager as a browser would."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    page = client.get("/sign-in").get_data(as_text=True)
    response = client.post(
        "/sign-in",
        data={"email": MANAGER_EMAIL, "password": password, "csrf_token": csrf_token(page)},
    )
    if response.status_code != 302:
        raise RuntimeError(f"in-process sign-in: {response.status_code}")
    return client


def in_process(
    url: str, password: str, targets: list[Target], profile: bool
) -> tuple[list[InProcess], dict[str, str]]:
    """Time each page through Flask's test client, counting and timing its SQL."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "INSECURE_COOKIES": True, "DEVELOPMENT": True}
    )
    client = signed_in_test_client(app, password)
    results, profiles = [], {}
    with app.app_context():
        engine = db.engine
    sql: list[float] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        sql.append(time.perf_counter() - conn.info.pop("bench_started"))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        for target in targets:
            client.get(target.path)  # warm
            times, cpu, counts, sql_times = [], [], [], []
            for _ in range(IN_PROCESS_RUNS):
                sql.clear()
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(target.path)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"in-process {target.path}: {response.status_code}")
                counts.append(len(sql))
                sql_times.append(sum(sql) * 1000)
            results.append(
                InProcess(
                    target.path,
                    statistics.median(times),
                    statistics.median(cpu),
                    max(counts),
                    statistics.median(sql_times),
                )
            )
            if profile:
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(PROFILED_RUNS):
                    client.get(target.path)
                profiler.disable()
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out)
                stats.sort_stats("cumulative").print_stats(r"casework|templates|jinja2|flask", 30)
                stats.sort_stats("tottime").print_stats(15)
                profiles[target.path] = out.getvalue()
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return results, profiles


# --------------------------------------------------------------------------------------------
# One backend
# --------------------------------------------------------------------------------------------


@dataclass
class Row:
    backend: str
    result: Result
    verdict: str  # PASS, FAIL or info
    why: str


def run_backend(backend: str, args: argparse.Namespace, today: date) -> list[Row]:
    progress(f"{backend}: creating the database")
    try:
        with database(backend) as url:
            return _run(backend, url, args, today)
    except psycopg.OperationalError as error:
        print(f"\n{backend}: PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error}")
        raise SystemExit(1) from error


def _run(backend: str, url: str, args: argparse.Namespace, today: date) -> list[Row]:
    started = time.perf_counter()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DEVELOPMENT": True})
    with app.app_context():
        try:
            built = build_database(args, today)
        finally:
            db.session.remove()
            db.engine.dispose()
    print(
        f"\n=== {backend} ===\n"
        f"Database: {built.cases:,} cases built in {time.perf_counter() - started:.0f}s "
        "(benchmarks.core: build_population, insert_cases); signed in as a business manager."
    )
    targets = [
        Target("hello (bare)", "/hello", page=False, note="baseline"),
        Target("hello through sign-in hooks", "/hello/signed-in", page=False, note="info"),
        Target("home: what needs doing", "/", page=True),
        Target("case list", "/cases/", page=True),
        Target(
            f"case page {built.case_reference}",
            f"/cases/{built.case_id}",
            page=True,
            note=f"{built.case_events} history rows, {built.case_state}",
        ),
        Target("hello (bare), again", "/hello", page=False, note="drift check"),
    ]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="casework_web_bench_") as folder:
        log = Path(folder) / "gunicorn.log"
        with gunicorn(url, log) as server:
            cookie = sign_in(server.port, built.password)
            sizes = warm_up(server.port, targets[:5], cookie)
            for target in targets:
                results.append(run_wrk(server, target, cookie, args))
        errors = [line for line in log.read_text().splitlines() if "Traceback" in line]
    print(
        "Warm-up responses: "
        + ", ".join(f"{path} {status} ({size:,} bytes)" for path, (status, size) in sizes.items())
    )
    if errors:
        print(f"NOTE: gunicorn logged {len(errors)} traceback(s) during the run.")

    progress(f"{backend}: timing one request of each page in-process")
    pages = [t for t in targets if t.page]
    timings, profiles = in_process(url, built.password, pages, args.profile)

    # The baseline: the faster of the two hello runs (the stricter ratio).
    hellos = [r for r in results if r.target.path == "/hello"]
    hello = max(r.rps for r in hellos)
    hello_cpu = min((r.cpu_ms for r in hellos if r.cpu_ms), default=None)
    rows = []
    for r in results:
        if r.target.page or r.target.note == "info":
            r.ratio = r.rps / hello
            if hello_cpu and r.cpu_ms:
                r.cpu_ratio = hello_cpu / r.cpu_ms
        why = []
        if r.target.page and r.ratio is not None and r.ratio < RATIO_TARGET:
            why.append(f"ratio {r.ratio:.1%} < {RATIO_TARGET:.0%}")
        if r.target.page and r.p95_ms >= P95_MS_TARGET:
            why.append(f"p95 {r.p95_ms:.0f} ms >= {P95_MS_TARGET:.0f}")
        if r.non2xx:
            why.append(f"{r.non2xx:,} non-2xx (first: {r.first_non2xx})")
        if r.socket_errors:
            why.append(f"{r.socket_errors:,} socket errors/timeouts")
        # The signed-in hello is for information; the pages show the same things.
        verdict = "info" if r.target.note == "info" else "FAIL" if why else "PASS"
        rows.append(Row(backend, r, verdict, "; ".join(why)))

    print(
        f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration}s per target, gunicorn "
        "-w 2 (sync workers), one after another on the same server:"
    )
    print(
        f"  {'target':34} {'path':16} {'req/s':>7} {'requests':>8} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'max ms':>7} {'non-2xx':>7} {'sockerr':>7} {'app CPU':>7} {'db CPU':>6}"
        "  note"
    )

    def ms(value: float | None) -> str:
        return f"{value:.2f}" if value is not None else "-"

    for r in results:
        print(
            f"  {r.target.name:34} {r.target.path:16} {r.rps:>7.1f} {r.requests:>8,} "
            f"{r.p50_ms:>7.1f} {r.p95_ms:>7.1f} {r.p99_ms:>7.1f} {r.max_ms:>7.1f} "
            f"{r.non2xx:>7,} {r.socket_errors:>7,} {ms(r.app_cpu_ms):>7} {ms(r.db_cpu_ms):>6}"
            f"  {r.target.note}"
        )
    print(
        "  app CPU / db CPU: CPU milliseconds per request spent by the two gunicorn workers / by "
        "the\n  PostgreSQL backends serving them (from /proc), whatever else the machine was doing."
    )
    print(
        "\nIn-process, one request at a time through Flask's test client (median of "
        f"{IN_PROCESS_RUNS}; CPU = this process only; SQL = wall time in cursor.execute):"
    )
    print(f"  {'path':18} {'ms':>7} {'CPU ms':>7} {'SQL stmts':>9} {'SQL ms':>7}")
    for t in timings:
        print(
            f"  {t.path:18} {t.median_ms:>7.1f} {t.cpu_ms:>7.1f} {t.statements:>9} {t.sql_ms:>7.1f}"
        )
    for path, text_ in profiles.items():
        print(
            f"\ncProfile of {PROFILED_RUNS} requests of {path} (by cumulative time, then by own "
            f"time):\n{text_}"
        )
    return rows


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("postgresql", "sqlite", "both"), default="postgresql")
    parser.add_argument("--cases", type=int, default=20_000, help="cases built (default 20000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per target (10)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--profile", action="store_true", help="cProfile 10 requests per page")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)")
        return 1

    today = london_today()
    backends = ("postgresql", "sqlite") if args.backend == "both" else (args.backend,)
    load = os.getloadavg()
    print(
        f"Casework web benchmark, {today} (Europe/London); {os.cpu_count()} CPUs, load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (other work on the machine skews every "
        f"figure); --backend {args.backend} --cases {args.cases} --duration {args.duration} "
        f"--connections {args.connections} --threads {args.threads}"
    )
    print(
        "Note: every read of a case page records an audit row (CaseRead), whose trigger adds "
        "to the reader's total (CaseReadTotal), so each case-page request includes a write "
        "(committed by itself on PostgreSQL, with the page's reads on SQLite)."
    )
    rows: list[Row] = []
    for backend in backends:
        rows += run_backend(backend, args, today)

    load = os.getloadavg()
    print(f"\nSummary (load average now {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}):")
    headers = (
        "backend",
        "target",
        "req/s",
        "ratio to hello",
        "p95 ms",
        "non-2xx",
        "result",
        "CPU ratio (info)",
    )
    table = [headers]
    for row in rows:
        r = row.result
        ratio = f"{r.ratio:.1%}" if r.ratio is not None else "-"
        if r.target.page:
            ratio += f" (>= {RATIO_TARGET:.0%})"
        table.append(
            (
                row.backend,
                f"{r.target.name} {r.target.path}",
                f"{r.rps:.1f}",
                ratio,
                f"{r.p95_ms:.1f} (< {P95_MS_TARGET:.0f})",
                f"{r.non2xx + r.socket_errors}",
                row.verdict + (f": {row.why}" if row.why else ""),
                f"{r.cpu_ratio:.1%}" if r.cpu_ratio is not None else "-",
            )
        )
    widths = [max(len(str(line[i])) for line in table) for i in range(len(headers))]
    for line in table:
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
    failed = [row for row in rows if row.verdict == "FAIL"]
    print(
        "\nRatio: each page's requests per second over the faster of the two bare /hello runs; "
        "non-2xx counts socket errors and timeouts too.\nCPU ratio (not a target, for a busy "
        "machine): the bare /hello's CPU per request (workers + database) over the page's."
    )
    print(f"{len(failed)} target(s) missed." if failed else "All targets met.")
    progress("done")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
