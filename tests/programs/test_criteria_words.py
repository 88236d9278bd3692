"""The criteria pages read in plain words (issue 17, item 3): every part of a criteria version —
questions, choices, BANT mapping, rating ladder, point rules — by the questions' and choices'
labels, never a ``snake_case`` key or a ``<code>`` key, for the standard criteria and for a
program whose keys are odd."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from leadflow.accounts.models import Role, User
from leadflow.core.criteria import QualifyingCriteria, criteria_words, default_criteria
from leadflow.programs.models import Program
from leadflow.programs.services import criteria_draft_save, criteria_publish
from tests.leads.test_plain_words import jargon, visible_text

#: A program's own criteria whose keys read as nothing a person would say.
ODD = {
    "name": "Field sales script",
    "questions": [
        {
            "key": "q_auth_lvl",
            "label": "Role in the purchase",
            "type": "choice",
            "bant": "authority",
            "required": True,
            "choices": [
                {"value": "dm_yes", "label": "Signs the contract", "bant_value": "decision_maker"},
                {"value": "infl_x", "label": "Advises", "bant_value": "influencer"},
                {"value": "no_role", "label": "Not involved", "bant_value": "none"},
            ],
        },
        {
            "key": "bdgt_state",
            "label": "Money set aside",
            "type": "choice",
            "bant": "budget",
            "choices": [
                {"value": "bud_ok", "label": "Signed off", "bant_value": "approved"},
                {"value": "bud_rough", "label": "Rough figure", "bant_value": "preliminary"},
                {"value": "bud_none", "label": "Nothing yet", "bant_value": "none"},
            ],
        },
        {
            "key": "need_lvl",
            "label": "Urgency of the need",
            "type": "choice",
            "bant": "need",
            "choices": [
                {"value": "need_now", "label": "Needs it now", "bant_value": "established"},
                {"value": "need_seen", "label": "Sees a need", "bant_value": "identified"},
            ],
        },
        {
            "key": "tf_mo",
            "label": "Months to decide",
            "type": "number",
            "bant": "timeframe",
            "min_value": 0,
            "max_value": 36,
        },
        {"key": "hq_region", "label": "Head office region", "type": "text"},
    ],
    "authority_met": ["decision_maker", "influencer"],
    "horizon_months": 12,
    "rating_ladder": [
        {"rating": "hot", "any_of": [{"timeframe_max_months": 3, "need_in": ["established"]}]},
        {"rating": "b", "any_of": [{"authority_in": ["decision_maker"]}]},
    ],
    "point_rules": [
        {
            "label": "signer",
            "source": "answer",
            "key": "q_auth_lvl",
            "equals": "dm_yes",
            "points": 30,
        },
        {
            "label": "some budget",
            "source": "answer",
            "key": "bdgt_state",
            "one_of": ["bud_ok", "bud_rough"],
            "points": 10,
        },
        {
            "label": "soon",
            "source": "answer",
            "key": "tf_mo",
            "min_value": 1,
            "min_exclusive": True,
            "max_value": 6,
            "points": 15,
        },
        {"label": "region given", "source": "answer", "key": "hq_region", "points": 2},
        {
            "label": "large company",
            "source": "profile",
            "key": "employee_count",
            "min_value": 250,
            "points": 20,
        },
        {"label": "webinar", "source": "engagement", "key": "webinar_attended", "points": 5},
    ],
    "engagement_half_life_days": None,
}
ODD_KEYS = ["q_auth_lvl", "dm_yes", "bdgt_state", "bud_ok", "tf_mo", "hq_region", "employee_count"]


@pytest.fixture(autouse=True)
def plain_http_client(settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def signed_in(client: Client, program: Program, make_user: Callable[..., User]) -> Client:
    client.force_login(make_user(Role.MANAGER, clients=(program.client,)))
    return client


def odd() -> QualifyingCriteria:
    return QualifyingCriteria.from_dict(ODD)


def criteria_text(html: str) -> str:
    """What a person reads of the criteria sections (the version page's closed "As YAML" is
    the file, for whoever needs it, and is left out)."""
    start = html.index('id="questions-heading"')
    end = html.index("Engagement points", start)
    return visible_text(html[start:end])


def test_the_standard_criteria_read_in_plain_words(signed_in: Client, program: Program) -> None:
    html = signed_in.get(f"/programs/{program.slug}/").content.decode()
    text = criteria_text(html)
    assert "<code>" not in html
    assert jargon(text) == []
    assert "Authority: met when the answer is Decision maker" in text
    assert "Budget: met when the answer is Preliminary or Approved" in text
    assert "Time frame: met when “Decision time frame (months)” is answered (no horizon)" in text
    assert "Budget approved: +25 points when the answer to “Budget” is Approved" in text
    assert "Email click: +5 points for each email click" in text
    assert "decision within 3 months and need identified or established" in text
    assert "Number question, for the time frame criterion (at least 0)" in text
    assert "Engagement points halve every 30 days." in html


def test_a_program_with_odd_keys_reads_by_its_labels(
    signed_in: Client, program: Program, now: Any
) -> None:
    criteria_publish(program=program, criteria=odd(), actor=None, now=now)
    for url in (f"/programs/{program.slug}/", f"/programs/{program.slug}/criteria/versions/2/"):
        html = signed_in.get(url).content.decode()
        text = criteria_text(html)
        assert "<code>" not in html
        assert jargon(text) == [], url
        for key in ODD_KEYS:
            assert key not in text, (url, key)
        assert (
            "Authority: met when the answer to “Role in the purchase” is Signs the contract "
            "or Advises" in text
        )
        assert "Need: met when the answer to “Urgency of the need” is Needs it now" in text
        assert "Time frame: met when “Months to decide” is answered with at most 12 months" in text
        assert "Signs the contract (counts as decision maker)" in text
        assert "Choice question, required, for the authority criterion" in text
        assert "Number question, for the time frame criterion (at least 0, at most 36)" in text
        assert (
            "Signer: +30 points when the answer to “Role in the purchase” is Signs the contract"
            in text
        )
        assert (
            "Some budget: +10 points when the answer to “Money set aside” is Signed off or "
            "Rough figure" in text
        )
        assert (
            "Soon: +15 points when the answer to “Months to decide” is more than 1 and at most 6"
            in text
        )
        assert "Region given: +2 points when the answer to “Head office region” is given" in text
        assert "Large company: +20 points when the profile's employee count is at least 250" in text
        assert "Webinar: +5 points for each webinar attended" in text
        assert "Engagement points never fade." in html


def test_the_diff_says_a_bant_and_a_match_change_in_the_same_words(
    signed_in: Client, program: Program, now: Any
) -> None:
    criteria_publish(program=program, criteria=odd(), actor=None, now=now)
    data = odd().model_dump(mode="json")
    data["authority_met"] = ["decision_maker"]
    data["engagement_half_life_days"] = 10
    data["point_rules"][0]["equals"] = "infl_x"
    criteria_publish(
        program=program, criteria=QualifyingCriteria.from_dict(data), actor=None, now=now
    )
    html = signed_in.get(f"/programs/{program.slug}/criteria/diff?from=2&to=3").content.decode()
    text = visible_text(html[html.index('id="summary-heading"') :])
    assert jargon(text) == []
    assert "Engagement points now halve every 10 days (before: never fade)." in text
    assert (
        "Authority: now met when the answer to “Role in the purchase” is Signs the contract "
        "(was when the answer to “Role in the purchase” is Signs the contract or Advises)." in text
    )
    assert (
        "Signer: now when the answer to “Role in the purchase” is Advises (was when the answer "
        "to “Role in the purchase” is Signs the contract)." in text
    )


def test_the_editor_names_a_question_by_its_label_and_keeps_its_key_to_type(
    signed_in: Client, program: Program, now: Any
) -> None:
    criteria_draft_save(program=program, criteria=odd(), actor=None, now=now)
    html = signed_in.get(f"/programs/{program.slug}/criteria/edit?open=questions").content.decode()
    assert "<legend>Question 1: Role in the purchase</legend>" in html
    assert 'name="questions-0-key"' in html
    assert 'value="q_auth_lvl"' in html


def test_every_part_of_the_standard_criteria_has_its_sentence() -> None:
    words = criteria_words(default_criteria())
    assert len(words.questions) == len(default_criteria().questions)
    assert len(words.bant) == 4
    assert [rating for rating, _ in words.ladder] == ["Hot", "A", "B", "C"]
    assert len(words.point_rules) == len(default_criteria().point_rules)
    every = [
        *(f"{q.label} {q.kind} {q.public_question} {' '.join(q.choices)}" for q in words.questions),
        *words.bant,
        *(text for _, text in words.ladder),
        *words.point_rules,
    ]
    assert jargon(" ".join(every)) == []
