"""The OpenAPI 3.1 document for the JSON API, served at `/api/v1/openapi.json` without a token.

Written by hand as Python data, except for the lists that would otherwise drift: the enums and
each event's facts come from the workflow's own tables (`workflows.cases`, `workflows.clocks`,
`workflows.facts.EVENT_FACTS`), so a new state, event or fact is documented as soon as it exists.
`tests/api/test_openapi.py` checks that every route is documented and that real responses match
the schemas given here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import jsonify

from casework.api import api
from casework.services.case_views import KEY_DATES
from workflows.cases import (
    DECISIONS,
    EVENTS,
    HOLD_REASONS,
    NATURES,
    PANEL_RESPONSES,
    PARTNERS,
    PUBLICATION_KINDS,
    STATES,
)
from workflows.clocks import KINDS, STATUSES
from workflows.facts import EVENT_FACTS, FIRST_DAY, LAST_DAY, MAX_TEXT, Fact
from workflows.roles import ROLES
from workflows.themes import THEMES

Schema = dict[str, Any]

# Building blocks (JSON Schema 2020-12: a nullable value has the type list [..., "null"]).
DATE: Schema = {"type": "string", "format": "date"}
NULLABLE_DATE: Schema = {"type": ["string", "null"], "format": "date"}
TEXT: Schema = {"type": "string", "pattern": r"\S", "maxLength": MAX_TEXT}
NULLABLE_TEXT: Schema = {"type": ["string", "null"]}
INTEGER: Schema = {"type": "integer"}
NULLABLE_INTEGER: Schema = {"type": ["integer", "null"]}
BOOLEAN: Schema = {"type": "boolean"}
# Every date the API takes is in this range (JSON Schema cannot bound a date string itself).
DATE_RANGE = f"From {FIRST_DAY} to {LAST_DAY}."


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def enum(values: tuple[str, ...], *, nullable: bool = False) -> Schema:
    if nullable:
        return {"type": ["string", "null"], "enum": [*values, None]}
    return {"type": "string", "enum": list(values)}


def nullable(name: str) -> Schema:
    return {"anyOf": [ref(name), {"type": "null"}]}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def closed(properties: Schema, required: list[str] | None = None, **extra: Any) -> Schema:
    """An object with exactly these properties (all required unless `required` says)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
        **extra,
    }


# What the API returns.
CLOCK: Schema = {
    "kind": enum(KINDS),
    "statutory": {**BOOLEAN, "description": "True for the four national clocks."},
    "anchor_on": {
        **NULLABLE_DATE,
        "description": "The day it started; for an `agency_return`, the day the request was "
        "sent or last extended (holds before that are counted in its due date already).",
    },
    "due_on": {
        **NULLABLE_DATE,
        "description": "Later than first set by the working days a hold paused it, for a local "
        "target.",
    },
    "met_on": NULLABLE_DATE,
    "cancelled_on": NULLABLE_DATE,
    "status": {**enum(STATUSES), "description": "Judged on `?on=`, else today (Europe/London)."},
    "working_days_late": {**NULLABLE_INTEGER, "description": "For `overdue` and `met_late`."},
    "working_days_left": {**NULLABLE_INTEGER, "description": "For `running` clocks."},
    "hold_days": {
        **INTEGER,
        "minimum": 0,
        "description": "Working days a hold paused it (an `agency_return`: since `anchor_on`).",
    },
    "hold_note": {
        **closed({"reason": enum(HOLD_REASONS), "panel_informed": BOOLEAN}),
        "description": "Only on an unmet statutory clock while a hold is open (it never pauses).",
    },
}
CLOCK_REQUIRED = [name for name in CLOCK if name != "hold_note"]

CASE_SUMMARY: Schema = {
    "id": INTEGER,
    "reference": {"type": "string"},
    "state": enum(STATES),
    "nature": enum(NATURES),
    "pseudonym": NULLABLE_TEXT,
    "summary": NULLABLE_TEXT,
    **{
        name: DATE if name in ("incident_on", "la_aware_on") else NULLABLE_DATE
        for name in KEY_DATES
    },
    "sin_reference": NULLABLE_TEXT,
    "decision": enum(DECISIONS, nullable=True),
    "decision_rationale": NULLABLE_TEXT,
    "panel_response": enum(PANEL_RESPONSES, nullable=True),
    "reviewer": nullable("Reviewer"),
    "publication_kind": enum(PUBLICATION_KINDS, nullable=True),
    "themes": array({"type": "string"}),
    "hold": {**nullable("Hold"), "description": "The open hold, or null."},
    "sign_offs": {**array(ref("SignOff")), "description": "The current set only."},
    "allowed_events": {**array(enum(EVENTS)), "description": "What this user may fire now."},
    "clocks": array(ref("Clock")),
}

HISTORY_ENTRY: Schema = closed(
    {
        "event": {**enum(("open", *EVENTS)), "description": "`open` is the case being opened."},
        "from_state": enum(STATES, nullable=True),
        "to_state": enum(STATES, nullable=True),
        "on": DATE,
        "recorded_at": {"type": "string", "format": "date-time"},
        "actor": closed({"id": INTEGER, "name": {"type": "string"}, "role": enum(ROLES)}),
        "facts": {"type": "object", "description": "The facts given, as recorded."},
    }
)

# Every `code` an error answer can carry. The last three are not listed under any operation:
# any URL under the API can give them.
ERROR_CODES = {
    "unauthorised": "401: no valid bearer token.",
    "not_found": "404: no such case, or one the user may not see; or no such URL.",
    "forbidden": "403: the user's role or statutory partner may not do this.",
    "invalid": "422: bad input; `fields` says what is wrong with each.",
    "not_allowed_in_state": "409: the event is not allowed in the case's state.",
    "refused": "409: a guard refuses the event; the message says why.",
    "conflict": "409: someone changed the case at the same moment; nothing was saved.",
    "method_not_allowed": "405: the URL does not take this method; `Allow` lists those it does.",
    "bad_request": "400: a URL no route matches, sent with text no database can store.",
    "internal_server_error": "500: something unexpected failed; nothing was saved.",
}

ERROR: Schema = closed(
    {
        "error": closed(
            {
                "code": {
                    **enum(tuple(ERROR_CODES)),
                    "description": " ".join(f"`{c}`, {why}" for c, why in ERROR_CODES.items()),
                },
                "message": {"type": "string", "description": "For people: says why."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "What is wrong with each field, by name (422).",
                },
                "allowed_events": {
                    **array(enum(EVENTS)),
                    "description": "With `not_allowed_in_state`: the events the state allows.",
                },
            },
            required=["code", "message", "fields"],
        )
    }
)


# What the API accepts.
def fact_schema(fact: Fact) -> Schema:
    future = "May be in the future." if fact.may_be_future else "Not in the future."
    return {
        "text": TEXT,
        "choice": enum(fact.choices),
        "date": {**DATE, "description": f"{future} {DATE_RANGE}"},
        "reviewer": closed({"name": TEXT, "organisation": TEXT}),
        "themes": array(enum(THEMES)),
    }[fact.kind]


# Rules across facts that the per-fact schemas cannot say.
EVENT_RULES: dict[str, Schema] = {
    "publish": {
        "if": {"properties": {"kind": {"const": "improvements_only"}}, "required": ["kind"]},
        "then": {"required": ["reason"]},
    },
    "sign_off": {
        "description": "A partner lead signs for their own partner (`partner` may be left out). "
        "A business manager records a sign-off given outside the system: `partner` and "
        "`given_by` are then required.",
    },
}


def event_name(event: str) -> str:
    return "".join(word.title() for word in event.split("_")) + "Event"


def event_schema(event: str) -> Schema:
    facts = EVENT_FACTS[event]
    on = {
        **DATE,
        "description": "When it happened: not in the future, nor before `la_aware_on` "
        f"or the event that brought the case into its current state. {DATE_RANGE}",
    }
    properties = {"event": {"const": event}, "on": on}
    properties |= {name: fact_schema(fact) for name, fact in facts.items()}
    required = ["event", "on", *(name for name, fact in facts.items() if fact.required)]
    return closed(properties, required, title=event) | EVENT_RULES.get(event, {})


NEW_CASE: Schema = closed(
    {
        "nature": enum(NATURES),
        "incident_on": {**DATE, "description": f"Not in the future. {DATE_RANGE}"},
        "la_aware_on": {
            **DATE,
            "description": f"Not before `incident_on`, not in the future. {DATE_RANGE}",
        },
        "pseudonym": {"type": ["string", "null"], "maxLength": 100},
        "summary": {"type": ["string", "null"], "maxLength": MAX_TEXT},
    },
    required=["nature", "incident_on", "la_aware_on"],
)


def page_of(item: str) -> Schema:
    return closed(
        {
            "items": array(ref(item)),
            "page": {**INTEGER, "minimum": 1},
            "per_page": {**INTEGER, "minimum": 1},
            "total": {**INTEGER, "minimum": 0},
        }
    )


SCHEMAS: Schema = {
    "NewCase": NEW_CASE,
    "Event": {
        "oneOf": [ref(event_name(e)) for e in EVENTS],
        "discriminator": {
            "propertyName": "event",
            "mapping": {e: f"#/components/schemas/{event_name(e)}" for e in EVENTS},
        },
    },
    **{event_name(e): event_schema(e) for e in EVENTS},
    "Case": closed({**CASE_SUMMARY, "history": array(ref("HistoryEntry"))}),
    "CaseSummary": closed(CASE_SUMMARY, description="A case in a list: no history."),
    "CasePage": page_of("CaseSummary"),
    "Clock": closed(CLOCK, CLOCK_REQUIRED),
    "ClockListItem": closed(
        {"case_id": INTEGER, "case_reference": {"type": "string"}, **CLOCK},
        ["case_id", "case_reference", *CLOCK_REQUIRED],
    ),
    "ClockPage": page_of("ClockListItem"),
    "HistoryEntry": HISTORY_ENTRY,
    "Reviewer": closed({"name": {"type": "string"}, "organisation": {"type": "string"}}),
    "Hold": closed(
        {
            "reason": enum(HOLD_REASONS),
            "placed_on": DATE,
            "panel_informed_on": NULLABLE_DATE,
            "note": NULLABLE_TEXT,
        }
    ),
    "SignOff": closed(
        {
            "partner": enum(PARTNERS),
            "subject": enum(("decision", "final_report")),
            "signed_on": DATE,
            "given_by": {**NULLABLE_TEXT, "description": "Set when recorded by a manager."},
        }
    ),
    "Error": ERROR,
}

ERRORS = {
    401: ("Unauthorised", "No valid bearer token (`unauthorised`)."),
    403: ("Forbidden", "The user's role or statutory partner may not do this (`forbidden`)."),
    404: ("NotFound", "No such case, or one the user may not see (`not_found`)."),
    409: (
        "Conflict",
        "The event is not allowed in the case's state (`not_allowed_in_state`, with "
        "`allowed_events`), a guard refuses it (`refused`, the message says why), or someone "
        "changed the case at the same moment (`conflict`).",
    ),
    422: ("Invalid", "Bad input: unknown or missing fields, bad or future dates (`invalid`)."),
}


def json_content(schema: Schema) -> Schema:
    return {"application/json": {"schema": schema}}


def param(name: str, where: str, schema: Schema, description: str) -> Schema:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "schema": schema,
        "description": description,
    }


def per_page(default: int, maximum: int) -> Schema:
    schema = {**INTEGER, "minimum": 1, "maximum": maximum, "default": default}
    return param("per_page", "query", schema, "Items per page.")


CASE_ID = param("case_id", "path", INTEGER, "The case's `id`.")
ON = param(
    "on",
    "query",
    DATE,
    f"Judge clock statuses on this date; default today (London). {DATE_RANGE}",
)
PAGE = param("page", "query", {**INTEGER, "minimum": 1, "default": 1}, "Page number, from 1.")


def operation(
    operation_id: str,
    summary: str,
    ok: tuple[int, str, Schema],
    errors: tuple[int, ...],
    parameters: tuple[Schema, ...] = (),
    body: Schema | None = None,
) -> Schema:
    status, description, schema = ok
    responses = {str(status): {"description": description, "content": json_content(schema)}}
    responses |= {
        str(code): {"$ref": f"#/components/responses/{ERRORS[code][0]}"} for code in errors
    }
    op: Schema = {"operationId": operation_id, "summary": summary}
    if parameters:
        op["parameters"] = list(parameters)
    if body is not None:
        op["requestBody"] = {"required": True, "content": json_content(body)}
    return op | {"responses": responses}


PATHS: Schema = {
    "/cases": {
        "post": operation(
            "openCase",
            "Open a case in `referred`, with its notification clock running.",
            (201, "The new case.", ref("Case")),
            (401, 403, 422),
            (ON,),
            ref("NewCase"),
        ),
        "get": operation(
            "listCases",
            "The cases the user may see, newest first.",
            (200, "A page of cases.", ref("CasePage")),
            (401, 403, 422),
            (
                param("state", "query", enum(STATES), "Only cases in this state."),
                param(
                    "overdue",
                    "query",
                    {**BOOLEAN, "default": False},
                    "Only cases with an overdue clock on `on`.",
                ),
                ON,
                PAGE,
                per_page(50, 100),
            ),
        ),
    },
    "/cases/{case_id}": {
        "get": operation(
            "getCase",
            "One case with its history (the read is recorded).",
            (200, "The case.", ref("Case")),
            (401, 403, 404, 422),
            (CASE_ID, ON),
        ),
    },
    "/cases/{case_id}/events": {
        "post": operation(
            "fireEvent",
            "Fire an event with `on` and the event's facts.",
            (200, "The case after the event.", ref("Case")),
            (401, 403, 404, 409, 422),
            (CASE_ID, ON),
            ref("Event"),
        ),
    },
    "/clocks": {
        "get": operation(
            "listClocks",
            "Clocks of the cases the user may see, oldest due first: open ones unless `status`.",
            (200, "A page of clocks.", ref("ClockPage")),
            (401, 403, 422),
            (
                param("status", "query", enum(STATUSES), "Only clocks with this status on `on`."),
                ON,
                PAGE,
                per_page(100, 500),
            ),
        ),
    },
    "/openapi.json": {
        "get": {
            **operation("openapi", "This document.", (200, "OpenAPI 3.1.", {"type": "object"}), ()),
            "security": [],
        }
    },
}


@cache
def document() -> Schema:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Casework API",
            "version": "1",
            "description": "Serious child safeguarding incidents, rapid reviews and CSPRs. "
            "Refusals come in this order: 401, 404, 403, 422, 409.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "An API token."}
            },
            "schemas": SCHEMAS,
            "responses": {
                name: {"description": description, "content": json_content(ref("Error"))}
                for name, description in ERRORS.values()
            },
        },
    }


@api.get("/openapi.json")
def openapi_document():
    return jsonify(document())
