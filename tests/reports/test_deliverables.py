"""Deliverables against a hand-computed history (docs/REPORTS.md, "Deliverables").

Program ``acme-demand`` (client delivery, client in New York time, UTC-4 in spring), terms:
4 valid leads a month. Times in UTC:

| lead | what happened                                                                    |
|------|----------------------------------------------------------------------------------|
| A1-3 | A leads delivered in one batch on 6 April 14:00                                  |
|      | A1 disputed and upheld, A2 disputed and rejected, A3 disputed and left open      |
| R    | A lead delivered on 20 April 14:00: the replacement of A1 (fills April's dispute) |
| H1   | Hot, captured 10 April 12:00, approved 13:00, delivered 20:00: 8 h               |
| H2   | Hot, captured 11 April 09:00, approved 10:00, delivered 12 April 22:00: 37 h     |
| H3   | Hot, captured 13 April 09:00, approved 10:00, delivered 16 April 10:00: 73 h     |
| H4   | Hot, captured 14 April 09:00, approved 10:00, not delivered                      |
| H5   | Hot, captured and approved 1 April 03:00, delivered 03:30: 31 March in New York  |
| H6   | Hot, captured 15 April, in review (never approved: not counted)                   |

Ledger (the guarantees app's): March (from the first delivery, H5): promised 4, delivered 1,
valid 1, still owed 3. April: promised 4, delivered 6 (A1-3, H1-3; R is a replacement, counted
as replaced), disputed 3 (open 1, upheld 1, rejected 1), replacements owed 1 and delivered 1,
valid 6 + 1 - 1 = 6, still owed 0.

Hot leads of April's cohort (approved ones: H1-H4): within 24 h 1 (H1), within 48 h 1 (H2),
over 48 h 1 (H3), not delivered 1 (H4); share on target 1/4. March's cohort: H5, within 24 h.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime
from itertools import count

import pytest

from leadflow.accounts.models import Role, User
from leadflow.core.guarantee import PeriodKind
from leadflow.core.reports import Period
from leadflow.delivery.services import hot_leads_deliver
from leadflow.guarantees.models import default_dispute_reasons
from leadflow.guarantees.services import (
    delivery_replacements_fill,
    dispute_decide,
    dispute_raise,
    guarantee_terms_save,
)
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from leadflow.reports.selectors.deliverables import deliverables
from leadflow.reports.services.refresh import facts_refresh
from leadflow.reports.services.run import report_run
from tests import factories
from tests.factories import STEPS_TO, Team

pytestmark = pytest.mark.django_db

APRIL = Period(date(2026, 4, 1), date(2026, 5, 1))
HOT_TABLE = "Hot leads: time from capture to delivery"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def history(program: Program, team: Team) -> dict[str, Lead]:
    numbers = count(1)

    def make(rating: str, captured: str) -> Lead:
        contact = factories.numbered_contact(next(numbers))
        return factories.lead(
            program=program, answers=factories.ANSWERS[rating], at=at(captured), **contact
        )

    guarantee_terms_save(
        program=program,
        user=team.manager,
        leads_per_period=4,
        period=PeriodKind.MONTH,
        dispute_window_days=10,
        dispute_reasons=default_dispute_reasons(),
        is_active=True,
        now=at("2026-03-01T12:00"),
    )
    batch = [make("a", "2026-04-02T12:00") for _ in range(3)]
    factories.delivery(program=program, leads=batch, at=at("2026-04-06T14:00"))
    reason = default_dispute_reasons()[0]
    disputes = [
        dispute_raise(
            lead_id=lead.pk,
            user=team.client_contact,
            reason=reason,
            note="",
            now=at("2026-04-07T12:00"),
        )
        for lead in batch
    ]
    for dispute, uphold in zip(disputes[:2], (True, False), strict=True):
        dispute_decide(
            dispute_id=dispute.pk,
            user=team.reviewer,
            uphold=uphold,
            note="Checked the call",
            now=at("2026-04-08T12:00"),
        )
    replacement = make("a", "2026-04-15T12:00")
    second = factories.delivery(program=program, leads=[replacement], at=at("2026-04-20T14:00"))
    assert delivery_replacements_fill(delivery=second, now=at("2026-04-20T14:00")) == 1

    def hot(captured: str, approved: str, delivered: str | None) -> Lead:
        lead = factories.lead_walk(make("hot", captured), STEPS_TO["approved"], at=at(approved))
        if delivered:
            assert hot_leads_deliver(lead_ids=[lead.pk], now=at(delivered))
        return lead

    found = {
        "h1": hot("2026-04-10T12:00", "2026-04-10T13:00", "2026-04-10T20:00"),
        "h2": hot("2026-04-11T09:00", "2026-04-11T10:00", "2026-04-12T22:00"),
        "h3": hot("2026-04-13T09:00", "2026-04-13T10:00", "2026-04-16T10:00"),
        "h4": hot("2026-04-14T09:00", "2026-04-14T10:00", None),
        "h5": hot("2026-04-01T03:00", "2026-04-01T03:00", "2026-04-01T03:30"),
    }
    in_review = make("hot", "2026-04-15T09:00")
    factories.lead_walk(in_review, STEPS_TO["in_review"], at=at("2026-04-15T10:00"))
    facts_refresh()
    return found


def ledger(report) -> dict[str, dict[str, int]]:  # type: ignore[no-untyped-def]
    keys = ("promised", "delivered", "valid", "still_owed", "disputed", "open", "upheld",
            "rejected", "replacements_owed", "replacements_delivered")  # fmt: skip
    return {row["period"]: {key: row[key] for key in keys} for row in report.rows}


APRIL_LEDGER = {
    "promised": 4,
    "delivered": 6,
    "valid": 6,
    "still_owed": 0,
    "disputed": 3,
    "open": 1,
    "upheld": 1,
    "rejected": 1,
    "replacements_owed": 1,
    "replacements_delivered": 1,
}


def test_april_is_the_ledgers_april(history: dict[str, Lead], program: Program) -> None:
    report = deliverables(programs=[program], period=APRIL)
    assert ledger(report) == {"2026-04": APRIL_LEDGER}
    assert report.totals["valid"] == 6


def test_a_longer_period_shows_every_guarantee_period_it_overlaps(
    history: dict[str, Lead], program: Program
) -> None:
    report = deliverables(programs=[program], period=Period(date(2026, 3, 15), date(2026, 5, 1)))
    march = {
        "promised": 4, "delivered": 1, "valid": 1, "still_owed": 3, "disputed": 0, "open": 0,
        "upheld": 0, "rejected": 0, "replacements_owed": 0, "replacements_delivered": 0,
    }  # fmt: skip
    assert ledger(report) == {"2026-03": march, "2026-04": APRIL_LEDGER}
    assert report.totals["still_owed"] == 3
    assert report.totals["promised"] == 8


def test_hot_leads_of_the_cohort_by_hours_from_capture_to_delivery(
    history: dict[str, Lead], program: Program
) -> None:
    report = deliverables(programs=[program], period=APRIL, by="hot")
    [row] = report.rows
    assert {key: row[key] for key in ("hot_leads", "within_target", "within_limit",
                                      "over_limit", "not_delivered")} == {
        "hot_leads": 4, "within_target": 1, "within_limit": 1, "over_limit": 1,
        "not_delivered": 1,
    }  # fmt: skip
    assert row["on_target"] == 0.25
    assert report.totals["hot_leads"] == 4


def test_the_default_report_carries_the_hot_table_and_march_holds_h5(
    history: dict[str, Lead], program: Program
) -> None:
    report = deliverables(programs=[program], period=Period(date(2026, 3, 1), date(2026, 4, 1)))
    hot = report.sections[HOT_TABLE]
    assert (hot.totals["hot_leads"], hot.totals["within_target"]) == (1, 1)
    assert ledger(report)["2026-03"]["delivered"] == 1


def test_a_client_contact_reads_its_clients_deliverables(
    history: dict[str, Lead], team: Team, program: Program
) -> None:
    ran = report_run(
        user=team.client_contact,
        name="deliverables",
        program_slug=None,
        start="2026-04-01",
        end="2026-05-01",
        today=date(2026, 11, 2),
    )
    assert [row["program"] for row in ran.report.rows] == [program.slug]
    assert ledger(ran.report) == {"2026-04": APRIL_LEDGER}
    assert ran.report.sections[HOT_TABLE].totals["over_limit"] == 1


def test_another_clients_contact_and_a_partner_see_none_of_it(
    history: dict[str, Lead],
    team: Team,
    make_user: Callable[..., User],
    other_program: Program,
) -> None:
    other: User = make_user(Role.CLIENT, clients=(other_program.client,))
    ran = report_run(user=other, name="deliverables", program_slug=None,
                     start="2026-04-01", end="2026-05-01", today=date(2026, 11, 2))  # fmt: skip
    assert ran.report.rows == []
    with pytest.raises(Program.DoesNotExist):
        report_run(user=other, name="deliverables", program_slug=history["h1"].program.slug,
                   start=None, end=None, today=date(2026, 11, 2))  # fmt: skip
    with pytest.raises(Program.DoesNotExist):
        report_run(user=team.partner, name="deliverables", program_slug=None,
                   start=None, end=None, today=date(2026, 11, 2))  # fmt: skip
