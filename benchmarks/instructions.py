"""Instructions per request of each page, counted by valgrind's callgrind.

A measure for comparing two versions of the code, not the issue's target (that is `web.py`).
On the 2-core machine the same code's requests per second moved by a tenth between runs of
`web.py`, and its CPU milliseconds per request with them; the instructions a request takes do
not depend on what else the machine is doing (two runs of the same code agree within 0.2%).

    .venv/bin/python benchmarks/instructions.py                  # PostgreSQL, 20,000 cases
    .venv/bin/python benchmarks/instructions.py --backend sqlite --cases 2000 --requests 10

The database is built as `web.py` builds it. Then, for each page, a child Python runs under
`valgrind --tool=callgrind --instr-atstart=no`: it serves `benchmarks.web_app` through Flask's
test client (no gunicorn), signs in as the business manager, asks for the page a few times to
warm it up, switches counting on (`callgrind_control -i on`) for N requests and off again. It
runs once with N requests and once with none, and prints the difference over N, in millions.
Flask's test client costs more than gunicorn's request handling, so the bare `/hello` is here
for scale, not for the ratio. Needs Debian's valgrind; two children run at a time.
"""

from __future__ import annotations

import argparse  # noqa: I001
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = ("/hello", "/hello/signed-in", "/", "/cases/", "/cases/{case_id}")
WARM_UP = 5


def child(url: str, password: str, path: str, requests: int) -> None:
    """In valgrind: sign in, warm up, count `requests` requests of `path`."""
    os.environ.update({"DATABASE_URL": url, "CASEWORK_ENV": "development"})
    from benchmarks.web import signed_in_test_client
    from benchmarks.web_app import app

    client = signed_in_test_client(app, password)
    for _ in range(WARM_UP):
        if client.get(path).status_code != 200:
            raise SystemExit(f"{path}: not 200")
    pid = str(os.getpid())
    subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
    for _ in range(requests):
        client.get(path)
    subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)


def counted(url: str, password: str, path: str, requests: int) -> int:
    """Instructions counted by callgrind in a child asking for `path` `requests` times."""
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--child",
            url,
            password,
            path,
            str(requests),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        cwd=ROOT,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(
            f"valgrind for {path} failed ({done.returncode}):\n{done.stderr[-3000:]}"
        )
    return int(found.group(1))


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=20, help="requests counted per page")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from benchmarks.core import database, progress
    from benchmarks.web import build_database
    from casework import create_app
    from casework.extensions import db
    from casework.services.today import london_today

    today: date = london_today()
    with database(args.backend) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DEVELOPMENT": True})
        with app.app_context():
            built = build_database(argparse.Namespace(cases=args.cases, seed=args.seed), today)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        pages = [page.format(case_id=built.case_id) for page in PAGES]
        progress(f"counting {len(pages)} pages under callgrind, {args.requests} requests each")
        runs = [(page, n) for page in pages for n in (args.requests, 0)]
        with ThreadPoolExecutor(max_workers=2) as pool:
            totals = list(pool.map(lambda run: counted(url, built.password, *run), runs))
        by_run = dict(zip(runs, totals, strict=True))
        print(
            f"\n{args.backend}, {built.cases:,} cases; the case page is {built.case_reference}"
            f" ({built.case_events} history rows, {built.case_state})."
        )
        print(f"{'page':24} {'instructions a request':>24}")
        for page in pages:
            per_request = (by_run[(page, args.requests)] - by_run[(page, 0)]) / args.requests
            print(f"{page:24} {per_request / 1e6:21.2f} M")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
