"""The qualifying process against a hand-computed history (docs/REPORTS.md, "Qualifying
process").

Program ``acme-demand`` (client in New York time), March 2026 in New York: 1 March 05:00 UTC
(EST) to 1 April 04:00 UTC (EDT) — daylight saving starts on 8 March. Qualifiers Quinn Archer
(``quinn``) and ``bob`` (no name given: shown by username); reviewer ``rita``. Every step goes
through the services (queue hold, ``call_record``, ``lead_submit_for_review``, ``lead_approve``,
``lead_push_back``). Times are UTC; "+Nh" is hours after capture.

| lead | captured      | answers | qualifier | what happened (UTC)                                |
|------|---------------|---------|-----------|----------------------------------------------------|
| L1   | 03-02 14:00   | Hot     | quinn     | held+called 03-02 16:00 (+2h), called and          |
|      |               |         |           | submitted 03-03 14:00 (+24h), approved 03-05 02:00 |
| L2   | 03-07 15:00   | B       | quinn     | held+called 03-09 15:00, after the change to EDT   |
|      | (EST)         |         |           | (+48h elapsed, 47 on the wall clock), submitted    |
|      |               |         |           | 17:00 (+50h), approved 03-10 17:00                 |
| L3   | 03-20 12:00   | A       | quinn     | held+called 13:00 (+1h), called 14:00 and 15:00,   |
|      |               |         |           | submitted 18:00 (+6h), pushed back 03-21 06:00     |
|      |               |         |           | "BANT not confirmed on the call"                   |
| L4   | 03-01 05:30   | Hot     | bob       | 00:30 EST on 1 March: inside. held+called 09:30    |
|      |               |         |           | (+4h), submitted 15:30 (+10h), pushed back 03-02   |
|      |               |         |           | 03:30 "Answers incomplete", submitted 09:30,       |
|      |               |         |           | pushed back 21:30 "BANT not confirmed on the       |
|      |               |         |           | call", submitted 03-03 03:30, approved 03-04 03:30 |
| L5   | 04-01 03:30   | C → B*  | bob       | 23:30 EDT on 31 March: inside. held+called 05:30   |
|      |               |         |           | (+2h), not submitted (qualifier: the first caller) |
| L6   | 03-15 12:00   | C → B*  | none      | nothing                                            |
| L7   | 03-01 04:30   | Hot     | quinn     | 23:30 EST on 28 February: outside. held+called     |
|      |               |         |           | 06:00 (+1.5h), submitted 07:00 (+2.5h), approved   |
| L8   | other program | Hot     | bob       | 03-10 12:00, held+called 13:00, submitted 14:00    |

(*) 11 months, no budget: C under version 1. Version 2, published 03-25 12:00, rates a known
time frame up to 12 months (not 9) B; the open leads are re-qualified then (L3 qualifying, L6
new); L5 is captured under version 2.

Per qualifier (medians nearest-rank; hours from capture):

| qualifier    | leads | calls | per lead | first call        | submission         |
|--------------|-------|-------|----------|-------------------|--------------------|
| Quinn Archer | 3     | 6     | 2.0      | [1, 2, 48] → 2    | [6, 24, 50] → 24   |
| bob          | 2     | 2     | 1.0      | [2, 4] → 2        | [10] → 10          |
| No qualifier | 1     | 0     | 0.0      | —                 | —                  |
| totals       | 6     | 8     | 1.33     | [1, 2, 2, 4, 48] → 2 | [6, 10, 24, 50] → 10 |

| qualifier    | QA decisions | approved | approval rate | push-backs |
|--------------|--------------|----------|---------------|------------|
| Quinn Archer | 3            | 2        | 2/3           | 1          |
| bob          | 3            | 1        | 1/3           | 2          |
| No qualifier | 0            | 0        | —             | 0          |
| totals       | 6            | 3        | 1/2           | 3          |

Reasons: Quinn "BANT not confirmed on the call (1)"; bob "Answers incomplete (1), BANT not
confirmed on the call (1)"; totals "BANT not confirmed on the call (2), Answers incomplete (1)".

Rating mix: version 1: L1 hot, L2 b, L3 a, L4 hot, L6 c (5 leads); version 2: L3 a, L5 b, L6 b
(3 leads).

Time in each status (closed stretches only, hours; nearest-rank median and 90th percentile):

    new         L1 2, L2 48, L3 1, L4 4, L5 2     → [1, 2, 2, 4, 48]       median 2,  p90 48
    qualifying  L1 22, L2 2, L3 5, L4 6, 6, 6     → [2, 5, 6, 6, 6, 22]    median 6,  p90 22
    in review   L1 36, L2 24, L3 12, L4 12, 12, 24 → [12, 12, 12, 24, 24, 36] median 12, p90 36

(An interpolating median of the review times would say 18 h, a p90 of the new ones 30.4 h.)
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from leadflow.accounts.models import Role, User
from leadflow.core.criteria import default_criteria
from leadflow.core.enums import Rating
from leadflow.core.errors import InputError
from leadflow.core.reports import Period
from leadflow.leads.models import CallOutcome, Lead
from leadflow.leads.services import leads_requalify_bulk
from leadflow.leads.services.calls import call_record
from leadflow.leads.services.queue import lead_hold, lead_submit_for_review
from leadflow.programs.models import Program
from leadflow.programs.services import criteria_publish
from leadflow.reports.models import STEP_COLUMNS, DurationDay
from leadflow.reports.selectors import qualifying as qualifying_module
from leadflow.reports.selectors.qualifying import (
    SECTION_MIX,
    SECTION_STATUS,
    qualifying,
)
from leadflow.reports.selectors.registry import REPORTS
from leadflow.reports.services.refresh import facts_rebuild, facts_refresh
from leadflow.review.services import lead_approve, lead_push_back
from tests import factories

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
INCOMPLETE = "Answers incomplete"
BANT = "BANT not confirmed on the call"
#: 11 months to the decision, no budget: C under the default criteria, B under version 2.
ELEVEN_MONTHS: dict[str, object] = {
    "budget": "none",
    "authority": "none",
    "need": "none",
    "timeframe_months": 11,
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def capture(program: Program, number: int, answers: dict[str, object], when: str) -> Lead:
    return factories.lead(
        program=program, answers=answers, at=at(when), **factories.numbered_contact(number)
    )


def call(lead: Lead, qualifier: User, when: str, *, hold: bool = False) -> None:
    if hold:
        lead_hold(lead=lead, user=qualifier, now=at(when))
    call_record(lead=lead, caller=qualifier, outcome=CallOutcome.CONNECTED, now=at(when))


def submit(lead: Lead, qualifier: User, when: str) -> Lead:
    return lead_submit_for_review(lead=lead, user=qualifier, now=at(when))


def push_back(lead: Lead, reviewer: User, reason: str, when: str) -> Lead:
    return lead_push_back(
        lead=lead, reviewer=reviewer, reason=reason, note="Call again to confirm", now=at(when)
    )


def version_two(program: Program, when: str) -> None:
    """Version 2: rating B for a known time frame up to 12 months (was 9)."""
    criteria = default_criteria()
    ladder = tuple(
        rule.model_copy(
            update={
                "any_of": tuple(
                    each.model_copy(update={"timeframe_max_months": 12}) for each in rule.any_of
                )
            }
        )
        if rule.rating == Rating.B
        else rule
        for rule in criteria.rating_ladder
    )
    criteria_publish(
        program=program,
        criteria=criteria.model_copy(update={"rating_ladder": ladder}),
        actor=None,
        now=at(when),
        note="B up to 12 months",
    )
    leads_requalify_bulk(program=program, actor=None, now=at(when))


@pytest.fixture
def people(program: Program, other_program: Program) -> dict[str, User]:
    scope = {"programs": [program, other_program]}
    return {
        "quinn": factories.user(username="quinn", roles=[Role.QUALIFIER], **scope),
        "bob": factories.user(username="bob", roles=[Role.QUALIFIER], **scope),
        "rita": factories.user(username="rita", roles=[Role.REVIEWER], **scope),
    }


@pytest.fixture
def history(program: Program, other_program: Program, people: dict[str, User]) -> None:
    quinn, bob, rita = people["quinn"], people["bob"], people["rita"]
    User.objects.filter(pk=quinn.pk).update(first_name="Quinn", last_name="Archer")

    l1 = capture(program, 1, factories.HOT, "2026-03-02T14:00")
    call(l1, quinn, "2026-03-02T16:00", hold=True)
    call(l1, quinn, "2026-03-03T14:00")
    l1 = submit(l1, quinn, "2026-03-03T14:00")
    lead_approve(lead=l1, reviewer=rita, now=at("2026-03-05T02:00"))

    l2 = capture(program, 2, factories.B, "2026-03-07T15:00")
    call(l2, quinn, "2026-03-09T15:00", hold=True)
    l2 = submit(l2, quinn, "2026-03-09T17:00")
    lead_approve(lead=l2, reviewer=rita, now=at("2026-03-10T17:00"))

    l3 = capture(program, 3, factories.A, "2026-03-20T12:00")
    call(l3, quinn, "2026-03-20T13:00", hold=True)
    call(l3, quinn, "2026-03-20T14:00")
    call(l3, quinn, "2026-03-20T15:00")
    l3 = submit(l3, quinn, "2026-03-20T18:00")
    push_back(l3, rita, BANT, "2026-03-21T06:00")

    l4 = capture(program, 4, factories.HOT, "2026-03-01T05:30")
    call(l4, bob, "2026-03-01T09:30", hold=True)
    l4 = submit(l4, bob, "2026-03-01T15:30")
    l4 = push_back(l4, rita, INCOMPLETE, "2026-03-02T03:30")
    l4 = submit(l4, bob, "2026-03-02T09:30")
    l4 = push_back(l4, rita, BANT, "2026-03-02T21:30")
    l4 = submit(l4, bob, "2026-03-03T03:30")
    lead_approve(lead=l4, reviewer=rita, now=at("2026-03-04T03:30"))

    capture(program, 6, ELEVEN_MONTHS, "2026-03-15T12:00")
    version_two(program, "2026-03-25T12:00")

    l5 = capture(program, 5, ELEVEN_MONTHS, "2026-04-01T03:30")
    call(l5, bob, "2026-04-01T05:30", hold=True)

    l7 = capture(program, 7, factories.HOT, "2026-03-01T04:30")
    call(l7, quinn, "2026-03-01T06:00", hold=True)
    l7 = submit(l7, quinn, "2026-03-01T07:00")
    lead_approve(lead=l7, reviewer=rita, now=at("2026-03-01T08:00"))

    l8 = capture(other_program, 8, factories.HOT, "2026-03-10T12:00")
    call(l8, bob, "2026-03-10T13:00", hold=True)
    submit(l8, bob, "2026-03-10T14:00")
    facts_refresh()


def by_name(report) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {row["qualifier"]: row for row in report.rows}


FIGURES = (
    "leads",
    "calls",
    "calls_per_lead",
    "first_call_hours",
    "submission_hours",
    "decisions",
    "approved",
    "approval_rate",
    "pushbacks",
    "pushback_reasons",
)


def figures(row: dict) -> tuple:  # type: ignore[type-arg]
    return tuple(row[key] for key in FIGURES)


@pytest.mark.django_db
def test_each_qualifier_s_work_in_the_clients_march(history: None, program: Program):
    report = qualifying(programs=[program], period=MARCH)
    rows = by_name(report)
    assert [row["qualifier"] for row in report.rows] == ["Quinn Archer", "bob", "No qualifier"]
    assert figures(rows["Quinn Archer"]) == (3, 6, 2.0, 2.0, 24.0, 3, 2, 2 / 3, 1, f"{BANT} (1)")
    assert figures(rows["bob"]) == (
        2, 2, 1.0, 2.0, 10.0, 3, 1, 1 / 3, 2, f"{INCOMPLETE} (1), {BANT} (1)",
    )  # fmt: skip
    assert figures(rows["No qualifier"]) == (1, 0, 0.0, None, None, 0, 0, None, 0, "")


@pytest.mark.django_db
def test_totals_are_the_same_figures_over_everyone(history: None, program: Program):
    totals = qualifying(programs=[program], period=MARCH).totals
    assert figures(totals) == (
        6, 8, 1.33, 2.0, 10.0, 6, 3, 0.5, 3, f"{BANT} (2), {INCOMPLETE} (1)",
    )  # fmt: skip


@pytest.mark.django_db
def test_the_rating_mix_per_criteria_version_shows_what_the_change_moved(
    history: None, program: Program
):
    report = qualifying(programs=[program], period=MARCH, by="criteria_version")
    mix = {
        row["criteria_version"]: {
            rating: row[rating] for rating in ("hot", "a", "b", "c", "fyi", "none")
        }
        for row in report.rows
    }
    assert mix == {
        1: {"hot": 2, "a": 1, "b": 1, "c": 1, "fyi": 0, "none": 0},
        2: {"hot": 0, "a": 1, "b": 2, "c": 0, "fyi": 0, "none": 0},
    }
    first, second = report.rows
    assert (first["leads"], first["hot_share"], first["c_share"]) == (5, 0.4, 0.2)
    assert (second["leads"], second["b_share"]) == (3, 2 / 3)
    assert second["criteria_version_label"] == "Version 2"
    assert report.totals == {"leads": 8}


@pytest.mark.django_db
def test_time_in_each_status_is_nearest_rank_median_and_90th_percentile(
    history: None, program: Program
):
    report = qualifying(programs=[program], period=MARCH, by="status")
    table = {
        row["status"]: (row["status_label"], row["spans"], row["median_hours"], row["p90_hours"])
        for row in report.rows
    }
    assert table == {
        "new": ("New", 5, 2.0, 48.0),
        "qualifying": ("Qualifying", 6, 6.0, 22.0),
        "in_review": ("In review", 6, 12.0, 36.0),
    }
    assert [row["status"] for row in report.rows] == ["new", "qualifying", "in_review"]


@pytest.mark.django_db
def test_the_default_report_carries_the_mix_and_the_status_times_as_sections(
    history: None, program: Program
):
    report = qualifying(programs=[program], period=MARCH)
    assert list(report.sections) == [SECTION_MIX, SECTION_STATUS]
    assert (
        report.sections[SECTION_STATUS].rows
        == qualifying(programs=[program], period=MARCH, by="status").rows
    )
    assert len(report.sections[SECTION_MIX].rows) == 2
    assert REPORTS["qualifying"] is qualifying


@pytest.mark.django_db
def test_february_in_new_york_holds_the_lead_captured_on_the_first_of_march_utc(
    history: None, program: Program
):
    february = qualifying(programs=[program], period=Period(date(2026, 2, 1), date(2026, 3, 1)))
    assert figures(by_name(february)["Quinn Archer"])[:6] == (1, 1, 1.0, 1.5, 2.5, 1)


@pytest.mark.django_db
def test_the_other_program_of_the_scope_adds_its_leads(
    history: None, program: Program, other_program: Program
):
    report = qualifying(programs=[program, other_program], period=MARCH)
    bob = by_name(report)["bob"]
    assert (bob["leads"], bob["calls"], bob["submission_hours"]) == (3, 3, 2.0)
    assert report.totals["leads"] == 7


@pytest.mark.django_db
def test_a_rebuild_gives_the_same_report(history: None, program: Program):
    before = qualifying(programs=[program], period=MARCH)
    facts_rebuild()
    after = qualifying(programs=[program], period=MARCH)
    assert after.rows == before.rows
    assert after.totals == before.totals
    assert {title: section.rows for title, section in after.sections.items()} == {
        title: section.rows for title, section in before.sections.items()
    }


@pytest.mark.django_db
def test_an_unknown_breakdown_is_a_clear_error(program: Program):
    with pytest.raises(InputError, match="criteria_version"):
        qualifying(programs=[program], period=MARCH, by="channel")


@pytest.mark.django_db
def test_an_empty_period_has_no_rows_and_empty_totals(history: None, program: Program):
    report = qualifying(programs=[program], period=Period(date(2025, 1, 1), date(2025, 2, 1)))
    assert report.rows == []
    assert report.totals["leads"] == 0
    assert report.totals["first_call_hours"] is None
    assert report.sections[SECTION_STATUS].rows == []


@pytest.mark.django_db
def test_a_decision_counts_for_whoever_submitted_the_lead_that_time(
    program: Program, people: dict[str, User]
):
    """June: quinn submits, QA pushes back; bob resubmits, QA approves. The lead is quinn's
    (first submitter), the approval bob's."""
    quinn, bob, rita = people["quinn"], people["bob"], people["rita"]
    lead = capture(program, 9, factories.HOT, "2026-06-01T14:00")
    call(lead, quinn, "2026-06-01T15:00", hold=True)
    lead = submit(lead, quinn, "2026-06-01T16:00")
    lead = push_back(lead, rita, INCOMPLETE, "2026-06-02T16:00")
    lead = submit(lead, bob, "2026-06-03T16:00")
    lead_approve(lead=lead, reviewer=rita, now=at("2026-06-04T16:00"))
    facts_refresh()
    report = qualifying(programs=[program], period=Period(date(2026, 6, 1), date(2026, 7, 1)))
    rows = by_name(report)
    assert figures(rows["quinn"]) == (1, 1, 1.0, 1.0, 2.0, 1, 0, 0.0, 1, f"{INCOMPLETE} (1)")
    assert figures(rows["bob"]) == (0, 0, None, None, None, 1, 1, 1.0, 0, "")
    assert report.totals["approval_rate"] == 0.5


@pytest.mark.django_db
def test_the_report_reads_in_a_fixed_number_of_queries(
    history: None, program: Program, django_assert_max_num_queries
):
    with django_assert_max_num_queries(16):
        qualifying(programs=[program], period=MARCH)


@pytest.mark.django_db
def test_a_sales_manager_reads_the_three_tables_on_the_page_and_downloads_one(
    history: None, program: Program, client, plain_http: None
):
    manager = factories.user(username="mia", roles=[Role.MANAGER], programs=[program])
    client.force_login(manager)
    query = {"program": program.slug, "from": "2026-03-01", "to": "2026-04-01"}
    page = client.get("/reports/qualifying/", query)
    assert page.status_code == 200
    text = page.content.decode()
    for shown in ("Quinn Archer", "No qualifier", SECTION_MIX, SECTION_STATUS, "In review"):
        assert shown in text
    assert "in_review" not in text
    export = client.get("/reports/qualifying/export.csv", {**query, "section": SECTION_STATUS})
    assert export.status_code == 200
    assert export["Content-Disposition"].startswith("attachment;")
    lines = export.content.decode().splitlines()
    assert any(line.startswith("In review,12.0,36.0,6") for line in lines), lines


def _days_only(programs: list[Program], period: Period) -> Any:
    return DurationDay.objects.filter(
        program_id__in=[each.pk for each in programs],
        month=False,
        day__gte=period.start,
        day__lt=period.end,
    )


@pytest.mark.parametrize(
    "period",
    [
        Period(date(2026, 2, 15), date(2026, 4, 10)),  # days, a whole March, days
        Period(date(2026, 3, 1), date(2026, 4, 1)),  # one whole month
        Period(date(2026, 3, 5), date(2026, 3, 25)),  # inside one month
        Period(date(2026, 2, 1), date(2026, 5, 1)),  # whole months only
        Period(date(2025, 12, 31), date(2027, 1, 2)),  # across year ends
    ],
)
@pytest.mark.django_db
def test_whole_months_read_from_month_rows_give_the_figures_of_the_days(
    history: None, program: Program, other_program: Program, period: Period, monkeypatch: Any
):
    programs = [program, other_program]
    from_months = qualifying(programs=programs, period=period)
    monkeypatch.setattr(qualifying_module, "duration_rows", _days_only)
    from_days = qualifying(programs=programs, period=period)
    assert from_months.rows == from_days.rows
    assert from_months.totals == from_days.totals
    assert from_months.sections[SECTION_STATUS].rows == from_days.sections[SECTION_STATUS].rows


@pytest.mark.django_db
def test_a_month_row_adds_up_its_day_rows(history: None):
    months = DurationDay.objects.filter(month=True)
    assert months.exists()
    for month in months:
        days = DurationDay.objects.filter(
            month=False,
            program_id=month.program_id,
            measure=month.measure,
            qualifier_id=month.qualifier_id,
            status=month.status,
            day__gte=month.day,
            day__lt=(month.day + timedelta(days=32)).replace(day=1),
        )
        for column in ("count", *STEP_COLUMNS):
            assert getattr(month, column) == sum(getattr(day, column) for day in days), column
