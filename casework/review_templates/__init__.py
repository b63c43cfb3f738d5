"""Review templates: the forms agencies complete (the rapid review agency return first), kept
as versioned JSON definitions in `definitions/<template>/v<N>.json`.

The layers, after ONS's eq-questionnaire-runner: a definition (JSON, checked against
schema.json and the loader's rules) -> a `Template` (sections, questions, visibility,
"check your answers") -> answer-type handlers registered by type name (clean what a page
posted, say whether it is answered, display it). Answers are stored as JSON keyed by question
id; the services store them and pin each case to (template id, version).

This package imports only the standard library, jsonschema and workflows: no Flask, no
database. Check the definitions with `flask --app wsgi casework check-templates` or, without
the application, `python -m casework.review_templates`.
"""

from casework.review_templates.answers import ANSWER_TYPES, NOT_ANSWERED, Cleaned, handler_for
from casework.review_templates.chronology import display_entry, entries_in_date_order
from casework.review_templates.loader import DEFINITIONS_PATH, Problem, TemplateError
from casework.review_templates.model import Option, Question, Row, Section, SectionSummary, Template
from casework.review_templates.registry import (
    Registry,
    UnknownTemplate,
    get,
    latest,
    load_all,
    versions,
)

__all__ = [
    "ANSWER_TYPES",
    "DEFINITIONS_PATH",
    "NOT_ANSWERED",
    "Cleaned",
    "Option",
    "Problem",
    "Question",
    "Registry",
    "Row",
    "Section",
    "SectionSummary",
    "Template",
    "TemplateError",
    "UnknownTemplate",
    "display_entry",
    "entries_in_date_order",
    "get",
    "handler_for",
    "latest",
    "load_all",
    "versions",
]
