"""Writes for clients, programs and criteria versions."""

from datetime import datetime

import pycountry
from django.db import transaction
from django.db.models import Max

from leadflow.accounts.models import ChangeKind, User
from leadflow.accounts.services import admin_change_record
from leadflow.core.criteria import QualifyingCriteria, default_criteria
from leadflow.lib.events import announce
from leadflow.programs.models import Client, CriteriaStatus, CriteriaVersion, HandOffMode, Program

#: A draft has no version number until it is published; it is stored as 0, so the
#: (program, number) unique constraint also guarantees one draft per program at a time.
DRAFT_NUMBER = 0


class DraftGone(Exception):
    """The draft was published or discarded by someone else in the meantime."""


def client_create(*, name: str, slug: str, timezone: str = "UTC", country: str = "") -> Client:
    return Client.objects.create(name=name, slug=slug, timezone=timezone, country=country)


@transaction.atomic
def program_create(
    *,
    client: Client,
    name: str,
    slug: str,
    hand_off_mode: HandOffMode = HandOffMode.DELIVERY,
    default_region: str = "US",
    criteria: QualifyingCriteria | None = None,
    actor: User | None,
    now: datetime,
) -> Program:
    """A new program starts with its criteria published as version 1 (DESIGN's defaults)."""
    program = Program.objects.create(
        client=client,
        name=name,
        slug=slug,
        hand_off_mode=hand_off_mode,
        default_region=default_region,
    )
    criteria_publish(
        program=program,
        criteria=criteria or default_criteria(),
        actor=actor,
        now=now,
        note="initial criteria",
    )
    return program


@transaction.atomic
def criteria_publish(
    *,
    program: Program,
    criteria: QualifyingCriteria,
    actor: User | None,
    now: datetime,
    note: str = "",
) -> CriteriaVersion:
    """Publish criteria as the program's next version. Leads keep the version they were
    qualified with until they are re-qualified; nothing in the past is rewritten."""
    Program.objects.select_for_update().filter(pk=program.pk).get()
    last = program.criteria_versions.aggregate(last=Max("number"))["last"] or 0
    return CriteriaVersion.objects.create(
        program=program,
        number=last + 1,
        spec=criteria.model_dump(mode="json"),
        status=CriteriaStatus.PUBLISHED,
        note=note,
        created_at=now,
        created_by=actor,
        published_at=now,
        published_by=actor,
    )


@transaction.atomic
def criteria_draft_save(
    *,
    program: Program,
    criteria: QualifyingCriteria,
    actor: User | None,
    now: datetime,
    note: str = "",
) -> CriteriaVersion:
    """Store criteria as the program's draft, replacing the draft there is (one per program).

    A draft is the manager's work in progress: it qualifies no lead until it is published, so
    replacing it rewrites no history; its author and time are those of the last save."""
    Program.objects.select_for_update().filter(pk=program.pk).get()
    draft, _ = CriteriaVersion.objects.update_or_create(
        program=program,
        number=DRAFT_NUMBER,
        defaults={
            "spec": criteria.model_dump(mode="json"),
            "status": CriteriaStatus.DRAFT,
            "note": note,
            "created_at": now,
            "created_by": actor,
        },
    )
    return draft


@transaction.atomic
def criteria_draft_publish(
    *, draft: CriteriaVersion, actor: User | None, now: datetime
) -> CriteriaVersion:
    """Turn the program's draft into its next published version (DESIGN.md: "Criteria are
    versioned"). Earlier versions stay untouched, so leads keep naming the version that
    qualified them until they are re-qualified. Raises ``DraftGone`` when the draft was
    published or discarded meanwhile (two managers, two tabs).

    Announces ``criteria.published``: once this commits, the leads app re-qualifies the
    program's open leads in the background (DESIGN.md: re-qualifying records the version
    used); programs names no app built on it."""
    Program.objects.select_for_update().filter(pk=draft.program_id).get()
    locked = CriteriaVersion.objects.filter(
        pk=draft.pk, number=DRAFT_NUMBER, status=CriteriaStatus.DRAFT
    ).first()
    if locked is None:
        raise DraftGone("this draft was published or discarded meanwhile")
    last = (
        CriteriaVersion.objects.filter(program_id=draft.program_id).aggregate(last=Max("number"))[
            "last"
        ]
        or 0
    )
    locked.number = last + 1
    locked.status = CriteriaStatus.PUBLISHED
    locked.published_at = now
    locked.published_by = actor
    locked.save(update_fields=["number", "status", "published_at", "published_by"])
    announce(
        "criteria.published",
        program_id=locked.program_id,
        version_id=locked.pk,
        actor_id=actor.pk if actor is not None else None,
        now=now,
    )
    return locked


@transaction.atomic
def criteria_draft_discard(*, program: Program) -> bool:
    """Throw the program's draft away; published versions are never deleted. Returns whether
    there was a draft."""
    Program.objects.select_for_update().filter(pk=program.pk).get()
    deleted, _ = CriteriaVersion.objects.filter(
        program=program, number=DRAFT_NUMBER, status=CriteriaStatus.DRAFT
    ).delete()
    return bool(deleted)


@transaction.atomic
def program_intake_settings_save(
    *,
    by: User,
    program: Program,
    web_form_enabled: bool,
    default_region: str,
    allowed_hosts: list[str],
    source_rules: dict[str, str],
) -> Program:
    """Store the program's form and intake settings, as its managers set them on the "Form and
    intake settings" page (issue 12: no longer only in the Django admin). They apply to the next
    submission and the next import; leads already captured keep their values. A change is
    recorded in the admin changes' history, in words."""
    locked = Program.objects.select_for_update().get(pk=program.pk)
    before = _intake_words(locked)
    locked.web_form_enabled = web_form_enabled
    locked.default_region = default_region.strip().upper()
    locked.web_form_allowed_hosts = list(allowed_hosts)
    locked.source_channel_rules = dict(source_rules)
    locked.save(
        update_fields=[
            "web_form_enabled",
            "default_region",
            "web_form_allowed_hosts",
            "source_channel_rules",
        ]
    )
    program_change_record(by=by, program=locked, before=before, after=_intake_words(locked))
    return locked


def program_change_record(
    *,
    by: User,
    program: Program,
    before: dict[str, str],
    after: dict[str, str],
    summary: str = "",
) -> None:
    """One entry of the history of a program's settings (``admin_change_record``), written
    by each page that sets them (hand-off, intake, SLA policy) in its own transaction."""
    admin_change_record(
        by=by,
        kind=ChangeKind.PROGRAM,
        object_id=program.pk,
        object_label=program.name,
        before=before,
        after=after,
        summary=summary,
    )


def _intake_words(program: Program) -> dict[str, str]:
    country = pycountry.countries.get(alpha_2=program.default_region or "")
    return {
        "Web form": "on" if program.web_form_enabled else "off",
        "Country": getattr(country, "common_name", getattr(country, "name", "")) if country else "",
        "Sites a visitor may be sent back to": ", ".join(program.web_form_allowed_hosts),
        "Own lead sources": "; ".join(
            f"{value} = {channel.replace('_', ' ')}"
            for value, channel in program.source_channel_rules.items()
        ),
    }
