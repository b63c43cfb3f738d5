"""The agency return as a page uses it: what is shown, what is required, what is displayed."""

from __future__ import annotations

from casework.review_templates import get

RETURN = get("agency_return", 1)
FULL = {
    "had_involvement": "yes",
    "involvement_summary": "Universal health visiting from birth.",
    "significant_events": [
        {
            "date": "2024-02-03",
            "what_happened": "Home visit.",
            "practitioner_role": "Health visitor",
            "why_it_matters": "Safe sleeping.",
        }
    ],
    "what_went_well": "Prompt referral.",
    "done_differently": "Follow up the missed appointment.",
    "immediate_actions": "Sibling's case reviewed.",
    "learning": "Safe sleeping advice at every contact.",
    "parallel_processes": ["police_investigation", "inquest"],
}


def test_a_nil_return_needs_nothing_else():
    nil = {"had_involvement": "no"}
    assert RETURN.is_nil_return(nil)
    assert RETURN.missing(nil) == {}
    assert [s.id for s in RETURN.shown_sections(nil)] == ["involvement_check"]
    assert [q.id for q in RETURN.questions if RETURN.is_shown(q.id, nil)] == ["had_involvement"]


def test_until_the_first_question_is_answered_only_it_is_required():
    assert RETURN.missing({}) == {
        "had_involvement": (
            "Select yes if your agency had any involvement with the child or family during "
            "the review period"
        )
    }
    assert not RETURN.is_nil_return({})


def test_with_involvement_every_mandatory_question_is_required():
    missing = RETURN.missing({"had_involvement": "yes"})
    assert list(missing) == [
        "involvement_summary",
        "significant_events",
        "what_went_well",
        "done_differently",
        "immediate_actions",
        "learning",
        "parallel_processes",
    ]
    assert missing["significant_events"] == "Add at least one significant event to the chronology"
    assert RETURN.missing(FULL) == {}
    assert not RETURN.is_nil_return(FULL)


def test_hidden_answers_are_kept_but_not_shown_or_submitted():
    changed_mind = dict(FULL, had_involvement="no")
    assert RETURN.shown_answers(changed_mind) == {"had_involvement": "no"}
    assert RETURN.shown_answers(FULL) == FULL
    assert [s.section.id for s in RETURN.summary(changed_mind)] == ["involvement_check"]


def test_check_your_answers():
    summary = RETURN.summary(FULL)
    assert [s.section.title for s in summary][:3] == [
        "Your agency's involvement",
        "Involvement over the review period",
        "Chronology of significant events",
    ]
    rows = {row.question.id: row for s in summary for row in s.rows}
    assert rows["had_involvement"].text == "Yes"
    assert rows["parallel_processes"].text == "Police investigation\nInquest"
    assert rows["significant_events"].text.startswith("Date: 3 February 2024")
    details = rows["parallel_processes_details"]
    assert not details.answered and details.text == "Not answered"


def test_a_section_page_saves_what_it_can_and_requires_on_continue():
    form = {"parallel_processes": ["none_known", "inquest"], "parallel_processes_details": " "}
    saved = RETURN.clean_section("parallel_processes", form, FULL)
    assert saved.errors == {
        "parallel_processes": (
            "Select 'None known' or select the parallel processes your agency knows of, not both"
        )
    }
    assert saved.value == {"parallel_processes_details": None}

    half_done = RETURN.clean_section("involvement", {}, {"had_involvement": "yes"})
    assert half_done.ok and half_done.value == {"involvement_summary": None}
    required = RETURN.clean_section("involvement", {}, {"had_involvement": "yes"}, require=True)
    assert required.errors == {
        "involvement_summary": "Enter a description of your agency's involvement"
    }


def test_a_section_hidden_by_a_nil_return_cleans_nothing():
    cleaned = RETURN.clean_section(
        "learning", {"learning": "x"}, {"had_involvement": "no"}, require=True
    )
    assert cleaned.ok and cleaned.value == {}


def test_the_first_page_decides_on_its_own_answer():
    cleaned = RETURN.clean_section("involvement_check", {"had_involvement": "no"}, {}, require=True)
    assert cleaned.ok and cleaned.value == {"had_involvement": "no"}
    assert RETURN.clean_section("involvement_check", {}, {}, require=True).errors


def test_chronology_questions_are_left_to_their_entry_pages():
    cleaned = RETURN.clean_section("chronology", {}, {"had_involvement": "yes"}, require=True)
    assert cleaned.ok and cleaned.value == {}
    events = RETURN.question("significant_events")
    assert events.type == "chronology" and events.field_names[0] == "significant_events-date-day"
