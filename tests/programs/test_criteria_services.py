"""Drafts and publishing: a draft is work in progress, publishing makes the next version and
never rewrites an earlier one (DESIGN.md: "Criteria are versioned")."""

import importlib
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.test import override_settings
from pytest_django import DjangoCaptureOnCommitCallbacks

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create
from leadflow.core.criteria import QualifyingCriteria, default_criteria
from leadflow.leads.models import Lead
from leadflow.programs.models import CriteriaStatus, CriteriaVersion, Program
from leadflow.programs.selectors import (
    criteria_draft,
    criteria_from_version,
    program_published_criteria,
)
from leadflow.programs.services import (
    DraftGone,
    criteria_draft_discard,
    criteria_draft_publish,
    criteria_draft_save,
    criteria_publish,
)
from tests.factories import HOT
from tests.tasks import IMMEDIATE


def tightened(months: float = 1) -> QualifyingCriteria:
    """The default criteria with the Hot rule's time frame cut to ``months``."""
    data = default_criteria().model_dump(mode="json")
    data["rating_ladder"][0]["any_of"][0]["timeframe_max_months"] = months
    return QualifyingCriteria.from_dict(data)


def test_saving_a_draft_stores_it_unpublished(program: Program, now: datetime) -> None:
    draft = criteria_draft_save(
        program=program, criteria=tightened(), actor=None, now=now, note="hot = 1 month"
    )
    assert draft.status == CriteriaStatus.DRAFT
    assert draft.note == "hot = 1 month"
    assert criteria_from_version(draft) == tightened()
    assert program_published_criteria(program=program).number == 1


def test_saving_again_replaces_the_one_draft(program: Program, now: datetime) -> None:
    manager = user_create(username="mgr", password="x-123-long", roles=(Role.MANAGER,))
    first = criteria_draft_save(program=program, criteria=tightened(1), actor=None, now=now)
    later = now + timedelta(minutes=5)
    second = criteria_draft_save(
        program=program, criteria=tightened(2), actor=manager, now=later, note="two"
    )
    assert second.pk == first.pk
    assert CriteriaVersion.objects.filter(program=program, status=CriteriaStatus.DRAFT).count() == 1
    draft = criteria_draft(program=program)
    assert draft is not None
    assert criteria_from_version(draft) == tightened(2)
    assert (draft.created_by, draft.created_at, draft.note) == (manager, later, "two")


def test_discarding_removes_only_the_draft(program: Program, now: datetime) -> None:
    criteria_draft_save(program=program, criteria=tightened(), actor=None, now=now)
    assert criteria_draft_discard(program=program) is True
    assert criteria_draft(program=program) is None
    assert criteria_draft_discard(program=program) is False
    assert list(program.criteria_versions.values_list("number", "status")) == [(1, "published")]


def test_publishing_a_draft_makes_the_next_version_and_keeps_the_earlier(
    program: Program, now: datetime
) -> None:
    manager = user_create(username="mgr", password="x-123-long", roles=(Role.MANAGER,))
    before = CriteriaVersion.objects.get(program=program, number=1)
    draft = criteria_draft_save(program=program, criteria=tightened(), actor=None, now=now)
    later = now + timedelta(hours=1)
    version = criteria_draft_publish(draft=draft, actor=manager, now=later)
    assert (version.number, version.status) == (2, CriteriaStatus.PUBLISHED)
    assert (version.published_by, version.published_at) == (manager, later)
    published = program_published_criteria(program=program)
    assert (published.number, published.criteria) == (2, tightened())
    assert criteria_draft(program=program) is None
    after = CriteriaVersion.objects.get(program=program, number=1)
    assert (after.spec, after.status, after.published_at) == (
        before.spec,
        before.status,
        before.published_at,
    )


def test_a_draft_published_meanwhile_cannot_be_published_twice(
    program: Program, now: datetime
) -> None:
    draft = criteria_draft_save(program=program, criteria=tightened(), actor=None, now=now)
    criteria_draft_publish(draft=draft, actor=None, now=now)
    with pytest.raises(DraftGone):
        criteria_draft_publish(draft=draft, actor=None, now=now)
    assert program.criteria_versions.count() == 2


def test_a_version_published_directly_while_a_draft_waits_is_not_overwritten(
    program: Program, now: datetime
) -> None:
    draft = criteria_draft_save(program=program, criteria=tightened(1), actor=None, now=now)
    criteria_publish(program=program, criteria=tightened(2), actor=None, now=now, note="cli")
    version = criteria_draft_publish(draft=draft, actor=None, now=now)
    assert version.number == 3
    numbers = program.criteria_versions.order_by("number").values_list("number", "note")
    assert list(numbers) == [(1, "initial criteria"), (2, "cli"), (3, "")]


def test_publishing_a_draft_requalifies_the_open_leads_once_it_has_committed(
    program: Program,
    make_lead: Callable[..., Lead],
    now: datetime,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    lead = make_lead(program, answers={**HOT, "timeframe_months": 2})
    first = program_published_criteria(program=program).version
    draft = criteria_draft_save(program=program, criteria=tightened(1), actor=None, now=now)
    with override_settings(TASKS=IMMEDIATE):
        with django_capture_on_commit_callbacks() as after_commit:
            version = criteria_draft_publish(draft=draft, actor=None, now=now)
        lead.refresh_from_db()
        assert (lead.rating, lead.criteria_version_id) == ("hot", first.pk)
        for callback in after_commit:
            callback()
    lead.refresh_from_db()
    assert (lead.rating, lead.criteria_version_id) == ("a", version.pk)


def test_a_failed_publication_requalifies_nothing(
    program: Program,
    now: datetime,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    draft = criteria_draft_save(program=program, criteria=tightened(), actor=None, now=now)
    criteria_draft_discard(program=program)
    with django_capture_on_commit_callbacks() as after_commit, pytest.raises(DraftGone):
        criteria_draft_publish(draft=draft, actor=None, now=now)
    assert after_commit == []


def test_default_criteria_stored_under_the_old_name_are_renamed_standard_bant(
    program: Program,
) -> None:
    from django.apps import apps

    rename = importlib.import_module("leadflow.programs.migrations.0005_standard_bant_name").rename
    version = program.criteria_versions.get()
    assert version.spec["name"] == "Standard BANT"
    CriteriaVersion.objects.filter(pk=version.pk).update(
        spec={**version.spec, "name": "Default (DESIGN.md)"}
    )
    rename(apps, None)
    version.refresh_from_db()
    assert version.spec["name"] == "Standard BANT"
