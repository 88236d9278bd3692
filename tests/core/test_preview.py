"""Previewing a draft criteria on past leads: who would move between ratings."""

from leadflow.core.criteria import QualifyingCriteria, default_criteria
from leadflow.core.enums import DisqualificationReason, Rating
from leadflow.core.preview import (
    CHANGED_LEADS_SHOWN,
    PreviewLead,
    ScoreChange,
    criteria_preview,
)


def lead(lead_id: int, **answers: object) -> PreviewLead:
    return PreviewLead(id=lead_id, answers=answers)


def test_an_unchanged_draft_moves_nobody() -> None:
    leads = [lead(1, timeframe_months=2, need="identified"), lead(2, budget="none")]
    preview = criteria_preview(default_criteria(), default_criteria(), leads)
    assert (preview.total, preview.unchanged, preview.moved, preview.moves) == (2, 2, 0, ())


def test_a_horizon_changes_the_time_frame_flag_but_not_the_default_ratings() -> None:
    draft = default_criteria().model_copy(update={"horizon_months": 6})
    leads = [lead(1, timeframe_months=9), lead(2, timeframe_months=9), lead(3, timeframe_months=2)]
    preview = criteria_preview(default_criteria(), draft, leads)
    assert (preview.moved, preview.unchanged) == (0, 3)


def test_a_stricter_hot_rule_moves_hot_leads_to_a() -> None:
    spec = default_criteria().model_dump(mode="json")
    spec["rating_ladder"][0]["any_of"][0]["timeframe_max_months"] = 1
    draft = QualifyingCriteria.from_dict(spec)
    leads = [
        lead(1, budget="approved", need="established", timeframe_months=2),
        lead(2, budget="approved", need="established", timeframe_months=3),
        lead(3, budget="approved", need="established", timeframe_months=1),
        lead(4, need="identified", timeframe_months=12),
    ]
    preview = criteria_preview(default_criteria(), draft, leads)
    assert preview.moved == 2
    (move,) = preview.moves
    assert (move.before, move.after, move.count, move.examples) == (Rating.HOT, Rating.A, 2, (1, 2))
    assert move.label == "Hot → A"
    assert preview.before_counts[Rating.HOT] == 3
    assert preview.after_counts[Rating.HOT] == 1


def test_answers_the_draft_no_longer_accepts_are_counted_not_crashed_on() -> None:
    spec = default_criteria().model_dump(mode="json")
    spec["point_rules"] = [r for r in spec["point_rules"] if r["key"] != "need"]
    spec["questions"] = [q for q in spec["questions"] if q["key"] != "need"]
    spec["rating_ladder"] = [spec["rating_ladder"][1], spec["rating_ladder"][2]]
    draft = QualifyingCriteria.from_dict(spec)
    preview = criteria_preview(default_criteria(), draft, [lead(7, need="identified")])
    assert (preview.invalid, preview.invalid_examples[0][0]) == (1, 7)
    assert "need" in preview.invalid_examples[0][1]


def test_disqualified_leads_keep_no_rating_under_both() -> None:
    disqualified = PreviewLead(
        id=1,
        answers={"timeframe_months": 1, "need": "established"},
        disqualified=DisqualificationReason.STUDENT,
    )
    preview = criteria_preview(default_criteria(), default_criteria(), [disqualified])
    assert preview.before_counts == {None: 1}


def _with_points(label: str, points: float) -> QualifyingCriteria:
    spec = default_criteria().model_dump(mode="json")
    for rule in spec["point_rules"]:
        if rule["label"] == label:
            rule["points"] = points
    return QualifyingCriteria.from_dict(spec)


def test_a_changed_point_rule_counts_the_leads_whose_score_changes_and_by_how_much() -> None:
    draft = _with_points("budget approved", 30)
    leads = [
        lead(1, budget="approved"),
        lead(2, budget="approved", need="identified"),
        lead(3, budget="preliminary"),
    ]
    preview = criteria_preview(default_criteria(), draft, leads)
    assert preview.moved == 0
    assert preview.rescored == 2
    assert preview.score_changes == (ScoreChange(difference=5, count=2),)
    assert (preview.score_raised, preview.score_lowered) == (2, 0)
    assert [(c.id, c.before_score, c.after_score) for c in preview.changed_leads] == [
        (1, 25, 30),
        (2, 40, 45),
    ]


def test_score_changes_form_a_distribution_smallest_difference_first() -> None:
    spec = default_criteria().model_dump(mode="json")
    for rule in spec["point_rules"]:
        if rule["label"] == "budget approved":
            rule["points"] = 35
        if rule["label"] == "need identified":
            rule["points"] = 5
    draft = QualifyingCriteria.from_dict(spec)
    leads = [
        lead(1, need="identified"),
        lead(2, need="identified"),
        lead(3, budget="approved"),
        lead(4, budget="approved", need="identified"),
        lead(5, budget="none"),
    ]
    preview = criteria_preview(default_criteria(), draft, leads)
    assert preview.score_changes == (ScoreChange(-10, 2), ScoreChange(10, 1))
    assert (preview.rescored, preview.score_raised, preview.score_lowered) == (3, 1, 2)


def test_the_changed_leads_list_shows_each_before_and_after_biggest_change_first() -> None:
    spec = default_criteria().model_dump(mode="json")
    spec["rating_ladder"][0]["any_of"][0]["timeframe_max_months"] = 1
    for rule in spec["point_rules"]:
        if rule["label"] == "need established":
            rule["points"] = 35
    draft = QualifyingCriteria.from_dict(spec)
    leads = [
        lead(1, need="established", timeframe_months=2),
        lead(2, need="identified", timeframe_months=2),
        lead(3, need="established", timeframe_months=12),
        lead(4, budget="none"),
    ]
    preview = criteria_preview(default_criteria(), draft, leads)
    first, second, third = preview.changed_leads
    assert (first.id, first.rating_label, first.before_score, first.after_score) == (
        1,
        "Hot → B",
        50,
        60,
    )
    assert first.difference == 10
    assert (second.id, second.difference) == (3, 10)
    assert (third.id, third.rating_label, third.difference) == (2, "Hot → B", 0)


def test_the_changed_leads_list_is_bounded_and_keeps_the_biggest_changes() -> None:
    draft = _with_points("budget approved", 30)
    many = [lead(index, budget="preliminary") for index in range(1, 40)]
    many += [lead(100, budget="approved"), lead(101, budget="approved", need="identified")]
    preview = criteria_preview(default_criteria(), draft, many)
    assert preview.rescored == 2
    assert [changed.id for changed in preview.changed_leads] == [100, 101]
    preview = criteria_preview(
        default_criteria(), draft, [lead(index, budget="approved") for index in range(1, 40)]
    )
    assert len(preview.changed_leads) == CHANGED_LEADS_SHOWN
    assert preview.rescored == 39


def test_an_unchanged_draft_changes_no_score() -> None:
    leads = [lead(1, budget="approved", timeframe_months=2), lead(2, need="identified")]
    preview = criteria_preview(default_criteria(), default_criteria(), leads)
    assert (preview.rescored, preview.score_changes, preview.changed_leads) == (0, (), ())


def test_leads_sharing_a_key_are_counted_each_with_their_own_id() -> None:
    draft = _with_points("budget approved", 30)
    shared = {"budget": "approved"}
    leads = [PreviewLead(id=n, answers=shared, key="approved") for n in (1, 2, 3)]
    leads.append(PreviewLead(id=4, answers={"budget": "none"}, key="none"))
    preview = criteria_preview(default_criteria(), draft, leads)
    assert (preview.total, preview.rescored) == (4, 3)
    assert [changed.id for changed in preview.changed_leads] == [1, 2, 3]


def test_a_refused_answer_shared_by_a_key_is_reported_for_every_lead() -> None:
    spec = default_criteria().model_dump(mode="json")
    spec["point_rules"] = [r for r in spec["point_rules"] if r["key"] != "need"]
    spec["questions"] = [q for q in spec["questions"] if q["key"] != "need"]
    spec["rating_ladder"] = [spec["rating_ladder"][1], spec["rating_ladder"][2]]
    draft = QualifyingCriteria.from_dict(spec)
    leads = [PreviewLead(id=n, answers={"need": "identified"}, key="need") for n in (5, 6)]
    preview = criteria_preview(default_criteria(), draft, leads)
    assert (preview.invalid, [lead_id for lead_id, _ in preview.invalid_examples]) == (2, [5, 6])
