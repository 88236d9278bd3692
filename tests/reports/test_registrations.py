"""Deal registrations in the partners report (docs/REPORTS.md, "Partners": "Deal
registrations"), against a hand-computed history.

Program ``acme-partners`` (partner routing, client in New York time); partners Holder (routing
gives it every lead first), Finder and Second. On Monday 2 November 2026 (14:30 UTC):

| registration | by     | prospect                       | result                                  |
|--------------|--------|--------------------------------|-----------------------------------------|
| R1           | Finder | Grace                          | accepted; QA approves, Finder wins it   |
| R2           | Finder | Linus                          | accepted, still open                    |
| R3           | Finder | the lead routed to Holder      | refused: held by a partner              |
| R4           | Second | Grace again                    | refused: registered before              |
| R5           | Finder | Grace again                    | refused: its own already                |
| then the program asks for a manager's approval:                                           |
| R6           | Finder | Ken                            | waiting for approval                    |
| R7           | Second | Dennis                         | rejected by a manager                   |
| R8           | Finder | Barbara                        | approved by a manager, still open       |

    Finder: registered 6, accepted 3, refused 2 (held 1, own 1), pending 1, approved 1,
            rejected 0, won 1, lost 0, open 2, accepted to won 1/3
    Second: registered 2, accepted 0, refused 1 (registered 1), rejected 1, accepted to won —
    Holder: no registrations, no row.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from leadflow.accounts.models import Role, User
from leadflow.core.enums import Channel
from leadflow.core.reports import Period
from leadflow.leads.models import Lead
from leadflow.notifications.services import outbox_send_due
from leadflow.partners.models import Partner, Registration
from leadflow.partners.services import leads_route
from leadflow.partners.services.registrations import (
    Prospect,
    deal_register,
    registration_decide,
    registration_terms_set,
)
from leadflow.programs.models import Program
from leadflow.reports.models import PendingLead, RegistrationDay
from leadflow.reports.selectors.funnel import funnel
from leadflow.reports.selectors.partners import REGISTRATIONS, partners
from leadflow.reports.services.mail import mail_due
from leadflow.reports.services.refresh import facts_rebuild, facts_refresh
from leadflow.reports.services.run import report_run
from tests import factories
from tests.factories import ANSWERS, NOW, member
from tests.partners.conftest import make_approved, make_partner, partner_program
from tests.partners.test_registrations import approve
from tests.receivers import SmtpServer
from tests.reports.test_partners import worked

__all__ = ["make_approved", "make_partner", "partner_program"]

pytestmark = pytest.mark.django_db

NOVEMBER = Period(date(2026, 11, 1), date(2026, 12, 1))
FIGURES = (
    "registered", "accepted", "refused", "refused_held", "refused_registered",
    "refused_pipeline", "refused_closed", "refused_own", "pending", "approved", "rejected",
    "won", "lost", "open", "conversion",
)  # fmt: skip
FINDER = (6, 3, 2, 1, 0, 0, 0, 1, 1, 1, 0, 1, 0, 2, 1 / 3)
SECOND = (2, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, None)
MINUTE = timedelta(minutes=1)


def prospect(first: str, email: str, **fields: Any) -> Prospect:
    return Prospect(
        first_name=first,
        last_name="Prospect",
        email=email,
        company=f"{first} Systems",
        country="US",
        state="CA",
        answers=dict(ANSWERS["a"]),
        **fields,
    )


GRACE = prospect("Grace", "grace@cobol.example")


def register(partner: Partner, program: Program, found: Prospect, at: int) -> Registration:
    return deal_register(
        partner=partner, program=program, prospect=found, user=member(partner),
        now=NOW + at * MINUTE,
    )  # fmt: skip


@pytest.fixture
def manager(make_user: Callable[..., User], partner_program: Program) -> User:
    return make_user(Role.MANAGER, clients=(partner_program.client,))


@pytest.fixture
def history(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
    manager: User,
) -> dict[str, Partner]:
    program = partner_program
    holder = make_partner("Holder", program_level="platinum")
    finder = make_partner("Finder", territories=())
    second = make_partner("Second", territories=())
    held = make_approved(program, email="held@example.com")
    leads_route(lead_ids=[held.pk], now=NOW)
    r1 = register(finder, program, GRACE, 1)
    register(finder, program, prospect("Linus", "linus@kernel.example"), 2)
    register(finder, program, Prospect(email="held@example.com", company="Held Inc"), 3)
    register(second, program, Prospect(email="grace@cobol.example", company="Cobol"), 4)
    register(finder, program, GRACE, 5)
    registration_terms_set(program=program, protection_days=90, approval_required=True)
    register(finder, program, prospect("Ken", "ken@unix.example"), 6)
    r7 = register(second, program, prospect("Dennis", "dennis@c.example"), 7)
    r8 = register(finder, program, prospect("Barbara", "barbara@clu.example"), 8)
    registration_decide(
        registration=r7, approve=False, user=manager, reason="Not our market", now=NOW + 9 * MINUTE
    )
    registration_decide(
        registration=r8, approve=True, user=manager, reason="", now=NOW + 10 * MINUTE
    )
    grace = approve(Lead.objects.get(pk=r1.lead_id), at=NOW + timedelta(hours=1))
    worked(finder, grace, "won", NOW + timedelta(hours=2))
    facts_refresh()
    return {"holder": holder, "finder": finder, "second": second}


def table(report) -> dict[str, tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return {row["partner_label"]: tuple(row[key] for key in FIGURES) for row in report.rows}


def test_each_partners_registrations_by_result_refusal_class_and_outcome(
    history: dict[str, Partner], partner_program: Program
) -> None:
    report = partners(programs=[partner_program], period=NOVEMBER, by="registrations")
    assert table(report) == {"Finder": FINDER, "Second": SECOND}
    assert {row["program_label"] for row in report.rows} == {partner_program.name}
    assert report.totals["registered"] == 8
    assert report.totals["refused"] == 3
    assert report.totals["conversion"] == 1 / 3
    default = partners(programs=[partner_program], period=NOVEMBER)
    assert default.sections[REGISTRATIONS].rows == report.rows


def test_a_refusal_names_no_holder_anywhere_in_the_report(
    history: dict[str, Partner], partner_program: Program
) -> None:
    """Holder's lead was asked for by Finder: Finder's row says "held by a partner", and no
    row or figure of the section names Holder."""
    report = partners(programs=[partner_program], period=NOVEMBER, by="registrations")
    assert "Holder" not in repr(report.rows)
    assert "Holder" not in repr(report.totals)


def test_october_has_no_registrations(
    history: dict[str, Partner], partner_program: Program
) -> None:
    report = partners(
        programs=[partner_program],
        period=Period(date(2026, 10, 1), date(2026, 11, 1)),
        by="registrations",
    )
    assert report.rows == []
    assert report.totals["registered"] == 0
    assert report.totals["conversion"] is None


def test_a_refusal_alone_lists_the_lead_it_matched_and_counts_at_the_next_refresh(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    make_partner("Holder", program_level="platinum")
    finder = make_partner("Finder", territories=())
    held = make_approved(partner_program, email="held@example.com")
    leads_route(lead_ids=[held.pk], now=NOW)
    facts_refresh()
    register(finder, partner_program, Prospect(email="held@example.com", company="X"), 1)
    assert list(PendingLead.objects.values_list("lead_id", flat=True)) == [held.pk]
    facts_refresh()
    report = partners(programs=[partner_program], period=NOVEMBER, by="registrations")
    assert [(row["registered"], row["refused_held"]) for row in report.rows] == [(1, 1)]


def test_a_partners_user_reads_only_its_own_registrations(
    history: dict[str, Partner],
) -> None:
    for name, expected in (("finder", FINDER), ("second", SECOND), ("holder", None)):
        ran = report_run(
            user=member(history[name]), name="partners", program_slug=None,
            start="2026-11-01", end="2026-12-01", by="registrations", today=date(2026, 12, 2),
        )  # fmt: skip
        wanted = {} if expected is None else {history[name].name: expected}
        assert table(ran.report) == wanted


def test_a_manager_of_another_client_finds_neither_program_nor_registrations(
    history: dict[str, Partner],
    partner_program: Program,
    other_program: Program,
    make_user: Callable[..., User],
) -> None:
    outsider = make_user(Role.MANAGER, programs=(other_program,))
    with pytest.raises(Program.DoesNotExist):
        report_run(
            user=outsider, name="partners", program_slug=partner_program.slug,
            start="2026-11-01", end="2026-12-01", by="registrations", today=date(2026, 12, 2),
        )  # fmt: skip
    ran = report_run(
        user=outsider, name="partners", program_slug=None,
        start="2026-11-01", end="2026-12-01", by="registrations", today=date(2026, 12, 2),
    )  # fmt: skip
    assert ran.report.rows == []


def test_the_registrations_that_captured_a_lead_are_the_funnels_sales_prospecting_leads(
    history: dict[str, Partner], partner_program: Program
) -> None:
    """Registrations come in as channel ``sales_prospecting``: the funnel by channel counts
    the leads the accepted, pending and rejected ones captured (a refusal captured none)."""
    totals = partners(programs=[partner_program], period=NOVEMBER, by="registrations").totals
    captured = totals["accepted"] + totals["pending"] + totals["rejected"]
    by_channel = funnel(programs=[partner_program], period=NOVEMBER, by="channel")
    inquiries = {
        row["channel"]: row["count"] for row in by_channel.rows if row["step"] == "inquiry"
    }
    assert inquiries[Channel.SALES_PROSPECTING.value] == captured == 5
    won = {row["channel"]: row["count"] for row in by_channel.rows if row["step"] == "won"}
    assert won[Channel.SALES_PROSPECTING.value] == totals["won"] == 1


def test_the_report_reads_in_the_same_number_of_queries_however_many_registrations(
    history: dict[str, Partner], partner_program: Program
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            partners(programs=[partner_program], period=NOVEMBER)
        return len(captured.captured_queries)

    before = queries()
    second = history["second"]
    for number in range(5):
        register(second, partner_program, prospect(f"More{number}", f"m{number}@x.example"), 20)
    facts_refresh()
    assert (
        partners(programs=[partner_program], period=NOVEMBER, by="registrations").totals[
            "registered"
        ]
        == 13
    )
    assert queries() == before


def test_the_rollup_equals_a_rebuild(history: dict[str, Partner]) -> None:
    def rows() -> list[dict[str, object]]:
        return [
            {k: v for k, v in row.items() if k != "id"}
            for row in RegistrationDay.objects.order_by("day", "partner_id").values()
        ]

    kept = rows()
    assert kept
    facts_rebuild()
    assert rows() == kept


# --- the page, its files and the API -------------------------------------------------------

QUERY = "from=2026-11-01&to=2026-12-01"


def browser_for(user: User) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


@pytest.mark.usefixtures("plain_http")
def test_the_partners_page_shows_the_registrations_with_a_chart_of_four_measures(
    history: dict[str, Partner], manager: User
) -> None:
    page = browser_for(manager).get(f"/reports/partners/?{QUERY}")
    assert page.status_code == 200
    text = page.content.decode()
    assert REGISTRATIONS in text
    assert "Refused: held by a partner" in text
    [chart] = [chart for chart in page.context["charts"] if chart["title"] == REGISTRATIONS]
    assert chart["categories"] == ["Finder", "Second"]
    assert [series["name"] for series in chart["series"]] == [
        "Registered", "Accepted", "Refused", "Won",
    ]  # fmt: skip
    assert chart["series"][0]["data"] == [6, 2]
    export = browser_for(manager).get(
        f"/reports/partners/export.csv?{QUERY}&section={REGISTRATIONS.replace(' ', '+')}"
    )
    assert export.status_code == 200
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Program,Partner,Registered,Accepted,Refused,")
    assert lines[1].startswith("Acme Partner Program,Finder,6,3,2,1,0,0,0,1,1,1,0,1,0,2,")


@pytest.mark.usefixtures("plain_http")
def test_a_partners_user_sees_its_own_row_and_another_clients_program_is_not_found(
    history: dict[str, Partner], other_program: Program
) -> None:
    http = browser_for(member(history["second"]))
    page = http.get(f"/reports/partners/?{QUERY}&by=registrations")
    assert page.status_code == 200
    rows = page.context["tables"][0].rows
    assert [row[1].text for row in rows] == ["Second"]
    assert "Finder" not in page.content.decode()
    assert http.get(f"/reports/partners/?program={other_program.slug}").status_code == 404
    api = http.get(f"/api/v1/reports/partners?{QUERY}&by=registrations")
    assert api.status_code == 200
    assert [row["partner_label"] for row in api.json()["rows"]] == ["Second"]


@pytest.mark.usefixtures("plain_http")
def test_the_api_keys_the_section_by_its_breakdown(
    history: dict[str, Partner], manager: User
) -> None:
    answer = browser_for(manager).get(f"/api/v1/reports/partners?{QUERY}").json()
    section = answer["sections"]["registrations"]
    assert section["title"] == REGISTRATIONS
    assert section["totals"]["registered"] == 8
    assert {column["key"] for column in section["columns"]} >= {"refused_held", "open"}


def test_a_registration_by_a_partner_of_another_client_is_not_in_this_clients_report(
    history: dict[str, Partner],
    partner_program: Program,
    client_b: Any,
    make_partner: Callable[..., Partner],
) -> None:
    elsewhere = factories.program(
        client=client_b, name="Beta Partners", slug="beta-partners",
        hand_off_mode=partner_program.hand_off_mode,
    )  # fmt: skip
    stranger = make_partner("Stranger", client=client_b, territories=())
    register(stranger, elsewhere, prospect("Alan", "alan@turing.example"), 30)
    facts_refresh()
    report = partners(programs=[partner_program], period=NOVEMBER, by="registrations")
    assert "Stranger" not in {row["partner_label"] for row in report.rows}
    theirs = partners(programs=[elsewhere], period=NOVEMBER, by="registrations")
    assert [row["partner_label"] for row in theirs.rows] == ["Stranger"]


# --- the weekly summary ----------------------------------------------------------------------


def test_the_weekly_summary_carries_the_programs_registrations(
    history: dict[str, Partner],
    partner_program: Program,
    program: Program,
    make_user: Callable[..., User],
    smtp_server: SmtpServer,
) -> None:
    """The week of 2 November: Acme Partner Program had registrations, so its part of the
    e-mail carries them and their table; acme-web had none, so it carries none."""
    make_user(Role.MANAGER, clients=(partner_program.client,), email="sam@acme.example")
    monday = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
    assert mail_due(now=monday).sent >= 1
    outbox_send_due(now=monday)
    [message] = [m for m in smtp_server.messages if str(m["To"]) == "sam@acme.example"]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert " Deal registrations" in text
    assert "Registered: 8 (before: 0)" in text
    assert "Refused: held by a partner: 1 (before: 0)" in text
    files = {part.get_filename() for part in message.iter_attachments()}
    assert f"{partner_program.slug}-registrations-2026-11-02.csv" in files
    assert f"{partner_program.slug}-registrations-2026-11-02.xlsx" in files
    assert f"{program.slug}-registrations-2026-11-02.csv" not in files
