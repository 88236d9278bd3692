"""The delivery pages: who sees what, the settings form, "deliver now", the delivery page with
its files, sending log and dispute links, and the downloads."""

import io
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook
from pytest_django import DjangoAssertNumQueries
from pytest_django.fixtures import Settings

from leadflow.accounts.models import Role, User
from leadflow.config.urls import urlpatterns as site_urlpatterns
from leadflow.core.schedule import Frequency
from leadflow.delivery.models import Delivery, DeliverySchedule
from leadflow.delivery.services import (
    ScheduleSettings,
    delivery_batch_run,
    hot_leads_deliver,
    schedule_save,
)
from leadflow.notifications.models import MessageStatus, OutboxMessage
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.delivery.conftest import LeadMaker


def as_user(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def delivery(program: Program, approved_lead: LeadMaker, client_contact: User) -> Delivery:
    approved_lead(program, "a", first_name="Grace", last_name="Hopper", company="Cobol Systems")
    approved_lead(program, "fyi", first_name="Barbara", last_name="Liskov", company="CLU")
    made = delivery_batch_run(program=program, now=NOW).delivery
    assert made is not None
    return made


# Who sees what


@pytest.mark.parametrize("role", [Role.QUALIFIER, Role.REVIEWER, Role.PARTNER, Role.MARKETER])
def test_other_roles_are_refused_the_deliveries_page(
    client: Client, program: Program, make_user: Callable[..., User], role: Role
) -> None:
    as_user(client, make_user(role, programs=(program,)))
    assert client.get("/deliveries/").status_code == 403


@pytest.mark.parametrize("role", [Role.QUALIFIER, Role.PARTNER, Role.MARKETER])
def test_a_delivery_and_its_files_do_not_exist_for_other_roles(
    client: Client,
    program: Program,
    delivery: Delivery,
    make_user: Callable[..., User],
    role: Role,
) -> None:
    as_user(client, make_user(role, programs=(program,)))
    assert client.get(f"/deliveries/{delivery.pk}/").status_code == 404
    assert client.get(f"/deliveries/{delivery.pk}/file.csv").status_code == 404


def test_another_client_s_contact_finds_neither_the_delivery_nor_its_files(
    client: Client, other_program: Program, delivery: Delivery, make_user: Callable[..., User]
) -> None:
    as_user(client, make_user(Role.CLIENT, clients=(other_program.client,)))
    assert client.get(f"/deliveries/{delivery.pk}/").status_code == 404
    assert client.get(f"/deliveries/{delivery.pk}/file.xlsx").status_code == 404
    assert "Delivery 1" not in client.get("/deliveries/").content.decode()


def test_a_manager_of_another_client_cannot_open_this_program(
    client: Client, program: Program, delivery: Delivery, make_user: Callable[..., User]
) -> None:
    as_user(client, make_user(Role.MANAGER))
    assert client.get(f"/deliveries/program/{program.slug}/").status_code == 404
    assert client.post(f"/deliveries/program/{program.slug}/run").status_code == 404
    assert client.get(f"/deliveries/{delivery.pk}/").status_code == 404


def test_a_client_contact_cannot_manage_deliveries(
    client: Client, program: Program, client_contact: User
) -> None:
    as_user(client, client_contact)
    assert client.get(f"/deliveries/program/{program.slug}/").status_code == 403
    assert client.post(f"/deliveries/program/{program.slug}/run").status_code == 403


def test_partner_programs_have_no_delivery_page(
    client: Client, other_program: Program, make_user: Callable[..., User]
) -> None:
    as_user(client, make_user(Role.ADMIN))
    assert client.get(f"/deliveries/program/{other_program.slug}/").status_code == 404


# The client contact


def test_a_client_contact_lists_their_deliveries_and_opens_one(
    client: Client, delivery: Delivery, client_contact: User
) -> None:
    as_user(client, client_contact)
    index = client.get("/deliveries/").content.decode()
    assert f'href="/deliveries/{delivery.pk}/"' in index
    assert "E-mail</th>" not in index  # the sending columns are for managers
    page = client.get(f"/deliveries/{delivery.pk}/").content.decode()
    assert "Grace Hopper" in page
    assert "Cobol Systems" in page
    assert "For your information" in page
    assert "Barbara Liskov, CLU" in page
    assert "acme-demand-delivery-0001.csv" in page
    assert "Sending</h2>" not in page


def test_a_client_contact_downloads_the_csv_and_the_xlsx(
    client: Client, delivery: Delivery, client_contact: User
) -> None:
    as_user(client, client_contact)
    csv = client.get(f"/deliveries/{delivery.pk}/file.csv")
    assert csv.status_code == 200
    assert csv["Content-Type"] == "text/csv"
    assert csv["Content-Disposition"] == 'attachment; filename="acme-demand-delivery-0001.csv"'
    assert csv.content.decode().startswith("FirstName,LastName,Title,Company,")
    assert "Grace,Hopper,,Cobol Systems" in csv.content.decode()
    xlsx = client.get(f"/deliveries/{delivery.pk}/file.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert sheet["A2"].value == "Grace"
    assert client.get(f"/deliveries/{delivery.pk}/file.pdf").status_code == 404


#: The site without the guarantees app's pages, as before that app provides its dispute form.
urlpatterns = [
    pattern for pattern in site_urlpatterns if str(getattr(pattern, "pattern", "")) != "disputes/"
]


def test_no_dispute_link_while_the_guarantees_app_provides_no_dispute_page(
    client: Client, delivery: Delivery, client_contact: User, settings: Settings
) -> None:
    settings.ROOT_URLCONF = __name__
    as_user(client, client_contact)
    page = client.get(f"/deliveries/{delivery.pk}/").content.decode()
    assert "/disputes/leads/" not in page
    assert 'class="dispute"' not in page


def test_each_delivered_lead_has_a_link_to_the_dispute_form(
    client: Client, delivery: Delivery, client_contact: User
) -> None:
    as_user(client, client_contact)
    lead_id = delivery.items.get().lead_id
    page = client.get(f"/deliveries/{delivery.pk}/").content.decode()
    assert f'href="/disputes/leads/{lead_id}/new"' in page


# The manager


def test_the_manager_s_index_shows_programs_and_sending(
    client: Client, program: Program, delivery: Delivery, manager: User
) -> None:
    as_user(client, manager)
    page = client.get("/deliveries/").content.decode()
    assert f'href="/deliveries/program/{program.slug}/"' in page
    assert "Waiting to be sent" in page  # the e-mail to the client contact, not yet sent


@time_machine.travel(NOW, tick=False)
def test_the_manager_saves_a_schedule_through_the_form(
    client: Client, program: Program, manager: User
) -> None:
    as_user(client, manager)
    response = client.post(
        f"/deliveries/program/{program.slug}/",
        {
            "frequency": "monthly",
            "day_of_month": "31",
            "week_of_month": "",
            "weekday": "",
            "time_of_day": "08:30",
            "batch_ratings": ["a"],
            "c_handling": "hold",
            "fyi_handling": "include",
            "recipients": "crm@acme.example, sales@acme.example",
            "column_map": "Email = email\nBudget = answers.budget",
            "webhook_url": "https://crm.acme.example/leads",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    schedule = DeliverySchedule.objects.get(program=program)
    assert (schedule.frequency, schedule.day_of_month, schedule.time_of_day.isoformat()) == (
        "monthly",
        31,
        "08:30:00",
    )
    assert schedule.recipients == ["crm@acme.example", "sales@acme.example"]
    assert schedule.column_map == [
        {"header": "Email", "field": "email"},
        {"header": "Budget", "field": "answers.budget"},
    ]
    assert (schedule.batch_ratings, schedule.c_handling, schedule.fyi_handling) == (
        ["a"],
        "hold",
        "include",
    )
    assert schedule.updated_by == manager
    page = client.get(response["Location"]).content.decode()
    assert "Monthly on day 31 (the last day in shorter months) at 08:30 (America/New_York)" in page
    assert "Mon 30 Nov 2026, 08:30 EST" in page
    assert "November has no day 31; runs on its last day" in page
    assert schedule.webhook_secret in page


def test_a_bad_schedule_form_shows_its_problems_and_saves_nothing(
    client: Client, program: Program, manager: User
) -> None:
    as_user(client, manager)
    response = client.post(
        f"/deliveries/program/{program.slug}/",
        {
            "frequency": "weekly",
            "weekday": "",
            "time_of_day": "09:00",
            "c_handling": "nurture",
            "fyi_handling": "summary",
            "recipients": "not-an-address",
            "column_map": "Email = email\nSalary = salary",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose the day of the week." in page
    assert "line 2: unknown source field &#x27;salary&#x27;" in page
    assert not DeliverySchedule.objects.exists()
    response = client.post(
        f"/deliveries/program/{program.slug}/",
        {
            "frequency": "weekly",
            "weekday": "0",
            "time_of_day": "09:00",
            "c_handling": "nurture",
            "fyi_handling": "summary",
            "recipients": "not-an-address",
        },
    )
    assert "&#x27;not-an-address&#x27; is not an e-mail address" in response.content.decode()
    assert not DeliverySchedule.objects.exists()


def test_deliver_now_makes_the_batch_and_opens_it(
    client: Client, program: Program, approved_lead: LeadMaker, manager: User
) -> None:
    approved_lead(program, "a")
    as_user(client, manager)
    response = client.post(f"/deliveries/program/{program.slug}/run", follow=True)
    delivery = Delivery.objects.get()
    assert response.redirect_chain[-1][0] == f"/deliveries/{delivery.pk}/"
    page = response.content.decode()
    assert "Delivery 1: 1 lead." in page
    assert delivery.created_by == manager
    assert "delivered now by" in page
    assert "Sending</h2>" in page


def test_deliver_now_with_nothing_waiting_says_so(
    client: Client, program: Program, manager: User
) -> None:
    as_user(client, manager)
    response = client.post(f"/deliveries/program/{program.slug}/run", follow=True)
    assert "Nothing to deliver." in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_program_page_shows_hot_timings_and_waiting_hot_leads(
    client: Client, program: Program, approved_lead: LeadMaker, manager: User
) -> None:
    hot = approved_lead(program, "hot", captured=NOW - timedelta(hours=30))
    hot_leads_deliver(lead_ids=[hot.pk], now=NOW)
    waiting = approved_lead(program, "hot", status="in_review", captured=NOW - timedelta(days=3))
    as_user(client, manager)
    page = client.get(f"/deliveries/program/{program.slug}/").content.decode()
    assert "1 Hot delivery; 0 within 24 hours, 1 within 48" in page
    assert f"#{waiting.pk}" in page
    assert "past the 48-hour limit" in page


def test_a_given_up_message_can_be_sent_again(
    client: Client, delivery: Delivery, manager: User
) -> None:
    OutboxMessage.objects.filter(key=delivery.email_key).update(
        status=MessageStatus.FAILED, attempts=12, last_error="SMTPRecipientsRefused"
    )
    as_user(client, manager)
    page = client.get(f"/deliveries/{delivery.pk}/").content.decode()
    assert "Failed (gave up)" in page
    assert "SMTPRecipientsRefused" in page
    response = client.post(f"/deliveries/{delivery.pk}/resend", follow=True)
    assert "Sending again: 1 message queued." in response.content.decode()
    assert OutboxMessage.objects.get(key=delivery.email_key).status == MessageStatus.PENDING


def test_the_webhook_secret_can_be_replaced(
    client: Client, program: Program, manager: User
) -> None:
    old = schedule_save(
        program=program,
        settings=ScheduleSettings(
            frequency=Frequency.WEEKLY, weekday=0, webhook_url="https://crm.example/hook"
        ),
        actor=None,
        now=NOW,
    ).webhook_secret
    as_user(client, manager)
    response = client.post(f"/deliveries/program/{program.slug}/webhook-secret", follow=True)
    assert "New webhook secret made" in response.content.decode()
    assert DeliverySchedule.objects.get().webhook_secret != old


# Query counts


def test_the_pages_read_a_bounded_number_of_queries(
    client: Client,
    program: Program,
    approved_lead: LeadMaker,
    manager: User,
    client_contact: User,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for hour in range(6):
        approved_lead(program, "a")
        approved_lead(program, "hot")
        delivery_batch_run(program=program, now=NOW + timedelta(hours=hour))
    delivery = Delivery.objects.first()
    assert delivery is not None
    as_user(client, manager)
    with django_assert_max_num_queries(12):
        assert client.get("/deliveries/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(f"/deliveries/program/{program.slug}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"/deliveries/{delivery.pk}/").status_code == 200
    as_user(client, client_contact)
    with django_assert_max_num_queries(10):
        assert client.get("/deliveries/").status_code == 200
