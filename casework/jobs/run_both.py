"""`make run`: the web server and the scheduler, as two processes; Ctrl-C stops both.

    python -m casework.jobs.run_both [--host 127.0.0.1] [--port 5000]

Ctrl-C in a terminal sends SIGINT to every process of the foreground group, so both children
hear it themselves; this parent also passes SIGINT or SIGTERM on, waits for both, and kills
whichever has not stopped after 10 seconds. If either child stops on its own the other is
stopped too, so there is never a web server without its scheduler or the other way round.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time

GRACE_SECONDS = 10


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="5000")
    args = parser.parse_args(argv)

    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    children = [
        subprocess.Popen([*flask, "run", "--host", args.host, "--port", args.port]),  # noqa: S603
        subprocess.Popen([*flask, "casework", "scheduler"]),  # noqa: S603
    ]
    print(
        f"run_both: web server pid {children[0].pid}, scheduler pid {children[1].pid};"
        " Ctrl-C stops both.",
        flush=True,
    )
    stop_requested: list[int] = []

    def request_stop(signum: int, _frame: object) -> None:
        stop_requested.append(signum)

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    while not stop_requested and all(child.poll() is None for child in children):
        time.sleep(0.2)

    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return 0 if stop_requested else 1


if __name__ == "__main__":
    sys.exit(main())
