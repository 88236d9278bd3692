"""The demo partners: the portal has something to show in every state."""

from collections import Counter

import pytest

from leadflow.accounts.models import User
from leadflow.demo.seed import PARTNERS_SLUG, demo_load
from leadflow.leads.selectors import lead_scope
from leadflow.partners.demo import PARTNERS, PORTAL_PARTNER
from leadflow.partners.models import Assignment, Decline, Partner, Violation
from leadflow.partners.selectors import partner_for_user
from leadflow.partners.services import sla_sweep
from leadflow.programs.models import Program
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
