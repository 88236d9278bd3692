"""The statements of October to December 2026 against figures computed by hand (the history
is conftest.py's October, continued here).

October (closed 3 Nov): leads 1 Hot 150.00, 2 A 100.00, 3 B 60.00, 4 C not billable 0.00,
5 A 100.00 (re-rated C on 2 Nov: still billed at A, its delivered rating) = charges 410.00;
lead 2 upheld 25 Oct: credit 100.00; total 310.00.

November: lead 1 upheld 4 Nov (October already closed: credited here at its October price,
150.00), lead 3 upheld 6 Nov (60.00); 10 Nov leads 6, 7 and 8 replace 2, 1 and 3 at no
charge; 12 Nov lead 9 B 60.00. Charges 60.00, credits 210.00: total 0.00, credit carried
forward 150.00.

December: 2 Dec leads 10 Hot 150.00 and 11 A 100.00: charges 250.00, carried in 150.00,
total 100.00, nothing carried forward.
"""

from datetime import date
from decimal import Decimal

import pytest

from leadflow.billing.models import Statement as StoredStatement
from leadflow.billing.selectors import month_parse, statement_view
from leadflow.billing.services import StatementRefused, statement_close
from leadflow.core.billing import LineKind, StatementClosed
from leadflow.core.enums import Rating
from leadflow.leads.models import Lead
from tests.billing.conftest import History, People, at, deliver, rated, uphold

pytestmark = pytest.mark.django_db

OCTOBER, NOVEMBER, DECEMBER = (month_parse(2026, m) for m in (10, 11, 12))


def totals(history: History, month: int) -> tuple[str, str, str, str, str]:
    view = statement_view(program=history.program, period=month_parse(2026, month))
    assert view is not None
    s = view.statement
    return (str(s.charges), str(s.credits), str(s.carried_in), str(s.total),
            str(s.carried_forward))  # fmt: skip


def lines(history: History, month: int) -> list[tuple[str, int, str, str]]:
    """(line kind, lead number, rating, amount) of each line."""
    number = {lead.pk: n for n, lead in history.leads.items()}
    view = statement_view(program=history.program, period=month_parse(2026, month))
    assert view is not None
    return [
        (line.line.value, number[int(line.deliverable_id)],
         line.rating.value if line.rating else "", str(line.amount))
        for line in view.statement.lines
    ]  # fmt: skip


def rerate(lead: Lead, rating: Rating) -> None:
    """The lead re-rated after delivery (as re-qualification would)."""
    Lead.objects.filter(pk=lead.pk).update(rating=rating.value)


def november(history: History, people: People) -> None:
    program, leads, disputes = history.program, history.leads, history.disputes
    uphold(disputes[1], people, at(11, 4))
    uphold(disputes[3], people, at(11, 6))
    leads[6] = rated(program, 6, "a", at(11, 9))
    leads[7] = rated(program, 7, "b", at(11, 9))
    leads[8] = rated(program, 8, "hot", at(11, 9))
    deliver(program, [leads[6], leads[7], leads[8]], at(11, 10))
    leads[9] = rated(program, 9, "b", at(11, 11))
    deliver(program, [leads[9]], at(11, 12))


def december(history: History) -> None:
    program, leads = history.program, history.leads
    leads[10] = rated(program, 10, "hot", at(12, 1))
    leads[11] = rated(program, 11, "a", at(12, 1))
    deliver(program, [leads[10], leads[11]], at(12, 2))


def test_october_against_the_hand_computed_figures(october: History) -> None:
    assert lines(october, 10) == [
        ("charge", 1, "hot", "150.00"),
        ("charge", 2, "a", "100.00"),
        ("charge", 3, "b", "60.00"),
        ("not_billable", 4, "c", "0.00"),
        ("charge", 5, "a", "100.00"),
        ("credit", 2, "", "-100.00"),
    ]
    assert totals(october, 10) == ("410.00", "100.00", "0.00", "310.00", "0.00")


def test_a_lead_re_rated_after_delivery_is_billed_at_its_delivered_rating(
    october: History,
) -> None:
    rerate(october.leads[5], Rating.C)
    assert Lead.objects.get(pk=october.leads[5].pk).rating == "c"
    assert ("charge", 5, "a", "100.00") in lines(october, 10)
    statement_close(program=october.program, period=OCTOBER, user=None, now=at(11, 3, 12))
    stored = StoredStatement.objects.get(period_start=date(2026, 10, 1))
    line = stored.lines.get(deliverable_id=str(october.leads[5].pk))
    assert (line.rating, line.amount) == ("a", Decimal("100.0000"))


def test_three_months_with_a_late_dispute_and_a_credit_carried_forward(
    october: History, people: People
) -> None:
    rerate(october.leads[5], Rating.C)
    statement_close(program=october.program, period=OCTOBER, user=None, now=at(11, 3, 12))
    november(october, people)
    by_kind = sorted(lines(october, 11))
    assert by_kind == sorted(
        [
            ("credit", 1, "", "-150.00"),
            ("credit", 3, "", "-60.00"),
            ("replacement", 6, "a", "0.00"),
            ("replacement", 7, "b", "0.00"),
            ("replacement", 8, "hot", "0.00"),
            ("charge", 9, "b", "60.00"),
        ]
    )
    assert totals(october, 11) == ("60.00", "210.00", "0.00", "0.00", "150.00")
    view = statement_view(program=october.program, period=NOVEMBER)
    assert view is not None
    replaced = {int(x.deliverable_id): int(x.replaces) for x in view.statement.lines
                if x.line is LineKind.REPLACEMENT and x.replaces is not None}  # fmt: skip
    number = {lead.pk: n for n, lead in october.leads.items()}
    assert {number[k]: number[v] for k, v in replaced.items()} == {6: 2, 7: 1, 8: 3}
    statement_close(program=october.program, period=NOVEMBER, user=None, now=at(12, 3, 12))
    december(october)
    assert totals(october, 12) == ("250.00", "0.00", "150.00", "100.00", "0.00")
    # October is frozen: nothing of November changed it.
    assert totals(october, 10) == ("410.00", "100.00", "0.00", "310.00", "0.00")


def test_a_closed_statement_is_unchanged_by_later_events(october: History, people: People) -> None:
    statement_close(program=october.program, period=OCTOBER, user=None, now=at(11, 3, 12))
    before = lines(october, 10)
    november(october, people)
    rerate(october.leads[1], Rating.B)
    october.program.billing_terms.price_hot = Decimal("999.00")
    october.program.billing_terms.save()
    assert lines(october, 10) == before
    assert totals(october, 10) == ("410.00", "100.00", "0.00", "310.00", "0.00")
    with pytest.raises(StatementClosed):
        statement_close(program=october.program, period=OCTOBER, user=None, now=at(11, 5))


def test_a_month_not_over_or_before_a_closed_one_is_not_closed(october: History) -> None:
    with pytest.raises(StatementRefused, match="not over yet"):
        statement_close(program=october.program, period=OCTOBER, user=None, now=at(10, 31))
    statement_close(program=october.program, period=OCTOBER, user=None, now=at(11, 3))
    with pytest.raises(StatementRefused, match="after 2026-09 is closed"):
        statement_close(
            program=october.program, period=month_parse(2026, 9), user=None, now=at(11, 3)
        )
