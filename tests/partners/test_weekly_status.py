"""The weekly status e-mail (issue 20, item 5): one e-mail per partner user a week, from Monday
09:00 in the partner's timezone, through the outbox; its signed links record a step without a
login (GET asks to confirm and changes nothing, POST records it through the portal's steps);
a tampered, expired, other lead's or reassigned link is a 404; managers see who has not
answered."""

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import Lead
from leadflow.notifications.models import OutboxMessage
from leadflow.partners.models import Partner, StatusAnswer, StatusMail
from leadflow.partners.services import lead_claim, leads_route
from leadflow.partners.services.manual import lead_reassign_to
from leadflow.partners.services.status import weekly_status_send
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.partners.conftest import member

pytestmark = pytest.mark.django_db

#: Monday 2 November 2026, 09:00 in Los Angeles (the partners' timezone), and after.
MONDAY_9 = NOW.replace(hour=17, minute=0)
LINK = re.compile(r"(/partners/status/\d+/(\d+)/(\w+)/([\w.-]+)/)")


@pytest.fixture
def held(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> tuple[Partner, list[Lead]]:
    partner = make_partner(name="Sierra Resellers")
    leads = [make_approved(partner_program, "a") for _ in range(2)]
    leads_route(lead_ids=[lead.pk for lead in leads], now=NOW)
    for lead in leads:
        lead_claim(lead_id=lead.pk, user=member(partner), now=NOW)
    return partner, leads


def links() -> list[tuple[str, int, str, str]]:
    (message,) = OutboxMessage.objects.filter(key__startswith="partner-weekly-status:")
    return [(m[0], int(m[1]), m[2], m[3]) for m in LINK.findall(str(message.content["body"]))]


def test_the_weekly_email_is_sent_once_a_week_from_monday_morning_local_time(
    held: tuple[Partner, list[Lead]],
) -> None:
    partner, leads = held
    assert weekly_status_send(now=NOW).sent == 0  # 06:30 in Los Angeles
    assert weekly_status_send(now=MONDAY_9).sent == 1
    assert weekly_status_send(now=MONDAY_9 + timedelta(hours=1)).sent == 0
    assert weekly_status_send(now=MONDAY_9 + timedelta(days=3)).sent == 0
    (message,) = OutboxMessage.objects.filter(key__startswith="partner-weekly-status:")
    assert message.content["to"] == [member(partner).email]
    found = links()
    assert {lead_id for _, lead_id, _, _ in found} == {lead.pk for lead in leads}
    assert len(found) == 2 * 5
    assert weekly_status_send(now=MONDAY_9 + timedelta(days=7)).sent == 1
    assert StatusMail.objects.count() == 2


def test_a_link_asks_to_confirm_then_records_the_step(held: tuple[Partner, list[Lead]]) -> None:
    _partner, _leads = held
    weekly_status_send(now=MONDAY_9)
    path = next(p for p, lead_id, step, _ in links() if step == "contacted")
    browser = Client()  # nobody signed in
    with time_machine.travel(MONDAY_9 + timedelta(hours=1), tick=False):
        page = browser.get(path, secure=True)
        assert page.status_code == 200
        assert "Confirm: Contacted" in page.content.decode()
        lead = Lead.objects.get(pk=int(path.split("/")[4]))
        assert lead.status == LeadStatus.CLAIMED  # GET changed nothing
        done = browser.post(path, secure=True)
    assert done.status_code == 200
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED
    assert lead.events.filter(action="record_contact").count() == 1
    assert StatusAnswer.objects.get().step == "contacted"
    assert StatusMail.objects.get().answered_at is not None


def test_lost_needs_its_reason_and_won_closes_the_lead(held: tuple[Partner, list[Lead]]) -> None:
    weekly_status_send(now=MONDAY_9)
    found = links()
    lost = next(p for p, _, step, _ in found if step == "lost")
    lost_lead = int(lost.split("/")[4])
    won = next(p for p, lead_id, step, _ in found if step == "won" and lead_id != lost_lead)
    browser = Client()
    with time_machine.travel(MONDAY_9 + timedelta(hours=1), tick=False):
        assert browser.post(lost, secure=True).status_code == 400
        assert Lead.objects.get(pk=lost_lead).status == LeadStatus.CLAIMED
        assert browser.post(lost, {"reason": "price"}, secure=True).status_code == 200
        assert browser.post(won, secure=True).status_code == 200
    assert Lead.objects.get(pk=lost_lead).status == LeadStatus.CLOSED_LOST
    assert Lead.objects.get(pk=int(won.split("/")[4])).status == LeadStatus.CLOSED_WON


def test_tampered_expired_other_leads_and_reassigned_links_are_404(
    held: tuple[Partner, list[Lead]],
    make_partner: Callable[..., Partner],
    make_user: Callable[..., User],
) -> None:
    _partner, leads = held
    weekly_status_send(now=MONDAY_9)
    path, lead_id, step, token = next(f for f in links() if f[2] == "still_working")
    other = next(lead.pk for lead in leads if lead.pk != lead_id)
    mail_id = StatusMail.objects.get().pk
    browser = Client()
    bad = [
        path.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB")),
        f"/partners/status/{mail_id}/{other}/{step}/{token}/",
        f"/partners/status/{mail_id}/{lead_id}/won/{token}/",
        f"/partners/status/{mail_id + 1}/{lead_id}/{step}/{token}/",
    ]
    with time_machine.travel(MONDAY_9 + timedelta(hours=1), tick=False):
        assert browser.get(path, secure=True).status_code == 200
        for wrong in bad:
            assert browser.get(wrong, secure=True).status_code == 404, wrong
            assert browser.post(wrong, secure=True).status_code == 404, wrong
    with time_machine.travel(MONDAY_9 + timedelta(days=15), tick=False):
        assert browser.get(path, secure=True).status_code == 404  # expired
    make_partner(name="Second Partner")
    manager = make_user(Role.ADMIN)
    second = Partner.objects.get(name="Second Partner")
    lead_reassign_to(
        lead=Lead.objects.get(pk=lead_id),
        user=manager,
        reason="the client asked",
        now=MONDAY_9,
        partner_id=second.pk,
    )
    with time_machine.travel(MONDAY_9 + timedelta(hours=1), tick=False):
        assert browser.get(path, secure=True).status_code == 404
        assert browser.post(path, secure=True).status_code == 404
    assert not StatusAnswer.objects.exists()


def test_managers_see_who_has_not_answered(
    held: tuple[Partner, list[Lead]], make_user: Callable[..., User]
) -> None:
    partner, _ = held
    weekly_status_send(now=MONDAY_9)
    manager = make_user(Role.MANAGER, clients=(partner.client,))
    browser = Client()
    browser.force_login(manager)
    with time_machine.travel(MONDAY_9 + timedelta(hours=1), tick=False):
        page = browser.get("/partners/manage/status/", secure=True)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Sierra Resellers" in text.split("Answered")[0]
    partner_user = Client()
    partner_user.force_login(member(partner))
    assert partner_user.get("/partners/manage/status/", secure=True).status_code == 403
