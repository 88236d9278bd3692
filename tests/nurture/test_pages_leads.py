"""What nurture adds to the lead pages (config/leads.py): the lead list's "Enrol in sequence",
the lead page's nurture panel with "Responded", the queue's call tasks; and the mailing list
of the direct-mail touches, exported as CSV and XLSX."""

import csv
import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from openpyxl import load_workbook

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import Lead
from leadflow.nurture.models import CallTask, Enrollment, MailingListEntry, Sequence
from leadflow.nurture.services import leads_enrol, touches_due_process
from leadflow.programs.models import Program
from tests.factories import NOW, Leads, Team

pytestmark = pytest.mark.usefixtures("plain_http")


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def run_until(days: int) -> None:
    """The periodic job, run every day for ``days`` days after NOW."""
    for day in range(days + 1):
        touches_due_process(now=NOW + timedelta(days=day, hours=1))


def test_the_lead_list_offers_enrol_in_sequence_to_marketing_only(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.marketer)
    page = text(client.get("/leads/"))
    assert 'formaction="/nurture/enrol"' in page
    assert "Enrol in sequence…" in page
    client.force_login(team.qualifier)
    assert 'formaction="/nurture/enrol"' not in text(client.get("/leads/"))
    assert client.post("/nurture/enrol", {"lead": [leads.c.pk]}).status_code == 403


def test_enrolling_from_the_list_asks_for_the_sequence_then_enrols_and_reports(
    client: Client, team: Team, leads: Leads, sequence: Sequence
) -> None:
    client.force_login(team.marketer)
    picked = {"lead": [leads.c.pk, leads.fyi.pk], "query": "rating=c"}
    confirm = client.post("/nurture/enrol", picked)
    page = text(confirm)
    assert confirm.status_code == 200
    assert "Enrol 2 leads in a sequence?" in page
    assert f'<option value="{sequence.pk}" selected>Keep warm (Acme Demand Gen)</option>' in page
    done = client.post("/nurture/enrol", {**picked, "sequence": sequence.pk, "confirm": "on"})
    assert done.status_code == 302
    assert done["Location"] == "/leads/?rating=c"
    enrolled = set(Enrollment.objects.values_list("lead_id", flat=True))
    assert enrolled == {leads.c.pk, leads.fyi.pk}
    leads.c.refresh_from_db()
    assert leads.c.status == LeadStatus.NURTURING
    messages = text(client.get("/leads/?rating=c"))
    assert "2 enrolled in “Keep warm”." in messages


def test_enrolling_nothing_or_another_clients_lead_changes_nothing_and_says_why(
    client: Client, team: Team, leads: Leads, sequence: Sequence
) -> None:
    client.force_login(team.marketer)
    empty = client.post("/nurture/enrol", {"query": "rating=c"})
    assert empty.status_code == 302
    assert "Select at least one lead" in text(client.get("/leads/?rating=c"))
    picked = {"lead": [leads.c.pk, leads.foreign.pk], "sequence": sequence.pk, "confirm": "on"}
    refused = client.post("/nurture/enrol", picked)
    assert refused.status_code == 302
    page = text(client.get("/leads/"))
    assert "Nothing changed: 1 of the 2 selected leads is not in your programs" in page
    assert "Elsewhere" not in page
    assert not Enrollment.objects.exists()


def test_a_lead_in_review_is_skipped_with_the_reason(
    client: Client, team: Team, sequence: Sequence, make_lead: Callable[..., Lead], program: Program
) -> None:
    from leadflow.core.lifecycle import Action
    from leadflow.leads.services import lead_transition

    lead = make_lead(program)
    lead = lead_transition(lead=lead, action=Action.START_QUALIFYING, actor=None, now=NOW)
    lead = lead_transition(lead=lead, action=Action.SUBMIT_FOR_REVIEW, actor=None, now=NOW)
    client.force_login(team.marketer)
    client.post("/nurture/enrol", {"lead": [lead.pk], "sequence": sequence.pk, "confirm": "on"})
    page = text(client.get("/leads/"))
    assert "0 enrolled in “Keep warm”, 1 skipped" in page
    assert not Enrollment.objects.exists()


def test_the_lead_page_shows_the_sequence_step_next_touch_and_consent(
    client: Client, team: Team, sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    lead = nurtured(first_name="Katherine", email="kj@nasa.example")
    leads_enrol(leads=[lead], sequence=sequence, actor=team.marketer, now=NOW)
    run_until(0)
    client.force_login(team.marketer)
    page = text(client.get(f"/leads/{lead.pk}/"))
    assert 'data-testid="nurture-panel"' in page
    assert f'href="/nurture/{sequence.pk}/"' in page
    assert "1 of 4 touches done" in page
    assert "Telesales call on" in page
    assert '<dd data-testid="nurture-consent">allowed</dd>' in page
    assert "Hi Katherine" in page  # the e-mail done, in the panel's list
    assert f'action="/nurture/leads/{lead.pk}/responded"' in page


def test_a_lead_never_nurtured_has_no_nurture_panel(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.marketer)
    assert 'data-testid="nurture-panel"' not in text(client.get(f"/leads/{leads.c.pk}/"))


def test_responded_takes_the_lead_back_to_the_queue(
    client: Client, team: Team, sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    lead = nurtured(first_name="Katherine")
    leads_enrol(leads=[lead], sequence=sequence, actor=team.marketer, now=NOW)
    client.force_login(team.qualifier)
    response = client.post(f"/nurture/leads/{lead.pk}/responded", {"kind": "phone", "note": "Hi"})
    assert response.status_code == 302
    assert response["Location"] == f"/leads/{lead.pk}/"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFYING
    assert Enrollment.objects.get(lead=lead).state == "left"
    page = text(client.get(response["Location"]))
    assert "is back in the qualification queue" in page
    assert 'data-testid="nurture-responded"' in page
    queue = text(client.get("/queue/"))
    assert "Responded to nurture" in queue
    assert f'href="/leads/{lead.pk}/">#{lead.pk} Katherine' in queue


def test_roles_that_do_not_talk_to_prospects_cannot_record_a_response(
    client: Client, team: Team, sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    lead = nurtured()
    leads_enrol(leads=[lead], sequence=sequence, actor=team.marketer, now=NOW)
    client.force_login(team.reviewer)
    assert client.post(f"/nurture/leads/{lead.pk}/responded").status_code == 403
    assert client.post(f"/nurture/leads/{lead.pk}/leave").status_code == 403
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NURTURING


def test_taking_a_lead_out_leaves_it_nurturing_without_a_sequence(
    client: Client, team: Team, sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    lead = nurtured()
    leads_enrol(leads=[lead], sequence=sequence, actor=team.marketer, now=NOW)
    client.force_login(team.manager)
    assert client.post(f"/nurture/leads/{lead.pk}/leave").status_code == 302
    assert Enrollment.objects.get(lead=lead).state == "left"
    again = client.post(f"/nurture/leads/{lead.pk}/leave")
    assert "Nothing changed" in text(client.get(again["Location"]))


def test_due_call_tasks_appear_in_the_qualifiers_queue_until_done(
    client: Client,
    team: Team,
    sequence: Sequence,
    nurtured: Callable[..., Lead],
    make_user: Callable[..., User],
    other_program: Program,
) -> None:
    lead = nurtured(first_name="Katherine", last_name="Johnson", phone="+17575550100")
    leads_enrol(leads=[lead], sequence=sequence, actor=team.marketer, now=NOW)
    run_until(7)
    task = CallTask.objects.get(lead=lead)
    client.force_login(team.qualifier)
    queue = text(client.get("/queue/"))
    assert "Nurture calls due" in queue
    assert f'href="/leads/{lead.pk}/">#{lead.pk} Katherine Johnson' in queue
    page = text(client.get(f"/leads/{lead.pk}/"))
    assert "Ask about budget" in page
    assert client.post(f"/nurture/calls/{task.pk}/done", {"note": "Voicemail"}).status_code == 302
    task.refresh_from_db()
    assert (task.done_by, task.done_at is not None) == (team.qualifier, True)
    assert "Nurture calls due" not in text(client.get("/queue/"))
    other = make_user(Role.QUALIFIER, programs=(other_program,))
    client.force_login(other)
    assert client.post(f"/nurture/calls/{task.pk}/done").status_code == 404


def test_the_mailing_list_exports_new_addresses_once_as_csv_and_again_as_xlsx(
    client: Client, team: Team, sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    lead = nurtured(
        first_name="Katherine",
        last_name="Johnson",
        company="=cmd|' /C calc'!A0",
        street="1 Orbit Way",
        city="Hampton",
        postal_code="23666",
        country="US",
    )
    leads_enrol(leads=[lead], sequence=sequence, actor=team.marketer, now=NOW)
    run_until(21)
    assert MailingListEntry.objects.filter(lead=lead).count() == 1
    client.force_login(team.marketer)
    page = text(client.get(f"/nurture/{sequence.pk}/mailing-list"))
    assert "1 new address" in page
    assert "1 Orbit Way, 23666 Hampton, US" in page
    exported = client.post(f"/nurture/{sequence.pk}/mailing-list/export", {"format": "csv"})
    assert exported.status_code == 200
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in exported["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0][:9] == [
        "FirstName", "LastName", "Title", "Company", "Street", "City", "PostalCode", "State",
        "Country",
    ]  # fmt: skip
    assert rows[1][:2] == ["Katherine", "Johnson"]
    assert rows[1][3] == "'=cmd|' /C calc'!A0"  # formula-safe
    assert len(rows) == 2
    assert MailingListEntry.objects.get(lead=lead).exported_at is not None
    assert "0 new addresses" in text(client.get(f"/nurture/{sequence.pk}/mailing-list"))
    again = client.post(f"/nurture/{sequence.pk}/mailing-list/export", {"format": "csv"})
    assert len(list(csv.reader(io.StringIO(again.content.decode())))) == 1  # nothing new
    workbook = client.get(f"/nurture/{sequence.pk}/mailing-list.xlsx")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][:4] == ("Katherine", "Johnson", None, "=cmd|' /C calc'!A0")
    assert sheet.cell(row=2, column=4).data_type == "s"  # text, never a formula
    assert client.get(f"/nurture/{sequence.pk}/mailing-list.pdf").status_code == 404


def test_marking_the_address_bounced_stops_the_sequence_and_the_clients_e_mail(
    client: Client, team: Team, sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    lead = nurtured(email="kj@nasa.example")
    leads_enrol(leads=[lead], sequence=sequence, actor=team.marketer, now=NOW)
    client.force_login(team.marketer)
    assert "Mark the e-mail address bounced" in text(client.get(f"/leads/{lead.pk}/"))
    response = client.post(f"/nurture/leads/{lead.pk}/bounced")
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(lead=lead)
    assert (enrollment.state, enrollment.left_reason) == ("left", "bounced")
    page = text(client.get(f"/leads/{lead.pk}/"))
    assert "kj@nasa.example marked bounced" in page
    assert '<dd data-testid="nurture-consent">bounced: no marketing e-mail</dd>' in page
    assert "Mark the e-mail address bounced" not in page


def test_the_extension_points_name_real_functions_urls_and_capabilities() -> None:
    from django.urls import reverse
    from django.utils.module_loading import import_string

    from leadflow.accounts.permissions import Capability
    from leadflow.config import leads as registry

    for path in (*registry.LEAD_PANELS, *registry.QUEUE_SECTIONS):
        assert callable(import_string(path)), path
    for action in registry.LEAD_LIST_ACTIONS:
        assert action.capability in set(Capability)
        assert reverse(action.url_name)


def test_the_pages_read_in_a_fixed_number_of_queries(
    client: Client,
    team: Team,
    sequence: Sequence,
    nurtured: Callable[..., Lead],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    """However many leads are in the sequence, the list pages and the queue's calls read in
    the same number of queries."""
    leads = [nurtured(phone=f"+1757555010{n}", street=f"{n} Orbit Way") for n in range(6)]
    leads_enrol(leads=leads, sequence=sequence, actor=team.marketer, now=NOW)
    run_until(21)
    client.force_login(team.marketer)
    for url in (
        "/nurture/",
        f"/nurture/{sequence.pk}/",
        f"/nurture/{sequence.pk}/leads",
        f"/nurture/{sequence.pk}/mailing-list",
        f"/nurture/{sequence.pk}/mailing-list.csv",
    ):
        with django_assert_max_num_queries(8):  # type: ignore[operator]
            assert client.get(url).status_code == 200, url
    client.force_login(team.qualifier)
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        page = text(client.get("/queue/"))
    assert page.count('data-testid="nurture-call"') == 6
