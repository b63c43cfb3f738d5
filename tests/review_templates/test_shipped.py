"""The definitions the application ships with."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from casework.review_templates import ANSWER_TYPES, DEFINITIONS_PATH, load_all
from casework.review_templates.loader import SCHEMA_PATH
from workflows.facts import MAX_TEXT

# A published version is never edited: a case pinned to it must keep seeing what it saw.
# Change a template by adding the next version. Update a digest here only for a version that
# has never been used on a real case.
PUBLISHED = {
    ("agency_return", 1): "c4f2f5e5f4fdb101d562e4d05b177e9e02d03e87ececff8861b1e81c44d07a55",
}


def test_the_shipped_definitions_are_valid():
    registry = load_all(DEFINITIONS_PATH)
    assert registry.summary() == "1 template, 1 version: all valid"


def test_published_versions_are_unchanged():
    registry = load_all()
    for (template_id, version), digest in PUBLISHED.items():
        assert registry.get(template_id, version).digest == digest, (
            f"{template_id} v{version} was edited: add v{version + 1} instead"
        )


def test_the_schema_is_draft_2020_12_and_knows_every_answer_type():
    schema = json.loads(SCHEMA_PATH.read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    question = schema["$defs"]["question"]["properties"]
    assert sorted(question["type"]["enum"]) == sorted(ANSWER_TYPES)
    assert question["max_characters"]["maximum"] == MAX_TEXT


def test_the_agency_return_starts_with_the_nil_return_question():
    agency_return = load_all().latest("agency_return")
    first = agency_return.questions[0]
    assert first.type == "yes_no" and first.mandatory
    assert first.label == (
        "Has your agency had any involvement with the child or family during the review period?"
    )
    assert agency_return.nil_return.question == first.id
    assert agency_return.nil_return.equals == "no"
    assert [s.id for s in agency_return.sections] == [
        "involvement_check",
        "involvement",
        "chronology",
        "what_went_well",
        "done_differently",
        "immediate_actions",
        "learning",
        "parallel_processes",
    ]
    processes = agency_return.question("parallel_processes")
    assert [o.label for o in processes.options] == [
        "Police investigation",
        "Inquest",
        "Child death review",
        "Domestic homicide review",
        "Care proceedings",
        "None known",
    ]
    assert [o.value for o in processes.options if o.exclusive] == ["none_known"]
