"""The report pages (docs/REPORTS.md, "Pages and exports"): the index lists what the user
reads, a dashboard shows the period beside the previous one with a chart per table and its
numbers, exports per table; every role sees what "Who sees which report" says, the rest is 404.

History (program ``acme-web``, client in New York time): two leads created in April 2026, one
Hot delivered and one C (no BANT fact, from an event) left alone; one Hot lead created in
March, approved. So April's funnel reads inquiry 2, lead 1, handed off 1; March's (the previous
period) inquiry 1, approved 1.
"""

from datetime import UTC, datetime

import pytest
from django.test import Client as HttpClient

from leadflow.programs.models import Program
from leadflow.reports.selectors.registry import REPORTS
from leadflow.reports.services.refresh import facts_refresh
from tests import factories
from tests.factories import STEPS_TO, Team

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_http")]

APRIL = "from=2026-04-01&to=2026-05-01"

#: docs/REPORTS.md, "Who sees which report", written out (a reports change must change both).
READERS = {
    "funnel": {"manager", "marketer"},
    "qualifying": {"manager", "reviewer"},
    "deliverables": {"manager", "client_contact"},
    "partners": {"manager", "partner"},
    "nurture": {"manager", "marketer"},
}
ROLES = ("manager", "marketer", "qualifier", "reviewer", "client_contact", "partner")


def april_history(program: Program) -> None:
    def at(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    hot = factories.lead(
        program=program, answers=factories.HOT, at=at("2026-04-10T15:00"), email="hot@example.com"
    )
    factories.lead_walk(hot, STEPS_TO["delivered"], at=at("2026-04-11T15:00"))
    factories.lead(
        program=program,
        answers=factories.C,
        at=at("2026-04-12T15:00"),
        email="c@example.com",
        channel="event",
    )
    march = factories.lead(
        program=program, answers=factories.HOT, at=at("2026-03-10T15:00"), email="march@example.com"
    )
    factories.lead_walk(march, STEPS_TO["approved"], at=at("2026-03-11T15:00"))
    facts_refresh()


@pytest.fixture
def history(program: Program) -> None:
    april_history(program)


@pytest.fixture
def team_with_partner(team: Team, program: Program) -> Team:
    factories.partner(client=program.client, number=1, members=[team.partner])
    return team


def browser_for(user) -> HttpClient:  # type: ignore[no-untyped-def]
    http = HttpClient()
    http.force_login(user)
    return http


def test_the_funnel_shows_april_beside_march_with_a_chart_and_both_downloads(
    history: None, team: Team
):
    page = browser_for(team.manager).get(f"/reports/funnel/?{APRIL}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 Apr 2026 to 30 Apr 2026, compared with 1 Mar 2026 to 31 Mar 2026" in text
    assert "Qualified opportunity" in text
    assert "qualified_opportunity</" not in text
    assert "before 1 · +1 (+100 %)" in text  # inquiry: 2 in April, 1 in March
    assert 'id="report-charts"' in text
    assert "Show the numbers" in text
    assert f"/reports/funnel/export.csv?{APRIL}" in text.replace("&amp;", "&")
    assert f"/reports/funnel/export.xlsx?{APRIL}" in text.replace("&amp;", "&")
    charts = page.context["charts"]
    assert charts[0]["series"][0] == {"name": "This period", "data": [2, 1, 1, 1, 1, 1, 0]}
    assert charts[0]["series"][1]["data"][:5] == [1, 1, 1, 1, 1]
    assert charts[0]["x_label"] == "Step"
    assert charts[0]["y_label"] == "Leads"


def test_a_breakdown_draws_one_series_per_group(history: None, team: Team):
    page = browser_for(team.manager).get(f"/reports/funnel/?{APRIL}&by=channel")
    assert page.status_code == 200
    [chart] = page.context["charts"]
    assert {series["name"] for series in chart["series"]} == {"Web", "Event"}
    assert chart["categories"][0] == "Inquiry"
    assert "Funnel by channel" in page.content.decode()


def test_a_preset_sets_the_period_to_whole_months(history: None, team: Team, time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime(2026, 5, 20, 12, tzinfo=UTC))
    page = browser_for(team.manager).get("/reports/funnel/?period=last_month")
    assert page.context["query"].start == "2026-04-01"
    assert page.context["query"].end == "2026-05-01"
    assert page.context["tables"][0].rows[0][1].text == "2"


def test_bad_dates_are_a_message_on_the_form_not_an_error_page(history: None, team: Team):
    page = browser_for(team.manager).get("/reports/funnel/?from=2026-04-31&to=2026-05-01")
    assert page.status_code == 400
    assert "Dates are YYYY-MM-DD" in page.content.decode()
    backwards = browser_for(team.manager).get("/reports/funnel/?from=2026-05-01&to=2026-04-01")
    assert backwards.status_code == 400
    assert "must end after it starts" in backwards.content.decode()


def test_an_unknown_breakdown_is_a_message(history: None, team: Team):
    page = browser_for(team.manager).get(f"/reports/funnel/?{APRIL}&by=colour")
    assert page.status_code == 400
    assert "broken down by" in page.content.decode()


def test_a_program_outside_the_scope_is_not_found(
    history: None, team: Team, other_program: Program
):
    http = browser_for(team.manager)
    assert http.get(f"/reports/funnel/?program={other_program.slug}").status_code == 404
    assert http.get("/reports/no-such-report/").status_code == 404


def test_one_program_is_the_programs_figures(history: None, team: Team, program: Program):
    page = browser_for(team.manager).get(f"/reports/funnel/?program={program.slug}&{APRIL}")
    assert page.status_code == 200
    assert page.context["tables"][0].rows[0][1].text == "2"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_opens_the_reports_it_reads_and_no_other(
    history: None, team_with_partner: Team, role: str
):
    http = browser_for(getattr(team_with_partner, role))
    for name in REPORTS:
        expected = 200 if role in READERS[name] else 404
        assert http.get(f"/reports/{name}/?{APRIL}").status_code == expected, name


@pytest.mark.parametrize("role", ROLES)
def test_the_index_lists_only_the_reports_the_role_reads(team_with_partner: Team, role: str):
    page = browser_for(getattr(team_with_partner, role)).get("/reports/")
    assert page.status_code == 200
    listed = {report["name"] for report in page.context["reports"]}
    assert listed == {name for name in REPORTS if role in READERS[name]}
    if not listed:
        assert "Your role reads no reports" in page.content.decode()


def test_the_navigation_leads_to_the_reports(team: Team):
    page = browser_for(team.marketer).get("/reports/")
    assert b'href="/reports/" aria-current="page">Reports</a>' in page.content


def test_signed_out_visitors_are_sent_to_sign_in():
    assert HttpClient().get("/reports/funnel/").status_code == 302


@pytest.mark.parametrize(
    ("name", "counted"),
    [
        ("funnel", "leads created 1 Apr 2026"),
        ("qualifying", "leads created 1 Apr 2026"),
        ("deliverables", "guarantee periods and Hot leads of 1 Apr 2026"),
        ("nurture", "nurture touches, entries and exits of 1 Apr 2026"),
    ],
)
def test_the_period_line_says_what_each_report_counts(
    history: None, team: Team, name: str, counted: str
):
    page = browser_for(team.manager).get(f"/reports/{name}/?{APRIL}")
    assert page.status_code == 200
    [line] = [part for part in page.content.decode().split("\n") if 'data-testid="period"' in part]
    assert counted in line
