"""Writes of the partner setup pages (issue 17, item 9): a partner's details changed by a
manager, a member added or taken off, the client's levels and a program's SLA policy saved.
Creating partners, their territories, members, levels and SLA policies are
``services.partners``' writes; the setup pages' writes add, in the same transaction, one entry
of the admin changes' history (``accounts.services.admin_change_record``) when they change
something."""

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from leadflow.accounts.models import ChangeKind, User
from leadflow.accounts.services import admin_change_record
from leadflow.core.calendar import working_calendar
from leadflow.core.errors import CalendarError
from leadflow.core.routing import TerritoryRule
from leadflow.core.sla import SlaTerms
from leadflow.partners.models import (
    NotifyFormat,
    Partner,
    PartnerLevels,
    PartnerMember,
    PartnerType,
    SlaPolicy,
    default_certification_levels,
    default_program_levels,
)
from leadflow.partners.selectors import partner_territories_text
from leadflow.partners.services.partners import (
    partner_create,
    partner_levels_set,
    partner_member_add,
    sla_policy_set,
    territories_set,
)
from leadflow.partners.services.portal import PartnerInputError
from leadflow.programs.models import Client, Program
from leadflow.programs.services import program_change_record


@transaction.atomic
def partner_setup_create(*, by: User, **fields: Any) -> Partner:
    """A new partner from the setup page (``partner_create``'s arguments), recorded with the
    values it starts with."""
    partner = partner_create(**fields)
    _record(
        by, partner, before={}, after=partner_words(partner), summary=f"Created {partner.name}."
    )
    return partner


@transaction.atomic
def partner_update(
    *,
    by: User,
    partner: Partner,
    name: str,
    type: str,
    country: str,
    subdivision: str,
    timezone: str,
    program_level: str,
    certification_level: str,
    capacity: int,
    manager: User | None,
    notify_format: str,
    email: str,
    is_active: bool,
    territories: Sequence[TerritoryRule],
) -> Partner:
    """Change a partner ``by`` may manage (the caller found it through ``partner_get``), its
    territories replaced, in one transaction: a refused value writes nothing. Leads it holds
    keep their clocks; the new capacity, levels and territories count for the next routing."""
    if not name.strip():
        raise PartnerInputError("name", "Give the partner a name.")
    try:
        cal = working_calendar(country=country, subdivision=subdivision or None, timezone=timezone)
    except CalendarError as exc:
        raise PartnerInputError("country", str(exc)) from exc
    PartnerType(type)
    NotifyFormat(notify_format)
    if capacity < 1:
        raise PartnerInputError("capacity", "The capacity must be at least 1.")
    levels = PartnerLevels.objects.filter(client_id=partner.client_id).first() or PartnerLevels(
        client_id=partner.client_id
    )
    if program_level and program_level not in levels.program_levels:
        raise PartnerInputError("program_level", "Choose one of the client's program levels.")
    if certification_level and certification_level not in levels.certification_levels:
        raise PartnerInputError(
            "certification_level", "Choose one of the client's certification levels."
        )
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    before = partner_words(locked)
    locked.name = name.strip()
    locked.type = type
    locked.country = cal.country
    locked.subdivision = cal.subdivision or ""
    locked.timezone = timezone
    locked.program_level = program_level
    locked.certification_level = certification_level
    locked.capacity = capacity
    locked.manager = manager
    locked.notify_format = notify_format
    locked.email = email
    locked.is_active = is_active
    locked.save()
    territories_set(partner=locked, territories=territories)
    _record(by, locked, before=before, after=partner_words(locked))
    return locked


def _record(
    by: User, partner: Partner, *, before: dict[str, str], after: dict[str, str], summary: str = ""
) -> None:
    admin_change_record(
        by=by,
        kind=ChangeKind.PARTNER,
        object_id=partner.pk,
        object_label=partner.name,
        before=before,
        after=after,
        summary=summary,
    )


def territories_text(partner: Partner, separator: str = "\n") -> str:
    """The partner's territories as the setup page writes them (US, US-CA, US-CA 94)."""
    return partner_territories_text(partner=partner).replace("\n", separator)


def partner_words(partner: Partner) -> dict[str, str]:
    """What the setup page shows of a partner, label → value in words, for the history."""
    manager = partner.manager
    return {
        "Name": partner.name,
        "Kind of partner": PartnerType(partner.type).label,
        "Partner manager": (manager.get_full_name() or manager.username) if manager else "nobody",
        "Shared inbox": partner.email,
        "New leads are sent as": NotifyFormat(partner.notify_format).label,
        "Receives leads": "on" if partner.is_active else "off",
        "Territories": territories_text(partner, "; "),
        "Country": partner.country,
        "State or province": partner.subdivision,
        "Timezone": partner.timezone,
        "Program level": partner.program_level.replace("_", " "),
        "Certification level": partner.certification_level.replace("_", " "),
        "Capacity": f"{partner.capacity} open leads",
    }


def _members(partner: Partner) -> dict[str, str]:
    names = PartnerMember.objects.filter(partner=partner).order_by("user__username")
    return {"Who works its leads": ", ".join(names.values_list("user__username", flat=True))}


@transaction.atomic
def partner_member_join(*, by: User, partner: Partner, user: User) -> PartnerMember:
    """Add ``user`` to the partner from its setup page (``partner_member_add``: a user works
    for one partner, with the partner role), and record who works its leads now."""
    Partner.objects.select_for_update().get(pk=partner.pk)
    before = _members(partner)
    earlier = PartnerMember.objects.filter(user=user).exclude(partner=partner).first()
    member = partner_member_add(partner=partner, user=user)
    moved = f" (they worked for {earlier.partner.name} before)" if earlier else ""
    summary = f"Added {user.username} to {partner.name}{moved}."
    _record(by, partner, before=before, after=_members(partner), summary=summary)
    return member


@transaction.atomic
def partner_member_remove(*, by: User, partner: Partner, user_id: int) -> None:
    """Take a user off the partner: they no longer see its leads (their account stays)."""
    Partner.objects.select_for_update().get(pk=partner.pk)
    before = _members(partner)
    member = (
        PartnerMember.objects.filter(partner=partner, user_id=user_id)
        .select_related("user")
        .first()
    )
    if member is None:
        raise PartnerInputError("member", "That person is not a member of this partner.")
    member.delete()
    summary = f"Took {member.user.username} off {partner.name}."
    _record(by, partner, before=before, after=_members(partner), summary=summary)


def _levels_words(
    program_levels: Sequence[str], certification_levels: Sequence[str]
) -> dict[str, str]:
    return {
        "Program levels": ", ".join(level.replace("_", " ") for level in program_levels),
        "Certification levels": ", ".join(
            level.replace("_", " ") for level in certification_levels
        ),
    }


@transaction.atomic
def partner_levels_save(
    *, by: User, client: Client, program_levels: Sequence[str], certification_levels: Sequence[str]
) -> PartnerLevels:
    """The client's level lists from the setup page (``partner_levels_set``), recorded."""
    current = PartnerLevels.objects.select_for_update().filter(client=client).first()
    before = _levels_words(
        current.program_levels if current else default_program_levels(),
        current.certification_levels if current else default_certification_levels(),
    )
    levels = partner_levels_set(
        client=client, program_levels=program_levels, certification_levels=certification_levels
    )
    admin_change_record(
        by=by,
        kind=ChangeKind.CLIENT,
        object_id=client.pk,
        object_label=client.name,
        before=before,
        after=_levels_words(levels.program_levels, levels.certification_levels),
        summary=f"Changed the partner levels of {client.name}.",
    )
    return levels


_SLA_WORDS = {
    "claim_days": "Working days to claim a new lead",
    "contact_days_hot": "Working days to first contact, Hot",
    "contact_days_a": "Working days to first contact, A",
    "contact_days_b": "Working days to first contact, B",
    "followup_days": "Working days from first contact to the outcome",
    "violation_threshold": "Missed deadlines that stop a partner's lead flow",
    "violation_window_days": "Days the missed deadlines are counted over",
    "queue_limit_hot_hours": "Hours a Hot lead may wait in the routing queue",
    "queue_limit_working_days": "Working days other leads may wait in the routing queue",
}


def _sla_words(terms: object) -> dict[str, str]:
    return {label: str(getattr(terms, name)) for name, label in _SLA_WORDS.items()}


@transaction.atomic
def sla_policy_save(*, by: User, program: Program, terms: SlaTerms) -> SlaPolicy:
    """The program's SLA policy from the setup page (``sla_policy_set``), recorded as a change
    of the program's settings."""
    current = SlaPolicy.objects.select_for_update().filter(program=program).first()
    before = _sla_words(current or SlaTerms())
    policy = sla_policy_set(program=program, terms=terms)
    program_change_record(
        by=by,
        program=program,
        before=before,
        after=_sla_words(policy),
        summary=f"Changed the SLA policy of {program.name}.",
    )
    return policy
