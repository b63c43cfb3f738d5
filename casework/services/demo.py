"""Demonstration data: a fictional partnership, its people and cases in every state.

Everything here is invented: the partnership, the agencies, the people and the cases. Children
appear only by pseudonym. Each case is built the way a real one is, through `open_case` and
`fire_event`, from a small script of (event, working day, facts); the working days count from
the day the local authority became aware, which is placed `age` working days before `today`.
So the data reads as current whenever it is loaded, and every date respects the rules (never in
the future, never before the case entered its state, publication 7 working days after the
advance copy) whatever today is, bank holidays included.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from casework.extensions import db
from casework.models import Case, CaseAccess, Partnership, User
from casework.services.cases import open_case
from casework.services.errors import NotFound
from casework.services.events import fire_event
from casework.services.partnerships import create_agency, create_partnership
from casework.services.today import london_today
from casework.services.users import create_api_token, create_user
from workflows.calendar import add_working_days
from workflows.cases import PARTNERS

DEMO_PASSWORD = "casework-demo"  # noqa: S105  (demonstration only: every demo user has it)
BASE_URL = "http://127.0.0.1:5000"
NAME, CODE, DOMAIN = "Northbridge Safeguarding Children Partnership", "NSCP", "nscp.example.org"
MANAGER_EMAIL = f"manager@{DOMAIN}"

AGENCIES = (
    "Northbridge Academy",
    "St Aidan's Primary School",
    "Millbrook Medical Practice",
    "Northbridge Hospitals NHS Foundation Trust",
    "Northbridge and Eastvale Mental Health NHS Trust",
    "Northbridge Council Housing Services",
    "Probation Service (Northbridge)",
    "Northbridge Youth Justice Service",
    "Northbridge Early Help",
    "Northbridge Health Visiting Service",
    "Little Acorns Day Nursery",
    "Northbridge Drug and Alcohol Service",
)

# (email before the @, name, role, statutory partner, agency)
USERS = (
    ("manager", "Morgan Ashby", "business_manager", None, None),
    ("deputy.manager", "Jess Whitlow", "business_manager", None, None),
    ("la.lead", "Priya Castell", "partner_lead", "local_authority", None),
    ("police.lead", "Det Supt Owen Farrow", "partner_lead", "police", None),
    ("health.lead", "Dr Hannah Leys", "partner_lead", "health", None),
    ("panel.chair", "Ruth Penhallow", "panel_member", None, None),
    ("panel.member", "Tomasz Brennick", "panel_member", None, None),
    ("school.dsl", "Amira Holt", "agency_contributor", None, AGENCIES[0]),
    ("gp.safeguarding", "Dr Felix Marr", "agency_contributor", None, AGENCIES[2]),
    ("hospital.safeguarding", "Kezia Rowe", "agency_contributor", None, AGENCIES[3]),
    ("housing", "Dan Okoro", "agency_contributor", None, AGENCIES[5]),
    ("reviewer", "Dr Iris Halden", "reviewer", None, None),
    ("scrutineer", "Gwen Tolley", "scrutineer", None, None),
    ("admin", "Sam Ridley", "admin", None, None),
)

REVIEWER = {"name": "Dr Iris Halden", "organisation": "Halden Review Associates"}
LCSPR = {"decision": "lcspr", "rationale": "Practice across agencies needs improving."}
DATE_FACTS = ("planned_on", "panel_informed_on")  # given in the scripts as working days too

Step = tuple[str, int, dict[str, Any]]
# A rapid review ending with the Panel agreeing to a local CSPR, then the review under way.
TO_COMMISSIONING: list[Step] = [
    ("notify", 3, {}),
    ("record_decision", 12, LCSPR),
    ("sign_offs", 13, {}),
    ("submit_rapid_review", 15, {}),
    ("record_panel_response", 24, {"panel_response": "agree"}),
]
TO_REVIEW: list[Step] = [
    *TO_COMMISSIONING,
    ("appoint_reviewer", 33, {"reviewer": REVIEWER}),
    ("agree_terms_of_reference", 40, {}),
    ("start_review", 42, {}),
]


class Script(NamedTuple):
    pseudonym: str
    nature: str
    age: int  # working days from the local authority becoming aware to today
    summary: str
    steps: list[Step]


CASES = (
    Script("Child Cedar", "serious_harm", 240, "Toddler with burns; inquest and family work.", [
        ("notify", 3, {}), ("record_decision", 11, LCSPR), ("sign_offs", 12, {}),
        ("submit_rapid_review", 14, {}),
        ("record_panel_response", 22, {"panel_response": "agree"}),
        ("place_hold", 26, {"reason": "inquest", "panel_informed_on": 27}),
        ("lift_hold", 60, {}),
        ("appoint_reviewer", 62, {"reviewer": REVIEWER}), ("agree_terms_of_reference", 66, {}),
        ("start_review", 70, {}), ("submit_final_report", 150, {}), ("sign_offs", 155, {}),
        ("schedule_publication", 155, {"planned_on": 170}), ("send_advance_copy", 160, {}),
        ("publish", 170, {
            "kind": "improvements_only", "pseudonym": "Child Cedar",
            "reason": "The family asked that the full report not be published.",
            "themes": ["infant safety", "information sharing"],
        }),
        ("close", 230, {}),
    ]),
    Script("Child Amber", "serious_harm", 180, "Infant, 4 months, with unexplained injuries.", [
        ("notify", 3, {}), ("record_decision", 11, LCSPR), ("sign_offs", 12, {}),
        ("submit_rapid_review", 14, {}),
        ("record_panel_response", 22, {"panel_response": "agree"}),
        ("appoint_reviewer", 30, {"reviewer": REVIEWER}), ("agree_terms_of_reference", 36, {}),
        ("start_review", 38, {}), ("submit_final_report", 110, {}),
        ("request_changes", 115, {"reason": "Add the voice of the child and the father."}),
        ("submit_final_report", 125, {}), ("sign_offs", 128, {}),
        ("schedule_publication", 128, {"planned_on": 140}), ("send_advance_copy", 130, {}),
        ("publish", 140, {
            "kind": "full", "pseudonym": "Child Amber",
            "themes": ["neglect", "domestic abuse", "professional curiosity"],
        }),
    ]),
    Script("Child Birch", "death", 150, "Death of a 15-year-old; exploitation known.", [
        *TO_REVIEW, ("submit_final_report", 125, {}), ("sign_offs", 130, {}),
        ("schedule_publication", 131, {"planned_on": 155}), ("send_advance_copy", 146, {}),
    ]),
    Script("Child Dove", "serious_harm", 130, "Child, 6, with serious neglect at home.", [
        *TO_REVIEW, ("submit_final_report", 118, {}),
        ("sign_offs", 124, {"by": ("local_authority", "health")}),
        ("schedule_publication", 125, {"planned_on": 150}),
    ]),
    Script("Child Elm", "death", 90, "Sudden death of an infant; co-sleeping.", [
        *TO_REVIEW,
        ("place_hold", 55, {
            "reason": "criminal_proceedings", "panel_informed_on": 56,
            "note": "Trial listed; the review continues on lines agreed with the police.",
        }),
    ]),
    Script("Child Fern", "serious_harm", 70, "Adolescent seriously harmed in a stabbing.",
           TO_COMMISSIONING),
    Script("Child Hazel", "death", 60, "Death of a looked-after child, 17, placed out of area.", [
        ("notify", 2, {}),
        ("record_decision", 10, {"decision": "national_review_suggested",
                                 "rationale": "Part of a pattern seen in other areas."}),
        ("sign_offs", 11, {}), ("submit_rapid_review", 12, {}),
        ("record_panel_response", 20, {"panel_response": "agree"}),
    ]),
    Script("Child Iris", "other", 50, "Care leaver, 19, died; support had been withdrawn.", [
        ("notify", 3, {}),
        ("record_decision", 10, {"decision": "no_lcspr",
                                 "rationale": "Learning is taken forward by the care leavers' "
                                              "service review."}),
        ("sign_offs", 11, {}), ("submit_rapid_review", 12, {}),
        ("record_panel_response", 20, {"panel_response": "agree"}),
    ]),
    Script("Child Juniper", "serious_harm", 50, "Head injury in an infant.", [
        ("notify", 2, {}),
        ("withdraw", 9, {"reason": "Medical evidence showed an accidental injury."}),
    ]),
    Script("Child Kestrel", "serious_harm", 45, "Child, 9, harmed by a parent's partner.", [
        ("notify", 3, {}),
        ("record_decision", 10, {"decision": "no_lcspr", "rationale": "Single-agency learning."}),
        ("sign_offs", 12, {}), ("submit_rapid_review", 14, {}),
        ("record_panel_response", 24, {"panel_response": "disagree",
                                       "note": "The Panel considers a local review is needed."}),
        ("record_decision", 32, LCSPR),
    ]),
    Script("Child Larch", "other", 40, "Self-harm by a 14-year-old; criteria not met.", [
        ("decline_notification", 4, {"rationale": "No abuse or neglect known or suspected."}),
    ]),
    Script("Child Maple", "death", 40, "Death of a 2-year-old; parental substance misuse.", [
        ("notify", 3, {}), ("record_decision", 11, LCSPR), ("sign_offs", 13, {}),
        ("submit_rapid_review", 15, {}),
    ]),
    Script("Child Nettle", "serious_harm", 35, "Child, 11, missing and exploited.", [
        *TO_COMMISSIONING, ("appoint_reviewer", 30, {"reviewer": REVIEWER}),
    ]),
    Script("Child Oriel", "death", 30, "Death of an infant, 7 weeks; unsafe sleep.", [
        ("notify", 4, {}), ("record_decision", 14, LCSPR),
        ("sign_offs", 16, {"by": ("local_authority", "police")}),
    ]),
    Script("Child Poppy", "serious_harm", 8, "Fractures in a 10-month-old; not yet notified.", []),
    Script("Child Rowan", "serious_harm", 6, "Child, 3, with a serious burn.", [
        ("notify", 2, {}),
    ]),
    Script("Child Sorrel", "death", 2, "Unexpected death of a 5-year-old.", []),
)  # fmt: skip


def load_demo_data(today: date | None = None) -> str:
    """Load the demonstration data if the database has no partnership; say how to use it."""
    today = today or london_today()
    loaded = db.session.scalar(select(Partnership.id).limit(1)) is None
    if loaded:
        partnership = create_partnership(NAME, CODE)
        for agency in AGENCIES:
            create_agency(partnership, agency)
        users = _create_users()
        leads = {u.partner: u for u in users if u.role == "partner_lead"}
        manager = users[0]
        for number, script in enumerate(sorted(CASES, key=lambda s: -s.age), start=1):
            _run(script, number, manager, leads, today)
        _grant_access(users, today)
    try:
        token = create_api_token(MANAGER_EMAIL)
    except NotFound:
        return (
            "The database already has a partnership, and not the demonstration one: "
            "nothing was loaded."
        )
    return _summary(loaded, token)


def _create_users() -> list[User]:
    users = []
    for local, name, role, partner, agency in USERS:
        user, _password = create_user(
            partnership_code=CODE,
            email=f"{local}@{DOMAIN}",
            name=name,
            role=role,
            partner=partner,
            agency_name=agency,
        )
        users.append(user)
    password_hash = generate_password_hash(DEMO_PASSWORD)  # one hash: it is slow on purpose
    for user in users:
        user.password_hash = password_hash
    db.session.commit()
    return users


def _run(script: Script, number: int, manager: User, leads: dict[str, User], today: date):
    aware = add_working_days(today, -script.age)
    fields = {
        "nature": script.nature,
        "incident_on": (aware - timedelta(days=3)).isoformat(),
        "la_aware_on": aware.isoformat(),
        "pseudonym": script.pseudonym,
        "summary": script.summary,
    }
    case_id = open_case(manager, fields, today=today).id  # read once: each commit expires it
    for event, offset, given in script.steps:
        on = add_working_days(aware, offset).isoformat()
        facts = {
            k: add_working_days(aware, v).isoformat() if k in DATE_FACTS else v
            for k, v in given.items()
        }
        if event == "sign_offs":
            for partner in facts.get("by", PARTNERS):
                fire_event(leads[partner], case_id, "sign_off", {"on": on}, today=today)
            continue
        if event == "notify":
            facts["sin_reference"] = f"SIN-DEMO-{number:03d}"
        fire_event(manager, case_id, event, {"on": on, **facts}, today=today)


def _grant_access(users: list[User], today: date) -> None:
    """Panel members see the rapid reviews; the reviewer sees the reviews they were given."""
    manager = users[0]
    for case in db.session.scalars(select(Case).order_by(Case.id)):
        if case.state in ("rapid_review", "awaiting_panel"):
            granted = [u for u in users if u.role == "panel_member"], "rapid review panel"
        elif case.state in ("commissioning", "in_review", "approval") and case.reviewer_name:
            granted = [u for u in users if u.role == "reviewer"], "independent reviewer"
        else:
            continue
        for user in granted[0]:
            db.session.add(
                CaseAccess(
                    case_id=case.id,
                    user_id=user.id,
                    purpose=granted[1],
                    until_on=today + timedelta(days=180),
                    granted_by_id=manager.id,
                )
            )
    db.session.commit()


def _summary(loaded: bool, token: str) -> str:
    head = (
        f"Loaded the demonstration data: {NAME} ({CODE}), {len(AGENCIES) + 3} agencies, "
        f"{len(USERS)} people and {len(CASES)} cases."
        if loaded
        else "The database already has data: nothing new was loaded."
    )
    people = "\n".join(
        f"  {role:<19} {local + '@' + DOMAIN:<39} {partner or agency or ''}".rstrip()
        for local, _name, role, partner, agency in USERS
    )
    return f"""{head}

  Sign in:  {BASE_URL}/sign-in
  API:      {BASE_URL}/api/v1   (OpenAPI document: {BASE_URL}/api/v1/openapi.json)

Sign in as any of these people with the password {DEMO_PASSWORD!r}
(demonstration only: never use this data or password for real work):
{people}

A new API token for {MANAGER_EMAIL} (business manager):
  {token}

Try:
  curl -H "Authorization: Bearer {token}" {BASE_URL}/api/v1/cases"""
