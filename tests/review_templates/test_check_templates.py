"""`flask --app wsgi casework check-templates` and `python -m casework.review_templates`."""

from __future__ import annotations

from click.testing import CliRunner

from casework.cli import cli
from casework.review_templates.__main__ import main


def check(*args: str):
    return CliRunner().invoke(cli, ["check-templates", *args])


def test_the_shipped_definitions_are_all_valid():
    result = check()
    assert result.exit_code == 0, result.output
    assert result.output == "1 template, 1 version: all valid\n"


def test_a_broken_folder_prints_each_problem_and_exits_1(agency_return, write, definitions):
    agency_return["version"] = 2
    agency_return["sections"][0]["questions"][0]["type"] = "yes_or_no"
    write(agency_return)
    result = check("--path", str(definitions))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "2 problems in the review template definitions:"
    assert lines[1].endswith(
        "agency_return/v1.json: sections[0].questions[0].type: "
        "'yes_or_no' is not an answer type: use one of short_text, "
        "long_text, date, yes_no, choice, multiple_choice, chronology"
    )
    assert lines[2].endswith("agency_return/v1.json: version: is 2 but the file is named v1.json")
    assert result.stdout == ""


def test_a_good_folder_given_by_path(agency_return, write, definitions):
    write(agency_return)
    write(dict(agency_return, version=2), "agency_return/v2.json")
    result = check("--path", str(definitions))
    assert (result.exit_code, result.output) == (0, "1 template, 2 versions: all valid\n")


def test_without_the_application(agency_return, write, definitions, capsys):
    assert main([]) == 0
    assert capsys.readouterr().out == "1 template, 1 version: all valid\n"
    write("not json")
    assert main(["--path", str(definitions)]) == 1
    assert "agency_return/v1.json: line 1, column 1: not valid JSON" in capsys.readouterr().err
