"""The QA review checks: which leads "approve all that pass" may approve, and why the others
are reviewed one by one; and who may not review a lead."""

import pytest

from leadflow.core.criteria import QualifyingCriteria, Question, QuestionType, default_criteria
from leadflow.core.enums import Rating
from leadflow.core.review import ReviewFacts, review_check, review_conflict

CRITERIA = default_criteria()
PASSING = ReviewFacts(
    rating=Rating.HOT,
    disqualified=False,
    answers={"budget": "approved", "need": "established", "timeframe_months": 2},
    email="ada@example.com",
    phone="",
    submitted=True,
    connected_call=True,
    criteria_version=1,
)


def _with_required(*keys: str) -> QualifyingCriteria:
    questions = [
        question.model_copy(update={"required": question.key in keys})
        for question in CRITERIA.questions
    ]
    return CRITERIA.model_copy(update={"questions": questions})


def _replace(**changes: object) -> ReviewFacts:
    values = {name: getattr(PASSING, name) for name in ReviewFacts.__slots__}
    values.update(changes)
    return ReviewFacts(**values)  # type: ignore[arg-type]


def test_a_complete_hot_lead_passes() -> None:
    check = review_check(PASSING, criteria=CRITERIA, current_version=1)
    assert check.passes
    assert check.problems == ()


@pytest.mark.parametrize("rating", [Rating.HOT, Rating.A, Rating.B, Rating.C])
def test_every_rating_from_hot_to_c_may_pass(rating: Rating) -> None:
    assert review_check(_replace(rating=rating), criteria=CRITERIA, current_version=1).passes


def test_an_fyi_lead_is_reviewed_one_by_one() -> None:
    check = review_check(_replace(rating=Rating.FYI), criteria=CRITERIA, current_version=1)
    assert check.problems == ("rated FYI: nothing qualifies it yet",)


def test_a_disqualified_lead_has_no_rating_and_does_not_pass() -> None:
    facts = _replace(rating=None, disqualified=True)
    check = review_check(facts, criteria=CRITERIA, current_version=1)
    assert check.problems == ("no rating: the lead is disqualified",)


def test_a_lead_qualified_with_an_older_criteria_version_does_not_pass() -> None:
    check = review_check(PASSING, criteria=CRITERIA, current_version=2)
    assert check.problems == ("qualified with criteria version 1; the program now uses version 2",)


def test_a_lead_never_qualified_does_not_pass() -> None:
    check = review_check(_replace(criteria_version=None), criteria=CRITERIA, current_version=1)
    assert check.problems == ("never qualified with the program's criteria",)


def test_unanswered_required_questions_are_named_by_their_labels() -> None:
    criteria = _with_required("budget", "authority", "need")
    check = review_check(PASSING, criteria=criteria, current_version=1)
    assert check.problems == ("required question unanswered: Authority",)
    facts = _replace(answers={"budget": "", "timeframe_months": 2})
    check = review_check(facts, criteria=criteria, current_version=1)
    assert check.problems == ("required questions unanswered: Budget, Authority, Need",)


def test_questions_that_are_not_required_may_stay_unanswered() -> None:
    facts = _replace(answers={"timeframe_months": 2})
    assert review_check(facts, criteria=CRITERIA, current_version=1).passes


def test_a_zero_is_an_answer() -> None:
    criteria = CRITERIA.model_copy(
        update={
            "questions": [
                *CRITERIA.questions,
                Question(key="seats", label="Seats", type=QuestionType.NUMBER, required=True),
            ]
        }
    )
    facts = _replace(answers={**PASSING.answers, "seats": 0})
    assert review_check(facts, criteria=criteria, current_version=1).passes


@pytest.mark.parametrize(("email", "phone", "passes"), [
    ("ada@example.com", "", True),
    ("", "+442071234567", True),
    ("", "", False),
    ("  ", " ", False),
])  # fmt: skip
def test_the_contact_must_be_reachable_by_email_or_phone(
    email: str, phone: str, passes: bool
) -> None:
    check = review_check(_replace(email=email, phone=phone), criteria=CRITERIA, current_version=1)
    assert check.passes is passes
    if not passes:
        assert check.problems == ("no e-mail or phone to reach the contact",)


def test_a_lead_not_submitted_by_a_qualifier_does_not_pass() -> None:
    check = review_check(_replace(submitted=False), criteria=CRITERIA, current_version=1)
    assert check.problems == ("not submitted by a qualifier from the workspace",)


def test_a_lead_without_a_connected_call_does_not_pass() -> None:
    check = review_check(_replace(connected_call=False), criteria=CRITERIA, current_version=1)
    assert check.problems == ("no connected call logged: the answers were not confirmed on a call",)


def test_every_problem_is_reported_in_the_order_of_the_rules() -> None:
    facts = ReviewFacts(
        rating=Rating.FYI,
        disqualified=False,
        answers={},
        email="",
        phone="",
        submitted=False,
        connected_call=False,
        criteria_version=1,
    )
    check = review_check(facts, criteria=_with_required("need"), current_version=3)
    assert not check.passes
    assert check.problems == (
        "rated FYI: nothing qualifies it yet",
        "qualified with criteria version 1; the program now uses version 3",
        "required question unanswered: Need",
        "no e-mail or phone to reach the contact",
        "not submitted by a qualifier from the workspace",
        "no connected call logged: the answers were not confirmed on a call",
    )


def test_a_reviewer_may_not_review_a_lead_they_submitted() -> None:
    assert review_conflict(reviewer_id=7, owner_id=None, submitted_by_id=7) == (
        "you submitted this lead; another reviewer must review it"
    )


def test_a_reviewer_may_not_review_a_lead_they_own() -> None:
    assert review_conflict(reviewer_id=7, owner_id=7, submitted_by_id=3) == (
        "you own this lead; another reviewer must review it"
    )


def test_another_persons_lead_has_no_conflict() -> None:
    assert review_conflict(reviewer_id=7, owner_id=3, submitted_by_id=3) is None
    assert review_conflict(reviewer_id=7, owner_id=None, submitted_by_id=None) is None
