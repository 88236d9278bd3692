"""Responses of nurtured leads: back to the queue, or straight to hand-off when they
re-qualify; call tasks done; form fills that merge into a nurtured lead."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from leadflow.accounts.models import Role, User
from leadflow.core.errors import DomainRefused
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.models import Lead
from leadflow.leads.selectors.queue import queue_leads
from leadflow.leads.services import LeadInput, lead_merge, lead_requalify, lead_update_answers
from leadflow.nurture.models import CallTask, Engagement, EngagementKind, Enrollment, Sequence
from leadflow.nurture.selectors import lead_responded_recently
from leadflow.nurture.services import (
    call_task_done,
    lead_enrol,
    lead_responded,
    touches_due_process,
)
from leadflow.programs.models import Program
from tests.factories import NOW
from tests.nurture.conftest import C_ANSWERS
from tests.tasks import IMMEDIATE

pytestmark = pytest.mark.django_db


def test_a_response_ends_the_sequence_and_puts_the_lead_back_in_the_queue(
    sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    lead = nurtured()
    lead_enrol(lead=lead, sequence=sequence, actor=None, now=NOW)
    lead = lead_responded(lead=lead, actor=None, now=NOW, kind=EngagementKind.PHONE, note="called")
    assert lead.status == LeadStatus.QUALIFYING
    enrollment = Enrollment.objects.get(lead=lead)
    assert (enrollment.left_reason, enrollment.responded_at) == ("responded", NOW)
    assert Engagement.objects.get(lead=lead).kind == "phone"
    history = list(lead.events.values_list("action", "reason"))
    assert ("nurture_responded", "Responded: responded by phone (called)") in history
    assert ("reopen", "responded to nurture: responded by phone") in history


def test_a_response_of_a_lead_now_rating_a_hands_it_off_at_once(
    sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    lead = nurtured(answers=None)  # Hot answers, nurtured anyway
    lead_enrol(lead=lead, sequence=sequence, actor=None, now=NOW)
    Lead.objects.filter(pk=lead.pk).update(rating="c")  # rated C when it was nurtured
    lead = lead_responded(lead=lead, actor=None, now=NOW)
    assert lead.status == LeadStatus.APPROVED
    assert (
        lead.events.filter(action="requalify_from_nurture")
        .get()
        .reason.startswith("re-qualified as")
    )


def test_only_a_nurturing_lead_can_respond(
    sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    lead = nurtured()
    lead = lead_responded(lead=lead, actor=None, now=NOW)
    with pytest.raises(DomainRefused, match="not nurturing"):
        lead_responded(lead=lead, actor=None, now=NOW)


def test_a_call_task_is_done_once(sequence: Sequence, nurtured: Callable[..., Lead]) -> None:
    lead = nurtured(phone="+12125550100")
    enrollment = lead_enrol(lead=lead, sequence=sequence, actor=None, now=NOW)
    touches_due_process(now=NOW)
    enrollment.refresh_from_db()
    assert enrollment.next_touch_at is not None
    touches_due_process(now=enrollment.next_touch_at)
    task = CallTask.objects.get(lead=lead)
    call_task_done(task=task, actor=None, now=NOW, note="no answer")
    assert lead.events.filter(action="nurture_call_done").get().reason == (
        "Nurture call made: no answer"
    )
    with pytest.raises(DomainRefused, match="already recorded"):
        call_task_done(task=task, actor=None, now=NOW)


def test_a_response_adds_the_programs_engagement_points_which_decay(
    sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    lead = nurtured()
    before = lead.score
    lead = lead_responded(lead=lead, actor=None, now=NOW)
    assert lead.score == before + 10  # the default criteria: a reply is worth 10 points
    assert any("halved every 30 days" in line for line in lead.explanation)
    later = lead_requalify(lead=lead, actor=None, now=NOW + timedelta(days=30))
    assert later.score == before + 5


@override_settings(TASKS=IMMEDIATE)
def test_a_form_fill_merged_into_a_nurtured_lead_counts_as_its_response(
    sequence: Sequence,
    nurtured: Callable[..., Lead],
    django_capture_on_commit_callbacks: Any,
) -> None:
    lead = nurtured()
    lead_enrol(lead=lead, sequence=sequence, actor=None, now=NOW)
    data = LeadInput(email="ada@example.com", answers={"authority": "influencer"})  # type: ignore[arg-type]
    with django_capture_on_commit_callbacks(execute=True):
        lead_merge(lead=lead, data=data, match="email", actor=None, now=NOW)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFYING
    assert Engagement.objects.get(lead=lead).kind == "form_fill"
    assert Enrollment.objects.get(lead=lead).left_reason == "responded"


def test_a_merge_scores_the_lead_s_engagement_as_a_re_qualification_does(
    sequence: Sequence, nurtured: Callable[..., Lead]
) -> None:
    # The merge reads the lead and its engagement in one statement on PostgreSQL
    # (``config/leads.py`` LEAD_ENGAGEMENT_COLUMNS), apart on SQLite: the same points.
    lead = lead_responded(lead=nurtured(), actor=None, now=NOW)
    later = NOW + timedelta(days=30)
    expected = lead_requalify(lead=lead, actor=None, now=later)
    data = LeadInput(email=lead.email)
    merged = lead_merge(lead=lead, data=data, match="email", actor=None, now=later)
    assert merged.score == expected.score
    assert merged.explanation == expected.explanation
    assert any("halved every 30 days" in line for line in merged.explanation)


def test_a_merge_into_a_lead_that_is_not_nurturing_queues_no_nurture_task(
    program: Program,
    make_lead: Callable[..., Lead],
    django_capture_on_commit_callbacks: Any,
) -> None:
    lead = make_lead(program, email="ada@example.com")
    data = LeadInput(email="ada@example.com", answers={"authority": "influencer"})  # type: ignore[arg-type]
    with django_capture_on_commit_callbacks(execute=True):
        lead_merge(lead=lead, data=data, match="email", actor=None, now=NOW)
    handler = "leadflow.nurture.handlers.leads_merged"
    assert not DBTaskResult.objects.filter(args_kwargs__args__0=handler).exists()


def test_a_lead_that_responded_comes_first_among_its_rating_in_the_queue(
    sequence: Sequence,
    program: Program,
    nurtured: Callable[..., Lead],
    make_lead: Callable[..., Lead],
    make_user: Callable[..., User],
) -> None:
    qualifier = make_user(Role.QUALIFIER, programs=(program,))
    waiting = make_lead(program, answers=C_ANSWERS, email="waiting@example.com")
    responded = lead_responded(lead=nurtured(), actor=None, now=NOW)
    Lead.objects.filter(pk=responded.pk).update(score=0)  # whatever its score
    Lead.objects.filter(pk=waiting.pk).update(score=99)
    order = list(queue_leads(user=qualifier, now=NOW).values_list("id", flat=True))
    assert order == [responded.pk, waiting.pk]
    assert lead_responded_recently(lead=responded)
    # Once the qualifier has worked it (its answers saved, so re-qualified), it is one of many.
    lead_update_answers(
        lead=responded, answers={"authority": "influencer"}, actor=None, now=NOW + timedelta(1)
    )
    assert not lead_responded_recently(lead=responded)


def test_every_engagement_source_has_its_column_for_the_merge_s_one_query() -> None:
    from django.utils.module_loading import import_string

    from leadflow.config import leads as extensions

    assert len(extensions.LEAD_ENGAGEMENT_COLUMNS) == len(extensions.LEAD_ENGAGEMENT)
    for path in extensions.LEAD_ENGAGEMENT_COLUMNS:
        _, read = import_string(path)()
        assert callable(read)
        assert read([]) == []
