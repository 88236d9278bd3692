"""The lead workspace: who sees it, who changes it, holds, the live panel, saving answers,
calls, the ways out of qualification, and the history."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries, Settings

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.leads.models import CallLog, EventKind, Lead
from leadflow.leads.services import LeadInput, lead_create, lead_transition
from leadflow.leads.services.queue import lead_hold
from leadflow.programs.models import Program
from tests.conftest import NOW

FYI: dict[str, object] = {}
HOT_FORM = {
    "answer_budget": "approved",
    "answer_authority": "",
    "answer_need": "established",
    "answer_timeframe_months": "2",
}


@pytest.fixture(autouse=True)
def plain_http(settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def qualifier(program: Program, make_user: Callable[..., User]) -> User:
    return make_user(Role.QUALIFIER, programs=(program,))


@pytest.fixture
def lead(program: Program) -> Lead:
    """An FYI lead: nothing answered yet."""
    data = LeadInput(
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        company="Analytical Engines Ltd",
        answers=FYI,
    )
    return lead_create(program=program, data=data, actor=None, now=NOW)


@pytest.fixture
def working(client: Client, qualifier: User, lead: Lead) -> Client:
    """The qualifier has the lead open (and so holds it)."""
    client.force_login(qualifier)
    assert client.get(f"/leads/{lead.pk}/").status_code == 200
    return client


def kinds(lead: Lead) -> list[str]:
    return list(lead.events.order_by("at", "id").values_list("kind", flat=True))


def test_anonymous_is_sent_to_sign_in(client: Client, lead: Lead) -> None:
    response = client.get(f"/leads/{lead.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "role", [Role.QUALIFIER, Role.MANAGER, Role.REVIEWER, Role.MARKETER, Role.ADMIN]
)
def test_staff_roles_open_the_workspace(
    client: Client, program: Program, lead: Lead, make_user: Callable[..., User], role: Role
) -> None:
    client.force_login(make_user(role, programs=(program,)))
    response = client.get(f"/leads/{lead.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ada Lovelace" in page
    assert "Call script" in page
    assert 'aria-live="polite"' in page


@pytest.mark.parametrize("role", [Role.CLIENT, Role.PARTNER])
def test_client_contacts_and_partners_do_not_find_it(
    client: Client, program: Program, lead: Lead, make_user: Callable[..., User], role: Role
) -> None:
    client.force_login(make_user(role, programs=(program,)))
    assert client.get(f"/leads/{lead.pk}/").status_code == 404
    assert client.post(f"/leads/{lead.pk}/answers", HOT_FORM).status_code == 404


def test_a_lead_out_of_scope_is_not_found(
    client: Client, other_program: Program, qualifier: User, make_lead: Callable[..., Lead]
) -> None:
    theirs = make_lead(other_program)
    client.force_login(qualifier)
    assert client.get(f"/leads/{theirs.pk}/").status_code == 404
    assert client.post(f"/leads/{theirs.pk}/preview", HOT_FORM).status_code == 404
    assert client.get("/leads/999999/").status_code == 404


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.MARKETER])
def test_read_only_roles_see_no_forms_hold_nothing_and_are_refused_writes(
    client: Client, program: Program, lead: Lead, make_user: Callable[..., User], role: Role
) -> None:
    client.force_login(make_user(role, programs=(program,)))
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert '<form method="post" action="/leads/' not in page
    assert "Save answers" not in page
    lead.refresh_from_db()
    assert (lead.held_by, lead.status) == (None, LeadStatus.NEW)
    for path in ("answers", "preview", "calls", "submit", "nurture", "disqualify"):
        assert client.post(f"/leads/{lead.pk}/{path}", HOT_FORM).status_code == 403


def test_opening_the_workspace_holds_the_lead_and_starts_its_qualification(
    working: Client, qualifier: User, lead: Lead
) -> None:
    lead.refresh_from_db()
    assert (lead.held_by, lead.status) == (qualifier, LeadStatus.QUALIFYING)
    page = working.get(f"/leads/{lead.pk}/").content.decode()
    assert "Save answers" in page
    assert f'hx-post="/leads/{lead.pk}/preview"' in page
    assert 'hx-trigger="change"' in page
    assert kinds(lead) == [EventKind.CREATED, EventKind.HELD, EventKind.STATUS_CHANGED]


def test_a_lead_held_by_another_qualifier_is_read_only(
    client: Client,
    program: Program,
    lead: Lead,
    make_user: Callable[..., User],
) -> None:
    other = make_user(Role.QUALIFIER, programs=(program,))
    other.first_name, other.last_name = "Olga", "Other"
    other.save()
    lead_hold(lead=lead, user=other, now=timezone.now())
    client.force_login(make_user(Role.QUALIFIER, programs=(program,)))
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "being worked by <strong>Olga Other</strong> until" in page
    assert "Save answers" not in page
    assert "Submit to QA review" not in page
    response = client.post(f"/leads/{lead.pk}/answers", HOT_FORM, follow=True)
    assert "Nothing changed: " in response.content.decode()
    lead.refresh_from_db()
    assert (lead.answers, lead.held_by) == ({}, other)


def test_the_preview_returns_the_panel_with_the_new_rating_and_saves_nothing(
    working: Client, lead: Lead
) -> None:
    before = kinds(lead)
    response = working.post(f"/leads/{lead.pk}/preview", HOT_FORM, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    panel = response.content.decode()
    assert "<html" not in panel
    assert 'data-testid="rating">Hot</strong>' in panel
    assert "Preview of the answers on screen" in panel
    lead.refresh_from_db()
    assert (lead.rating, lead.answers) == ("fyi", {})
    assert kinds(lead) == before


def test_the_preview_of_an_invalid_answer_names_it(working: Client, lead: Lead) -> None:
    form = {**HOT_FORM, "answer_timeframe_months": "soon"}
    panel = working.post(f"/leads/{lead.pk}/preview", form).content.decode()
    assert "Not computed" in panel
    assert "Decision time frame (months): &#x27;soon&#x27; is not a number" in panel


def test_saving_answers_requalifies_and_records_the_events(
    working: Client, qualifier: User, lead: Lead
) -> None:
    response = working.post(f"/leads/{lead.pk}/answers", HOT_FORM, follow=True)
    assert response.redirect_chain == [(f"/leads/{lead.pk}/", 302)]
    assert "Answers saved: rating Hot, score 75." in response.content.decode()
    lead.refresh_from_db()
    assert lead.answers == {"budget": "approved", "need": "established", "timeframe_months": 2}
    assert (lead.rating, lead.stage, lead.score) == ("hot", "opportunity", 75)
    updated = lead.events.get(kind=EventKind.UPDATED)
    assert updated.actor == qualifier
    assert lead.events.filter(kind=EventKind.QUALIFIED).count() == 1


def test_saving_unchanged_answers_records_nothing(working: Client, lead: Lead) -> None:
    before = kinds(lead)
    form = {"answer_budget": "", "answer_timeframe_months": ""}
    response = working.post(f"/leads/{lead.pk}/answers", form, follow=True)
    assert "Nothing to save" in response.content.decode()
    assert kinds(lead) == before


def test_an_invalid_answer_is_shown_beside_its_question_and_nothing_is_saved(
    working: Client, lead: Lead
) -> None:
    before = kinds(lead)
    form = {**HOT_FORM, "answer_timeframe_months": "-3"}
    response = working.post(f"/leads/{lead.pk}/answers", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_answer_timeframe_months_error">-3 is below the minimum 0</p>' in page
    assert 'value="-3" aria-describedby="id_answer_timeframe_months_help' in page
    assert 'value="approved" checked' in page
    lead.refresh_from_db()
    assert lead.answers == {}
    assert kinds(lead) == before


def test_logging_a_call_adds_it_to_the_call_log(
    working: Client, qualifier: User, lead: Lead
) -> None:
    form = {"call-outcome": "no_answer", "call-note": "Rang twice", "call-next_call_at": ""}
    response = working.post(f"/leads/{lead.pk}/calls", form, follow=True)
    assert response.redirect_chain == [(f"/leads/{lead.pk}/", 302)]
    page = response.content.decode()
    assert "Call logged." in page
    assert "<strong>No answer</strong>" in page
    assert "Rang twice" in page
    call = CallLog.objects.get()
    assert (call.caller, call.outcome, call.next_call_at) == (qualifier, "no_answer", None)
    assert lead.events.filter(kind=EventKind.CALL).count() == 1


def test_a_call_back_time_releases_the_lead_until_then(working: Client, lead: Lead) -> None:
    later = timezone.localtime() + timedelta(days=1)
    form = {"call-outcome": "callback", "call-next_call_at": f"{later:%Y-%m-%dT%H:%M}"}
    response = working.post(f"/leads/{lead.pk}/calls", form, follow=True)
    assert response.redirect_chain == [("/queue/", 302)]
    assert "comes back to the queue at" in response.content.decode()
    lead.refresh_from_db()
    assert lead.held_by is None
    assert lead.next_call_at == later.replace(second=0, microsecond=0)


def test_a_call_back_time_in_the_past_is_refused(working: Client, lead: Lead) -> None:
    earlier = timezone.localtime() - timedelta(hours=1)
    form = {"call-outcome": "callback", "call-next_call_at": f"{earlier:%Y-%m-%dT%H:%M}"}
    response = working.post(f"/leads/{lead.pk}/calls", form)
    assert response.status_code == 400
    assert "The next call must be in the future." in response.content.decode()
    assert CallLog.objects.count() == 0


def test_submitting_to_review_releases_the_hold_and_records_the_transition(
    working: Client, qualifier: User, lead: Lead
) -> None:
    response = working.post(f"/leads/{lead.pk}/submit", follow=True)
    assert response.redirect_chain == [("/queue/", 302)]
    assert f"Lead #{lead.pk} submitted for QA review (rating FYI)." in response.content.decode()
    lead.refresh_from_db()
    assert (lead.status, lead.held_by) == (LeadStatus.IN_REVIEW, None)
    submitted = lead.events.get(action=Action.SUBMIT_FOR_REVIEW)
    assert (submitted.from_status, submitted.to_status, submitted.actor) == (
        "qualifying",
        "in_review",
        qualifier,
    )
    assert kinds(lead)[-1] == EventKind.RELEASED


def test_a_lead_in_review_is_read_only_and_a_second_submit_is_a_message_not_an_error(
    working: Client, lead: Lead
) -> None:
    working.post(f"/leads/{lead.pk}/submit")
    page = working.get(f"/leads/{lead.pk}/").content.decode()
    assert "Read-only: this lead is in review" in page
    assert "Save answers" not in page
    response = working.post(f"/leads/{lead.pk}/submit", follow=True)
    assert response.status_code == 200
    assert "Nothing changed: This lead is in review" in response.content.decode()


def test_disqualifying_needs_a_reason_and_a_confirmation(working: Client, lead: Lead) -> None:
    response = working.post(f"/leads/{lead.pk}/disqualify", {"disqualify-reason": "competitor"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFYING
    unspecified = {"disqualify-reason": "unspecified", "disqualify-confirm": "on"}
    working.post(f"/leads/{lead.pk}/disqualify", unspecified)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFYING
    form = {
        "disqualify-reason": "competitor",
        "disqualify-note": "works for Globex",
        "disqualify-confirm": "on",
    }
    response = working.post(f"/leads/{lead.pk}/disqualify", form, follow=True)
    assert response.redirect_chain == [("/queue/", 302)]
    assert "disqualified (Competitor)" in response.content.decode()
    lead.refresh_from_db()
    assert (lead.status, lead.disqualification, lead.rating, lead.held_by) == (
        LeadStatus.DISQUALIFIED,
        "competitor",
        None,
        None,
    )
    event = lead.events.get(action=Action.DISQUALIFY)
    assert event.reason == "competitor: works for Globex"


def test_sending_to_nurture(working: Client, lead: Lead) -> None:
    response = working.post(f"/leads/{lead.pk}/nurture", follow=True)
    assert "sent to nurture" in response.content.decode()
    lead.refresh_from_db()
    assert (lead.status, lead.held_by) == (LeadStatus.NURTURING, None)


def test_the_dead_file_needs_a_confirmation(working: Client, lead: Lead) -> None:
    response = working.post(f"/leads/{lead.pk}/dead-file", follow=True)
    assert "tick the box" in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFYING
    working.post(f"/leads/{lead.pk}/dead-file", {"dead_file-confirm": "on"})
    lead.refresh_from_db()
    assert lead.status == LeadStatus.DEAD_FILE


def test_stepping_away_gives_the_lead_back_to_the_queue(working: Client, lead: Lead) -> None:
    response = working.post(f"/leads/{lead.pk}/release")
    assert response["Location"] == "/queue/"
    lead.refresh_from_db()
    assert (lead.status, lead.held_by) == (LeadStatus.QUALIFYING, None)


def test_a_pushed_back_lead_shows_the_reason_first(
    client: Client, qualifier: User, lead: Lead, make_user: Callable[..., User]
) -> None:
    now = timezone.now()
    lead_transition(lead=lead, action=Action.SUBMIT_FOR_REVIEW, actor=qualifier, now=now)
    lead_transition(
        lead=lead, action=Action.PUSH_BACK, actor=None, now=now, reason="Budget not confirmed"
    )
    client.force_login(qualifier)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Pushed back by QA review" in page
    assert page.index("Budget not confirmed") < page.index("Call script")


def test_the_history_shows_every_event_as_a_sentence_newest_first(
    working: Client, lead: Lead, qualifier: User
) -> None:
    who = qualifier.get_username()
    working.post(f"/leads/{lead.pk}/answers", HOT_FORM)
    working.post(f"/leads/{lead.pk}/calls", {"call-outcome": "connected", "call-note": "Call CFO"})
    page = working.get(f"/leads/{lead.pk}/").content.decode()
    history = page[page.index('id="history-heading"') :]
    assert history.count('<p class="ws-sentence">') == lead.events.count() == 6
    sentences = [
        f"{who} called: connected — “Call CFO”.",
        f"{who} re-qualified the lead: now rated Hot.",
        f"{who} changed the lead.",
        f"{who} started qualifying the lead.",
        f"{who} opened the lead to call.",
        "LeadFlow created the lead.",
    ]
    positions = [history.index(text) for text in sentences]
    assert positions == sorted(positions)  # newest first
    assert "<summary>What changed" in history
    assert 'ws-change-field">Budget</span>: approved' in history
    assert 'ws-change-field">Rating</span>: FYI → Hot' in history


def test_the_history_filters_by_kind(working: Client, lead: Lead) -> None:
    working.post(f"/leads/{lead.pk}/calls", {"call-outcome": "no_answer"})
    page = working.get(f"/leads/{lead.pk}/?history=calls").content.decode()
    history = page[page.index('id="history-heading"') :]
    assert 'href="?history=calls#history-heading" aria-current="true"' in history
    assert "called: no answer" in history
    assert "created the lead" not in history
    everything = working.get(f"/leads/{lead.pk}/").content.decode()
    assert "created the lead" in everything


def test_the_workspace_needs_few_queries(
    working: Client,
    lead: Lead,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for _ in range(5):
        working.post(f"/leads/{lead.pk}/calls", {"call-outcome": "no_answer"})
    # 14 for the workspace, 5 for the sales panel (tasks, assessment, demos, proposals, kit),
    # 1 for the timeline's open sales tasks, 1 for the scoring panel's prediction, 1 for the
    # appointments panel.
    with django_assert_max_num_queries(22):
        assert working.get(f"/leads/{lead.pk}/").status_code == 200
    with django_assert_max_num_queries(8):
        assert working.post(f"/leads/{lead.pk}/preview", HOT_FORM).status_code == 200


def test_a_call_note_can_be_marked_for_sales(working: Client, lead: Lead) -> None:
    working.post(
        f"/leads/{lead.pk}/calls",
        {"call-outcome": "connected", "call-note": "Wants a demo in May", "call-for_sales": "on"},
    )
    assert CallLog.objects.get(lead=lead).for_sales
    page = working.get(f"/leads/{lead.pk}/").content.decode()
    assert "For sales</span> Wants a demo in May" in page
    refused = working.post(
        f"/leads/{lead.pk}/calls", {"call-outcome": "connected", "call-for_sales": "on"}
    )
    assert refused.status_code == 400
    assert "Write the note sales should read" in refused.content.decode()
    assert CallLog.objects.filter(lead=lead).count() == 1
