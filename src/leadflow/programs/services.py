"""Writes for clients, programs and criteria versions."""

from datetime import datetime

from django.db import transaction
from django.db.models import Max

from leadflow.accounts.models import User
from leadflow.core.criteria import QualifyingCriteria, default_criteria
from leadflow.programs.models import Client, CriteriaStatus, CriteriaVersion, HandOffMode, Program


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
