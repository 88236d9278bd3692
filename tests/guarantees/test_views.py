"""The dispute pages: who sees which page, the dispute form, QA's decision, the ledger and the
terms form, and their query counts."""

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries
from pytest_django.fixtures import Settings

from leadflow.accounts.models import User
from leadflow.guarantees.models import Dispute, GuaranteeTerms
from leadflow.guarantees.services import dispute_decide, dispute_raise
from leadflow.leads.models import EventKind, Lead
from leadflow.programs.models import Program
from tests.guarantees.conftest import People, deliver

REASON = "Contact unreachable"

MakeDelivered = Callable[..., list[Lead]]


@pytest.fixture(autouse=True)
def plain_http(settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def delivered(program: Program, make_delivered: MakeDelivered) -> Lead:
    """A lead delivered an hour ago (the pages use the real clock)."""
    (lead,) = make_delivered(program, at=timezone.now() - timedelta(hours=1))
    return lead


def as_user(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def raised(lead: Lead, people: People) -> Dispute:
    return dispute_raise(
        lead_id=lead.pk, user=people.contact, reason=REASON, note="", now=timezone.now()
    )


# The client's pages


def test_a_client_contact_sees_the_leads_they_can_dispute(
    client: Client, delivered: Lead, people: People
) -> None:
    response = as_user(client, people.contact).get("/disputes/")
    assert response.status_code == 200
    assert f"/disputes/leads/{delivered.pk}/new" in response.content.decode()


def test_a_client_contact_disputes_a_lead_through_the_form(
    client: Client, delivered: Lead, people: People
) -> None:
    page = as_user(client, people.contact).get(f"/disputes/leads/{delivered.pk}/new")
    assert page.status_code == 200
    assert REASON in page.content.decode()
    response = client.post(
        f"/disputes/leads/{delivered.pk}/new", {"reason": REASON, "note": "Number disconnected"}
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get(delivery_item__lead=delivered)
    assert (dispute.reason, dispute.note, dispute.raised_by) == (
        REASON,
        "Number disconnected",
        people.contact,
    )
    index = client.get("/disputes/").content.decode()
    assert "Number disconnected" not in index  # the note is on the dispute's own page
    assert f"/disputes/{dispute.pk}/" in index
    assert f"/disputes/leads/{delivered.pk}/new" not in index


def test_the_form_needs_a_reason(client: Client, delivered: Lead, people: People) -> None:
    response = as_user(client, people.contact).post(
        f"/disputes/leads/{delivered.pk}/new", {"reason": "", "note": "x"}
    )
    assert response.status_code == 400
    assert not Dispute.objects.exists()


def test_a_second_dispute_through_the_form_says_it_was_already_disputed(
    client: Client, delivered: Lead, people: People
) -> None:
    raised(delivered, people)
    response = as_user(client, people.contact).post(
        f"/disputes/leads/{delivered.pk}/new", {"reason": REASON}, follow=True
    )
    assert "already disputed" in response.content.decode()
    assert Dispute.objects.count() == 1


def test_after_the_window_the_form_is_gone_and_a_post_is_refused(
    client: Client, delivered: Lead, people: People
) -> None:
    with time_machine.travel(timezone.now() + timedelta(days=12)):
        as_user(client, people.contact)  # signed in then: a session lasts 12 hours
        page = client.get(f"/disputes/leads/{delivered.pk}/new")
        assert "window of this lead closed" in page.content.decode()
        assert 'name="reason"' not in page.content.decode()
        response = client.post(f"/disputes/leads/{delivered.pk}/new", {"reason": REASON})
    assert response.status_code == 400
    assert "dispute window" in response.content.decode()
    assert not Dispute.objects.exists()


@pytest.mark.parametrize("who", ["other_contact", "partner", "qualifier", "manager", "reviewer"])
def test_the_dispute_form_is_not_found_for_anyone_else(
    client: Client, delivered: Lead, people: People, who: str
) -> None:
    user = getattr(people, who)
    assert as_user(client, user).get(f"/disputes/leads/{delivered.pk}/new").status_code == 404
    assert client.post(f"/disputes/leads/{delivered.pk}/new", {"reason": REASON}).status_code == 404
    assert not Dispute.objects.exists()


def test_a_lead_not_delivered_has_no_dispute_form(
    client: Client, program: Program, make_lead: Callable[..., Lead], people: People
) -> None:
    waiting = make_lead(program)
    response = as_user(client, people.contact).get(f"/disputes/leads/{waiting.pk}/new")
    assert response.status_code == 404


def test_another_client_sees_neither_the_dispute_nor_its_page(
    client: Client, delivered: Lead, people: People
) -> None:
    dispute = raised(delivered, people)
    as_user(client, people.other_contact)
    assert f"/disputes/{dispute.pk}/" not in client.get("/disputes/").content.decode()
    assert client.get(f"/disputes/{dispute.pk}/").status_code == 404


def test_the_client_reads_the_decision_but_not_the_internal_history(
    client: Client, delivered: Lead, people: People
) -> None:
    dispute = raised(delivered, people)
    dispute_decide(
        dispute_id=dispute.pk,
        user=people.reviewer,
        uphold=False,
        note="The recording shows a decision maker",
        now=timezone.now(),
    )
    page = as_user(client, people.contact).get(f"/disputes/{dispute.pk}/").content.decode()
    assert "The recording shows a decision maker" in page
    assert "History" not in page


@pytest.mark.parametrize("who", ["partner", "qualifier"])
def test_the_dispute_list_is_refused_to_other_roles(
    client: Client, people: People, who: str
) -> None:
    assert as_user(client, getattr(people, who)).get("/disputes/").status_code == 403


# QA's pages


def test_a_reviewer_decides_from_the_queue(client: Client, delivered: Lead, people: People) -> None:
    dispute = raised(delivered, people)
    as_user(client, people.reviewer)
    queue = client.get("/disputes/review/").content.decode()
    assert f"/disputes/{dispute.pk}/" in queue
    page = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert 'name="decision"' in page
    assert "disputed the delivered lead" in page  # the lead's history
    response = client.post(
        f"/disputes/{dispute.pk}/decide", {"decision": "uphold", "note": "Wrong person"}
    )
    assert response.status_code == 302
    assert Dispute.objects.get(pk=dispute.pk).status == "upheld"
    assert f"/disputes/{dispute.pk}/" not in client.get("/disputes/review/").content.decode()
    assert delivered.events.filter(kind=EventKind.DISPUTE_DECIDED).count() == 1


def test_a_decision_without_a_note_is_shown_back(
    client: Client, delivered: Lead, people: People
) -> None:
    dispute = raised(delivered, people)
    response = as_user(client, people.reviewer).post(
        f"/disputes/{dispute.pk}/decide", {"decision": "uphold", "note": ""}
    )
    assert response.status_code == 400
    assert Dispute.objects.get(pk=dispute.pk).status == "open"


def test_a_second_decision_changes_nothing(client: Client, delivered: Lead, people: People) -> None:
    dispute = raised(delivered, people)
    as_user(client, people.reviewer)
    client.post(f"/disputes/{dispute.pk}/decide", {"decision": "reject", "note": "fine"})
    response = client.post(
        f"/disputes/{dispute.pk}/decide", {"decision": "uphold", "note": "no"}, follow=True
    )
    assert "already rejected" in response.content.decode()
    assert Dispute.objects.get(pk=dispute.pk).status == "rejected"


@pytest.mark.parametrize("who", ["qualifier", "manager", "contact", "partner"])
def test_only_qa_decides_and_sees_the_queue(
    client: Client, delivered: Lead, people: People, who: str
) -> None:
    dispute = raised(delivered, people)
    as_user(client, getattr(people, who))
    assert client.get("/disputes/review/").status_code == 403
    response = client.post(f"/disputes/{dispute.pk}/decide", {"decision": "uphold", "note": "x"})
    assert response.status_code == 403
    assert Dispute.objects.get(pk=dispute.pk).status == "open"


def test_a_reviewer_of_another_program_does_not_find_the_dispute(
    client: Client, delivered: Lead, people: People
) -> None:
    dispute = raised(delivered, people)
    as_user(client, people.other_reviewer)
    assert client.get(f"/disputes/{dispute.pk}/").status_code == 404
    response = client.post(f"/disputes/{dispute.pk}/decide", {"decision": "uphold", "note": "x"})
    assert response.status_code == 404


# The ledger and the terms


@pytest.mark.parametrize("who", ["manager", "reviewer", "contact", "admin"])
def test_the_ledger_is_read_by_managers_qa_and_the_client(
    client: Client, program: Program, delivered: Lead, people: People, who: str
) -> None:
    response = as_user(client, getattr(people, who)).get(
        f"/disputes/programs/{program.slug}/ledger"
    )
    assert response.status_code == 200
    assert 'data-testid="ledger"' in response.content.decode()
    assert ("Edit the terms" in response.content.decode()) is (who in ("manager", "admin"))


@pytest.mark.parametrize("who", ["other_contact", "partner", "qualifier", "other_reviewer"])
def test_the_ledger_is_not_found_for_others(
    client: Client, program: Program, people: People, who: str
) -> None:
    response = as_user(client, getattr(people, who)).get(
        f"/disputes/programs/{program.slug}/ledger"
    )
    assert response.status_code == 404


def test_a_manager_edits_the_terms(client: Client, program: Program, people: People) -> None:
    as_user(client, people.manager)
    assert client.get(f"/disputes/programs/{program.slug}/terms").status_code == 200
    response = client.post(
        f"/disputes/programs/{program.slug}/terms",
        {
            "leads_per_period": "40",
            "period": "week",
            "starts_on": "",
            "dispute_window_days": "7",
            "dispute_reasons": "Wrong person\r\nNo budget\r\n",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    terms = GuaranteeTerms.objects.get(program=program)
    assert (terms.leads_per_period, terms.period, terms.dispute_window_days) == (40, "week", 7)
    assert terms.dispute_reasons == ["Wrong person", "No budget"]
    ledger = client.get(f"/disputes/programs/{program.slug}/ledger").content.decode()
    assert "40 per week" in ledger


def test_terms_that_make_no_sense_are_shown_back(
    client: Client, program: Program, people: People
) -> None:
    response = as_user(client, people.manager).post(
        f"/disputes/programs/{program.slug}/terms",
        {
            "leads_per_period": "10",
            "period": "month",
            "dispute_window_days": "10",
            "dispute_reasons": "\r\n  \r\n",
        },
    )
    assert response.status_code == 400
    assert not GuaranteeTerms.objects.exists()


@pytest.mark.parametrize("who", ["contact", "reviewer", "qualifier"])
def test_only_managers_and_admins_reach_the_terms_form(
    client: Client, program: Program, people: People, who: str
) -> None:
    as_user(client, getattr(people, who))
    assert client.get(f"/disputes/programs/{program.slug}/terms").status_code == 403


def test_a_manager_of_another_client_does_not_find_the_terms(
    client: Client, other_program: Program, people: People
) -> None:
    response = as_user(client, people.manager).get(f"/disputes/programs/{other_program.slug}/terms")
    assert response.status_code == 404


# Query counts: the pages read a fixed number of queries whatever the number of disputes.


def _disputes(
    program: Program, make_delivered: MakeDelivered, people: People, count: int
) -> list[Dispute]:
    now = timezone.now()
    leads = make_delivered(program, count, at=now - timedelta(hours=2))
    made = [raised(lead, people) for lead in leads]
    for dispute in made[::2]:
        dispute_decide(dispute_id=dispute.pk, user=people.reviewer, uphold=True, note="x", now=now)
    return made


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("contact", "/disputes/"),
        ("reviewer", "/disputes/"),
        ("reviewer", "/disputes/review/"),
        ("manager", "/disputes/programs/acme-demand/ledger"),
    ],
)
def test_the_pages_do_not_read_per_dispute(
    client: Client,
    program: Program,
    make_delivered: MakeDelivered,
    people: People,
    django_assert_max_num_queries: DjangoAssertNumQueries,
    who: str,
    path: str,
) -> None:
    _disputes(program, make_delivered, people, 2)
    make_delivered(program, 2, at=timezone.now() - timedelta(hours=1))
    as_user(client, getattr(people, who))
    client.get(path)  # the session and the user, once
    with django_assert_max_num_queries(12) as few:
        assert client.get(path).status_code == 200
    _disputes(program, make_delivered, people, 12)
    make_delivered(program, 6, at=timezone.now() - timedelta(hours=1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(path).status_code == 200


def test_the_dispute_page_reads_a_fixed_number_of_queries(
    client: Client,
    delivered: Lead,
    people: People,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    dispute = raised(delivered, people)
    as_user(client, people.reviewer)
    with django_assert_max_num_queries(10):
        assert client.get(f"/disputes/{dispute.pk}/").status_code == 200


# The client's page: their disputes first, the disputable leads paged and searchable


def test_the_clients_own_disputes_come_before_the_leads_they_can_dispute(
    client: Client, program: Program, make_delivered: MakeDelivered, people: People
) -> None:
    first, _ = make_delivered(program, 2, at=timezone.now() - timedelta(hours=1))
    raised(first, people)
    page = as_user(client, people.contact).get("/disputes/").content.decode()
    assert page.index('id="disputes-heading">Your disputes') < page.index(
        'id="disputable-heading">Delivered leads you can still dispute'
    )


def test_the_leads_a_client_can_dispute_are_found_by_name_company_or_email(
    client: Client, program: Program, make_lead: Callable[..., Lead], people: People
) -> None:
    grace = make_lead(
        program, first_name="Grace", last_name="Hopper", company="Navy Labs", email="g@navy.example"
    )
    alan = make_lead(
        program, first_name="Alan", last_name="Turing", company="Bletchley", email="a@park.example"
    )
    deliver(program, [grace, alan], at=timezone.now() - timedelta(hours=1))
    as_user(client, people.contact)

    def found(query: str) -> set[int]:
        page = client.get("/disputes/", {"q": query}).content.decode()
        return {lead.pk for lead in (grace, alan) if f"/disputes/leads/{lead.pk}/new" in page}

    assert found("hopper") == {grace.pk}
    assert found("BLETCHLEY") == {alan.pk}
    assert found("park.example") == {alan.pk}
    assert found("grace navy") == {grace.pk}
    assert found("") == {grace.pk, alan.pk}
    page = client.get("/disputes/", {"q": "nobody"}).content.decode()
    assert "No lead you can dispute matches “nobody”." in page


def test_the_leads_a_client_can_dispute_are_paged(
    client: Client, program: Program, make_delivered: MakeDelivered, people: People
) -> None:
    leads = make_delivered(program, 27, at=timezone.now() - timedelta(hours=1))
    as_user(client, people.contact)
    first = client.get("/disputes/").content.decode()
    assert first.count("/disputes/leads/") == 25
    assert "Page 1 of 2" in first
    assert "27 leads." in first
    second = client.get("/disputes/", {"leads_page": 2}).content.decode()
    assert second.count("/disputes/leads/") == 2
    newest_first = sorted(lead.pk for lead in leads)[:2]
    assert all(f"/disputes/leads/{pk}/new" in second for pk in newest_first)
