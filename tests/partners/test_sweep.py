"""The missed-deadline journey at service level, with the clock moved forward: the sweep
reassigns the lead, the partner loses it everywhere, the violation is recorded and announced,
and the threshold disables the partner's lead flow until a manager re-enables it."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadflow.accounts.models import Role, User
from leadflow.core.routing import TerritoryRule
from leadflow.core.sla import SlaTerms
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.selectors import lead_scope
from leadflow.notifications.selectors import outbox_messages
from leadflow.partners.models import Assignment, FlowChange, Partner, Violation
from leadflow.partners.selectors import partner_assignment_get, partner_record
from leadflow.partners.services import (
    lead_claim,
    lead_contact_record,
    leads_route,
    partner_flow_enable,
    sla_policy_set,
    sla_sweep,
)
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.partners.conftest import member
from tests.receivers import SmtpServer
from tests.tasks import IMMEDIATE


def _route(lead: Lead) -> Assignment:
    (result,) = leads_route(lead_ids=[lead.pk], now=timezone.now())
    return Assignment.objects.get(pk=result.assignment_id)


@pytest.mark.django_db
@override_settings(TASKS=IMMEDIATE)
def test_a_missed_claim_reassigns_the_lead_and_the_first_partner_loses_it_everywhere(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
    make_user: Callable[..., User],
) -> None:
    manager = make_user(Role.MANAGER, clients=(partner_program.client,))
    manager.email = "pm@acme.example"
    manager.save()
    slow = make_partner("Slow", program_level="platinum", manager=manager)
    quick = make_partner("Quick", program_level="gold")
    with time_machine.travel(NOW, tick=False):
        lead = make_approved(partner_program, "b")
        first = _route(lead)
        assert first.partner == slow
    # Monday assignment, B lead: claim due end of Wednesday in Los Angeles. Thursday morning:
    with time_machine.travel(first.claim_due + timedelta(hours=9), tick=False):
        result = sla_sweep(now=timezone.now())
    assert (result.violations, result.reassigned, result.queued) == (1, 1, 0)
    with pytest.raises(Assignment.DoesNotExist):
        partner_assignment_get(user=member(slow), lead_id=lead.pk)
    assert not lead_scope(user=member(slow)).exists()
    second = partner_assignment_get(user=member(quick), lead_id=lead.pk)
    assert second.claim_due > first.claim_due
    first.refresh_from_db()
    assert first.end_reason == "violation"
    violation = Violation.objects.get()
    assert (violation.partner, violation.clock, violation.due) == (slow, "claim", first.claim_due)
    assert violation.consequence == "warning"
    kinds = list(lead.events.order_by("id").values_list("kind", "action"))
    assert kinds[-3:] == [
        (EventKind.VIOLATION, ""),
        (EventKind.STATUS_CHANGED, "assign"),
        (EventKind.NOTIFIED, ""),
    ]
    (warning,) = outbox_messages(key_prefix=f"partner-violation:{slow.pk}:")
    assert warning.content["subject"] == "Warning: Slow missed a follow-up deadline"
    assert set(warning.content["to"]) == {member(slow).email}
    # The missed clock as its rule, and where the lead went: "another partner" for the
    # partner that lost it, the new partner's name for its manager.
    assert "missed “claim within 2 working days of assignment”" in warning.content["body"]
    assert "it went to another partner" in warning.content["body"]
    assert "Quick" not in warning.content["body"]
    (to_manager,) = outbox_messages(key_prefix=f"partner-violation-manager:{slow.pk}:")
    assert to_manager.content["to"] == ["pm@acme.example"]
    assert f"lead #{lead.pk}: missed “claim within 2 working days" in to_manager.content["body"]
    assert "it went to Quick" in to_manager.content["body"]
    record = partner_record(partner=slow, now=timezone.now())
    assert (record.violations_in_window, record.flow_enabled) == (1, True)


@pytest.mark.django_db
def test_nothing_happens_before_the_deadline_and_a_second_sweep_changes_nothing(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    make_partner()
    make_partner()
    lead = make_approved(partner_program, "hot")
    assignment = _route(lead)
    assert sla_sweep(now=assignment.contact_due).violations == 0
    late = assignment.contact_due + timedelta(microseconds=1)
    assert sla_sweep(now=late).violations == 1
    assert sla_sweep(now=late).violations == 0
    assert Violation.objects.get().clock == "contact"


@pytest.mark.django_db
def test_each_clock_is_enforced_contact_then_follow_up(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    partner = make_partner(program_level="platinum")
    make_partner()
    contacted = make_approved(partner_program, "a")
    claimed = make_approved(partner_program, "a")
    leads_route(lead_ids=[contacted.pk, claimed.pk], now=NOW)
    user = member(partner)
    for lead in (contacted, claimed):
        lead_claim(lead_id=lead.pk, user=user, now=NOW)
    lead_contact_record(lead_id=contacted.pk, user=user, channel="phone", at=NOW, note="", now=NOW)
    found = Assignment.objects.get(lead=contacted, partner=partner)
    sla_sweep(now=NOW + timedelta(days=4))
    assert list(Violation.objects.values_list("lead_id", "clock")) == [(claimed.pk, "contact")]
    assert found.followup_due is not None
    sla_sweep(now=found.followup_due + timedelta(seconds=1))
    assert Violation.objects.get(lead=contacted).clock == "follow_up"


@pytest.mark.django_db
@override_settings(TASKS=IMMEDIATE)
def test_three_violations_in_ninety_days_disable_the_flow_until_a_manager_re_enables_it(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
    make_user: Callable[..., User],
) -> None:
    manager = make_user(Role.MANAGER, clients=(partner_program.client,))
    careless = make_partner("Careless", program_level="platinum", manager=manager)
    backup = make_partner("Backup", program_level="gold")
    moments: list[datetime] = []
    with time_machine.travel(NOW, tick=False) as clock:
        for week in range(3):
            lead = make_approved(partner_program, "a")
            assignment = _route(lead)
            assert assignment.partner == careless, f"week {week}"
            clock.move_to(assignment.claim_due + timedelta(minutes=5))
            sla_sweep(now=timezone.now())
            moments.append(timezone.now())
            clock.shift(timedelta(days=5))
        careless.refresh_from_db()
        assert not careless.flow_enabled
        consequences = list(
            Violation.objects.filter(partner=careless)
            .order_by("detected_at")
            .values_list("consequence", flat=True)
        )
        assert consequences == ["warning", "recorded", "flow_disabled"]
        (disabled,) = FlowChange.objects.filter(partner=careless)
        assert (disabled.enabled, disabled.by, disabled.at) == (False, None, moments[-1])
        (notice,) = [
            message
            for message in outbox_messages(key_prefix=f"partner-violation:{careless.pk}:")
            if "disabled" in message.content["subject"]
        ]
        assert "until a partner manager re-enables" in notice.content["body"]
        # A disabled partner gets no new lead, whatever its level.
        assert _route(make_approved(partner_program, "hot")).partner == backup
        careless = partner_flow_enable(
            partner_id=careless.pk, user=manager, note="new SDR hired", now=timezone.now()
        )
        assert _route(make_approved(partner_program, "hot")).partner == careless
        record = partner_record(partner=careless, now=timezone.now())
        assert (record.violations_in_window, len(record.violations)) == (0, 3)


@pytest.mark.django_db
def test_violations_older_than_the_program_window_do_not_count(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    sla_policy_set(
        program=partner_program, terms=SlaTerms(violation_threshold=2, violation_window_days=30)
    )
    partner = make_partner(program_level="platinum")
    make_partner()
    start = NOW
    for gap in (0, 40):
        start = start + timedelta(days=gap)
        assignment = Assignment.objects.get(
            pk=leads_route(lead_ids=[make_approved(partner_program).pk], now=start)[0].assignment_id
        )
        assert assignment.partner == partner
        sla_sweep(now=assignment.claim_due + timedelta(minutes=1))
    partner.refresh_from_db()
    assert partner.flow_enabled
    consequences = Violation.objects.filter(partner=partner).values_list("consequence", flat=True)
    assert list(consequences) == ["warning", "warning"]


@pytest.mark.django_db
def test_a_missed_lead_with_no_other_partner_goes_back_to_the_routing_queue(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    make_partner()
    lead = make_approved(partner_program, "hot")
    assignment = _route(lead)
    result = sla_sweep(now=assignment.claim_due + timedelta(minutes=1))
    assert (result.violations, result.queued) == (1, 1)
    lead.refresh_from_db()
    assert lead.status == "approved"
    assert lead.routing_queue_entry is not None
    assert not Assignment.objects.active().exists()


def _sweep_statements(make_approved: Callable[..., Lead], program: Program, leads: int) -> int:
    """Statements the sweep itself runs (the outbox's own per-message writes left out)."""
    routed = [make_approved(program, "hot").pk for _ in range(leads)]
    leads_route(lead_ids=routed, now=NOW)
    with CaptureQueriesContext(connection) as captured:
        result = sla_sweep(now=NOW + timedelta(days=20))
    assert result.violations == leads
    return sum(
        1
        for query in captured.captured_queries
        if "notifications_" not in query["sql"] and "SAVEPOINT" not in query["sql"]
    )


@pytest.mark.django_db
def test_the_sweep_runs_the_same_statements_for_3_or_12_overdue_leads(
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    sla_policy_set(program=partner_program, terms=SlaTerms(violation_threshold=100))
    for _ in range(4):
        make_partner(capacity=50, notify_format="link")
    few = _sweep_statements(make_approved, partner_program, 3)
    Assignment.objects.active().update(next_due=None)  # out of the next count
    many = _sweep_statements(make_approved, partner_program, 12)
    assert many == few


@pytest.mark.django_db(transaction=True)
def test_the_partner_s_users_get_the_lead_by_e_mail_as_csv_pdf_or_link(
    smtp_server: SmtpServer,
    partner_program: Program,
    make_partner: Callable[..., Partner],
    make_approved: Callable[..., Lead],
) -> None:
    places = {"csv": "CA", "pdf": "NY", "link": "TX"}
    formats = {
        notify_format: make_partner(
            notify_format=notify_format, territories=(TerritoryRule("US", state),), members=2
        )
        for notify_format, state in places.items()
    }
    # Approved with the database task backend: the hand-off their approval announced waits,
    # unrun, and the leads are routed here at NOW, with the e-mails sent at once.
    leads = [make_approved(partner_program, "hot", subdivision=state) for state in places.values()]
    with override_settings(TASKS=IMMEDIATE):
        for lead in leads:
            with transaction.atomic():
                leads_route(lead_ids=[lead.pk], now=NOW)
    assert len(smtp_server.messages) == 3
    by_format = dict(zip(formats, smtp_server.messages, strict=True))
    csv_mail = by_format["csv"]
    assert sorted(csv_mail["To"].split(", ")) == sorted(
        m.user.email for m in formats["csv"].members.all()
    )
    (attachment,) = csv_mail.iter_attachments()
    assert attachment.get_filename().endswith(".csv")
    content = attachment.get_content()
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    assert "Analytical Engines Ltd" in text
    (pdf,) = by_format["pdf"].iter_attachments()
    assert pdf.get_content().startswith(b"%PDF")
    link = by_format["link"]
    assert list(link.iter_attachments()) == []
    assert "/partners/leads/" in link.get_body(preferencelist=("plain",)).get_content()
    assert "Claim it by 2026-11-04 23:59 PST" in link.get_body(("plain",)).get_content()
