"""The workspace's view model: call script, posted answers, qualification panel, history.

Pure functions of criteria, answers and events: no database.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from leadflow.core.criteria import Choice, QualifyingCriteria, Question, QuestionType
from leadflow.core.criteria import default_criteria as default
from leadflow.core.enums import Rating
from leadflow.leads.models import Lead
from leadflow.leads.workspace.history import Change, event_changes, history_row, push_back_reason
from leadflow.leads.workspace.panels import panel_from_lead, preview_panel
from leadflow.leads.workspace.script import field_name, posted_answers, script_questions

NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)
HOT = {"budget": "approved", "need": "established", "timeframe_months": 2}


def criteria_with_every_type() -> QualifyingCriteria:
    base = default()
    return base.model_copy(
        update={
            "questions": (
                *base.questions,
                Question(
                    key="employees",
                    label="Employees",
                    type=QuestionType.CHOICE,
                    choices=[Choice(value=f"s{n}", label=f"Size {n}") for n in range(6)],
                ),
                Question(key="demo_on", label="Demo date", type=QuestionType.DATE),
                Question(key="system", label="Current system", type=QuestionType.TEXT),
            )
        }
    )


@dataclass
class Event:
    kind: str
    action: str = ""
    at: datetime = NOW
    from_status: str = ""
    to_status: str = ""
    reason: str = ""
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


def test_the_script_follows_the_questions_in_order_with_a_widget_per_answer_type() -> None:
    questions = script_questions(criteria_with_every_type(), {})
    assert [(q.number, q.key, q.widget) for q in questions] == [
        (1, "budget", "radio"),
        (2, "authority", "radio"),
        (3, "need", "radio"),
        (4, "timeframe_months", "number"),
        (5, "employees", "select"),
        (6, "demo_on", "date"),
        (7, "system", "text"),
    ]
    assert questions[0].choices[2] == ("approved", "Approved")
    assert questions[3].help_text.startswith("Months until the purchase decision")
    assert questions[3].min_value == "0"


def test_the_script_shows_current_answers_as_a_person_writes_them() -> None:
    answers = {"budget": "approved", "timeframe_months": 2.0, "demo_on": date(2026, 12, 1)}
    by_key = {q.key: q for q in script_questions(criteria_with_every_type(), answers)}
    assert by_key["budget"].value == "approved"
    assert by_key["timeframe_months"].value == "2"
    assert by_key["demo_on"].value == "2026-12-01"
    assert by_key["need"].value == ""


def test_an_error_is_attached_to_its_question_and_described_by_it() -> None:
    questions = script_questions(default(), {"timeframe_months": "soon"}, {"timeframe_months": "x"})
    timeframe = questions[3]
    assert (timeframe.value, timeframe.error) == ("soon", "x")
    assert timeframe.name == field_name("timeframe_months") == "answer_timeframe_months"
    assert (
        timeframe.described_by == "id_answer_timeframe_months_help id_answer_timeframe_months_error"
    )
    assert questions[0].described_by == ""


def test_posted_answers_read_numbers_and_treat_empty_fields_as_unanswered() -> None:
    data = {
        "answer_budget": "approved",
        "answer_need": "",
        "answer_timeframe_months": " 2.5 ",
        "csrfmiddlewaretoken": "x",
    }
    assert posted_answers(default(), data) == {
        "budget": "approved",
        "authority": None,
        "need": None,
        "timeframe_months": 2.5,
    }
    assert posted_answers(default(), {"answer_timeframe_months": "6"})["timeframe_months"] == 6
    assert posted_answers(default(), {"answer_timeframe_months": "soon"})["timeframe_months"] == (
        "soon"
    )


def test_the_preview_qualifies_the_answers_on_screen_over_the_saved_ones() -> None:
    panel = preview_panel(default(), saved={}, raw=HOT, profile={}, disqualification="", now=NOW)
    assert (panel.rating, panel.rating_value, panel.stage, panel.preview) == (
        "Hot",
        "hot",
        "Opportunity",
        True,
    )
    assert dict(panel.bant) == {
        "Budget": True,
        "Authority": False,
        "Need": True,
        "Time frame": True,
    }
    assert panel.score == "75"
    assert any(line.startswith("Rated Hot: decision within 3 months") for line in panel.explanation)
    cleared = preview_panel(
        default(),
        saved=HOT,
        raw={"timeframe_months": None, "need": None, "budget": None},
        profile={},
        disqualification="",
        now=NOW,
    )
    assert cleared.rating == "FYI"


def test_the_preview_of_invalid_answers_names_the_problems_and_rates_nothing() -> None:
    panel = preview_panel(
        default(),
        saved={},
        raw={"timeframe_months": "soon"},
        profile={},
        disqualification="",
        now=NOW,
    )
    assert panel.rating == ""
    assert panel.errors == ("Decision time frame (months): 'soon' is not a number",)


def test_a_disqualified_lead_is_previewed_without_a_rating() -> None:
    panel = preview_panel(
        default(), saved={}, raw=HOT, profile={}, disqualification="competitor", now=NOW
    )
    assert (panel.rating, panel.rating_value) == ("", "")
    assert "No rating: disqualified (competitor)" in panel.explanation


def test_the_saved_panel_reads_the_leads_qualification_columns() -> None:
    lead = Lead(
        bant_budget=True,
        bant_need=True,
        stage="lead",
        rating=Rating.A.value,
        score=40.0,
        explanation=["rating A"],
    )
    panel = panel_from_lead(lead)
    assert (panel.rating, panel.stage, panel.score, panel.preview) == ("A", "Lead", "40", False)
    assert [name for name, met in panel.bant if met] == ["Budget", "Need"]


def test_event_changes_list_what_moved_field_by_field() -> None:
    changes = event_changes(
        {"answers": {"budget": "none", "need": "identified"}, "profile": {}},
        {"answers": {"budget": "approved", "timeframe_months": 2}, "profile": {}},
    )
    assert changes == [
        Change("Budget", "none", "approved"),
        Change("Timeframe months", None, "2"),
        Change("Need", "identified", None),
    ]
    with_criteria = event_changes({}, {"answers": {"timeframe_months": 2}}, default())
    assert with_criteria == [Change("Decision time frame (months)", None, "2")]


def test_event_changes_name_profile_fields_and_stored_values_in_words() -> None:
    changes = event_changes(
        {"next_call_at": None}, {"profile": {"source_detail": "Expo"}, "status": "closed_won"}
    )
    assert changes == [
        Change("Source detail (profile)", None, "Expo"),
        Change("Status", None, "Closed won"),
    ]


def test_event_changes_name_ratings_and_statuses_and_skip_what_is_unchanged() -> None:
    changes = event_changes(
        {"rating": "fyi", "score": 0.0, "stage": "inquiry", "status": "new"},
        {"rating": "hot", "score": 75.0, "stage": "inquiry", "status": "qualifying"},
    )
    assert changes == [
        Change("Rating", "FYI", "Hot"),
        Change("Score", "0", "75"),
        Change("Status", "New", "Qualifying"),
    ]


def test_a_created_event_reads_as_what_came_in_without_empty_values() -> None:
    changes = event_changes({}, {"channel": "web", "campaign": "", "answers": {}, "rating": None})
    assert changes == [Change("Channel", None, "web")]


def test_a_history_row_is_one_sentence_of_its_kind() -> None:
    row = history_row(
        Event(
            kind="status_changed",
            action="push_back",
            from_status="in_review",
            to_status="qualifying",
            reason="no budget confirmed",
            before={"status": "in_review"},
            after={"status": "qualifying"},
        ),
        "Quinn QA",
    )
    assert (row.kind, row.kind_label, row.actor) == ("reviews", "Reviews", "Quinn QA")
    assert row.sentence == "Quinn QA pushed the lead back to qualification."
    assert row.reason == "no budget confirmed"
    assert row.changes == (Change("Status", "In review", "Qualifying"),)
    held = history_row(Event(kind="held", after={"held_until": "2026-11-02T15:00:00+00:00"}), "")
    assert (held.kind, held.actor, held.sentence) == (
        "calls",
        "LeadFlow",
        "LeadFlow opened the lead to call.",
    )
    assert held.changes == (Change("Held until", None, "2026-11-02 15:00 UTC"),)
    with timezone.override("Asia/Tokyo"):  # the viewer's zone, as the middleware activates it
        held = history_row(Event(kind="held", after={"held_until": "2026-11-02T15:00:00Z"}), "")
    assert held.changes == (Change("Held until", None, "2026-11-03 00:00 JST"),)


@pytest.mark.parametrize(
    ("event", "kind", "sentence"),
    [
        (
            Event(kind="call", after={"outcome": "no_answer", "note": "try Monday"}),
            "calls",
            "Ann called: no answer — “try Monday”.",
        ),
        (
            Event(kind="notified", after={"to": ["sales@partner.example"]}),
            "emails",
            "Ann e-mailed the lead to sales@partner.example.",
        ),
        (
            Event(kind="status_changed", action="deliver"),
            "deliveries",
            "Ann delivered the lead to the client.",
        ),
        (Event(kind="status_changed", action="claim"), "partners", "Ann claimed the lead."),
        (
            Event(
                kind="note", after={"nurture": {"event": "touch"}}, reason="Touch 1: e-mail sent"
            ),
            "nurture",
            "Ann: Touch 1: e-mail sent.",
        ),
        (
            Event(kind="note", after={"sales": {"task": 3}}, reason="Follow-up call done"),
            "tasks",
            "Ann: Follow-up call done.",
        ),
        (
            Event(kind="qualified", after={"rating": "hot"}),
            "changes",
            "Ann re-qualified the lead: now rated Hot.",
        ),
    ],
)
def test_each_kind_of_event_reads_as_a_sentence(event: Event, kind: str, sentence: str) -> None:
    row = history_row(event, "Ann")
    assert (row.kind, row.sentence) == (kind, sentence)


def test_the_timeline_is_newest_first_and_filters_by_kind() -> None:
    from leadflow.leads.workspace.selectors import timeline

    rows = [
        history_row(Event(kind="created", at=NOW), ""),
        history_row(Event(kind="call", at=NOW + timedelta(hours=2)), "Ann"),
        history_row(
            Event(kind="status_changed", action="approve", at=NOW + timedelta(hours=1)), "Quinn"
        ),
    ]
    everything = timeline(rows)
    assert [row.kind for row in everything.rows] == ["calls", "reviews", "changes"]
    assert [(k.key, k.count) for k in everything.kinds] == [
        ("calls", 1),
        ("reviews", 1),
        ("changes", 1),
    ]
    calls = timeline(rows, "calls")
    assert (calls.kind, [row.kind for row in calls.rows], calls.total) == ("calls", ["calls"], 3)
    assert timeline(rows, "no_such_kind").kind == ""


def test_the_push_back_reason_shows_while_the_latest_status_change_is_the_push_back() -> None:
    pushed = [
        Event(kind="status_changed", action="submit_for_review"),
        Event(kind="status_changed", action="push_back", reason="call the CFO"),
        Event(kind="call"),
        Event(kind="held"),
    ]
    assert push_back_reason(pushed) == "call the CFO"
    resubmitted = [*pushed, Event(kind="status_changed", action="submit_for_review")]
    assert push_back_reason(resubmitted) is None
    assert push_back_reason([Event(kind="created")]) is None
