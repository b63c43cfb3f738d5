"""Reading the definitions folder and checking every file, reporting all the problems at once.

The folder holds one folder per template, named by its id, and in it one file per version:
`definitions/agency_return/v1.json`, `v2.json`... Each file is a whole template on its own (no
file refers to another), so a case pinned to v1 reads v1 alone, whatever v2 changed. Versions
run from v1 without gaps: a version is never deleted, because cases pinned to it still use it.

Each file is checked against schema.json (draft 2020-12), then against the rules a schema
cannot express (see `_rules`). Every problem names the file, the place in it as a JSON path
(`sections[2].questions[0].type`) and what is wrong, in plain words; `TemplateError` carries
them all, so one run shows everything to fix.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from casework.review_templates.answers import ANSWER_TYPES
from casework.review_templates.model import Template, build_template
from casework.review_templates.problems import describe_schema_error

SCHEMA_PATH = Path(__file__).with_name("schema.json")
DEFINITIONS_PATH = Path(__file__).with_name("definitions")
VERSION_FILE = re.compile(r"v([1-9][0-9]*)\.json")
CONDITION_TYPES = ("yes_no", "choice")


@dataclass(frozen=True)
class Problem:
    file: str
    place: str  # a JSON path in the file, "" for the file as a whole
    what: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.place}: {self.what}" if self.place else f"{self.file}: {self.what}"
        )


class TemplateError(Exception):
    """One or more review template definitions are wrong; `problems` lists every one."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines = "".join(f"\n  {problem}" for problem in problems)
        super().__init__(f"{count} in the review template definitions:{lines}")


@cache
def schema_validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def read_definitions(root: Path) -> dict[tuple[str, int], Template]:
    """Every definition under `root`, by (template id, version); TemplateError if any is wrong."""
    root = Path(root)
    if not root.is_dir():
        raise TemplateError([Problem(_shown(root), "", "there is no definitions folder here")])
    problems: list[Problem] = []
    templates: dict[tuple[str, int], Template] = {}
    for entry in sorted(root.iterdir()):
        if entry.is_file() and entry.suffix == ".json":
            what = "a definition belongs in a folder named for its template: <id>/v<N>.json"
            problems.append(Problem(_shown(entry), "", what))
        elif entry.is_dir():
            problems += _read_template_folder(entry, templates)
    if not templates and not problems:
        problems.append(Problem(_shown(root), "", "no template definitions found (<id>/v<N>.json)"))
    if problems:
        raise TemplateError(problems)
    return templates


def _read_template_folder(
    folder: Path, templates: dict[tuple[str, int], Template]
) -> list[Problem]:
    problems: list[Problem] = []
    versions: list[int] = []
    for path in sorted(folder.glob("*.json")):
        match = VERSION_FILE.fullmatch(path.name)
        if not match:
            what = "not a version file name: name it v1.json, v2.json... (no leading zeros)"
            problems.append(Problem(_shown(path), "", what))
            continue
        versions.append(int(match.group(1)))
        template, found = _read_file(path, folder.name, versions[-1])
        problems += found
        if template:
            templates[(template.id, template.version)] = template
    for missing in sorted(set(range(1, max(versions, default=0) + 1)) - set(versions)):
        what = (
            f"is missing: versions run from v1 to v{max(versions)} without gaps, "
            "because cases pinned to an earlier version still need it"
        )
        problems.append(Problem(_shown(folder / f"v{missing}.json"), "", what))
    return problems


def _read_file(path: Path, folder_name: str, version: int) -> tuple[Template | None, list[Problem]]:
    shown = _shown(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return None, [Problem(shown, "", "not UTF-8 text: save it as UTF-8")]
    except json.JSONDecodeError as error:
        place = f"line {error.lineno}, column {error.colno}"
        return None, [Problem(shown, place, f"not valid JSON: {error.msg}")]
    errors = sorted(schema_validator().iter_errors(document), key=_path_order)
    found = [place_what for e in errors for place_what in describe_schema_error(e, document)]
    found += _name_rules(document, folder_name, version)
    if not errors:  # the other rules trust the shape the schema checked
        found += _rules(document)
    if found:
        return None, [Problem(shown, place, what) for place, what in _unique(found)]
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    template = build_template(document, hashlib.sha256(canonical.encode()).hexdigest())
    hiding = _nil_return_hides_the_rest(template)
    return (None, [Problem(shown, "nil_return", hiding)]) if hiding else (template, [])


def _name_rules(document: Any, folder_name: str, version: int) -> list[tuple[str, str]]:
    """The file's name and its contents agree: <id>/v<version>.json."""
    if not isinstance(document, dict):
        return []
    found: list[tuple[str, str]] = []
    template_id, number = document.get("id"), document.get("version")
    if isinstance(template_id, str) and template_id != folder_name:
        found.append(("id", f"is {template_id!r} but the folder is named {folder_name!r}"))
    if isinstance(number, int) and not isinstance(number, bool) and number != version:
        found.append(("version", f"is {number} but the file is named v{version}.json"))
    return found


def _rules(document: dict[str, Any]) -> list[tuple[str, str]]:
    """What the schema cannot say. The document has passed the schema, so its shape is sound."""
    found: list[tuple[str, str]] = []
    seen_sections: dict[str, str] = {}
    earlier: dict[str, dict[str, Any]] = {}  # question id -> question, in document order
    places: dict[str, str] = {}
    for s, section in enumerate(document["sections"]):
        place = f"sections[{s}]"
        if section["id"] in seen_sections:
            what = f"section id {section['id']!r} is already used at {seen_sections[section['id']]}"
            found.append((f"{place}.id", what))
        seen_sections.setdefault(section["id"], place)
        for n, question in enumerate(section["questions"]):
            q_place = f"{place}.questions[{n}]"
            if question["id"] in places:
                what = f"question id {question['id']!r} is already used at {places[question['id']]}"
                found.append((f"{q_place}.id", what))
            found += _question_rules(question, q_place, earlier)
            places.setdefault(question["id"], q_place)
            earlier.setdefault(question["id"], question)
    if "nil_return" in document:
        found += _condition_rules(document["nil_return"], "nil_return", earlier)
    return found


def _question_rules(
    question: dict[str, Any], place: str, earlier: dict[str, dict[str, Any]]
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    values: dict[str, int] = {}
    for i, option in enumerate(question.get("options", [])):
        if option["value"] in values:
            first = values[option["value"]]
            what = f"option value {option['value']!r} is already used at options[{first}]"
            found.append((f"{place}.options[{i}].value", what))
        values.setdefault(option["value"], i)
        if option.get("exclusive") and question["type"] != "multiple_choice":
            what = f"only a multiple_choice option can be exclusive, not a {question['type']} one"
            found.append((f"{place}.options[{i}].exclusive", what))
    allowed = ANSWER_TYPES[question["type"]].messages
    for key in question.get("messages", {}):
        if key not in allowed:
            has = ", ".join(allowed)
            what = f"a {question['type']} question has no {key!r} message (it has: {has})"
            found.append((f"{place}.messages.{key}", what))
    if "show_when" in question:
        if question["show_when"]["question"] == question["id"]:
            found.append((f"{place}.show_when.question", "a question cannot depend on itself"))
        else:  # `earlier` holds only the questions before this one: a later one is not there yet
            found += _condition_rules(question["show_when"], f"{place}.show_when", earlier)
    return found


def _condition_rules(
    condition: dict[str, str], place: str, known: dict[str, dict[str, Any]]
) -> list[tuple[str, str]]:
    """A show_when (or the nil return) names a known yes/no or choice question, and an answer
    that question can have."""
    target = known.get(condition["question"])
    if target is None:
        what = f"names {condition['question']!r}, which is not a question before this one"
        if place == "nil_return":
            what = f"names {condition['question']!r}, which is not a question in this template"
        return [(f"{place}.question", what)]
    if target["type"] not in CONDITION_TYPES:
        what = f"names {target['id']!r}, a {target['type']} question: it must be yes_no or choice"
        return [(f"{place}.question", what)]
    possible = (
        ["yes", "no"] if target["type"] == "yes_no" else [o["value"] for o in target["options"]]
    )
    if condition["equals"] not in possible:
        answers = ", ".join(possible)
        what = (
            f"{condition['equals']!r} is not an answer to {target['id']!r} (use one of: {answers})"
        )
        return [(f"{place}.equals", what)]
    return []


def _nil_return_hides_the_rest(template: Template) -> str:
    nil = template.nil_return
    if nil is None:
        return ""
    if template.question(nil.question).show_when is not None:
        return f"{nil.question!r} must always be shown: it cannot have a show_when"
    answers = {nil.question: nil.equals}
    shown = [
        q.id
        for q in template.questions
        if q.id != nil.question and template.is_shown(q.id, answers)
    ]
    if shown:
        return (
            "a nil return needs nothing else, but these questions are still shown when "
            f"{nil.question} is {nil.equals!r}: {', '.join(shown)} (give them a show_when)"
        )
    return ""


def _path_order(error: Any) -> list[tuple[int, int, str]]:
    """sections[2] before sections[10]: list indexes compare as numbers."""
    return [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in error.absolute_path]


def _unique(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys(items))


def _shown(path: Path) -> str:
    """A path as a person would look for it: relative to the working folder where possible."""
    try:
        return Path(path).resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return Path(path).as_posix()
