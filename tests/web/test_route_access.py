"""Every route of the application, GET and POST, as every role and signed out.

The expectations are the table below, written by hand from the domain reference ("Who uses
it" and the order of refusals), not derived from the code: signed out is sent to sign-in (the
JSON API answers 401 instead), a case the user may not see is a 404, a forbidden action is a
403 and changes nothing. A route of the URL map missing from the table, or a row the URL map
does not have, fails `test_the_table_has_a_row_for_every_route_and_method`.

Each row is one test; every person in it is a subtest, so a failure names the route, the
method and the role. The people and things a row needs (a case of the first partnership in a
state where the event is allowed, a real grant, user, agency and closure day) are made once per
row. Each request is one a permitted person would make successfully: a valid CSRF token and a
form or JSON body that succeeds for the people allowed (their cells say 302 or 201, which
proves the body good), so that a refusal for the others proves the permission check. Those
permitted to change something go last in a row. Around every refusal the database is compared
before and after: every row of every table but the audit tables `case_reads` and
`sign_in_failures`, so the case's state and version and every user's role and active flag
included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import Agency, AgencyRequest, Alert, CaseAccess, Clock, ClosureDay, User
from casework.services.agency_requests import send_requests
from casework.services.auth import create_invitation
from casework.services.events import fire_event
from casework.services.panel_meetings import CRITERIA, record_panel_meeting
from casework.services.returns import submit_return
from casework.services.returns_merge import add_chronology_entry, save_section
from casework.services.today import london_today
from casework.services.users import create_user
from tests.factories import grant_access, make_case, make_partnership, make_token, make_user
from tests.web.pages import WebClient

# The columns, in the table's order.
ROLES = (
    "signed_out",
    "business_manager",
    "partner_lead",  # the local authority's lead
    "panel_member",  # without a grant
    "panel_member_with_grant",  # a live grant to the case of the row
    "agency_contributor",  # without a grant
    "reviewer",  # without a grant
    "scrutineer",
    "admin",
    "other_manager",  # a business manager of another partnership
)
# Who may see the first partnership's cases (a list page may name them only to these).
SEES_THE_CASE = {"business_manager", "partner_lead", "panel_member_with_grant", "scrutineer"}

# Outcomes:
#   in   redirected to the sign-in page
#   200  the page or the JSON (for a POST: shown again, which no row expects)
#   201  created (JSON API)
#   302  done: the form was accepted and the app redirects on (anywhere but sign-in)
#   401  the JSON API's 401 without a valid bearer token (and the typing ping's, signed out)
#   403  forbidden; 404 not found (as if it did not exist); 405 method not allowed
# A row whose rule the URL map has but not for that method must be 405 throughout. The rows
# of events have a third word: the event carried out (the rule's <event>, the API's "event").
# Columns: out = signed out, bm = business manager, ld = partner lead (local authority),
# pm = panel member, pm+ = panel member with a grant, ac = agency contributor, rv = reviewer,
# sc = scrutineer, adm = admin, obm = another partnership's business manager.
TABLE = """
                                                        out bm  ld  pm  pm+ ac  rv  sc  adm obm
# Signing in, out, and invitations: public but for signing out
GET  /sign-in                                           200 200 200 200 200 200 200 200 200 200
POST /sign-in                                           302 302 302 302 302 302 302 302 302 302
GET  /sign-out                                          405 405 405 405 405 405 405 405 405 405
POST /sign-out                                          in  302 302 302 302 302 302 302 302 302
GET  /signed-out                                        200 200 200 200 200 200 200 200 200 200
GET  /session/keep-alive                                405 405 405 405 405 405 405 405 405 405
POST /session/keep-alive                                401 204 204 204 204 204 204 204 204 204
POST /signed-out                                        405 405 405 405 405 405 405 405 405 405
GET  /invitations/<token>                               200 200 200 200 200 200 200 200 200 200
POST /invitations/<token>                               302 302 302 302 302 302 302 302 302 302
# Public
GET  /healthz                                           200 200 200 200 200 200 200 200 200 200
POST /healthz                                           405 405 405 405 405 405 405 405 405 405
GET  /assets/<path:filename>                            200 200 200 200 200 200 200 200 200 200
POST /assets/<path:filename>                            405 405 405 405 405 405 405 405 405 405
# What needs doing: every signed-in person (an admin sees an empty list)
GET  /                                                  in  200 200 200 200 200 200 200 200 200
POST /                                                  405 405 405 405 405 405 405 405 405 405
# Alerts: everyone's own (someone else's alert: 404)
GET  /alerts/                                           in  200 200 200 200 200 200 200 200 200
POST /alerts/                                           405 405 405 405 405 405 405 405 405 405
GET  /alerts/<int:alert_id>/read                        405 405 405 405 405 405 405 405 405 405
POST /alerts/<int:alert_id>/read                        in  302 404 404 404 404 404 404 404 404
# Cases: admins see no case content; only business managers open cases and fire events;
# a lead signs off for their own partner; grant-only roles see a case through a grant
GET  /cases/                                            in  200 200 200 200 200 200 200 403 200
POST /cases/                                            405 405 405 405 405 405 405 405 405 405
GET  /cases/new                                         in  200 403 403 403 403 403 403 403 200
POST /cases/new                                         in  302 403 403 403 403 403 403 403 302
GET  /cases/<int:case_id>                               in  200 200 404 200 404 404 200 403 404
POST /cases/<int:case_id>                               405 405 405 405 405 405 405 405 405 405
GET  /cases/<int:case_id>/events/<event> notify         in  200 403 404 403 404 404 403 403 404
POST /cases/<int:case_id>/events/<event> notify         in  302 403 404 403 404 404 403 403 404
GET  /cases/<int:case_id>/events/<event> sign_off       in  200 200 404 403 404 404 403 403 404
POST /cases/<int:case_id>/events/<event> sign_off       in  302 302 404 403 404 404 403 403 404
# Access grants: business managers only (an admin sees no case: 404); taking back asks first
GET  /cases/<int:case_id>/access                        in  200 403 404 403 404 404 403 404 404
POST /cases/<int:case_id>/access                        in  302 403 404 403 404 404 403 404 404
GET  /cases/<int:case_id>/access/<int:grant_id>/revoke  in  200 403 404 403 404 404 403 404 404
POST /cases/<int:case_id>/access/<int:grant_id>/revoke  in  302 403 404 403 404 404 403 404 404
# Requests to agencies: business managers only (an admin sees no case: 404)
GET  /cases/<int:case_id>/requests                      in  200 403 404 403 404 404 403 404 404
POST /cases/<int:case_id>/requests                      in  302 403 404 403 404 404 403 404 404
GET  /cases/<int:case_id>/requests/<int:request_id>     in  200 403 404 403 404 404 403 404 404
POST /cases/<int:case_id>/requests/<int:request_id>     405 405 405 405 405 405 405 405 405 405
GET  /cases/<int:case_id>/requests/<int:request_id>/chase 405 405 405 405 405 405 405 405 405 405
POST /cases/<int:case_id>/requests/<int:request_id>/chase in  302 403 404 403 404 404 403 404 404
GET  /cases/<int:case_id>/requests/<int:request_id>/extend 405 405 405 405 405 405 405 405 405 405
POST /cases/<int:case_id>/requests/<int:request_id>/extend in  302 403 404 403 404 404 403 404 404
GET  /cases/<int:case_id>/requests/<int:request_id>/cancel 405 405 405 405 405 405 405 405 405 405
POST /cases/<int:case_id>/requests/<int:request_id>/cancel in  302 403 404 403 404 404 403 404 404
GET  /cases/<int:case_id>/requests/<int:request_id>/return-for-amendment 405 405 405 405 405 405 405 405 405 405
POST /cases/<int:case_id>/requests/<int:request_id>/return-for-amendment in  302 403 404 403 404 404 403 404 404
# The rapid review's papers: the manager records the meeting; readers of the case read them
GET  /cases/<int:case_id>/meeting/new                   in  200 403 404 403 404 404 403 403 404
POST /cases/<int:case_id>/meeting/new                   in  302 403 404 403 404 404 403 403 404
GET  /cases/<int:case_id>/meeting                       in  200 200 404 200 404 404 200 403 404
POST /cases/<int:case_id>/meeting                       405 405 405 405 405 405 405 405 405 405
GET  /cases/<int:case_id>/compiled-returns              in  200 200 404 200 404 404 200 403 404
POST /cases/<int:case_id>/compiled-returns              405 405 405 405 405 405 405 405 405 405
GET  /cases/<int:case_id>/documents                     in  200 200 404 200 404 404 200 403 404
POST /cases/<int:case_id>/documents                     405 405 405 405 405 405 405 405 405 405
GET  /cases/<int:case_id>/documents/<int:number>        in  200 200 404 200 404 404 200 403 404
POST /cases/<int:case_id>/documents/<int:number>        405 405 405 405 405 405 405 405 405 405
GET  /cases/<int:case_id>/documents/<int:number>.docx   in  200 200 404 200 404 404 200 403 404
POST /cases/<int:case_id>/documents/<int:number>.docx   405 405 405 405 405 405 405 405 405 405
# Agency returns: the contributor of the agency asked, nobody else (403 before the request)
GET  /requests/                                         in  403 403 403 403 200 403 403 403 403
POST /requests/                                         405 405 405 405 405 405 405 405 405 405
GET  /requests/<int:request_id>                         in  403 403 403 403 200 403 403 403 403
POST /requests/<int:request_id>                         405 405 405 405 405 405 405 405 405 405
GET  /requests/<int:request_id>/sections/<section_id>   in  403 403 403 403 200 403 403 403 403
POST /requests/<int:request_id>/sections/<section_id>   in  403 403 403 403 302 403 403 403 403
GET  /requests/<int:request_id>/chronology/<question_id> in  403 403 403 403 200 403 403 403 403
POST /requests/<int:request_id>/chronology/<question_id> 405 405 405 405 405 405 405 405 405 405
GET  /requests/<int:request_id>/chronology/<question_id>/add in  403 403 403 403 200 403 403 403 403
POST /requests/<int:request_id>/chronology/<question_id>/add in  403 403 403 403 302 403 403 403 403
GET  /requests/<int:request_id>/chronology/<question_id>/<int:entry_id> in  403 403 403 403 200 403 403 403 403
POST /requests/<int:request_id>/chronology/<question_id>/<int:entry_id> in  403 403 403 403 302 403 403 403 403
GET  /requests/<int:request_id>/chronology/<question_id>/<int:entry_id>/remove in  403 403 403 403 200 403 403 403 403
POST /requests/<int:request_id>/chronology/<question_id>/<int:entry_id>/remove in  403 403 403 403 302 403 403 403 403
GET  /requests/<int:request_id>/check                   in  403 403 403 403 200 403 403 403 403
POST /requests/<int:request_id>/check                   405 405 405 405 405 405 405 405 405 405
GET  /requests/<int:request_id>/submit                  405 405 405 405 405 405 405 405 405 405
POST /requests/<int:request_id>/submit                  in  403 403 403 403 302 403 403 403 403
GET  /requests/<int:request_id>/submitted               in  403 403 403 403 200 403 403 403 403
POST /requests/<int:request_id>/submitted               405 405 405 405 405 405 405 405 405 405
# Administration: admins; business managers see users and invite (another's users: 404)
GET  /admin/users                                       in  200 403 403 403 403 403 403 200 200
POST /admin/users                                       405 405 405 405 405 405 405 405 405 405
GET  /admin/users/invite                                in  200 403 403 403 403 403 403 200 200
POST /admin/users/invite                                in  302 403 403 403 403 403 403 302 302
GET  /admin/users/<int:user_id>                         in  200 403 403 403 403 403 403 200 404
POST /admin/users/<int:user_id>                         405 405 405 405 405 405 405 405 405 405
GET  /admin/users/<int:user_id>/invitation-link         in  200 403 403 403 403 403 403 200 404
POST /admin/users/<int:user_id>/invitation-link         405 405 405 405 405 405 405 405 405 405
GET  /admin/users/<int:user_id>/invitation              405 405 405 405 405 405 405 405 405 405
POST /admin/users/<int:user_id>/invitation              in  302 403 403 403 403 403 403 302 404
GET  /admin/users/<int:user_id>/role                    in  403 403 403 403 403 403 403 200 403
POST /admin/users/<int:user_id>/role                    in  403 403 403 403 403 403 403 302 403
GET  /admin/users/<int:user_id>/deactivate              in  403 403 403 403 403 403 403 200 403
POST /admin/users/<int:user_id>/deactivate              in  403 403 403 403 403 403 403 302 403
GET  /admin/users/<int:user_id>/reactivate              405 405 405 405 405 405 405 405 405 405
POST /admin/users/<int:user_id>/reactivate              in  403 403 403 403 403 403 403 302 403
GET  /admin/agencies                                    in  403 403 403 403 403 403 403 200 403
POST /admin/agencies                                    405 405 405 405 405 405 405 405 405 405
GET  /admin/agencies/new                                in  403 403 403 403 403 403 403 200 403
POST /admin/agencies/new                                in  403 403 403 403 403 403 403 302 403
GET  /admin/agencies/<int:agency_id>/rename             in  403 403 403 403 403 403 403 200 403
POST /admin/agencies/<int:agency_id>/rename             in  403 403 403 403 403 403 403 302 403
GET  /admin/agencies/<int:agency_id>/deactivate         405 405 405 405 405 405 405 405 405 405
POST /admin/agencies/<int:agency_id>/deactivate         in  403 403 403 403 403 403 403 302 403
GET  /admin/agencies/<int:agency_id>/reactivate         405 405 405 405 405 405 405 405 405 405
POST /admin/agencies/<int:agency_id>/reactivate         in  403 403 403 403 403 403 403 302 403
GET  /admin/settings                                    in  403 403 403 403 403 403 403 200 403
POST /admin/settings                                    in  403 403 403 403 403 403 403 302 403
GET  /admin/closure-days/new                            in  403 403 403 403 403 403 403 200 403
POST /admin/closure-days/new                            in  403 403 403 403 403 403 403 302 403
GET  /admin/closure-days/<int:closure_id>/remove        405 405 405 405 405 405 405 405 405 405
POST /admin/closure-days/<int:closure_id>/remove        in  403 403 403 403 403 403 403 302 403
GET  /admin/failed-messages                             in  403 403 403 403 403 403 403 200 403
POST /admin/failed-messages                             405 405 405 405 405 405 405 405 405 405
GET  /admin/history                                     in  403 403 403 403 403 403 403 200 403
POST /admin/history                                     405 405 405 405 405 405 405 405 405 405
# The JSON API: a bearer token per person; signed out = no token (401); the document is public
GET  /api/v1/openapi.json                               200 200 200 200 200 200 200 200 200 200
POST /api/v1/openapi.json                               405 405 405 405 405 405 405 405 405 405
GET  /api/v1/cases                                      401 200 200 200 200 200 200 200 403 200
POST /api/v1/cases                                      401 201 403 403 403 403 403 403 403 201
GET  /api/v1/cases/<int:case_id>                        401 200 200 404 200 404 404 200 403 404
POST /api/v1/cases/<int:case_id>                        405 405 405 405 405 405 405 405 405 405
GET  /api/v1/cases/<int:case_id>/events                 405 405 405 405 405 405 405 405 405 405
POST /api/v1/cases/<int:case_id>/events notify          401 200 403 404 403 404 404 403 403 404
POST /api/v1/cases/<int:case_id>/events sign_off        401 200 200 404 403 404 404 403 403 404
GET  /api/v1/clocks                                     401 200 200 200 200 200 200 200 403 200
POST /api/v1/clocks                                     405 405 405 405 405 405 405 405 405 405
"""  # noqa: E501 (a few rules are longer than their column)

DONE = {"200", "201", "302"}  # the outcomes of someone allowed
AUDIT_TABLES = {"case_reads", "case_read_totals", "sign_in_failures"}
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Row:
    method: str
    rule: str
    event: str | None  # the event the row carries out, where the rule has one
    outcomes: dict[str, str]  # role -> outcome

    @property
    def name(self) -> str:
        return " ".join(filter(None, (self.method, self.rule, self.event)))

    @property
    def api(self) -> bool:
        return self.rule.startswith("/api/")


def _parse(table: str) -> dict[str, Row]:
    rows = {}
    for line in table.strip().splitlines()[1:]:
        if line.startswith("#"):
            continue
        words = line.split()
        method, rule, *event, codes = words[0], words[1], *words[2:-10], words[-10:]
        assert len(event) <= 1 and method in ("GET", "POST"), f"unreadable row: {line}"
        row = Row(method, rule, event[0] if event else None, dict(zip(ROLES, codes, strict=True)))
        assert row.name not in rows, f"two rows for {row.name}"
        rows[row.name] = row
    return rows


ROWS = _parse(TABLE)


def test_the_table_has_a_row_for_every_route_and_method(app):
    rules = list(app.url_map.iter_rules())
    for rule in rules:
        others = rule.methods - {"GET", "POST", "HEAD", "OPTIONS"}
        assert not others, f"{rule.rule} takes {sorted(others)}: give the table rows for them"
    wanted = {(method, rule.rule) for rule in rules for method in ("GET", "POST")}
    in_table = {(row.method, row.rule) for row in ROWS.values()}
    missing = "\n".join(f"  {method} {rule}" for method, rule in sorted(wanted - in_table))
    assert not missing, f"routes missing from the table:\n{missing}"
    extra = "\n".join(f"  {method} {rule}" for method, rule in sorted(in_table - wanted))
    assert not extra, f"rows for routes the application does not have:\n{extra}"
    for row in ROWS.values():
        answers = [r for r in rules if r.rule == row.rule and row.method in r.methods]
        if not answers:
            assert set(row.outcomes.values()) == {"405"}, f"{row.name} has no such method: 405"
        else:
            assert set(row.outcomes.values()) != {"405"}, f"{row.name} is a route"
        if answers and carries_event(row.rule):
            assert row.event is not None, f"{row.name}: say which event the row carries out"
        else:
            assert row.event is None, f"{row.name} carries out no event"
    assert set(URLS) == {rule.rule for rule in rules}, "a URL for each rule"


# The people and things the rows need, made once per row -------------------------------------


def boxes(day) -> list[str]:
    """A date as typed in the three GOV.UK date boxes."""
    return [str(day.day), str(day.month), str(day.year)]


class World:
    """Two partnerships, one person per column, and what the routes act on, made as needed."""

    def __init__(self):
        self.today = london_today()
        self.ours = make_partnership("Northbridge Safeguarding Children Partnership", "NSCP")
        theirs = make_partnership("Southmoor Safeguarding Children Partnership", "SSCP")
        self.people: dict[str, User] = {
            "business_manager": make_user(self.ours, "business_manager"),
            "partner_lead": make_user(self.ours, "partner_lead", partner="local_authority"),
            "panel_member": make_user(self.ours, "panel_member"),
            "panel_member_with_grant": make_user(self.ours, "panel_member"),
            "agency_contributor": make_user(self.ours, "agency_contributor"),
            "reviewer": make_user(self.ours, "reviewer"),
            "scrutineer": make_user(self.ours, "scrutineer"),
            "admin": make_user(self.ours, "admin"),
            "other_manager": make_user(theirs, "business_manager"),
        }
        self.manager = self.people["business_manager"]
        self.contributor = self.people["agency_contributor"]  # the police's
        self.tokens: dict[str, str] = {}
        self.references = [self.case.reference]
        # The cases the contributor's agency was asked about: its return's pages name them.
        self.asked: set[str] = set()

    def _granted(self, case):
        grant_access(
            case.id,
            self.people["panel_member_with_grant"],
            self.manager,
            self.today + timedelta(days=30),
        )
        return case

    @cached_property
    def case(self):
        """A referred case: `notify` is allowed."""
        return self._granted(make_case(self.manager, pseudonym="Child A"))

    @cached_property
    def signing_case(self):
        """A case in rapid review with a decision: `sign_off` is allowed, nobody has signed."""
        case = make_case(self.manager, pseudonym="Child B")
        fire_event(self.manager, case.id, "notify", {"on": "2023-03-06"})
        facts = {"on": "2023-03-14", "decision": "lcspr", "rationale": "Criteria met"}
        case = fire_event(self.manager, case.id, "record_decision", facts)
        self.references.append(case.reference)
        return self._granted(case)

    def case_for(self, event: str | None):
        return self.signing_case if event == "sign_off" else self.case

    @cached_property
    def review_case(self):
        """A case in rapid review with no decision yet: agencies may be asked, the meeting
        recorded."""
        case = make_case(self.manager, pseudonym="Child C")
        case = fire_event(self.manager, case.id, "notify", {"on": "2023-03-06"})
        self.references.append(case.reference)
        return self._granted(case)

    @cached_property
    def agencies(self) -> dict[str, int]:
        """The partnership's agency ids by statutory partner."""
        rows = _db.session.scalars(select(Agency).where(Agency.partnership_id == self.ours.id))
        return {a.statutory_partner: a.id for a in rows if a.statutory_partner}

    @cached_property
    def papers_case(self):
        """A rapid review submitted to the Panel: its meeting recorded, signed off by the three
        leads, and its first submission document produced."""
        case = self.review_case
        record_panel_meeting(self.manager, case.id, self._meeting())
        leads = [
            self.people["partner_lead"],
            make_user(self.ours, "partner_lead", partner="police"),
            make_user(self.ours, "partner_lead", partner="health"),
        ]
        for lead in leads:
            fire_event(lead, case.id, "sign_off", {"on": "2023-03-15"})
        return fire_event(self.manager, case.id, "submit_rapid_review", {"on": "2023-03-20"})

    def _meeting(self) -> dict[str, Any]:
        return {
            "held_on": "2023-03-14",
            "attendees": [{"name": "Jo Lane", "agency_id": self.agencies["local_authority"]}],
            "criteria": {key: "Yes: see the facts" for key in CRITERIA},
            "facts": "The child was admitted to hospital.",
            "immediate_actions": [{"action": "Strategy meeting", "owner": "Children's services"}],
            "learning": "",
            "dissent": "",
            "decision": "lcspr",
            "rationale": "The criteria are met.",
        }

    def _ask(self) -> AgencyRequest:
        """A request to the contributor's agency, on `review_case`."""
        [request] = send_requests(self.manager, self.review_case.id, [self.contributor.agency_id])
        self.asked.add(self.review_case.reference)
        return request

    @cached_property
    def request_id(self) -> int:
        """The police's request, under way: involved, with chronology entry 1."""
        request_id = self._ask().id
        save_section(self.contributor, request_id, SECTION, {"had_involvement": "yes"}, 0)
        add_chronology_entry(self.contributor, request_id, EVENTS, ENTRY)
        return request_id

    @cached_property
    def finished_request_id(self) -> int:
        """The police's request, answered (a nil return) but not submitted."""
        request_id = self._ask().id
        save_section(self.contributor, request_id, SECTION, {"had_involvement": "no"}, 0)
        return request_id

    @cached_property
    def submitted_request_id(self) -> int:
        """The police's request, submitted: it may be returned for amendment."""
        request_id = self.finished_request_id
        submit_return(self.contributor, request_id)
        return request_id

    def revision(self, request_id: int) -> str:
        return str(
            _db.session.scalar(select(AgencyRequest.revision).where(AgencyRequest.id == request_id))
        )

    @cached_property
    def grant_id(self) -> int:
        """The live grant of the panel member with a grant, to `case`."""
        return _db.session.scalar(
            select(CaseAccess.id).where(
                CaseAccess.case_id == self.case.id,
                CaseAccess.user_id == self.people["panel_member_with_grant"].id,
            )
        )

    @cached_property
    def person(self) -> User:
        """Someone an admin may change or deactivate, and a business manager look at."""
        return make_user(self.ours, "panel_member")

    @cached_property
    def deactivated(self) -> User:
        user = make_user(self.ours, "reviewer")
        user.active = False
        _db.session.commit()
        return user

    @cached_property
    def invited(self) -> User:
        """Invited, without a password yet: a business manager may invite them again."""
        user = make_user(self.ours, "panel_member")
        user.password_hash = None
        _db.session.commit()
        return user

    @cached_property
    def signer(self) -> tuple[str, str]:
        """The email and password of someone who can sign in."""
        user, password = create_user(
            partnership_code="NSCP",
            email="signer@nscp.example.org",
            name="Sam Signer",
            role="scrutineer",
        )
        return user.email, password

    def invitation_token(self) -> str:
        """A fresh link each time: accepting one uses it up."""
        return create_invitation(self.invited, self.people["admin"])

    def _agency(self, name: str, active: bool) -> int:
        agency = Agency(partnership_id=self.ours.id, name=name, active=active)
        _db.session.add(agency)
        _db.session.commit()
        return agency.id

    @cached_property
    def agency_id(self) -> int:
        return self._agency("Northbridge Academy", True)

    @cached_property
    def inactive_agency_id(self) -> int:
        return self._agency("Northbridge Old Hospital Trust", False)

    @cached_property
    def closure_id(self) -> int:
        closure = ClosureDay(partnership_id=self.ours.id, day=self.today, name="Staff day")
        _db.session.add(closure)
        _db.session.commit()
        return closure.id

    @cached_property
    def alert_id(self) -> int:
        """An in-app alert of the business manager's, on the case's notification clock."""
        clock = _db.session.scalar(select(Clock).where(Clock.case_id == self.case.id))
        alert = Alert(
            user_id=self.manager.id, clock_id=clock.id, rung="overdue", due_on=clock.due_on
        )
        _db.session.add(alert)
        _db.session.commit()
        return alert.id

    def token(self, role: str) -> str:
        if role not in self.tokens:
            self.tokens[role] = make_token(self.people[role])
        return self.tokens[role]


# Where each rule's URL points: the things of the first partnership.
URLS = {
    "/sign-in": lambda w, row: "/sign-in",
    "/sign-out": lambda w, row: "/sign-out",
    "/signed-out": lambda w, row: "/signed-out",
    "/session/keep-alive": lambda w, row: "/session/keep-alive",
    "/invitations/<token>": lambda w, row: f"/invitations/{w.invitation_token()}",
    "/healthz": lambda w, row: "/healthz",
    "/assets/<path:filename>": lambda w, row: "/assets/casework.css",
    "/": lambda w, row: "/",
    "/alerts/": lambda w, row: "/alerts/",
    "/alerts/<int:alert_id>/read": lambda w, row: f"/alerts/{w.alert_id}/read",
    "/cases/": lambda w, row: "/cases/",
    "/cases/new": lambda w, row: "/cases/new",
    "/cases/<int:case_id>": lambda w, row: f"/cases/{w.case.id}",
    "/cases/<int:case_id>/events/<event>": lambda w, row: (
        f"/cases/{w.case_for(row.event).id}/events/{row.event or 'notify'}"
    ),
    "/cases/<int:case_id>/access": lambda w, row: f"/cases/{w.case.id}/access",
    "/cases/<int:case_id>/access/<int:grant_id>/revoke": lambda w, row: (
        f"/cases/{w.case.id}/access/{w.grant_id}/revoke"
    ),
    "/cases/<int:case_id>/requests": lambda w, row: f"/cases/{w.review_case.id}/requests",
    "/cases/<int:case_id>/requests/<int:request_id>": lambda w, row: (
        f"/cases/{w.review_case.id}/requests/{w.request_id}"
    ),
    **{
        f"/cases/<int:case_id>/requests/<int:request_id>/{action}": (
            lambda w, row, action=action, done=done: (
                f"/cases/{w.review_case.id}/requests/"
                f"{w.submitted_request_id if done else w.request_id}/{action}"
            )
        )
        for action, done in (
            ("chase", False),
            ("extend", False),
            ("cancel", False),
            ("return-for-amendment", True),
        )
    },
    "/cases/<int:case_id>/meeting/new": lambda w, row: f"/cases/{w.review_case.id}/meeting/new",
    **{
        f"/cases/<int:case_id>/{page}": (
            lambda w, row, page=page: (
                f"/cases/{w.papers_case.id}/{page.replace('<int:number>', '1')}"
            )
        )
        for page in (
            "meeting",
            "compiled-returns",
            "documents",
            "documents/<int:number>",
            "documents/<int:number>.docx",
        )
    },
    "/requests/": lambda w, row: "/requests/",
    "/requests/<int:request_id>": lambda w, row: f"/requests/{w.request_id}",
    "/requests/<int:request_id>/sections/<section_id>": lambda w, row: (
        f"/requests/{w.request_id}/sections/{SECTION}"
    ),
    "/requests/<int:request_id>/chronology/<question_id>": lambda w, row: (
        f"/requests/{w.request_id}/chronology/{EVENTS}"
    ),
    "/requests/<int:request_id>/chronology/<question_id>/add": lambda w, row: (
        f"/requests/{w.request_id}/chronology/{EVENTS}/add"
    ),
    "/requests/<int:request_id>/chronology/<question_id>/<int:entry_id>": lambda w, row: (
        f"/requests/{w.request_id}/chronology/{EVENTS}/1"
    ),
    "/requests/<int:request_id>/chronology/<question_id>/<int:entry_id>/remove": lambda w, row: (
        f"/requests/{w.request_id}/chronology/{EVENTS}/1/remove"
    ),
    "/requests/<int:request_id>/check": lambda w, row: f"/requests/{w.request_id}/check",
    "/requests/<int:request_id>/submit": lambda w, row: f"/requests/{w.finished_request_id}/submit",
    "/requests/<int:request_id>/submitted": lambda w, row: (
        f"/requests/{w.submitted_request_id}/submitted"
    ),
    "/admin/users": lambda w, row: "/admin/users",
    "/admin/users/invite": lambda w, row: "/admin/users/invite",
    "/admin/users/<int:user_id>": lambda w, row: f"/admin/users/{w.person.id}",
    "/admin/users/<int:user_id>/invitation-link": lambda w, row: (
        f"/admin/users/{w.invited.id}/invitation-link"
    ),
    "/admin/users/<int:user_id>/invitation": lambda w, row: (
        f"/admin/users/{w.invited.id}/invitation"
    ),
    "/admin/users/<int:user_id>/role": lambda w, row: f"/admin/users/{w.person.id}/role",
    "/admin/users/<int:user_id>/deactivate": lambda w, row: (
        f"/admin/users/{w.person.id}/deactivate"
    ),
    "/admin/users/<int:user_id>/reactivate": lambda w, row: (
        f"/admin/users/{w.deactivated.id}/reactivate"
    ),
    "/admin/agencies": lambda w, row: "/admin/agencies",
    "/admin/agencies/new": lambda w, row: "/admin/agencies/new",
    "/admin/agencies/<int:agency_id>/rename": lambda w, row: (
        f"/admin/agencies/{w.agency_id}/rename"
    ),
    "/admin/agencies/<int:agency_id>/deactivate": lambda w, row: (
        f"/admin/agencies/{w.agency_id}/deactivate"
    ),
    "/admin/agencies/<int:agency_id>/reactivate": lambda w, row: (
        f"/admin/agencies/{w.inactive_agency_id}/reactivate"
    ),
    "/admin/settings": lambda w, row: "/admin/settings",
    "/admin/closure-days/new": lambda w, row: "/admin/closure-days/new",
    "/admin/closure-days/<int:closure_id>/remove": lambda w, row: (
        f"/admin/closure-days/{w.closure_id}/remove"
    ),
    "/admin/failed-messages": lambda w, row: "/admin/failed-messages",
    "/admin/history": lambda w, row: "/admin/history",
    "/api/v1/openapi.json": lambda w, row: "/api/v1/openapi.json",
    "/api/v1/cases": lambda w, row: "/api/v1/cases",
    "/api/v1/cases/<int:case_id>": lambda w, row: f"/api/v1/cases/{w.case.id}",
    "/api/v1/cases/<int:case_id>/events": lambda w, row: (
        f"/api/v1/cases/{w.case_for(row.event).id}/events"
    ),
    "/api/v1/clocks": lambda w, row: "/api/v1/clocks",
}

SECTION = "involvement_check"
EVENTS = "significant_events"  # the return's chronology
ENTRY = {
    f"{EVENTS}-date-day": "3",
    f"{EVENTS}-date-month": "2",
    f"{EVENTS}-date-year": "2023",
    f"{EVENTS}-what_happened": "Home visit",
    f"{EVENTS}-practitioner_role": "Police officer",
    f"{EVENTS}-why_it_matters": "First concern",
}

SETTINGS = {
    "rapid_review_anchor": "la_aware_on",
    "rapid_review_days": "16",
    "panel_response_days": "10",
    "agency_return_days": "5",
    "reviewer_appointment_days": "20",
    "terms_of_reference_days": "30",
    "publication_months": "6",
    "pause_local_clocks_on_hold": "yes",
    "due_soon_days": "2",
    "escalate_after_days": "5",
}


def _sign_off(w: World, role: str, api: bool) -> dict[str, Any]:
    """A lead signs for their own partner; a manager records a sign-off given outside."""
    on = "2023-03-15" if api else ["15", "3", "2023"]
    if role == "partner_lead":
        return {"on": on}
    return {"on": on, "partner": "health", "given_by": "Jo Bloggs, ICB"}


# What each POST sends: what succeeds for the people allowed (keyed as the rows are named).
def _checked_revision(world: World) -> dict[str, str]:
    """What "check your answers" posts with the submission: the revision that was checked."""
    from casework.models import AgencyRequest

    return {
        "checked_revision": str(_db.session.get(AgencyRequest, world.finished_request_id).revision)
    }


BODIES = {
    "POST /requests/<int:request_id>/submit": lambda w, role: _checked_revision(w),
    "POST /sign-in": lambda w, role: {"email": w.signer[0], "password": w.signer[1]},
    "POST /invitations/<token>": lambda w, role: {"password": PASSWORD, "confirm": PASSWORD},
    "POST /cases/new": lambda w, role: {
        "nature": "death",
        "incident_on": ["1", "2", "2023"],
        "la_aware_on": ["2", "2", "2023"],
        "pseudonym": "Child R",
        "summary": "",
    },
    "POST /cases/<int:case_id>/events/<event> notify": lambda w, role: {
        "on": ["6", "3", "2023"],
        "sin_reference": "SIN-0001",
        "confirm": "yes",
    },
    "POST /cases/<int:case_id>/events/<event> sign_off": lambda w, role: _sign_off(w, role, False),
    "POST /cases/<int:case_id>/access": lambda w, role: {
        "user_id": str(w.people["panel_member"].id),
        "purpose": "Rapid review panel meeting",
        "until_on": boxes(w.today + timedelta(days=14)),
    },
    "POST /cases/<int:case_id>/requests": lambda w, role: {
        "agency_ids": [str(w.contributor.agency_id)],
        "due_on": boxes(w.today + timedelta(days=14)),
    },
    "POST /cases/<int:case_id>/requests/<int:request_id>/chase": lambda w, role: {
        "chase_note": "Rang the safeguarding lead",
    },
    "POST /cases/<int:case_id>/requests/<int:request_id>/extend": lambda w, role: {
        "new_due_on": boxes(w.today + timedelta(days=30)),
        "extend_reason": "The officer in the case is on leave",
    },
    "POST /cases/<int:case_id>/requests/<int:request_id>/cancel": lambda w, role: {
        "cancel_reason": "Asked in error",
    },
    "POST /cases/<int:case_id>/requests/<int:request_id>/return-for-amendment": lambda w, role: {
        "amendment_comment": "Say what the police knew before the incident",
    },
    "POST /cases/<int:case_id>/meeting/new": lambda w, role: {
        "held_on": ["14", "3", "2023"],
        "attendee_1_name": "Jo Lane",
        "attendee_1_agency": str(w.agencies["local_authority"]),
        "facts": "The child was admitted to hospital.",
        "action_1_action": "Strategy meeting for the siblings",
        "action_1_owner": "Children's services",
        "decision": "lcspr",
        "rationale": "The criteria are met.",
        **{f"criterion_{key}": "Yes: see the facts" for key in CRITERIA},
    },
    "POST /requests/<int:request_id>/sections/<section_id>": lambda w, role: {
        "had_involvement": "yes",
        "loaded_revision": w.revision(w.request_id),
        "action": "later",
    },
    "POST /requests/<int:request_id>/chronology/<question_id>/add": lambda w, role: dict(ENTRY),
    "POST /requests/<int:request_id>/chronology/<question_id>/<int:entry_id>": lambda w, role: {
        **ENTRY,
        f"{EVENTS}-what_happened": "Home visit by two officers",
        "loaded_revision": w.revision(w.request_id),
    },
    "POST /requests/<int:request_id>/chronology/<question_id>/<int:entry_id>/remove": (
        lambda w, role: {"loaded_revision": w.revision(w.request_id)}
    ),
    "POST /admin/users/invite": lambda w, role: {
        "name": "Pat New",
        "email": f"pat.new.{role}@example.org",
        "role": "panel_member",
        "agency": "",
    },
    "POST /admin/users/<int:user_id>/role": lambda w, role: {"role": "reviewer", "agency": ""},
    "POST /admin/agencies/new": lambda w, role: {"name": "Northbridge Housing"},
    "POST /admin/agencies/<int:agency_id>/rename": lambda w, role: {"name": "Northbridge Trust"},
    "POST /admin/settings": lambda w, role: dict(SETTINGS),
    "POST /admin/closure-days/new": lambda w, role: {
        "day": ["27", "12", "2030"],
        "name": "Christmas closure",
    },
    "POST /api/v1/cases": lambda w, role: {
        "nature": "death",
        "incident_on": "2023-02-01",
        "la_aware_on": "2023-02-02",
    },
    "POST /api/v1/cases/<int:case_id>/events notify": lambda w, role: {
        "event": "notify",
        "on": "2023-03-06",
    },
    "POST /api/v1/cases/<int:case_id>/events sign_off": lambda w, role: {
        "event": "sign_off",
        **_sign_off(w, role, True),
    },
}


# Looking ----------------------------------------------------------------------------------


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table but the audit of reads and of failed sign-ins."""
    with _db.engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(
                    select(table).order_by(*table.primary_key.columns)
                ).all()
            ]
            for table in _db.metadata.sorted_tables
            if table.name not in AUDIT_TABLES
        }


def outcome(response) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        where = urlsplit(response.headers["Location"]).path
        return "in" if where == "/sign-in" else "302"
    return str(response.status_code)


def csrf_token(browser: WebClient, signed_in: bool) -> str:
    """The token from a page, as a browser has it: signed in, the sign-out form of a light page
    (`WebClient.csrf_token` loads the home page, which costs more)."""
    page = browser.get("/signed-out" if signed_in else "/sign-in").get_data(as_text=True)
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert found, "the page has a CSRF token"
    return found.group(1)


def send(app, world: World, row: Row, role: str):
    """The request a person in `role` would make: returns (response, database before)."""
    path = URLS[row.rule](world, row)
    body = BODIES.get(row.name, lambda w, r: {})(world, role)
    if row.api:
        headers = {}
        if role != "signed_out":
            headers["Authorization"] = f"Bearer {world.token(role)}"
        client = app.test_client()
        before = snapshot()
        with app.app_context():  # a fresh one, as in production
            kwargs = {"json": body} if row.method == "POST" else {}
            response = client.open(path, method=row.method, headers=headers, **kwargs)
            response.get_data()
            response.close()
        return response, before
    browser = WebClient(app.test_client(), world.people.get(role))
    if row.method == "POST":
        body["csrf_token"] = csrf_token(browser, signed_in=role != "signed_out")
        before = snapshot()
        return browser.post(path, body), before
    before = snapshot()
    return browser.get(path), before


def hidden_from(world: World, row: Row, role: str) -> list[str]:
    """The references a person who may not see the cases must not be shown: all of them but,
    on a contributor's own return's pages, the case their agency was asked about."""
    if role == "agency_contributor" and row.rule.startswith("/requests/"):
        return [r for r in world.references if r not in world.asked]
    return world.references


def carries_event(rule: str) -> bool:
    return rule.endswith(("/events/<event>", "/events"))


def run_order(row: Row) -> list[str]:
    """Refusals first; the people allowed to change something last."""
    changes = row.method == "POST"
    return sorted(ROLES, key=lambda role: changes and row.outcomes[role] in DONE)


@pytest.mark.parametrize("row", ROWS.values(), ids=list(ROWS))
def test_route_access(app, db, subtests, row: Row):
    world = World()
    if carries_event(row.rule):
        world.case_for(row.event)  # its reference is one nobody else may be shown
    for role in run_order(row):
        with subtests.test(role=role):
            expected = row.outcomes[role]
            response, before = send(app, world, row, role)
            got = outcome(response)
            assert got == expected, (
                f"{row.name} as {role}: expected {expected}, got {got} "
                f"({response.status_code} {response.headers.get('Location', '')})"
            )
            body = response.get_data().decode(errors="replace")  # a .docx is bytes
            if role not in SEES_THE_CASE:
                for reference in hidden_from(world, row, role):
                    assert reference not in body, f"{row.name} shows {reference} to {role}"
            if row.api and expected in ("401", "403", "404", "405"):
                assert response.is_json and "error" in response.json, "a JSON error"
            if row.api and expected == "401":
                assert response.json["error"]["code"] == "unauthorised"
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
            if expected not in DONE:
                assert snapshot() == before, f"{row.name} as {role} changed the database"
