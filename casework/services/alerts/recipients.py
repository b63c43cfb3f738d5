"""Who an alert goes to, worked out when the rung is claimed.

The partnership's active business managers always; for a clock that belongs to an agency
(`agency_return`, `action`) that agency's active contributors too; for `escalated`, when the
partnership has escalation on, every partner lead. Each person once per rung.

`agency_return` and `action` clocks arrive with the agency requests and actions issues: those
records will give their clock's agency, and `recipients` already takes it (`agency_id`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select

from casework.extensions import db
from casework.models import User

AGENCY_CLOCK_KINDS = frozenset({"agency_return", "action"})
ALERTED_ROLES = ("business_manager", "partner_lead", "agency_contributor")


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    role: str
    agency_id: int | None


class Directory:
    """The people alerts can go to in some partnerships, loaded with one query."""

    def __init__(self, partnership_ids: Collection[int]):
        self._managers: dict[int, list[Person]] = defaultdict(list)
        self._leads: dict[int, list[Person]] = defaultdict(list)
        self._contributors: dict[tuple[int, int], list[Person]] = defaultdict(list)
        if not partnership_ids:
            return
        rows = db.session.execute(
            select(User.id, User.email, User.role, User.agency_id, User.partnership_id)
            .where(
                User.active,
                User.role.in_(ALERTED_ROLES),
                User.partnership_id.in_(sorted(partnership_ids)),
            )
            .order_by(User.id)
        )
        for user_id, email, role, agency_id, partnership_id in rows:
            person = Person(user_id, email, role, agency_id)
            if role == "business_manager":
                self._managers[partnership_id].append(person)
            elif role == "partner_lead":
                self._leads[partnership_id].append(person)
            elif agency_id is not None:
                self._contributors[(partnership_id, agency_id)].append(person)

    def recipients(
        self,
        partnership_id: int,
        kind: str,
        rung: str | None,
        *,
        escalation_enabled: bool,
        agency_id: int | None = None,
    ) -> list[Person]:
        """Everyone who gets this rung of this clock, each once. `rung=None`: the digest's."""
        people = list(self._managers[partnership_id])
        if kind in AGENCY_CLOCK_KINDS and agency_id is not None:
            people += self._contributors[(partnership_id, agency_id)]
        if rung == "escalated" and escalation_enabled:
            people += self._leads[partnership_id]
        return list({person.id: person for person in people}.values())
