"""What "today" is for the scheduler's jobs.

Today is the date in Europe/London. CASEWORK_TODAY=YYYY-MM-DD overrides it: for tests and
rehearsals only (a scheduler started "on" a past date, to watch the ladder climb). Only the
scheduler reads it; the web application and the services never do, and the CLI's `--on` is the
way to choose a date there.
"""

from __future__ import annotations

import os
from datetime import date

from casework.services.today import london_today

OVERRIDE = "CASEWORK_TODAY"


def jobs_today() -> date:
    override = os.environ.get(OVERRIDE)
    return date.fromisoformat(override) if override else london_today()
