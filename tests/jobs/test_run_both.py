"""`make run`'s two processes: the web server and the scheduler start, and SIGINT stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request

from tests.jobs.processes import ROOT, wait_until
from tests.smtp import free_port


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that exited but was not yet reaped by its parent is a zombie: not running.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"


def children_of(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    with open(path) as listing:
        return [int(p) for p in listing.read().split()]


def test_sigint_stops_the_web_server_and_the_scheduler(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "casework.sqlite"),
        "MAIL_BACKEND": "file",
        "MAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        parent = subprocess.Popen(
            [sys.executable, "-m", "casework.jobs.run_both", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: len(children_of(parent.pid)) == 2, timeout=10)
        web, scheduler = children_of(parent.pid)

        def serving() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    return r.status == 200
            except OSError:
                return False

        wait_until(serving, timeout=15, step=0.2)
        wait_until(lambda: "leading" in log.read_text(), timeout=15)

        parent.send_signal(signal.SIGINT)  # what Ctrl-C delivers
        assert parent.wait(15) == 0
        assert not alive(web) and not alive(scheduler), log.read_text()
    finally:
        if parent.poll() is None:
            parent.kill()
