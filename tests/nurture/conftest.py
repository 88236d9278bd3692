"""Fixtures of the nurture tests: a program's default sequence with the demo's touches."""

from collections.abc import Callable
from typing import Any

import pytest

from leadflow.core.lifecycle import Action
from leadflow.leads.models import Lead
from leadflow.leads.services import lead_transition
from leadflow.nurture.models import Sequence, TouchKind
from leadflow.nurture.services import sequence_create, touch_add
from leadflow.programs.models import Program
from tests.factories import NOW

C_ANSWERS = {"budget": "none", "authority": "none", "need": "identified", "timeframe_months": 12}

BODY = (
    'Hello {{ first_name|default:"there" }},\n\n'
    "{{ company }} might like our guide: https://example.com/guide?x=1.\n\n"
    "Regards, the {{ program }} team"
)


def build_sequence(
    program: Program, *, slug: str = "demo-nurture", default: bool = True
) -> Sequence:
    """An e-mail at once, a call after 3 working days, direct mail after 10, an e-mail after 20."""
    sequence = sequence_create(
        program=program, name="Keep warm", slug=slug, is_default=default, now=NOW
    )
    touch_add(
        sequence=sequence,
        kind=TouchKind.EMAIL,
        wait_days=0,
        subject="Hi {{ first_name }}",
        body_text=BODY,
        now=NOW,
    )
    touch_add(
        sequence=sequence,
        kind=TouchKind.CALL,
        wait_days=3,
        call_script="Ask about budget",
        now=NOW,
    )
    touch_add(sequence=sequence, kind=TouchKind.DIRECT_MAIL, wait_days=10, now=NOW)
    touch_add(
        sequence=sequence,
        kind=TouchKind.EMAIL,
        wait_days=20,
        subject="Still there?",
        body_text="Hi {{ first_name }}, https://example.com/later",
        now=NOW,
    )
    return sequence


@pytest.fixture
def sequence(program: Program) -> Sequence:
    return build_sequence(program)


@pytest.fixture
def nurtured(make_lead: Callable[..., Lead], program: Program) -> Callable[..., Lead]:
    """``nurtured(**contact)``: a C lead (unless ``answers`` say otherwise; None: Hot) moved
    to nurturing (its handler not run)."""

    def make(**fields: Any) -> Lead:
        answers = fields.pop("answers", C_ANSWERS)
        lead = make_lead(program, answers=answers, **fields)
        return lead_transition(lead=lead, action=Action.NURTURE, actor=None, now=NOW)

    return make
