"""The demo's deliveries: a schedule and a true recent history for the demo delivery program."""

import pytest

from leadflow.delivery.models import Delivery, DeliveryItem, DeliveryKind, DeliverySchedule
from leadflow.demo.seed import DELIVERY_SLUG, demo_load
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


def test_the_demo_program_gets_a_schedule_and_past_deliveries_in_time_order() -> None:
    demo_load(now=NOW)  # calls demo_deliveries for the delivery program
    program = Program.objects.get(slug=DELIVERY_SLUG)
    made = list(Delivery.objects.filter(program=program))
    assert made
    kinds = {delivery.kind for delivery in made}
    assert DeliveryKind.BATCH in kinds
    deliveries = list(Delivery.objects.filter(program=program).order_by("number"))
    times = [delivery.created_at for delivery in deliveries]
    assert times == sorted(times)
    assert all(at < NOW for at in times)
    for delivery in deliveries:
        if delivery.kind == DeliveryKind.HOT:
            assert delivery.captured_at is not None
            assert delivery.captured_at < delivery.created_at
    # Every delivered item's lead was approved before its delivery was made.
    for item in DeliveryItem.objects.filter(delivery__program=program).select_related(
        "delivery", "lead"
    ):
        approval = item.lead.events.filter(action="approve").latest("at")
        assert approval.at <= item.delivery.created_at
        assert item.lead.status == "delivered"
    schedule = DeliverySchedule.objects.get(program=program)
    assert schedule.next_run_at is not None
    assert schedule.next_run_at > NOW
    assert not Lead.objects.filter(
        program=program, status="approved", rating="hot", updated_at__lte=NOW
    ).exists()
