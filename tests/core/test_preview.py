"""Previewing a draft criteria on past leads: who would move between ratings."""

from leadflow.core.criteria import QualifyingCriteria, default_criteria
from leadflow.core.enums import DisqualificationReason, Rating
from leadflow.core.preview import PreviewLead, criteria_preview


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
