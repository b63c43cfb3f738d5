"""The app as `benchmarks/web.py` serves it under gunicorn: benchmark-only, never the product.

    gunicorn -w 2 -b 127.0.0.1:8000 benchmarks.web_app:app

`create_app()` (configured from the environment: DATABASE_URL, CASEWORK_ENV) plus two routes
that exist only here:

- `/hello`: the baseline. A bare Flask route returning "hello", answered before the app's own
  request hooks (sign-in, idle time-out, CSRF), so it costs what the server and Flask cost and
  nothing of Casework's; the security headers are still added after it, as on every response.
- `/hello/signed-in`: the same "hello" through all of the app's hooks, as any signed-in page
  that only reads (`reads_only`, as the home page and the case list): the session and the user
  are loaded from the cookie and the database, and the session cookie is signed again. The
  difference between the two is Casework's fixed cost per request.
"""

from __future__ import annotations

from flask import request

from casework import create_app
from casework.web.security import reads_only

app = create_app()


def hello() -> str:
    return "hello"


def _bare_hello() -> str | None:
    return "hello" if request.endpoint == "hello" else None


app.add_url_rule("/hello", "hello", hello)
app.add_url_rule("/hello/signed-in", "hello_signed_in", reads_only(lambda: "hello"))
# First of the app-wide before-request hooks: a value returned here ends the request.
app.before_request_funcs.setdefault(None, []).insert(0, _bare_hello)
