"""The partner portal with Django's test client: the inbox shows only the partner's own leads
with their deadlines; a lead it does not hold (never did, declined, taken away) is 404 on every
page and step, e-mail links included; claim, decline, first contact and outcome change the lead
and its history; bad input is shown beside its field; a refused step is a message with 409."""

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from pytest_django import DjangoAssertNumQueries, Settings

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import Action, LeadStatus
from leadflow.core.routing import TerritoryRule
from leadflow.leads.models import EventKind, Lead
from leadflow.notifications.selectors import outbox_messages
from leadflow.partners.models import Assignment, Decline, EndReason, Partner
from leadflow.partners.services import leads_route
from leadflow.partners.services.notify import assignment_key
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.partners.conftest import member

pytestmark = pytest.mark.django_db
#: An hour after the leads are routed (Monday 2 November 2026, 06:30 in Los Angeles): the
#: claim and first-contact clocks of an A lead end Wednesday 23:59 PST.
LATER = NOW + timedelta(hours=1)
CLAIM_DUE = datetime(2026, 11, 5, 7, 59, 59, 999999, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _web(settings: Settings) -> Iterator[None]:
    settings.SECURE_SSL_REDIRECT = False
    with time_machine.travel(LATER, tick=False):
        yield


MakePartner = Callable[..., Partner]
MakeApproved = Callable[..., Lead]


def routed(lead: Lead, at: datetime = NOW) -> Assignment:
    [result] = leads_route(lead_ids=[lead.pk], now=at)
    assert result.status == "assigned", result
    return Assignment.objects.select_related("partner").get(pk=result.assignment_id)


@pytest.fixture
def partner(make_partner: MakePartner) -> Partner:
    return make_partner("Bay Area Resellers")


@pytest.fixture
def lead(partner: Partner, partner_program: Program, make_approved: MakeApproved) -> Lead:
    lead = make_approved(
        partner_program,
        "a",
        company="Analytical Engines Ltd",
        email="ada@engines.example",
        phone="+14155550100",
    )
    assert routed(lead).partner == partner
    return lead


@pytest.fixture
def browser_of(client: Client) -> Callable[[Partner], Client]:
    def sign_in(partner: Partner) -> Client:
        client.force_login(member(partner))
        return client

    return sign_in


def kinds(lead: Lead) -> list[tuple[str, str]]:
    return list(lead.events.order_by("at", "id").values_list("kind", "action"))


def claim(client: Client, lead: Lead) -> None:
    response = client.post(f"/partners/leads/{lead.pk}/claim/")
    assert response.status_code == 302, response.content.decode()


def contact(client: Client, lead: Lead, at: str = "2026-11-02T07:00") -> None:
    response = client.post(
        f"/partners/leads/{lead.pk}/contact/",
        {"contact-channel": "phone", "contact-at": at, "contact-note": "Spoke to Ada."},
    )
    assert response.status_code == 302, response.content.decode()


# --- who gets in ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, lead: Lead) -> None:
    for path in ("/partners/", f"/partners/leads/{lead.pk}/", "/partners/record/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_staff_without_a_partner_get_403_on_the_portal_and_404_on_its_lead_pages(
    client: Client, lead: Lead, partner_program: Program, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.QUALIFIER, programs=(partner_program,)))
    assert client.get("/partners/").status_code == 403
    assert client.get("/partners/record/").status_code == 403
    assert client.get(f"/partners/leads/{lead.pk}/").status_code == 404
    assert client.post(f"/partners/leads/{lead.pk}/claim/").status_code == 404


def test_a_partner_role_without_a_partner_gets_403(
    client: Client, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.PARTNER))
    assert client.get("/partners/").status_code == 403


def test_managers_opening_the_portal_are_sent_to_the_partners_pages(
    client: Client, make_user: Callable[..., User], partner_program: Program
) -> None:
    client.force_login(make_user(Role.MANAGER, clients=(partner_program.client,)))
    response = client.get("/partners/")
    assert (response.status_code, response["Location"]) == (302, "/partners/manage/")


# --- the inbox --------------------------------------------------------------------------------


def test_the_inbox_shows_only_the_partners_own_active_leads(
    browser_of: Callable[[Partner], Client],
    partner: Partner,
    lead: Lead,
    make_partner: MakePartner,
    partner_program: Program,
    make_approved: MakeApproved,
) -> None:
    other = make_partner(
        "Toronto Partner",
        territories=(TerritoryRule("CA"),),
        country="CA",
        subdivision="ON",
        timezone="America/Toronto",
    )
    foreign = make_approved(
        partner_program, "b", company="Somebody Else's Lead", country="CA", subdivision="ON"
    )
    assert routed(foreign).partner == other

    page = browser_of(partner).get("/partners/").content.decode()

    assert "Analytical Engines Ltd" in page
    assert "Somebody Else" not in page
    assert f'data-lead="{lead.pk}"' in page
    assert f'data-lead="{foreign.pk}"' not in page


def test_the_inbox_counts_down_to_the_next_deadline_in_working_days(
    browser_of: Callable[[Partner], Client], partner: Partner, lead: Lead
) -> None:
    page = browser_of(partner).get("/partners/").content.decode()
    assert "Claim: 2 working days left" in page
    assert "Wed 4 Nov, 23:59 PST" in page  # the partner's timezone


def test_a_hot_leads_next_deadline_is_the_first_contact_due_before_the_claim(
    browser_of: Callable[[Partner], Client],
    partner: Partner,
    partner_program: Program,
    make_approved: MakeApproved,
) -> None:
    routed(make_approved(partner_program, "hot", company="Hot Prospect Inc"))
    with time_machine.travel(datetime(2026, 11, 3, 20, 0, tzinfo=UTC), tick=False):
        page = browser_of(partner).get("/partners/").content.decode()
    assert "First contact: 11 h 59 min left" in page


def test_the_inbox_poll_renders_the_open_leads_only(
    browser_of: Callable[[Partner], Client], partner: Partner, lead: Lead
) -> None:
    response = browser_of(partner).get("/partners/", headers={"HX-Request": "true"})
    page = response.content.decode()
    assert 'id="inbox-open"' in page
    assert "Analytical Engines Ltd" in page
    assert "<html" not in page


def test_the_inbox_reads_a_fixed_number_of_queries(
    browser_of: Callable[[Partner], Client],
    partner: Partner,
    partner_program: Program,
    make_approved: MakeApproved,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for number in range(6):
        routed(make_approved(partner_program, "a", company=f"Company {number}"))
    client = browser_of(partner)
    # 8, and one for what the apps show beside the ratings (config/ratings.py)
    with django_assert_max_num_queries(9):
        response = client.get("/partners/")
    assert response.content.decode().count('data-testid="inbox-row"') == 6


# --- the lead page ----------------------------------------------------------------------------


def test_the_lead_page_shows_contact_qualification_and_clocks(
    browser_of: Callable[[Partner], Client], partner: Partner, lead: Lead
) -> None:
    response = browser_of(partner).get(f"/partners/leads/{lead.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'href="mailto:ada@engines.example"' in page
    assert 'href="tel:+14155550100"' in page
    assert re.search(r'data-testid="clock-claim">\s*<span[^>]*>Claim</span>', page)
    assert "2 working days left" in page
    assert "Starts at first contact" in page  # the follow-up clock waits
    assert "Claim this lead" in page


def test_a_lead_of_another_partner_is_404_on_every_page_and_step(
    client: Client, lead: Lead, make_partner: MakePartner
) -> None:
    client.force_login(member(make_partner("Not The Holder")))
    assert client.get(f"/partners/leads/{lead.pk}/").status_code == 404
    for step in ("claim", "decline", "contact", "outcome"):
        assert client.post(f"/partners/leads/{lead.pk}/{step}/").status_code == 404
    assert client.get("/partners/leads/999999/").status_code == 404
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED


def test_claiming_moves_the_lead_and_writes_its_history(
    browser_of: Callable[[Partner], Client], partner: Partner, lead: Lead
) -> None:
    client = browser_of(partner)
    response = client.post(f"/partners/leads/{lead.pk}/claim/", follow=True)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CLAIMED
    assert kinds(lead)[-1] == (EventKind.STATUS_CHANGED, Action.CLAIM)
    page = response.content.decode()
    assert (
        f"Lead #{lead.pk} claimed. Record the first contact by Thu 05 Nov 07:59 UTC "
        "(Wed 04 Nov 23:59 PST in the partner&#x27;s time zone)."
    ) in page
    assert "Record the first contact" in page


def test_claiming_twice_is_a_message_with_409_and_changes_nothing(
    browser_of: Callable[[Partner], Client], partner: Partner, lead: Lead
) -> None:
    client = browser_of(partner)
    claim(client, lead)
    events = kinds(lead)
    response = client.post(f"/partners/leads/{lead.pk}/claim/")
    assert response.status_code == 409
    assert "Nothing changed: a lead that is claimed cannot claim" in response.content.decode()
    assert kinds(lead) == events


def test_claiming_after_the_deadline_is_refused_with_409(
    browser_of: Callable[[Partner], Client], partner: Partner, lead: Lead
) -> None:
    with time_machine.travel(CLAIM_DUE + timedelta(minutes=5), tick=False):
        response = browser_of(partner).post(f"/partners/leads/{lead.pk}/claim/")
    assert response.status_code == 409
    assert "the claim deadline passed" in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED


# --- decline ----------------------------------------------------------------------------------


def test_declining_needs_a_reason_and_other_needs_a_note(
    browser_of: Callable[[Partner], Client], partner: Partner, lead: Lead
) -> None:
    client = browser_of(partner)
    response = client.post(f"/partners/leads/{lead.pk}/decline/", {"decline-reason": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = client.post(
        f"/partners/leads/{lead.pk}/decline/", {"decline-reason": "other", "decline-note": " "}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(r'id="id_decline-note_error"><li>say why in the note</li>', page)
    assert '<details class="pp-action" open>' in page
    assert not Decline.objects.exists()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED


def test_a_declined_lead_goes_to_the_next_partner_and_is_404_for_the_old_one(
    client: Client, partner: Partner, lead: Lead, make_partner: MakePartner
) -> None:
    nextone = make_partner("Next In Line")
    [message] = outbox_messages(key_prefix=assignment_key(lead.assignments.get().pk))
    [link] = re.findall(r"/partners/leads/\d+/", message.content["body"])
    client.force_login(member(partner))
    assert client.get(link).status_code == 200

    response = client.post(
        f"/partners/leads/{lead.pk}/decline/",
        {"decline-reason": "outside_territory", "decline-note": "Not our county."},
        follow=True,
    )

    page = response.content.decode()
    assert f"Lead #{lead.pk} declined (outside our territory)" in page
    assert f'data-lead="{lead.pk}"' not in page
    old = Assignment.objects.get(lead=lead, partner=partner)
    assert old.end_reason == EndReason.DECLINED
    assert Assignment.objects.active().get(lead=lead).partner == nextone
    assert Decline.objects.get(assignment=old).reason == "outside_territory"
    assert (EventKind.DECLINED, "") in kinds(lead)
    gone = client.get(link)
    assert gone.status_code == 404
    assert f"Lead #{lead.pk} is not in your inbox" in gone.content.decode()
    assert client.post(f"/partners/leads/{lead.pk}/claim/").status_code == 404
    client.force_login(member(nextone))
    assert client.get(link).status_code == 200


# --- first contact ----------------------------------------------------------------------------


def test_the_first_contact_is_read_in_the_partners_timezone(
    browser_of: Callable[[Partner], Client], partner: Partner, lead: Lead
) -> None:
    client = browser_of(partner)
    claim(client, lead)
    contact(client, lead, at="2026-11-02T07:00")  # 07:00 in Los Angeles
    lead.refresh_from_db()
    assignment = lead.assignments.get()
    assert lead.status == LeadStatus.CONTACTED
    assert assignment.contact_at == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    assert (assignment.contact_channel, assignment.contact_note) == ("phone", "Spoke to Ada.")
    assert kinds(lead)[-1] == (EventKind.STATUS_CHANGED, Action.RECORD_CONTACT)
    page = client.get(f"/partners/leads/{lead.pk}/").content.decode()
    assert "First contact (phone)" in page
    assert "Mon 2 Nov 2026, 07:00" in page


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        ({"contact-at": "2026-11-02T07:00"}, "channel", "This field is required."),
        ({"contact-channel": "phone", "contact-at": "soon"}, "at", "Enter a valid date/time."),
        (
            {"contact-channel": "phone", "contact-at": "2026-11-02T09:00"},
            "at",
            "the contact cannot be in the future",
        ),
        (
            {"contact-channel": "phone", "contact-at": "2026-11-02T06:00"},
            "at",
            "the contact cannot be before the lead was assigned",
        ),
    ],
)
def test_a_bad_first_contact_is_shown_beside_its_field(
    browser_of: Callable[[Partner], Client],
    partner: Partner,
    lead: Lead,
    posted: dict[str, str],
    field: str,
    message: str,
) -> None:
    client = browser_of(partner)
    claim(client, lead)
    response = client.post(f"/partners/leads/{lead.pk}/contact/", posted)
    assert response.status_code == 400
    assert f'id="id_contact-{field}_error"><li>{message}</li>' in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CLAIMED


def test_a_contact_typed_in_the_minute_of_the_assignment_counts_from_the_assignment(
    client: Client, partner: Partner, partner_program: Program, make_approved: MakeApproved
) -> None:
    lead = make_approved(partner_program, "a")
    assignment = routed(lead, at=NOW + timedelta(seconds=40))
    client.force_login(member(partner))
    claim(client, lead)
    contact(client, lead, at="2026-11-02T06:30")  # 14:30:00 UTC, 40 s before the assignment
    assignment.refresh_from_db()
    assert assignment.contact_at == assignment.assigned_at


# --- outcome ----------------------------------------------------------------------------------


def test_a_won_lead_is_closed_and_stays_in_the_inbox_as_closed(
    browser_of: Callable[[Partner], Client], partner: Partner, lead: Lead
) -> None:
    client = browser_of(partner)
    claim(client, lead)
    contact(client, lead)
    response = client.post(
        f"/partners/leads/{lead.pk}/outcome/",
        {"outcome-outcome": "won", "outcome-note": "Signed a 3-year deal."},
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CLOSED_WON
    assert kinds(lead)[-2:] == [
        (EventKind.FOLLOW_UP, ""),
        (EventKind.STATUS_CHANGED, Action.CLOSE_WON),
    ]
    inbox = client.get("/partners/").content.decode()
    assert 'data-testid="closed-row"' in inbox
    assert 'data-testid="inbox-row"' not in inbox
    page = client.get(f"/partners/leads/{lead.pk}/").content.decode()
    assert "Outcome: Won" in page
    assert "Closed: won" in page


def test_a_lost_lead_needs_the_reason(
    browser_of: Callable[[Partner], Client], partner: Partner, lead: Lead
) -> None:
    client = browser_of(partner)
    claim(client, lead)
    contact(client, lead)
    response = client.post(f"/partners/leads/{lead.pk}/outcome/", {"outcome-outcome": "lost"})
    assert response.status_code == 400
    assert (
        'id="id_outcome-reason_error"><li>choose why the lead was lost</li>'
        in response.content.decode()
    )
    response = client.post(
        f"/partners/leads/{lead.pk}/outcome/",
        {"outcome-outcome": "lost", "outcome-reason": "competitor"},
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CLOSED_LOST
    assert lead.assignments.get().outcome_reason == "competitor"


def test_not_reached_sends_the_lead_to_nurture_and_out_of_the_portal(
    browser_of: Callable[[Partner], Client], partner: Partner, lead: Lead
) -> None:
    client = browser_of(partner)
    claim(client, lead)
    page = client.get(f"/partners/leads/{lead.pk}/").content.decode()
    assert 'value="not_reached"' in page
    assert 'value="won"' not in page  # won needs a first contact
    response = client.post(
        f"/partners/leads/{lead.pk}/outcome/", {"outcome-outcome": "not_reached"}, follow=True
    )
    assert "It went back to nurture and left your inbox." in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NURTURING
    assert client.get(f"/partners/leads/{lead.pk}/").status_code == 404


def test_won_before_the_first_contact_is_refused_with_409(
    browser_of: Callable[[Partner], Client], partner: Partner, lead: Lead
) -> None:
    client = browser_of(partner)
    claim(client, lead)
    response = client.post(f"/partners/leads/{lead.pk}/outcome/", {"outcome-outcome": "won"})
    assert response.status_code == 409
    assert "Nothing changed" in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CLAIMED


def test_open_leads_are_listed_by_the_deadline_that_runs_out_first(
    browser_of: Callable[[Partner], Client],
    partner: Partner,
    lead: Lead,
    partner_program: Program,
    make_approved: MakeApproved,
) -> None:
    hot = make_approved(partner_program, "hot", company="Hot Prospect Inc")
    routed(hot)  # after the A lead, with the same claim deadline but first contact a day sooner
    page = browser_of(partner).get("/partners/").content.decode()
    assert page.index(f'data-lead="{hot.pk}"') < page.index(f'data-lead="{lead.pk}"')


def test_the_lead_pages_poll_renders_the_clocks_and_is_404_once_the_lead_is_gone(
    browser_of: Callable[[Partner], Client], partner: Partner, lead: Lead
) -> None:
    client = browser_of(partner)
    response = client.get(f"/partners/leads/{lead.pk}/", headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="clocks"' in page
    assert "<html" not in page
    assert "Claim this lead" not in page
    assert "HX-Request" in response["Vary"]
    client.post(f"/partners/leads/{lead.pk}/decline/", {"decline-reason": "no_capacity"})
    response = client.get(f"/partners/leads/{lead.pk}/", headers={"HX-Request": "true"})
    assert response.status_code == 404


# --- the qualifier's notes for sales ----------------------------------------------------------


def test_the_partner_reads_only_the_call_notes_marked_for_sales(
    lead: Lead,
    partner: Partner,
    partner_program: Program,
    browser_of: Callable[[Partner], Client],
    make_user: Callable[..., User],
) -> None:
    from leadflow.leads.models import CallOutcome
    from leadflow.leads.services.calls import call_record

    qualifier = make_user(Role.QUALIFIER, programs=(partner_program,))
    for note, for_sales in (("Budget signed off by the CFO", True), ("Rude on the phone", False)):
        call_record(
            lead=lead,
            caller=qualifier,
            outcome=CallOutcome.CONNECTED,
            note=note,
            for_sales=for_sales,
            now=NOW,
        )
    page = browser_of(partner).get(f"/partners/leads/{lead.pk}/").content.decode()
    assert "Notes from the qualifier" in page
    assert "Budget signed off by the CFO" in page
    assert "Rude on the phone" not in page


def test_a_note_for_sales_needs_words(lead: Lead, make_user: Callable[..., User]) -> None:
    from leadflow.core.errors import InputError
    from leadflow.leads.models import CallLog, CallOutcome
    from leadflow.leads.services.calls import call_record

    qualifier = make_user(Role.QUALIFIER, programs=(lead.program,))
    with pytest.raises(InputError, match="write the note sales should read"):
        call_record(
            lead=lead,
            caller=qualifier,
            outcome=CallOutcome.CONNECTED,
            note=" ",
            for_sales=True,
            now=NOW,
        )
    assert not CallLog.objects.filter(lead=lead).exists()
