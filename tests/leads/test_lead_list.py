"""The lead list: access per role, filters, search, sort, paging, HTMX partials, saved
filters, bulk actions with their confirmation, and the CSV export."""

from collections.abc import Callable

import pytest
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.leads.models import EventKind, Lead, LeadEvent, SavedFilter
from leadflow.leads.services import lead_transition
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.factories import Leads, Team

pytestmark = pytest.mark.usefixtures("plain_http")


def names(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def test_anonymous_is_sent_to_sign_in(client: Client, db: None) -> None:
    response = client.get("/leads/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/leads/")


@pytest.mark.parametrize("role", ["client_contact", "partner"])
def test_roles_outside_the_list_are_refused(client: Client, team: Team, role: str) -> None:
    client.force_login(getattr(team, role))
    assert client.get("/leads/").status_code == 403
    assert client.get("/leads/export.csv").status_code == 403
    assert client.post("/leads/bulk/", {"action": "nurture", "lead": [1]}).status_code == 403


@pytest.mark.parametrize("role", ["manager", "marketer", "qualifier", "reviewer"])
def test_staff_roles_see_their_programs_leads_only(
    client: Client, team: Team, leads: Leads, role: str
) -> None:
    client.force_login(getattr(team, role))
    page = names(client.get("/leads/"))
    assert "Hedy" in page
    assert "Barbara" in page
    assert "Elsewhere" not in page
    assert f'href="/leads/{leads.hot.pk}/"' in page
    assert "Leads 1\u20135 of 5" in page


def test_filter_by_rating(client: Client, team: Team, leads: Leads) -> None:
    client.force_login(team.manager)
    page = names(client.get("/leads/?rating=hot"))
    assert "Hedy" in page
    assert "Grace" not in page


def test_filters_by_status_channel_campaign_and_program(
    client: Client, team: Team, leads: Leads, program: Program
) -> None:
    lead_transition(lead=leads.a, action=Action.NURTURE, actor=None, now=NOW)
    client.force_login(team.manager)
    assert "Grace" in names(client.get("/leads/?status=nurturing"))
    assert "Hedy" not in names(client.get("/leads/?status=nurturing"))
    page = names(client.get(f"/leads/?campaign=WEB-1&program={program.pk}&channel=web"))
    assert "Grace" in page
    assert "Alan" in page
    assert "Hedy" not in page


def test_filter_by_created_date_range(client: Client, team: Team, leads: Leads) -> None:
    client.force_login(team.manager)
    assert "Hedy" in names(client.get("/leads/?created_from=2026-11-02&created_to=2026-11-02"))
    assert "No leads match" in names(client.get("/leads/?created_from=2026-11-03"))
    assert "No leads match" in names(client.get("/leads/?created_to=2026-11-01"))


def test_filter_by_owner_and_nobody(client: Client, team: Team, leads: Leads) -> None:
    Lead.objects.filter(pk=leads.c.pk).update(owner=team.qualifier)
    client.force_login(team.manager)
    page = names(client.get(f"/leads/?owner={team.qualifier.pk}"))
    assert "Katherine" in page
    assert "Hedy" not in page
    page = names(client.get("/leads/?owner=none"))
    assert "Katherine" not in page
    assert "Hedy" in page


def test_search_matches_name_email_and_company(client: Client, team: Team, leads: Leads) -> None:
    client.force_login(team.manager)
    for text in ("hopper", "COBOL.example", "cobol sys"):
        page = names(client.get("/leads/", {"q": text}))
        assert "Grace" in page, text
        assert "Hedy" not in page, text


def test_search_never_reaches_out_of_scope_leads(client: Client, team: Team, leads: Leads) -> None:
    client.force_login(team.manager)
    assert "No leads match" in names(client.get("/leads/?q=Elsewhere"))


def test_sort_by_score_rating_and_company(client: Client, team: Team, leads: Leads) -> None:
    client.force_login(team.manager)
    page = names(client.get("/leads/?sort=-score"))
    assert page.index("Hedy") < page.index("Barbara")
    page = names(client.get("/leads/?sort=score"))
    assert page.index("Barbara") < page.index("Hedy")
    page = names(client.get("/leads/?sort=rating"))
    assert page.index("Hedy") < page.index("Grace") < page.index("Alan") < page.index("Barbara")
    page = names(client.get("/leads/?sort=company"))
    assert page.index("Alan") < page.index("Grace") < page.index("Katherine")
    assert 'aria-sort="ascending"' in page


def test_unknown_filter_values_are_ignored_not_errors(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.manager)
    response = client.get("/leads/?rating=zzz&sort=nope&page=x&created_from=never")
    assert response.status_code == 200
    assert "Hedy" in names(response)
    assert "not understood" in names(response)


def test_pages_of_fifty(
    client: Client, team: Team, program: Program, make_lead: Callable[..., Lead]
) -> None:
    for number in range(55):
        make_lead(program, first_name=f"Person{number:02d}", external_id=f"x{number}")
    client.force_login(team.manager)
    first = names(client.get("/leads/?sort=company"))
    assert "Leads 1\u201350 of 55" in first
    assert "page=2" in first
    second = names(client.get("/leads/?sort=company&page=2"))
    assert "Leads 51\u201355 of 55" in second
    assert 'rel="next"' not in second


def test_htmx_request_gets_only_the_table(client: Client, team: Team, leads: Leads) -> None:
    client.force_login(team.manager)
    response = client.get("/leads/?rating=hot", headers={"HX-Request": "true"})
    page = names(response)
    assert "<html" not in page
    assert 'id="lead-filters"' not in page
    assert "<table" in page
    assert "Hedy" in page


def test_htmx_history_restore_gets_the_whole_page(client: Client, team: Team, leads: Leads) -> None:
    client.force_login(team.manager)
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    assert "<html" in names(client.get("/leads/", headers=headers))


def test_list_query_count_is_bounded(
    client: Client,
    team: Team,
    program: Program,
    make_lead: Callable[..., Lead],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    for number in range(30):
        lead = make_lead(program, first_name=f"P{number}", external_id=f"q{number}")
        Lead.objects.filter(pk=lead.pk).update(owner=team.qualifier)
    SavedFilter.objects.create(user=team.manager, name="Hot", query="rating=hot")
    client.force_login(team.manager)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        response = client.get("/leads/?sort=-score")
    assert names(response).count("<tr>") == 31


# --- saved filters -----------------------------------------------------------------------------


def test_save_use_and_delete_a_filter(client: Client, team: Team, leads: Leads) -> None:
    client.force_login(team.manager)
    response = client.post(
        "/leads/filters/", {"name": "Hot web", "query": "rating=hot&page=3&junk=1"}
    )
    saved = SavedFilter.objects.get(user=team.manager)
    assert saved.query == "rating=hot"
    assert response["Location"] == "/leads/?rating=hot"
    page = names(client.get("/leads/"))
    assert 'href="/leads/?rating=hot">Hot web</a>' in page
    response = client.post(f"/leads/filters/{saved.pk}/delete/")
    assert response.status_code == 302
    assert not SavedFilter.objects.exists()


def test_saving_a_name_again_replaces_its_query(client: Client, team: Team, db: None) -> None:
    client.force_login(team.manager)
    client.post("/leads/filters/", {"name": "Mine", "query": "rating=hot"})
    client.post("/leads/filters/", {"name": "Mine", "query": "rating=a"})
    assert SavedFilter.objects.get().query == "rating=a"


def test_another_users_saved_filter_is_not_found(client: Client, team: Team, db: None) -> None:
    theirs = SavedFilter.objects.create(user=team.marketer, name="Theirs", query="rating=b")
    client.force_login(team.manager)
    assert client.post(f"/leads/filters/{theirs.pk}/delete/").status_code == 404
    assert "Theirs" not in names(client.get("/leads/"))
    assert SavedFilter.objects.filter(pk=theirs.pk).exists()


# --- bulk actions ------------------------------------------------------------------------------


def test_bulk_nurture_asks_for_confirmation_first(client: Client, team: Team, leads: Leads) -> None:
    client.force_login(team.manager)
    response = client.post(
        "/leads/bulk/", {"action": "nurture", "lead": [leads.c.pk, leads.fyi.pk], "query": ""}
    )
    assert response.status_code == 200
    page = names(response)
    assert "Move to nurture?" in page
    assert "<strong>2</strong> leads" in page
    assert Lead.objects.filter(status=LeadStatus.NURTURING).count() == 0


def test_bulk_nurture_moves_and_reports_skipped_leads(
    client: Client, team: Team, leads: Leads
) -> None:
    lead_transition(lead=leads.b, action=Action.SUBMIT_FOR_REVIEW, actor=None, now=NOW)
    client.force_login(team.manager)
    response = client.post(
        "/leads/bulk/",
        {
            "action": "nurture",
            "lead": [leads.c.pk, leads.fyi.pk, leads.b.pk],
            "query": "rating=c",
            "confirm": "on",
        },
        follow=True,
    )
    page = names(response)
    assert "2 moved to nurture, 1 skipped: a lead that is in_review cannot nurture." in page
    assert response.redirect_chain[-1][0] == "/leads/?rating=c"
    assert set(Lead.objects.filter(status=LeadStatus.NURTURING).values_list("pk", flat=True)) == {
        leads.c.pk,
        leads.fyi.pk,
    }
    events = LeadEvent.objects.filter(kind=EventKind.STATUS_CHANGED, action=Action.NURTURE)
    assert {event.lead_id for event in events} == {leads.c.pk, leads.fyi.pk}
    assert all(event.actor == team.manager for event in events)


def test_bulk_dead_file(client: Client, team: Team, leads: Leads) -> None:
    client.force_login(team.marketer)
    client.post("/leads/bulk/", {"action": "dead_file", "lead": [leads.fyi.pk], "confirm": "on"})
    leads.fyi.refresh_from_db()
    assert leads.fyi.status == LeadStatus.DEAD_FILE


def test_bulk_assign_owner_sets_owner_and_writes_events(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.manager)
    confirm = client.post(
        "/leads/bulk/",
        {"action": "assign", "owner": team.qualifier.pk, "lead": [leads.hot.pk, leads.a.pk]},
    )
    assert f"Assign to {team.qualifier.username}?" in names(confirm)
    response = client.post(
        "/leads/bulk/",
        {
            "action": "assign",
            "owner": team.qualifier.pk,
            "lead": [leads.hot.pk, leads.a.pk],
            "confirm": "on",
        },
        follow=True,
    )
    assert f"2 assigned to {team.qualifier.username}." in names(response)
    assert Lead.objects.filter(owner=team.qualifier).count() == 2
    assert LeadEvent.objects.filter(kind=EventKind.OWNER_CHANGED).count() == 2


def test_bulk_assign_needs_a_qualifier(client: Client, team: Team, leads: Leads) -> None:
    client.force_login(team.manager)
    response = client.post(
        "/leads/bulk/", {"action": "assign", "lead": [leads.hot.pk], "confirm": "on"}, follow=True
    )
    assert "Nothing changed" in names(response)
    assert not Lead.objects.filter(owner__isnull=False).exists()


def test_bulk_actions_follow_the_role(client: Client, team: Team, leads: Leads) -> None:
    client.force_login(team.marketer)
    response = client.post(
        "/leads/bulk/",
        {"action": "assign", "owner": team.qualifier.pk, "lead": [leads.hot.pk], "confirm": "on"},
        follow=True,
    )
    assert "Nothing changed" in names(response)
    assert not Lead.objects.filter(owner__isnull=False).exists()
    client.force_login(team.qualifier)
    assert 'id="bulk-form"' not in names(client.get("/leads/"))
    assert client.post("/leads/bulk/", {"action": "nurture"}).status_code == 403


def test_bulk_with_one_out_of_scope_lead_changes_nothing(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.manager)
    response = client.post(
        "/leads/bulk/",
        {"action": "nurture", "lead": [leads.foreign.pk, leads.c.pk], "confirm": "on"},
        follow=True,
    )
    assert "Nothing changed: 1 of the 2 selected leads is not in your programs" in names(response)
    for lead in (leads.foreign, leads.c):
        lead.refresh_from_db()
        assert lead.status == LeadStatus.NEW
    assert not LeadEvent.objects.filter(kind=EventKind.STATUS_CHANGED).exists()


@pytest.mark.parametrize("action", ["nurture", "dead_file", "assign", "campaign", "export"])
def test_bulk_with_nothing_selected_says_select_at_least_one_lead(
    client: Client, team: Team, leads: Leads, action: str
) -> None:
    client.force_login(team.manager)
    before = LeadEvent.objects.count()
    response = client.post(
        "/leads/bulk/",
        {"action": action, "owner": team.qualifier.pk, "campaign": "X", "query": "rating=c"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/leads/?rating=c"
    assert '<li class="error">Select at least one lead.</li>' in names(response)
    assert LeadEvent.objects.count() == before


def test_bulk_campaign_confirms_then_moves_the_leads_with_events(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.marketer)
    picked = {"action": "campaign", "campaign": " EVT-9 ", "lead": [leads.a.pk, leads.hot.pk]}
    confirm = client.post("/leads/bulk/", picked)
    assert "Set the campaign?" in names(confirm)
    assert "EVT-9" in names(confirm)
    assert Lead.objects.filter(campaign="EVT-9").count() == 0
    response = client.post("/leads/bulk/", {**picked, "confirm": "on"}, follow=True)
    assert "1 moved to the campaign EVT-9, 1 skipped" not in names(response)
    assert "2 moved to the campaign EVT-9." in names(response)
    assert set(Lead.objects.filter(campaign="EVT-9").values_list("pk", flat=True)) == {
        leads.a.pk,
        leads.hot.pk,
    }
    events = LeadEvent.objects.filter(kind=EventKind.UPDATED, action="set_campaign")
    assert {(e.lead_id, e.before["campaign"], e.after["campaign"]) for e in events} == {
        (leads.a.pk, "WEB-1", "EVT-9"),
        (leads.hot.pk, "EVT-1", "EVT-9"),
    }


def test_bulk_campaign_needs_a_code(client: Client, team: Team, leads: Leads) -> None:
    client.force_login(team.marketer)
    response = client.post(
        "/leads/bulk/",
        {"action": "campaign", "campaign": "  ", "lead": [leads.a.pk], "confirm": "on"},
        follow=True,
    )
    assert "Nothing changed: Type the campaign code" in names(response)
    leads.a.refresh_from_db()
    assert leads.a.campaign == "WEB-1"


def test_bulk_export_gives_the_selected_leads_as_csv_and_records_it(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.marketer)
    response = client.post("/leads/bulk/", {"action": "export", "lead": [leads.b.pk, leads.a.pk]})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="selected-leads-' in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert lines[0].startswith("id,created_at,client,program,status")
    assert [line.split(",")[0] for line in lines[1:]] == [str(leads.a.pk), str(leads.b.pk)]
    assert "'=HYPERLINK" in lines[2]
    events = LeadEvent.objects.filter(kind=EventKind.EXPORTED)
    assert {(e.lead_id, e.actor) for e in events} == {
        (leads.a.pk, team.marketer),
        (leads.b.pk, team.marketer),
    }


def test_bulk_export_of_an_out_of_scope_lead_gives_no_file(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.marketer)
    response = client.post(
        "/leads/bulk/", {"action": "export", "lead": [leads.a.pk, leads.foreign.pk]}, follow=True
    )
    assert response["Content-Type"].startswith("text/html")
    assert "Nothing changed: 1 of the 2 selected leads" in names(response)
    assert not LeadEvent.objects.filter(kind=EventKind.EXPORTED).exists()


def test_bulk_bar_offers_campaign_and_export_to_marketing(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.marketer)
    page = names(client.get("/leads/"))
    assert '<option value="campaign">Set the campaign</option>' in page
    assert '<option value="export">Export as CSV</option>' in page
    assert '<option value="assign">' not in page


# --- CSV export --------------------------------------------------------------------------------


def test_export_streams_the_filtered_list_formula_safe(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.manager)
    response = client.get("/leads/export.csv?campaign=WEB-1&sort=company")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()  # type: ignore[arg-type]
    assert lines[0].startswith("id,created_at,client,program,status")
    assert len(lines) == 3
    assert "'=HYPERLINK" in lines[1]
    assert "Grace" in lines[2]


def test_export_keeps_phone_numbers_as_they_are(
    client: Client, team: Team, program: Program, make_lead: Callable[..., Lead]
) -> None:
    make_lead(program, first_name="Mary", phone="+14155550100", company="-12.5 Degrees")
    client.force_login(team.manager)
    body = b"".join(client.get("/leads/export.csv").streaming_content).decode()  # type: ignore[attr-defined]
    row = next(line for line in body.splitlines() if "Mary" in line)
    assert ",+14155550100," in row
    assert "'+14155550100" not in body
    assert ",'-12.5 Degrees," in row


def test_export_keeps_to_the_scope(client: Client, team: Team, leads: Leads) -> None:
    client.force_login(team.outsider)
    body = b"".join(client.get("/leads/export.csv").streaming_content).decode()  # type: ignore[attr-defined]
    assert "Elsewhere" in body
    assert "Hedy" not in body


@pytest.mark.parametrize("role", ["qualifier", "reviewer"])
def test_export_is_for_managers_marketers_and_admins(
    client: Client, team: Team, role: str, db: None
) -> None:
    client.force_login(getattr(team, role))
    assert client.get("/leads/export.csv").status_code == 403


def test_admin_sees_every_program(
    client: Client, leads: Leads, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.ADMIN))
    page = names(client.get("/leads/"))
    assert "Elsewhere" in page
    assert "Hedy" in page


def _bulk_bar(page: str) -> str:
    return page.split('id="bulk-form"')[1].split("</form>")[0]


def test_each_bulk_input_has_a_plain_label_and_belongs_to_its_action(
    client: Client, team: Team, leads: Leads
) -> None:
    """The new owner and the campaign code are named for what they are, and each sits in the
    part of the bar that shows only while its action is chosen (lead-list.css)."""
    client.force_login(team.manager)
    bar = _bulk_bar(names(client.get("/leads/")))
    assert (
        '<span class="bulk-field bulk-input-assign"><label for="bulk-owner">New owner</label>'
    ) in bar
    assert (
        '<span class="bulk-field bulk-input-campaign">'
        '<label for="bulk-campaign">Campaign code</label>'
    ) in bar
    assert "(for" not in bar


def test_a_role_without_an_input_action_gets_no_input(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.marketer)
    bar = _bulk_bar(names(client.get("/leads/")))
    assert "Campaign code" in bar
    assert "New owner" not in bar
    assert 'id="bulk-owner"' not in bar
