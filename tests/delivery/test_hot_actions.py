"""A Hot lead past the 48-hour limit on the program's deliveries page (issue 17): "Deliver
now" makes the usual Hot delivery at once, and "Escalate" e-mails a named manager of the
program through the outbox and records it in the lead's history. Another program's lead, or a
lead no longer waiting, is not found."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from time_machine import TimeMachineFixture

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import LeadStatus
from leadflow.delivery.models import Delivery, DeliveryKind
from leadflow.delivery.services.hot import HOT_ESCALATED_ACTION
from leadflow.leads.models import EventKind, LeadEvent
from leadflow.notifications.models import OutboxMessage
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.delivery.conftest import LeadMaker

LATE = NOW - timedelta(hours=50)


@pytest.fixture(autouse=True)
def _at_now(time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def manager(program: Program, make_user: Callable[..., User]) -> User:
    person = make_user(Role.MANAGER, clients=(program.client,), email="ops@agency.example")
    person.first_name, person.last_name = "Olga", "Ops"
    person.save()
    return person


@pytest.fixture
def other_manager(program: Program, make_user: Callable[..., User]) -> User:
    person = make_user(Role.MANAGER, programs=(program,), email="head@agency.example")
    person.first_name, person.last_name = "Hank", "Head"
    person.save()
    return person


def _as(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_the_page_offers_both_actions_for_a_hot_lead_past_the_limit(
    client: Client, program: Program, approved_lead: LeadMaker, manager: User, other_manager: User
) -> None:
    late = approved_lead(program, "hot", captured=LATE, status="in_review")
    page = _as(client, manager).get(f"/deliveries/program/{program.slug}/").content.decode()
    assert f'action="/deliveries/program/{program.slug}/hot/{late.pk}/escalate"' in page
    assert ">Hank Head</option>" in page
    assert ">Olga Ops</option>" in page
    # Still in review: it cannot be delivered yet, so no "Deliver now" is offered.
    assert f"/hot/{late.pk}/deliver" not in page


def test_deliver_now_makes_the_usual_hot_delivery(
    client: Client,
    program: Program,
    approved_lead: LeadMaker,
    manager: User,
    client_contact: User,
) -> None:
    # Approved but not delivered (the hand-off missed it): the page offers "Deliver now".
    late = approved_lead(program, "hot", captured=LATE)
    page = _as(client, manager).get(f"/deliveries/program/{program.slug}/").content.decode()
    assert f'action="/deliveries/program/{program.slug}/hot/{late.pk}/deliver"' in page
    response = client.post(f"/deliveries/program/{program.slug}/hot/{late.pk}/deliver")
    delivery = Delivery.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/deliveries/{delivery.pk}/"
    assert (delivery.kind, delivery.created_by) == (DeliveryKind.HOT, manager)
    late.refresh_from_db()
    assert late.status == LeadStatus.DELIVERED
    email = OutboxMessage.objects.get(key=f"delivery:{delivery.pk}:email")
    assert email.content["to"] == [client_contact.email]


def test_deliver_now_refuses_a_lead_still_in_review(
    client: Client, program: Program, approved_lead: LeadMaker, manager: User
) -> None:
    late = approved_lead(program, "hot", captured=LATE, status="in_review")
    response = _as(client, manager).post(
        f"/deliveries/program/{program.slug}/hot/{late.pk}/deliver", follow=True
    )
    assert "not delivered: only an approved Hot lead can be delivered" in (
        response.content.decode()
    )
    assert not Delivery.objects.exists()


def test_escalating_mails_the_named_manager_and_records_it(
    client: Client, program: Program, approved_lead: LeadMaker, manager: User, other_manager: User
) -> None:
    late = approved_lead(program, "hot", captured=LATE, status="in_review")
    response = _as(client, manager).post(
        f"/deliveries/program/{program.slug}/hot/{late.pk}/escalate",
        {"manager": other_manager.pk, "note": "Reviewers are out today."},
        follow=True,
    )
    assert f"Lead #{late.pk} escalated to Hank Head; they have been e-mailed." in (
        response.content.decode()
    )
    event = LeadEvent.objects.get(lead=late, kind=EventKind.ALERT, action=HOT_ESCALATED_ACTION)
    assert (event.actor, event.after) == (manager, {"escalated_to": other_manager.pk})
    assert event.reason == "Hot lead escalated to Hank Head: Reviewers are out today."
    [message] = OutboxMessage.objects.filter(key__startswith=f"hot-escalation:{late.pk}:")
    assert message.content["to"] == ["head@agency.example"]
    assert str(message.content["subject"]).startswith("Escalated to you: Hot lead waiting 50 hours")
    assert "Olga Ops escalated this Hot lead to you." in str(message.content["body"])
    assert "Reviewers are out today." in str(message.content["body"])


def test_escalating_to_someone_who_is_not_a_manager_of_the_program_changes_nothing(
    client: Client,
    program: Program,
    approved_lead: LeadMaker,
    manager: User,
    make_user: Callable[..., User],
) -> None:
    late = approved_lead(program, "hot", captured=LATE, status="in_review")
    elsewhere = make_user(Role.MANAGER, email="elsewhere@agency.example")
    reviewer = make_user(Role.REVIEWER, programs=(program,), email="qa@agency.example")
    for person in (elsewhere, reviewer):
        response = _as(client, manager).post(
            f"/deliveries/program/{program.slug}/hot/{late.pk}/escalate",
            {"manager": person.pk},
            follow=True,
        )
        assert "not escalated: choose a manager of this program" in response.content.decode()
    assert not LeadEvent.objects.filter(action=HOT_ESCALATED_ACTION).exists()
    assert not OutboxMessage.objects.filter(key__startswith="hot-escalation:").exists()


def test_another_programs_lead_is_not_found(
    client: Client,
    program: Program,
    other_program: Program,
    approved_lead: LeadMaker,
    manager: User,
    other_manager: User,
) -> None:
    theirs = approved_lead(other_program, "hot", captured=LATE, status="in_review")
    _as(client, manager)
    for step in ("deliver", "escalate"):
        url = f"/deliveries/program/{program.slug}/hot/{theirs.pk}/{step}"
        assert client.post(url, {"manager": other_manager.pk}).status_code == 404
        url = f"/deliveries/program/{other_program.slug}/hot/{theirs.pk}/{step}"
        assert client.post(url, {"manager": other_manager.pk}).status_code == 404
    assert not LeadEvent.objects.filter(action=HOT_ESCALATED_ACTION).exists()
