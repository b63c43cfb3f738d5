"""The import rules of the design: which layer may import which."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files(folder: str) -> list[Path]:
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files, f"no Python files under {folder}"
    return files


def top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("path", python_files("workflows"), ids=lambda p: p.name)
def test_workflows_are_pure(path):
    allowed = {"workflows", "transitions", "holidays", "__future__"}
    stdlib = {
        "collections",
        "dataclasses",
        "datetime",
        "functools",
        "typing",
        "calendar",
        "enum",
        "itertools",
        "re",
        "bisect",
    }
    outside = {n for n in imports_of(path) if top(n) not in allowed | stdlib}
    assert not outside, f"{path.name} imports {outside}: workflows/ must stay pure"


@pytest.mark.parametrize(
    "path", python_files("casework/api") + python_files("casework/web"), ids=lambda p: p.name
)
def test_views_and_api_import_no_model_and_no_database(path):
    forbidden = {n for n in imports_of(path) if n.startswith(("casework.models", "sqlalchemy"))}
    forbidden |= {n for n in imports_of(path) if n == "casework.extensions"}
    assert not forbidden, f"{path.name} imports {forbidden}: go through a service"


@pytest.mark.parametrize("path", python_files("casework/services"), ids=lambda p: p.name)
def test_services_never_read_the_request(path):
    source = path.read_text()
    tree = ast.parse(source)
    flask_names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            flask_names.update(alias.name for alias in node.names)
    banned = flask_names & {"request", "session", "g", "url_for", "current_app"}
    assert not banned, f"{path.name} imports {banned} from flask: pass what it needs explicitly"
    assert "current_user" not in source


@pytest.mark.parametrize("path", python_files("casework/models"), ids=lambda p: p.name)
def test_models_do_not_import_services_or_views(path):
    upward = {
        n
        for n in imports_of(path)
        if n.startswith(("casework.services", "casework.api", "casework.web", "flask"))
    }
    assert not upward, f"{path.name} imports {upward}"


@pytest.mark.parametrize("path", python_files("casework/jobs"), ids=lambda p: p.name)
def test_jobs_go_through_the_services(path):
    # Jobs decide nothing and write nothing themselves: no models (the UTC clock aside).
    models = {n for n in imports_of(path) if n.startswith("casework.models")}
    models.discard("casework.models.time")
    assert not models, f"{path.name} imports {models}: call a service"
    assert "commit()" not in path.read_text()


def test_the_scheduler_is_never_started_by_the_web_application():
    assert "jobs" not in (ROOT / "casework" / "__init__.py").read_text()
    assert "apscheduler" not in " ".join(imports_of(ROOT / "casework" / "__init__.py"))


@pytest.mark.parametrize("path", python_files("casework/review_templates"), ids=lambda p: p.name)
def test_review_templates_import_no_flask_and_no_database(path):
    allowed = {"jsonschema", "workflows", "casework", "__future__"}
    outside = {
        n
        for n in imports_of(path)
        if top(n) not in allowed and top(n) not in sys.stdlib_module_names
    }
    outside |= {
        n
        for n in imports_of(path)
        if top(n) == "casework" and not n.startswith("casework.review_templates")
    }
    assert not outside, f"{path.name} imports {outside}"
