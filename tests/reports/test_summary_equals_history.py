"""The summary tables kept incrementally equal a full recomputation from the history, whatever
the history (docs/REPORTS.md, "Summary tables"; issue 16 item 8).

Hypothesis writes random histories through the real services — captures, answer changes that
re-qualify, calls, and random valid lifecycle steps — with refreshes at random points between
them. Afterwards (1) the tables equal what ``facts_rebuild`` computes from nothing, and (2) the
funnel counts equal a count made straight from ``LeadEvent`` with independent queries.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import EDGES, Action, LeadStatus, allowed_actions
from leadflow.core.reports import FUNNEL_STEPS, Period
from leadflow.leads.models import CallOutcome, Lead, LeadEvent
from leadflow.leads.services import lead_transition
from leadflow.leads.services.calls import call_record
from leadflow.leads.services.qualify import lead_update_answers
from leadflow.programs.models import Program
from leadflow.reports.models import (
    ROLLUPS,
    EnrollmentFact,
    LeadFact,
    RatingMark,
    ReviewDecision,
    StatusSpan,
    TouchFact,
)
from leadflow.reports.selectors.funnel import funnel
from leadflow.reports.services.refresh import facts_rebuild, facts_refresh
from tests import factories

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 12, tzinfo=UTC)
PERIOD = Period(date(2026, 3, 1), date(2026, 3, 8))
ANSWER_SETS = list(factories.ANSWERS.values())

step = st.tuples(
    st.sampled_from(["capture", "answers", "call", "act", "act", "act", "act", "act", "refresh"]),
    st.integers(0, 99),
    st.integers(0, 99),
)


#: The lifecycle's actions, the ones that move a lead towards won first.
FORWARD = [
    Action.SUBMIT_FOR_REVIEW,
    Action.APPROVE,
    Action.ASSIGN,
    Action.CLAIM,
    Action.RECORD_CONTACT,
    Action.CLOSE_WON,
    Action.DELIVER,
    Action.REQUALIFY_FROM_NURTURE,
    Action.START_QUALIFYING,
    Action.PUSH_BACK,
    Action.RETURN_TO_REVIEW,
    Action.REOPEN,
    Action.UNASSIGN,
    Action.CLOSE_LOST,
    Action.NURTURE,
    Action.DEAD_FILE,
    Action.DISQUALIFY,
]


class Stop(Exception):
    """Roll one example back."""


def _snapshot() -> dict[str, Any]:
    def rows(model: Any, order: tuple[str, ...]) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in row.items() if k != "id"}
            for row in model.objects.order_by(*order).values()
        ]

    return {
        "facts": rows(LeadFact, ("lead_id",)),
        "decisions": rows(ReviewDecision, ("event_id",)),
        "spans": rows(StatusSpan, ("lead_id", "entered_at", "status")),
        "marks": rows(RatingMark, ("lead_id", "criteria_version")),
        # The rollups have no natural order: compare them as sorted rows.
        **{
            model.__name__: sorted(
                (
                    tuple(sorted((k, str(v)) for k, v in row.items() if k != "id"))
                    for row in model.objects.values()
                ),
            )
            for model in (*ROLLUPS, TouchFact, EnrollmentFact)
        },
    }


def _history_counts(program: Program) -> dict[str, int]:
    """The cumulative funnel counted straight from the history, without the summary tables."""
    start, end = PERIOD.bounds(program.client.timezone)
    events = LeadEvent.objects.filter(lead=OuterRef("pk"))
    stage_at_least = {
        "lead": ["lead", "opportunity", "qualified_opportunity"],
        "opportunity": ["opportunity", "qualified_opportunity"],
        "qualified_opportunity": ["qualified_opportunity"],
    }
    status_of = {
        "approved": ["approved"],
        "handed_off": ["delivered", "assigned"],
        "won": ["closed_won"],
    }

    def reached(name: str) -> Q:
        if name in stage_at_least:
            return Q(
                Exists(
                    events.filter(
                        kind__in=["created", "qualified"], after__stage__in=stage_at_least[name]
                    )
                )
            )
        return Q(Exists(events.filter(kind="status_changed", to_status__in=status_of[name])))

    cohort = Lead.objects.filter(program=program, created_at__gte=start, created_at__lt=end)
    counts = {"inquiry": cohort.count()}
    steps = list(FUNNEL_STEPS[1:])
    for index, name in enumerate(steps):
        condition = Q()
        for later in steps[index:]:
            condition |= reached(later)
        counts[name] = cohort.filter(condition).count()
    return counts


def _act(lead: Lead, pick: int, actor: User, now: datetime) -> None:
    status = LeadStatus(Lead.objects.get(pk=lead.pk).status)
    actions = sorted(allowed_actions(status), key=FORWARD.index)
    if not actions:
        return
    # Half the picks take the most forward step, so histories reach hand-off and won.
    index = pick % (2 * len(actions))
    action = actions[index] if index < len(actions) else actions[0]
    reason = "a reason" if EDGES[action].requires_reason else ""
    fields = {"disqualification": "wrong_fit"} if action == Action.DISQUALIFY else None
    lead_transition(lead=lead, action=action, actor=actor, now=now, reason=reason, fields=fields)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=20, max_size=40))
def test_incremental_tables_equal_a_rebuild_and_the_history(
    steps: list[tuple[str, int, int]], program: Program, make_user: Any
) -> None:
    try:
        with transaction.atomic():
            qualifier = make_user(Role.QUALIFIER, programs=(program,))
            leads: list[Lead] = []
            now = START
            for kind, first, second in steps:
                now += timedelta(hours=7)
                if kind == "capture" or not leads:
                    leads.append(
                        factories.lead(
                            program=program,
                            answers=ANSWER_SETS[first % len(ANSWER_SETS)],
                            at=START + timedelta(days=second % 10),
                            **factories.numbered_contact(len(leads)),
                        )
                    )
                elif kind == "refresh":
                    facts_refresh(chunk=2)
                else:
                    lead = leads[first % min(len(leads), 3)]
                    if kind == "answers":
                        lead_update_answers(
                            lead=lead,
                            answers=ANSWER_SETS[second % len(ANSWER_SETS)],
                            actor=qualifier,
                            now=now,
                        )
                    elif kind == "call":
                        outcome = [CallOutcome.CONNECTED, CallOutcome.NO_ANSWER][second % 2]
                        call_record(lead=lead, caller=qualifier, outcome=outcome, note="", now=now)
                    else:
                        _act(lead, second, qualifier, now)
            facts_refresh(chunk=3)
            incremental = _snapshot()
            counts = {
                row["step"]: row["count"] for row in funnel(programs=[program], period=PERIOD).rows
            }
            facts_rebuild()
            assert _snapshot() == incremental
            assert counts == _history_counts(program)
            raise Stop
    except Stop:
        pass
