"""Reads for users: their two-step sign-in, and the time zone they read times in."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings

from leadflow.accounts.models import Authenticator, RecoveryCode, Role, Scope, User


def two_step_enabled(*, user: User) -> bool:
    """Whether signing in as ``user`` needs a code after the password."""
    return Authenticator.objects.filter(user=user, confirmed_at__isnull=False).exists()


def two_step_authenticator(*, user: User) -> Authenticator | None:
    """The user's confirmed authenticator, if they turned two-step sign-in on."""
    return Authenticator.objects.filter(user=user, confirmed_at__isnull=False).first()


def two_step_required(*, user: User) -> bool:
    """Whether the user must have two-step sign-in: admins (and superusers) when
    ``TWO_FACTOR_REQUIRED_FOR_ADMINS`` is on."""
    return bool(settings.TWO_FACTOR_REQUIRED_FOR_ADMINS) and user.has_role(Role.ADMIN)


def recovery_codes_left(*, user: User) -> int:
    return RecoveryCode.objects.filter(
        authenticator__user=user, authenticator__confirmed_at__isnull=False, used_at__isnull=True
    ).count()


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone a person may choose, sorted (the legacy aliases left out)."""
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


def timezone_valid(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return bool(name)


@dataclass(frozen=True)
class ViewerZone:
    """The zone a person reads times in, and why it is that one."""

    name: str
    #: "client" (a client contact reads their client's zone), "own" (their setting) or
    #: "default" (the site's ``TIME_ZONE``).
    source: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.name)

    def label(self, now: datetime) -> str:
        """ "Times in New York time (EST)": the place and the abbreviation in force now."""
        if self.name == "UTC":
            return "Times in UTC"
        place = self.name.rsplit("/", 1)[-1].replace("_", " ")
        abbreviation = now.astimezone(self.zone).tzname()
        return f"Times in {place} time ({abbreviation})"


def viewer_timezone(*, user: User) -> ViewerZone:
    """The one zone a person reads every time in (issue 17): a client contact their client's
    (when their scope names one client zone), anyone else their own setting, else the site's
    ``TIME_ZONE`` (the agency's own: a qualifier works for clients in many zones)."""
    if user.has_role(Role.CLIENT) and not user.sees_everything:
        zones = {
            zone
            for pair in Scope.objects.filter(user=user).values_list(
                "client__timezone", "program__client__timezone"
            )
            for zone in pair
            if zone and timezone_valid(zone)
        }
        if len(zones) == 1:
            return ViewerZone(zones.pop(), "client")
    if user.timezone and timezone_valid(user.timezone):
        return ViewerZone(user.timezone, "own")
    return ViewerZone(settings.TIME_ZONE, "default")
