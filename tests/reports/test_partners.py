"""Partners against a hand-computed history (docs/REPORTS.md, "Partners").

Program ``acme-partners`` (partner routing, client in New York time); partners Quick
(platinum, so routing offers it every lead first) and Slow (gold), both covering the US.
November 2026 in New York; the leads are captured on Monday 2 November 14:30 UTC:

| lead | place | what happened                                                                 |
|------|-------|-------------------------------------------------------------------------------|
| L1   | US-CA | Quick: claimed, contacted, won (each within its clock)                         |
| L2   | US-NY | Quick: claimed, contacted, lost (price)                                        |
| L3   | US-CA | Quick declines it; Slow gets it, never claims it: the sweep records a claim    |
|      |       | violation (Quick held it before, so it waits in the routing queue)             |
| L4   | US-CA | captured 30 October: Quick wins it (outside the period)                        |

    Quick: assigned 3, claimed / contact / follow-up on time 2 each, violations 0, declined 1,
           won 1, lost 1, conversion 1/3
    Slow:  assigned 1, nothing on time, violations 1, declined 0, won 0, conversion 0
    by territory: Quick US-CA 2 (won 1, declined 1), Quick US-NY 1 (lost 1), Slow US-CA 1
    (violation 1)
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from leadflow.core.reports import Period
from leadflow.leads.models import Lead
from leadflow.partners.models import Assignment, Partner
from leadflow.partners.services import (
    lead_claim,
    lead_contact_record,
    lead_decline,
    lead_outcome_record,
    leads_route,
    sla_sweep,
)
from leadflow.programs.models import Program
from leadflow.reports.models import PartnerDay
from leadflow.reports.selectors.partners import partners
from leadflow.reports.services.refresh import facts_rebuild, facts_refresh
from leadflow.reports.services.run import report_run
from tests.factories import NOW, Team, member
from tests.partners.conftest import make_approved, make_partner, partner_program

#: The partner tests' fixtures, used here as they are.
__all__ = ["make_approved", "make_partner", "partner_program"]

pytestmark = pytest.mark.django_db

NOVEMBER = Period(date(2026, 11, 1), date(2026, 12, 1))
FIGURES = ("assignments", "claimed_on_time", "contact_on_time", "followup_on_time",
           "violations", "declines", "won", "lost", "conversion")  # fmt: skip
HOUR = timedelta(hours=1)


def worked(partner: Partner, lead: Lead, outcome: str, when: datetime) -> None:
    """The partner claims the lead, records a first contact and the outcome, an hour apart."""
    user = member(partner)
    lead_claim(lead_id=lead.pk, user=user, now=when + HOUR)
    lead_contact_record(
        lead_id=lead.pk, user=user, channel="phone", at=when + HOUR, note="", now=when + 2 * HOUR
    )
    reason = "price" if outcome == "lost" else ""
    lead_outcome_record(
        lead_id=lead.pk, user=user, outcome=outcome, reason=reason, note="", now=when + 3 * HOUR
    )


@pytest.fixture
def history(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> tuple[Partner, Partner]:
    quick = make_partner("Quick", program_level="platinum")
    slow = make_partner("Slow", program_level="gold")
    october = datetime(2026, 10, 30, 14, 0, tzinfo=UTC)
    l4 = make_approved(partner_program, "a", email="l4@example.com", captured=october)
    leads_route(lead_ids=[l4.pk], now=october)
    worked(quick, l4, "won", october)
    l1 = make_approved(partner_program, "a", email="l1@example.com")
    l2 = make_approved(partner_program, "a", email="l2@example.com", subdivision="NY")
    l3 = make_approved(partner_program, "b", email="l3@example.com")
    routed = leads_route(lead_ids=[l1.pk, l2.pk, l3.pk], now=NOW)
    assert {result.partner_id for result in routed} == {quick.pk}
    worked(quick, l1, "won", NOW)
    worked(quick, l2, "lost", NOW)
    lead_decline(lead_id=l3.pk, user=member(quick), reason="no_capacity", note="", now=NOW + HOUR)
    held = Assignment.objects.get(lead=l3, partner=slow)
    assert sla_sweep(now=held.claim_due + timedelta(minutes=1)).violations == 1
    facts_refresh()
    return quick, slow


def table(report) -> dict[str, tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return {row["partner_label"]: tuple(row[key] for key in FIGURES) for row in report.rows}


QUICK = (3, 2, 2, 2, 0, 1, 1, 1, 1 / 3)
SLOW = (1, 0, 0, 0, 1, 0, 0, 0, 0.0)


def test_each_partners_sla_record_and_conversion(
    history: tuple[Partner, Partner], partner_program: Program
) -> None:
    report = partners(programs=[partner_program], period=NOVEMBER)
    assert table(report) == {"Quick": QUICK, "Slow": SLOW}
    assert report.totals["assignments"] == 4
    assert report.totals["violations"] == 1
    assert report.totals["conversion"] == 0.25


def test_october_holds_only_the_lead_captured_then(
    history: tuple[Partner, Partner], partner_program: Program
) -> None:
    report = partners(
        programs=[partner_program], period=Period(date(2026, 10, 1), date(2026, 11, 1))
    )
    assert table(report) == {
        "Quick": (1, 1, 1, 1, 0, 0, 1, 0, 1.0),
        "Slow": (0, 0, 0, 0, 0, 0, 0, 0, None),
    }


def test_by_territory_splits_each_partner_by_the_leads_place(
    history: tuple[Partner, Partner], partner_program: Program
) -> None:
    report = partners(programs=[partner_program], period=NOVEMBER, by="territory")
    found = {
        (row["partner_label"], row["territory"]): (row["assignments"], row["won"], row["lost"],
                                                   row["declines"], row["violations"])
        for row in report.rows
    }  # fmt: skip
    assert found == {
        ("Quick", "US-CA"): (2, 1, 0, 1, 0),
        ("Quick", "US-NY"): (1, 0, 1, 0, 0),
        ("Slow", "US-CA"): (1, 0, 0, 0, 1),
    }
    default = partners(programs=[partner_program], period=NOVEMBER)
    assert default.sections["By partner and territory"].rows == report.rows


def test_a_partners_user_sees_only_its_own_partners_record(
    history: tuple[Partner, Partner], partner_program: Program
) -> None:
    quick, slow = history
    for partner, expected in ((quick, QUICK), (slow, SLOW)):
        ran = report_run(user=member(partner), name="partners", program_slug=None,
                         start="2026-11-01", end="2026-12-01", today=date(2026, 12, 2))  # fmt: skip
        assert table(ran.report) == {partner.name: expected}
        assert ran.report.totals["assignments"] == expected[0]
        territories = ran.report.sections["By partner and territory"].rows
        assert {row["partner_label"] for row in territories} == {partner.name}


def test_a_client_contact_reads_no_partners_report(team: Team) -> None:
    with pytest.raises(Program.DoesNotExist):
        report_run(user=team.client_contact, name="partners", program_slug=None,
                   start=None, end=None, today=date(2026, 12, 2))  # fmt: skip


def test_the_record_follows_each_step_at_the_next_refresh(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    """The rollup is recomputed for the lead's day whenever its assignment changes (each
    change comes with an entry in the lead's history)."""
    quick = make_partner("Quick", program_level="platinum")
    lead = make_approved(partner_program, "a", email="step@example.com")
    leads_route(lead_ids=[lead.pk], now=NOW)
    facts_refresh()
    figures = ("assignments", "claimed_on_time", "contact_on_time", "won")
    assert tuple(
        partners(programs=[partner_program], period=NOVEMBER).totals[key] for key in figures
    ) == (1, 0, 0, 0)
    user = member(quick)
    lead_claim(lead_id=lead.pk, user=user, now=NOW + HOUR)
    facts_refresh()
    assert tuple(
        partners(programs=[partner_program], period=NOVEMBER).totals[key] for key in figures
    ) == (1, 1, 0, 0)
    lead_contact_record(
        lead_id=lead.pk, user=user, channel="phone", at=NOW + HOUR, note="", now=NOW + 2 * HOUR
    )
    lead_outcome_record(
        lead_id=lead.pk, user=user, outcome="won", reason="", note="", now=NOW + 3 * HOUR
    )
    facts_refresh()
    assert tuple(
        partners(programs=[partner_program], period=NOVEMBER).totals[key] for key in figures
    ) == (1, 1, 1, 1)


def test_the_rollup_equals_a_rebuild(history: tuple[Partner, Partner]) -> None:
    def rows() -> list[dict[str, object]]:
        return [
            {k: v for k, v in row.items() if k != "id"}
            for row in PartnerDay.objects.order_by(
                "day", "partner_id", "country", "subdivision"
            ).values()
        ]

    kept = rows()
    assert kept
    facts_rebuild()
    assert rows() == kept
