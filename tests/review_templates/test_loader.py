"""A broken definition is refused, every problem naming the file, the place and what is wrong."""

from __future__ import annotations

import pytest

from casework.review_templates import Problem, TemplateError, load_all


def problems(folder) -> list[Problem]:
    with pytest.raises(TemplateError) as raised:
        load_all(folder)
    assert str(raised.value).count("\n  ") == len(raised.value.problems)
    return raised.value.problems


def only_problem(folder) -> Problem:
    [problem] = problems(folder)
    assert problem.file.endswith("agency_return/v1.json")
    return problem


def test_an_unknown_answer_type_is_named_with_its_place(agency_return, write, definitions):
    agency_return["sections"][2]["questions"][0]["type"] = "timeline"
    write(agency_return)
    problem = only_problem(definitions)
    assert problem.place == "sections[2].questions[0].type"
    assert "'timeline' is not an answer type" in problem.what
    assert "short_text" in problem.what and "chronology" in problem.what
    assert str(problem).endswith(f"agency_return/v1.json: {problem.place}: {problem.what}")


def test_a_typo_in_a_key_is_caught_with_a_suggestion(agency_return, write, definitions):
    question = agency_return["sections"][1]["questions"][0]
    question["mandtory"] = question.pop("mandatory")
    write(agency_return)
    found = problems(definitions)
    places = {p.place: p.what for p in found}
    assert "did you mean 'mandatory'?" in places["sections[1].questions[0].mandtory"]
    assert places["sections[1].questions[0]"] == "'mandatory' is missing"


def test_unknown_keys_are_refused_everywhere(agency_return, write, definitions):
    agency_return["titel"] = "x"
    agency_return["sections"][0]["guidence"] = "x"
    agency_return["sections"][7]["questions"][0]["options"][0]["hint"] = "x"
    agency_return["sections"][1]["questions"][0]["messages"]["to_long"] = "x"
    agency_return["sections"][1]["questions"][0]["show_when"]["equal"] = "x"
    write(agency_return)
    places = [p.place for p in problems(definitions)]
    for place in [
        "titel",
        "sections[0].guidence",
        "sections[7].questions[0].options[0].hint",
        "sections[1].questions[0].messages.to_long",
        "sections[1].questions[0].show_when.equal",
    ]:
        assert place in places


def test_a_duplicate_question_id_names_both_places(agency_return, write, definitions):
    agency_return["sections"][4]["questions"][0]["id"] = "what_went_well"
    write(agency_return)
    problem = only_problem(definitions)
    assert problem.place == "sections[4].questions[0].id"
    assert problem.what == (
        "question id 'what_went_well' is already used at sections[3].questions[0]"
    )


def test_the_version_must_match_the_file_name_and_the_id_the_folder(
    agency_return, write, definitions
):
    agency_return["version"] = 2
    agency_return["id"] = "agency_report"
    write(agency_return)
    found = {p.place: p.what for p in problems(definitions)}
    assert found == {
        "id": "is 'agency_report' but the folder is named 'agency_return'",
        "version": "is 2 but the file is named v1.json",
    }


@pytest.mark.parametrize(
    ("target", "equals", "place", "what"),
    [
        (
            "learning",
            "yes",
            "question",
            "names 'learning', which is not a question before this one",
        ),
        ("nobody", "yes", "question", "names 'nobody', which is not a question before this one"),
        ("what_went_well", "yes", "question", "a long_text question: it must be yes_no or choice"),
        ("had_involvement", "maybe", "equals", "'maybe' is not an answer to 'had_involvement'"),
    ],
)
def test_show_when_must_name_an_earlier_yes_no_or_choice_answer(
    agency_return, write, definitions, target, equals, place, what
):
    agency_return["sections"][4]["questions"][0]["show_when"] = {
        "question": target,
        "equals": equals,
    }
    write(agency_return)
    problem = only_problem(definitions)
    assert problem.place == f"sections[4].questions[0].show_when.{place}"
    assert what in problem.what


def test_a_question_cannot_depend_on_itself(agency_return, write, definitions):
    agency_return["sections"][0]["questions"][0]["show_when"] = {
        "question": "had_involvement",
        "equals": "yes",
    }
    write(agency_return)
    found = {p.place: p.what for p in problems(definitions)}
    assert found["sections[0].questions[0].show_when.question"] == (
        "a question cannot depend on itself"
    )


def test_option_values_are_unique_and_only_checkboxes_have_an_exclusive_one(
    agency_return, write, definitions
):
    options = agency_return["sections"][7]["questions"][0]["options"]
    options[1]["value"] = "police_investigation"
    agency_return["sections"][0]["questions"][0] |= {
        "type": "choice",
        "options": [
            {"value": "yes", "label": "Yes"},
            {"value": "no", "label": "No", "exclusive": True},
        ],
    }
    write(agency_return)
    found = {p.place: p.what for p in problems(definitions)}
    assert found == {
        "sections[0].questions[0].options[1].exclusive": (
            "only a multiple_choice option can be exclusive, not a choice one"
        ),
        "sections[7].questions[0].options[1].value": (
            "option value 'police_investigation' is already used at options[0]"
        ),
    }


def test_keys_belong_to_their_answer_types(agency_return, write, definitions):
    agency_return["sections"][0]["questions"][0]["options"] = [
        {"value": "yes", "label": "Yes"},
        {"value": "no", "label": "No"},
    ]
    agency_return["sections"][0]["questions"][0]["max_characters"] = 10
    del agency_return["sections"][7]["questions"][0]["options"]
    agency_return["sections"][3]["questions"][0]["messages"]["invalid_date"] = "Not a date"
    write(agency_return)
    found = {p.place: p.what for p in problems(definitions)}
    assert found["sections[0].questions[0].options"] == (
        "a yes_no question has no 'options' (only choice and multiple_choice do)"
    )
    assert found["sections[0].questions[0].max_characters"] == (
        "a yes_no question has no 'max_characters' (only long_text do)"
    )
    assert found["sections[7].questions[0]"] == "'options' is missing"
    # The message check runs once the shape is right: fix the shape and it shows.
    agency_return["sections"][0]["questions"][0].pop("options")
    agency_return["sections"][0]["questions"][0].pop("max_characters")
    agency_return["sections"][7]["questions"][0]["options"] = [
        {"value": "a", "label": "A"},
        {"value": "b", "label": "B"},
    ]
    write(agency_return)
    problem = only_problem(definitions)
    assert problem.place == "sections[3].questions[0].messages.invalid_date"
    assert problem.what.startswith("a long_text question has no 'invalid_date' message")


def test_plain_words_for_wrong_values(agency_return, write, definitions):
    agency_return["version"] = "1"
    agency_return["sections"][1]["id"] = "Involvement Period"
    agency_return["sections"][2]["title"] = "   "
    agency_return["sections"][3]["questions"][0]["max_characters"] = 0
    agency_return["sections"][7]["questions"][0]["options"] = [{"value": "a", "label": "A"}]
    write(agency_return)
    found = {p.place: p.what for p in problems(definitions)}
    assert found == {
        "version": "should be a whole number, not text",
        "sections[1].id": (
            "'Involvement Period' is not a valid id: use lowercase letters, digits and "
            "underscores, starting with a letter"
        ),
        "sections[2].title": "must not be blank",
        "sections[3].questions[0].max_characters": "is 0: it must be at least 1",
        "sections[7].questions[0].options": "needs at least 2 items",
    }


def test_a_nil_return_must_hide_every_other_question(agency_return, write, definitions):
    del agency_return["sections"][6]["questions"][0]["show_when"]
    write(agency_return)
    problem = only_problem(definitions)
    assert problem.place == "nil_return"
    assert "still shown when had_involvement is 'no': learning" in problem.what


def test_json_that_does_not_parse_is_reported_by_line(write, definitions):
    write('{\n  "id": "agency_return",\n  "version": 1,\n}\n')
    problem = only_problem(definitions)
    assert problem.place == "line 4, column 1"
    assert problem.what.startswith("not valid JSON")


def test_a_file_that_is_not_utf_8_is_reported(write, definitions):
    (definitions / "agency_return").mkdir()
    (definitions / "agency_return" / "v1.json").write_bytes(
        '{"title": "Caf\u00e9"}'.encode("latin-1")
    )
    assert only_problem(definitions).what == "not UTF-8 text: save it as UTF-8"


def test_file_names_and_folders(agency_return, write, definitions):
    write(agency_return)
    write(agency_return, "agency_return/v01.json")
    write(agency_return, "agency_return/draft.json")
    write(agency_return, "stray.json")
    (definitions / "agency_return" / "README.md").write_text("Notes are fine.")
    found = {p.file.rsplit("definitions/", 1)[1]: p.what for p in problems(definitions)}
    assert set(found) == {"agency_return/v01.json", "agency_return/draft.json", "stray.json"}
    assert "no leading zeros" in found["agency_return/v01.json"]
    assert "in a folder named for its template" in found["stray.json"]


def test_a_version_can_never_be_taken_away(agency_return, write, definitions):
    agency_return["version"] = 2
    write(agency_return, "agency_return/v2.json")
    [problem] = problems(definitions)
    assert problem.file.endswith("agency_return/v1.json")
    assert problem.what.startswith("is missing: versions run from v1 to v2 without gaps")


def test_every_problem_in_every_file_is_listed_at_once(agency_return, write, definitions):
    broken = dict(agency_return, version=3)
    write(broken, "agency_return/v1.json")
    write(dict(agency_return, id="other", sections="none"), "other/v1.json")
    files = sorted({p.file.rsplit("definitions/", 1)[1] for p in problems(definitions)})
    assert files == ["agency_return/v1.json", "other/v1.json"]


def test_an_empty_or_missing_folder_is_not_all_valid(definitions):
    assert "no template definitions found" in only_problem_anywhere(definitions).what
    assert "no definitions folder" in only_problem_anywhere(definitions / "nope").what


def only_problem_anywhere(folder) -> Problem:
    [problem] = problems(folder)
    return problem
