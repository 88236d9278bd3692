"""Writes of partners themselves: creating them with territories and members, the client's
level lists, a program's SLA policy, and a manager re-enabling a partner's lead flow."""

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction

from leadflow.accounts.models import Role, User
from leadflow.core.calendar import working_calendar
from leadflow.core.routing import DEFAULT_CAPACITY, TerritoryRule
from leadflow.core.sla import SlaTerms
from leadflow.partners.models import (
    FlowChange,
    NotifyFormat,
    Partner,
    PartnerLevels,
    PartnerMember,
    PartnerType,
    SlaPolicy,
    Territory,
)
from leadflow.partners.policies import SLA_TERMS_FIELDS
from leadflow.partners.selectors import may_manage, partner_get
from leadflow.partners.services.portal import PartnerInputError
from leadflow.partners.services.queue import routing_queue_drain
from leadflow.programs.models import Client, Program


@transaction.atomic
def partner_create(
    *,
    client: Client,
    name: str,
    slug: str,
    type: PartnerType | str = PartnerType.RESELLER,
    country: str,
    subdivision: str = "",
    timezone: str = "UTC",
    program_level: str = "",
    certification_level: str = "",
    capacity: int = DEFAULT_CAPACITY,
    manager: User | None = None,
    notify_format: NotifyFormat | str = NotifyFormat.CSV,
    email: str = "",
    territories: Sequence[TerritoryRule] = (),
    members: Sequence[User] = (),
    now: datetime,
) -> Partner:
    """A partner of ``client``. Its country, subdivision and timezone are checked against the
    holiday calendars (CalendarError) and stored in their canonical form; levels must be in the
    client's lists; members get the partner role."""
    cal = working_calendar(country=country, subdivision=subdivision or None, timezone=timezone)
    PartnerType(type)
    NotifyFormat(notify_format)
    if capacity < 1:
        raise PartnerInputError("capacity", "capacity must be at least 1")
    levels = PartnerLevels.objects.filter(client=client).first() or PartnerLevels(client=client)
    if program_level and program_level not in levels.program_levels:
        raise PartnerInputError("program_level", f"not one of {levels.program_levels}")
    if certification_level and certification_level not in levels.certification_levels:
        raise PartnerInputError("certification_level", f"not one of {levels.certification_levels}")
    partner = Partner.objects.create(
        client=client,
        name=name,
        slug=slug,
        type=type,
        country=cal.country,
        subdivision=cal.subdivision or "",
        timezone=timezone,
        program_level=program_level,
        certification_level=certification_level,
        capacity=capacity,
        manager=manager,
        notify_format=notify_format,
        email=email,
        created_at=now,
    )
    territories_set(partner=partner, territories=territories)
    for user in members:
        partner_member_add(partner=partner, user=user)
    return partner


def territories_set(*, partner: Partner, territories: Sequence[TerritoryRule]) -> None:
    """Replace the partner's territories (codes upper-cased, postal prefixes without spaces)."""
    with transaction.atomic():
        Partner.objects.select_for_update().get(pk=partner.pk)
        partner.territories.all().delete()
        Territory.objects.bulk_create(
            Territory(
                partner=partner,
                country=rule.country.strip().upper(),
                subdivision=rule.subdivision.strip().upper(),
                postal_prefix="".join(ch for ch in rule.postal_prefix.upper() if ch.isalnum()),
            )
            for rule in territories
        )


def partner_member_add(*, partner: Partner, user: User) -> PartnerMember:
    """Make ``user`` work for ``partner`` (a user works for one partner) with the partner role."""
    with transaction.atomic():
        member, _ = PartnerMember.objects.update_or_create(user=user, defaults={"partner": partner})
        if not user.has_role(Role.PARTNER):
            from leadflow.accounts.services import user_set_roles

            user_set_roles(user=user, roles=[*user.role_names, Role.PARTNER])
        return member


def partner_levels_set(
    *, client: Client, program_levels: Sequence[str], certification_levels: Sequence[str]
) -> PartnerLevels:
    """The client's level lists, best first. A level a partner of the client still has cannot
    be dropped."""
    for field, values in (
        ("program_levels", program_levels),
        ("certification_levels", certification_levels),
    ):
        if not values or len(set(values)) != len(values) or not all(v.strip() for v in values):
            raise PartnerInputError(field, "give distinct, non-empty levels, best first")
    used = Partner.objects.filter(client=client)
    gone = {
        level
        for attr, values in (
            ("program_level", program_levels),
            ("certification_level", certification_levels),
        )
        for level in used.exclude(**{attr: ""})
        .exclude(**{f"{attr}__in": list(values)})
        .values_list(attr, flat=True)
    }
    if gone:
        raise PartnerInputError(
            "__all__",
            "Partners still have the level "
            + ", ".join(f"“{level}”" for level in sorted(gone))
            + ": change them first.",
        )
    levels, _ = PartnerLevels.objects.update_or_create(
        client=client,
        defaults={
            "program_levels": list(program_levels),
            "certification_levels": list(certification_levels),
        },
    )
    return levels


def sla_policy_set(*, program: Program, terms: SlaTerms) -> SlaPolicy:
    """The program's SLA policy (new assignments use it; running clocks keep their deadlines)."""
    policy, _ = SlaPolicy.objects.update_or_create(
        program=program, defaults={name: getattr(terms, name) for name in SLA_TERMS_FIELDS}
    )
    return policy


def partner_flow_enable(*, partner_id: int, user: User, note: str, now: datetime) -> Partner:
    """A manager turns the partner's lead flow back on, with a note; violations count afresh
    from now, and waiting leads may be routed to it at once. Partner.DoesNotExist out of the
    user's scope (404); PermissionDenied for a role that may not (403)."""
    partner = partner_get(user=user, partner_id=partner_id)
    if not may_manage(user=user, partner=partner):
        raise PermissionDenied("only a partner manager may re-enable a partner's lead flow")
    if not note.strip():
        raise PartnerInputError("note", "say why the lead flow is re-enabled")
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner_id)
        if not partner.flow_enabled:
            partner.flow_enabled = True
            partner.flow_enabled_at = now
            partner.save(update_fields=["flow_enabled", "flow_enabled_at"])
            FlowChange.objects.create(partner=partner, enabled=True, by=user, note=note, at=now)
    routing_queue_drain(now=now, client_id=partner.client_id)
    return partner


def partner_capacity_set(*, partner_id: int, capacity: int) -> Partner:
    """Change how many open leads the partner may hold. Lowering it below what the partner
    holds takes nothing away: it receives no new lead, and claims no more, until it is under."""
    if capacity < 1:
        raise PartnerInputError("capacity", "capacity must be at least 1")
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(pk=partner_id)
        partner.capacity = capacity
        partner.save(update_fields=["capacity"])
        return partner
