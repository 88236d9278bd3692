"""Scheduled report e-mails (docs/REPORTS.md, "Report e-mails"): the weekly summary to sales
managers and the monthly statement to client contacts go once per period through the outbox,
arrive over SMTP with their tables, and each recipient can turn theirs off.

History (program ``acme-demand``, New York): two leads captured in the week of Monday 2 November
2026 (one approved), one in the week before. The weekly summary sent on Monday 9 November
covers 2 to 9 November: inquiries 2 (before: 1), approved 1 (before: 0).
"""

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from django.test import Client as WebClient

from leadflow.accounts.models import Role, User
from leadflow.core.reports import Period
from leadflow.notifications.services import outbox_send_due
from leadflow.programs.models import Program
from leadflow.reports.models import MailKind, MailSent
from leadflow.reports.services.mail import mail_due, mail_opt_set, mail_period
from tests import factories
from tests.factories import STEPS_TO
from tests.receivers import SmtpServer

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)


@pytest.fixture
def history(program: Program) -> None:
    first = factories.lead(
        program=program, at=datetime(2026, 11, 3, 15, tzinfo=UTC), **factories.numbered_contact(1)
    )
    factories.lead_walk(first, STEPS_TO["approved"], at=datetime(2026, 11, 4, 15, tzinfo=UTC))
    factories.lead(
        program=program,
        answers=factories.C,
        at=datetime(2026, 11, 6, 15, tzinfo=UTC),
        **factories.numbered_contact(2),
    )
    factories.lead(
        program=program,
        answers=factories.C,
        at=datetime(2026, 10, 28, 15, tzinfo=UTC),
        **factories.numbered_contact(3),
    )


@pytest.fixture
def manager(make_user: Callable[..., User], program: Program) -> User:
    return make_user(Role.MANAGER, programs=(program,), email="sam@acme.example")


@pytest.fixture
def contact(make_user: Callable[..., User], program: Program) -> User:
    return make_user(Role.CLIENT, clients=(program.client,), email="cleo@client.example")


def test_the_periods_are_the_last_whole_week_and_month() -> None:
    assert mail_period(MailKind.WEEKLY, date(2026, 11, 9)) == Period(
        date(2026, 11, 2), date(2026, 11, 9)
    )
    assert mail_period(MailKind.WEEKLY, date(2026, 11, 15)) == Period(
        date(2026, 11, 2), date(2026, 11, 9)
    )
    assert mail_period(MailKind.MONTHLY, date(2026, 1, 3)) == Period(
        date(2025, 12, 1), date(2026, 1, 1)
    )


def test_the_weekly_summary_arrives_once_with_its_figures_and_tables(
    history: None, manager: User, smtp_server: SmtpServer
) -> None:
    result = mail_due(now=MONDAY)
    assert (result.sent, result.skipped_opted_out) == (1, 0)
    assert mail_due(now=MONDAY.replace(hour=9)).sent == 0
    assert outbox_send_due(now=MONDAY) == 1
    (message,) = smtp_server.messages
    assert str(message["To"]) == "sam@acme.example"
    assert str(message["Subject"]) == "LeadFlow: weekly summary, 2 November 2026 to 8 November 2026"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "Inquiry: 2 (before: 1)" in text
    assert "Approved by QA: 1 (before: 0)" in text
    assert "/reports/mail/" in text
    files = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert set(files) == {
        "acme-demand-funnel-2026-11-02.csv",
        "acme-demand-funnel-2026-11-02.xlsx",
        "acme-demand-qualifying-2026-11-02.csv",
        "acme-demand-qualifying-2026-11-02.xlsx",
    }
    funnel_csv = files["acme-demand-funnel-2026-11-02.csv"]
    if isinstance(funnel_csv, bytes):
        funnel_csv = funnel_csv.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(funnel_csv)))
    assert rows[1][:2] == ["Inquiry", "2"]


def test_a_recipient_who_turned_it_off_gets_nothing_until_turned_on(
    history: None, manager: User
) -> None:
    mail_opt_set(user=manager, kind=MailKind.WEEKLY, wanted=False, now=MONDAY)
    assert (mail_due(now=MONDAY).sent, mail_due(now=MONDAY).skipped_opted_out) == (0, 1)
    mail_opt_set(user=manager, kind=MailKind.WEEKLY, wanted=True, now=MONDAY)
    assert mail_due(now=MONDAY).sent == 1


def test_a_period_that_ended_a_week_ago_is_not_sent_late(history: None, manager: User) -> None:
    assert mail_due(now=datetime(2026, 11, 16, 0, 30, tzinfo=UTC)).sent == 1  # the next week's
    assert not MailSent.objects.filter(period_start=date(2026, 11, 2)).exists()


def test_client_contacts_get_the_monthly_statement_only(
    history: None, contact: User, manager: User
) -> None:
    first_of_december = datetime(2026, 12, 1, 7, tzinfo=UTC)
    mail_due(now=first_of_december)
    sent = {(row.user_id, row.kind) for row in MailSent.objects.all()}
    assert (contact.pk, MailKind.MONTHLY) in sent
    assert (contact.pk, MailKind.WEEKLY) not in sent
    assert (manager.pk, MailKind.MONTHLY) not in sent


def test_the_settings_page_turns_an_e_mail_off(manager: User, plain_http: None) -> None:
    web = WebClient()
    web.force_login(manager)
    page = web.get("/reports/mail/")
    assert page.status_code == 200
    assert "Weekly summary" in page.content.decode()
    web.post("/reports/mail/", {})
    assert manager.report_opt_outs.filter(kind=MailKind.WEEKLY).exists()
    web.post("/reports/mail/", {MailKind.WEEKLY: "on"})
    assert not manager.report_opt_outs.exists()
