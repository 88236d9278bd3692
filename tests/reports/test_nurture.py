"""Nurture against a hand-computed history (docs/REPORTS.md, "Nurture").

Program ``acme-demand`` (client in New York time) with the nurture tests' default sequence
"Keep warm": 1. e-mail at once, 2. call after 3 working days, 3. direct mail after 10,
4. e-mail after 20. C leads, nurtured and entered into the sequence:

| lead | entered           | what happened                                                        |
|------|-------------------|----------------------------------------------------------------------|
| N5   | 20 October        | e-mail 1 sent 20 October; replies on 2 November (answers October's   |
|      |                   | e-mail: counted for October's touches), leaves the sequence          |
| N1   | 2 November 14:30  | e-mail 1 sent; clicks its link, then replies: leaves, back to the    |
|      |                   | qualification queue (still C)                                        |
| N2   | 2 November        | e-mail 1 sent; call 2 done; its answers updated to A: re-qualified   |
|      |                   | out of nurture (approved)                                            |
| N3   | 2 November        | e-mail 1 sent; unsubscribes the next day                             |
| N4   | 2 November        | no e-mail address: e-mail 1 skipped; call 2 done                     |

November (New York):

    touch 1 e-mail: sent 3 (N1 N2 N3), skipped 1 (N4), responded 1 (N1: 1 click, 1 reply),
                    response rate 1/3
    touch 2 call:   sent 2 (N2 N4), responded 0
    touches 3, 4:   nothing
    sequence: entered 4, re-qualified 1 (N2), rate 1/4, unsubscribed 1 (N3), sent 5,
              responded 1, response rate 1/5

October: entered 1 (N5), sent 1, responded 1 (N5's reply of November), re-qualified 0.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.core.reports import Period
from leadflow.leads.models import Lead
from leadflow.leads.services import lead_transition, lead_update_answers
from leadflow.nurture.models import EngagementKind, Enrollment, Sequence, TouchSent
from leadflow.nurture.services import (
    lead_enrol,
    lead_responded,
    link_clicked,
    sent_unsubscribe,
    touches_due_process,
)
from leadflow.nurture.services.sequences import sequence_create, touch_delete
from leadflow.programs.models import Program
from leadflow.reports.models import EnrollmentFact, SequenceDay, TouchDay, TouchFact
from leadflow.reports.selectors.nurture import nurture
from leadflow.reports.services.refresh import facts_rebuild, facts_refresh
from leadflow.reports.services.run import report_run
from tests import factories
from tests.factories import NOW, Team
from tests.nurture.conftest import C_ANSWERS, sequence

#: The nurture tests' fixture, used here as it is.
__all__ = ["sequence"]

pytestmark = pytest.mark.django_db

NOVEMBER = Period(date(2026, 11, 1), date(2026, 12, 1))
OCTOBER = Period(date(2026, 10, 1), date(2026, 11, 1))
TOUCH_FIGURES = ("sent", "skipped", "responded", "clicks", "replies", "response_rate")
SEQUENCE_FIGURES = ("enrolled", "requalified", "requalification_rate", "unsubscribed", "sent",
                    "responded", "response_rate")  # fmt: skip


def first_email(lead: Lead) -> TouchSent:
    return TouchSent.objects.get(lead=lead, position=0)


@pytest.fixture
def history(program: Program, sequence: Sequence) -> dict[str, Lead]:
    def enrolled(name: str, when: datetime, **contact: Any) -> Lead:
        contact.setdefault("email", f"{name}@example.com")
        lead = factories.lead(
            program=program, answers=C_ANSWERS, at=when, first_name=name, last_name="Nurtured",
            company=f"{name} Inc", **contact,
        )  # fmt: skip
        lead = lead_transition(lead=lead, action=Action.NURTURE, actor=None, now=when)
        lead_enrol(lead=lead, sequence=sequence, actor=None, now=when)
        return lead

    october = datetime(2026, 10, 20, 14, 0, tzinfo=UTC)
    n5 = enrolled("n5", october)
    touches_due_process(now=october)
    lead_responded(lead=n5, actor=None, now=NOW, kind=EngagementKind.REPLY)
    leads = {
        "n1": enrolled("n1", NOW),
        "n2": enrolled("n2", NOW, phone="+12125550102"),
        "n3": enrolled("n3", NOW),
        "n4": enrolled("n4", NOW, email="", phone="+12125550104"),
    }
    touches_due_process(now=NOW)
    link_clicked(sent=first_email(leads["n1"]), index=0, now=NOW + timedelta(hours=1))
    lead_responded(
        lead=leads["n1"], actor=None, now=NOW + timedelta(hours=2), kind=EngagementKind.REPLY
    )
    sent_unsubscribe(sent=first_email(leads["n3"]), now=NOW + timedelta(days=1))
    call_due = Enrollment.objects.get(lead=leads["n2"]).next_touch_at
    assert call_due is not None
    touches_due_process(now=call_due)
    assert TouchSent.objects.filter(position=1, skipped="").count() == 2
    n2 = lead_update_answers(
        lead=Lead.objects.get(pk=leads["n2"].pk),
        answers=factories.A,
        actor=None,
        now=call_due + timedelta(hours=1),
    )
    assert n2.status == LeadStatus.APPROVED
    facts_refresh()
    return leads


def touches(report) -> dict[str, tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return {row["touch_label"]: tuple(row[key] for key in TOUCH_FIGURES) for row in report.rows}


def test_each_touch_of_the_period_with_its_responses(
    history: dict[str, Lead], program: Program
) -> None:
    report = nurture(programs=[program], period=NOVEMBER)
    assert touches(report) == {
        "1. E-mail": (3, 1, 1, 1, 1, 1 / 3),
        "2. Telesales call": (2, 0, 0, 0, 0, 0.0),
        "3. Direct mail": (0, 0, 0, 0, 0, None),
        "4. E-mail": (0, 0, 0, 0, 0, None),
    }


def test_the_sequence_re_qualified_one_lead_in_four_and_lost_one_to_unsubscribing(
    history: dict[str, Lead], program: Program
) -> None:
    report = nurture(programs=[program], period=NOVEMBER, by="sequence")
    [row] = report.rows
    assert tuple(row[key] for key in SEQUENCE_FIGURES) == (4, 1, 0.25, 1, 5, 1, 0.2)
    assert report.totals["requalification_rate"] == 0.25
    default = nurture(programs=[program], period=NOVEMBER)
    assert default.sections["Sequences"].rows == report.rows


def test_a_reply_in_november_answers_octobers_email(
    history: dict[str, Lead], program: Program
) -> None:
    report = nurture(programs=[program], period=OCTOBER)
    assert touches(report)["1. E-mail"] == (1, 0, 1, 0, 1, 1.0)
    [row] = report.sections["Sequences"].rows
    assert (row["enrolled"], row["requalified"], row["unsubscribed"]) == (1, 0, 0)


def test_a_marketer_reads_its_programs_nurture_a_partner_none(
    history: dict[str, Lead], team: Team, program: Program
) -> None:
    ran = report_run(user=team.marketer, name="nurture", program_slug=program.slug,
                     start="2026-11-01", end="2026-12-01", today=date(2026, 12, 2))  # fmt: skip
    assert ran.report.totals["sent"] == 5
    for user in (team.partner, team.client_contact):
        with pytest.raises(Program.DoesNotExist):
            report_run(user=user, name="nurture", program_slug=None, start=None, end=None,
                       today=date(2026, 12, 2))  # fmt: skip


def test_an_empty_program_has_its_sequences_with_nothing_counted(
    program: Program, sequence: Sequence, make_lead: Callable[..., Lead]
) -> None:
    report = nurture(programs=[program], period=NOVEMBER)
    assert [row["sent"] for row in report.rows] == [0, 0, 0, 0]
    assert report.totals["requalification_rate"] is None


def test_a_response_counts_at_the_next_refresh(history: dict[str, Lead], program: Program) -> None:
    """Each response comes with an entry in its lead's history, so the refresh refolds the
    lead's touches and the day of the touch it answers."""
    before = touches(nurture(programs=[program], period=NOVEMBER))["1. E-mail"]
    assert before[:3] == (3, 1, 1)
    link_clicked(sent=first_email(history["n3"]), index=0, now=NOW + timedelta(days=2))
    facts_refresh()
    after = touches(nurture(programs=[program], period=NOVEMBER))["1. E-mail"]
    assert after[:4] == (3, 1, 2, 2)


def test_the_nurture_rollups_equal_a_rebuild(history: dict[str, Lead]) -> None:
    def rows(model: Any) -> list[tuple[tuple[str, str], ...]]:
        return sorted(
            tuple(sorted((k, str(v)) for k, v in row.items() if k != "id"))
            for row in model.objects.values()
        )

    models = (TouchFact, EnrollmentFact, TouchDay, SequenceDay)
    kept = {model.__name__: rows(model) for model in models}
    assert all(kept.values())
    facts_rebuild()
    assert {model.__name__: rows(model) for model in models} == kept


def test_a_touch_removed_since_counts_under_touches_since_removed(
    history: dict[str, Lead], program: Program, sequence: Sequence
) -> None:
    """Removing a touch sets the summary rows' touch to none with the nurture rows' (no
    refresh needed): its figures move to "Touches since removed"."""
    call = sequence.touches.get(position=1)
    touch_delete(touch=call, now=NOW + timedelta(days=30))
    assert touches(nurture(programs=[program], period=NOVEMBER))["Touches since removed"] == (
        2, 0, 0, 0, 0, 0.0,
    )  # fmt: skip


def test_across_programs_each_sequence_is_named_with_its_program(
    history: dict[str, Lead], program: Program, other_program: Program, sequence: Sequence
) -> None:
    """Two programs' sequences are often named alike."""
    sequence_create(program=other_program, name=sequence.name, slug="alike", now=NOW)
    report = nurture(programs=[program, other_program], period=NOVEMBER, by="sequence")
    assert {row["sequence_label"] for row in report.rows} == {
        f"{program.name}: {sequence.name}",
        f"{other_program.name}: {sequence.name}",
    }
    alone = nurture(programs=[program], period=NOVEMBER, by="sequence")
    assert [row["sequence_label"] for row in alone.rows] == [sequence.name]
