"""The demo partners: the portal has something to show in every state."""

from collections import Counter
from datetime import timedelta

import pytest
from django.test import Client as HttpClient

from leadflow.accounts.models import User
from leadflow.core.enums import Channel, Stage
from leadflow.core.reports import Period
from leadflow.demo.seed import PARTNERS_SLUG, demo_load
from leadflow.leads.models import Lead
from leadflow.leads.selectors import lead_scope
from leadflow.partners.demo import PARTNERS, PORTAL_PARTNER
from leadflow.partners.models import (
    Assignment,
    Decline,
    Partner,
    Registration,
    RegistrationStatus,
    Violation,
)
from leadflow.partners.selectors import partner_for_user
from leadflow.partners.services import sla_sweep
from leadflow.partners.services.registrations import REFUSED_HELD, registration_terms
from leadflow.programs.models import Program
from leadflow.reports.selectors.partners import partners
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


def test_demo_partners_show_every_state_and_leave_no_clock_missed_at_load() -> None:
    demo_load(now=NOW)  # calls demo_partners for the partner program
    program = Program.objects.get(slug=PARTNERS_SLUG)
    partners = list(Partner.objects.order_by("id"))
    assert [p.slug for p in partners] == [spec.slug for spec in PARTNERS]
    statuses = Counter(program.leads.values_list("status", flat=True))
    for status in ("assigned", "claimed", "contacted", "closed_won", "closed_lost"):
        assert statuses[status] > 0, status
    assert Violation.objects.count() == 1
    assert Decline.objects.exists()
    partner_user = User.objects.get(username="partner")
    assert partner_for_user(user=partner_user) == partners[PORTAL_PARTNER]
    held = set(lead_scope(user=partner_user).values_list("status", flat=True))
    assert {"assigned", "closed_won"} <= held, held
    # Nothing is overdue right after loading: the first periodic sweep changes nothing.
    assert sla_sweep(now=NOW).violations == 0
    assert not Assignment.objects.active().filter(partner__type="agency").exists()


@pytest.mark.usefixtures("plain_http")
def test_a_demo_partner_registered_its_own_prospect_which_qualified_and_is_protected() -> None:
    """Issue 20's "done when": the ``partner`` user's partner registered a prospect of its own
    (the program asks for a manager's approval: the manager approved it); it qualified, QA
    approved it, it went to that partner and is protected. A second waits for the manager; a
    third partner's request for a lead another partner works was refused without saying who."""
    demo_load(now=NOW)
    program = Program.objects.get(slug=PARTNERS_SLUG)
    portal = Partner.objects.get(slug=PARTNERS[PORTAL_PARTNER].slug)
    assert registration_terms(program).approval_required
    registered = Registration.objects.get(partner=portal, status=RegistrationStatus.ACCEPTED)
    assert registered.decided_by == User.objects.get(username="manager")
    assert registered.protected(NOW)
    lead = Lead.objects.get(pk=registered.lead_id)
    assert (lead.channel, lead.rating, lead.stage) == (
        Channel.SALES_PROSPECTING,
        "a",
        Stage.QUALIFIED_OPPORTUNITY,
    )
    assert Assignment.objects.active().get(lead=lead).partner == portal
    partner_user = User.objects.get(username="partner")
    assert lead_scope(user=partner_user).filter(pk=lead.pk).exists()
    waiting = Registration.objects.get(partner=portal, status=RegistrationStatus.PENDING)
    assert Lead.objects.get(pk=waiting.lead_id).status == "new"
    refused = Registration.objects.get(status=RegistrationStatus.REFUSED)
    assert refused.partner.slug == PARTNERS[0].slug
    assert refused.reason == REFUSED_HELD

    http = HttpClient()
    http.force_login(partner_user)
    record = http.get("/partners/record/").content.decode()
    assert registered.company in record
    assert waiting.company in record
    assert registered.company in http.get("/partners/").content.decode()

    report = partners(
        programs=[program],
        period=Period(NOW.date() - timedelta(days=7), NOW.date() + timedelta(days=1)),
        by="registrations",
    )
    rows = {row["partner"]: row for row in report.rows}
    assert {
        key: rows[portal.slug][key]
        for key in ("registered", "accepted", "approved", "pending", "open")
    } == {
        "registered": 2,
        "accepted": 1,
        "approved": 1,
        "pending": 1,
        "open": 1,
    }
    assert (rows[PARTNERS[0].slug]["refused"], rows[PARTNERS[0].slug]["refused_held"]) == (1, 1)
