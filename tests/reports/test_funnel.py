"""The funnel against a hand-computed history (docs/REPORTS.md, "Funnel").

Program ``acme-demand`` (client in New York time), April 2026 in New York:

| lead | captured (UTC) | New York day | answers | what happened                              |
|------|----------------|--------------|---------|--------------------------------------------|
| L1   | 04-01 04:30    | 1 April      | Hot     | submitted, approved, delivered             |
| L2   | 04-01 03:30    | 31 March     | Hot     | approved (outside: March in New York)      |
| L3   | 04-15 15:00    | 15 April     | A       | submitted, pushed back, submitted,         |
|      |                |              |         | approved, assigned, claimed, contacted, won |
| L4   | 05-01 03:00    | 30 April     | C       | nothing                                    |
| L5   | 05-01 04:30    | 1 May        | FYI     | nothing (outside: May in New York)         |
| L6   | 04-10 12:00    | (another program) | Hot | approved                                   |

Stages: Hot answers meet all four BANT facts (qualified opportunity), A two (lead), C none.
The funnel is cumulative, so L3 (stage lead, but approved and won) counts at every step.

    inquiry 3 (L1 L3 L4) · lead 2 · opportunity 2 · qualified 2 · approved 2 · handed off 2 ·
    won 1 (L3)
"""

from datetime import UTC, date, datetime

import pytest

from leadflow.core.lifecycle import Action
from leadflow.core.reports import Period
from leadflow.leads.services import lead_transition
from leadflow.programs.models import Program
from leadflow.reports.selectors.funnel import funnel
from leadflow.reports.services.refresh import facts_pending, facts_rebuild, facts_refresh
from tests import factories
from tests.factories import STEPS_TO

pytestmark = pytest.mark.django_db

APRIL = Period(date(2026, 4, 1), date(2026, 5, 1))
WON = (
    Action.SUBMIT_FOR_REVIEW,
    Action.PUSH_BACK,
    Action.SUBMIT_FOR_REVIEW,
    Action.APPROVE,
    Action.ASSIGN,
    Action.CLAIM,
    Action.RECORD_CONTACT,
    Action.CLOSE_WON,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def walk(lead, actions, when):  # type: ignore[no-untyped-def]
    for action in actions:
        reason = "Budget not confirmed" if action == Action.PUSH_BACK else ""
        lead = lead_transition(lead=lead, action=action, actor=None, now=when, reason=reason)
    return lead


@pytest.fixture
def history(program: Program, other_program: Program) -> None:
    def make(rating: str, captured: str, **fields: object):  # type: ignore[no-untyped-def]
        return factories.lead(
            program=fields.pop("within", program),  # type: ignore[arg-type]
            answers=factories.ANSWERS[rating],
            at=at(captured),
            **fields,
        )

    l1 = make("hot", "2026-04-01T04:30", email="l1@example.com")
    walk(l1, STEPS_TO["delivered"], at("2026-04-02T10:00"))
    l2 = make("hot", "2026-04-01T03:30", email="l2@example.com")
    walk(l2, STEPS_TO["approved"], at("2026-04-02T10:00"))
    l3 = make("a", "2026-04-15T15:00", email="l3@example.com")
    walk(l3, WON, at("2026-04-20T10:00"))
    make("c", "2026-05-01T03:00", email="l4@example.com")
    make("fyi", "2026-05-01T04:30", email="l5@example.com")
    l6 = make("hot", "2026-04-10T12:00", email="l6@example.com", within=other_program)
    walk(l6, STEPS_TO["approved"], at("2026-04-11T10:00"))
    facts_refresh()


def steps(report) -> dict[str, tuple[int, float | None]]:  # type: ignore[no-untyped-def]
    return {row["step"]: (row["count"], row["conversion"]) for row in report.rows}


def test_the_funnel_counts_the_cohort_of_the_clients_days(history: None, program: Program):
    report = funnel(programs=[program], period=APRIL)
    assert steps(report) == {
        "inquiry": (3, None),
        "lead": (2, 2 / 3),
        "opportunity": (2, 1.0),
        "qualified_opportunity": (2, 1.0),
        "approved": (2, 1.0),
        "handed_off": (2, 1.0),
        "won": (1, 0.5),
    }
    assert report.totals["inquiry"] == 3
    assert report.totals["won"] == 1


def test_march_in_new_york_holds_the_lead_captured_on_the_first_of_april_utc(
    history: None, program: Program
):
    march = funnel(programs=[program], period=Period(date(2026, 3, 1), date(2026, 4, 1)))
    assert steps(march)["inquiry"] == (1, None)
    assert steps(march)["approved"] == (1, 1.0)


def test_by_rating_breaks_the_same_cohort_down(history: None, program: Program):
    report = funnel(programs=[program], period=APRIL, by="rating")
    table = {(row["rating"], row["step"]): row["count"] for row in report.rows}
    assert table[("hot", "inquiry")] == 1
    assert table[("hot", "handed_off")] == 1
    assert table[("hot", "won")] == 0
    assert table[("a", "lead")] == 1
    assert table[("a", "won")] == 1
    assert table[("c", "inquiry")] == 1
    assert table[("c", "lead")] == 0
    assert {row["rating_label"] for row in report.rows} == {"Hot", "A", "C"}


def test_both_programs_of_the_scope_add_up(history: None, program: Program, other_program: Program):
    report = funnel(programs=[program, other_program], period=APRIL)
    assert steps(report)["inquiry"][0] == 4
    assert steps(report)["approved"][0] == 3


def test_new_history_waits_in_the_list_until_a_refresh_and_a_rebuild_changes_nothing(
    history: None, program: Program
):
    assert facts_pending() == 0
    factories.lead(program=program, at=at("2026-04-05T12:00"), email="late@example.com")
    assert facts_pending() == 1
    assert steps(funnel(programs=[program], period=APRIL))["inquiry"][0] == 3
    assert facts_refresh() == 1
    before = funnel(programs=[program], period=APRIL).rows
    assert steps(funnel(programs=[program], period=APRIL))["inquiry"][0] == 4
    facts_rebuild()
    assert funnel(programs=[program], period=APRIL).rows == before
