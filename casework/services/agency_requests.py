"""Requests to agencies for their rapid review returns (being built)."""

from __future__ import annotations

from casework.models import Case, CaseEvent


def close_agency_clocks(case: Case, entry: CaseEvent) -> None:
    """The case left the rapid review: open agency return clocks are cancelled."""
    for clock in case.clocks:
        if clock.kind == "agency_return" and clock.met_on is None and clock.cancelled_on is None:
            clock.cancelled_on = entry.on
            clock.cancelled_by = entry.event
            clock.alert_from_on = clock.next_rung_on = None
