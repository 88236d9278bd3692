"""Writes of the partner setup pages (issue 17, item 9): a partner's details changed by a
manager, and a member taken off a partner. Creating partners, their territories, members,
the client's levels and a program's SLA policy are ``services.partners``' writes."""

import logging
from collections.abc import Sequence

from django.db import transaction

from leadflow.accounts.models import User
from leadflow.core.calendar import working_calendar
from leadflow.core.errors import CalendarError
from leadflow.core.routing import TerritoryRule
from leadflow.partners.models import (
    NotifyFormat,
    Partner,
    PartnerLevels,
    PartnerMember,
    PartnerType,
)
from leadflow.partners.services.partners import territories_set
from leadflow.partners.services.portal import PartnerInputError

logger = logging.getLogger(__name__)


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
    logger.info("partner %s (%s) changed by %s", locked.pk, locked.name, by.get_username())
    return locked


def partner_member_remove(*, by: User, partner: Partner, user_id: int) -> None:
    """Take a user off the partner: they no longer see its leads (their account stays)."""
    deleted, _ = PartnerMember.objects.filter(partner=partner, user_id=user_id).delete()
    if not deleted:
        raise PartnerInputError("member", "That person is not a member of this partner.")
    logger.info("user %s taken off partner %s by %s", user_id, partner.pk, by.get_username())
