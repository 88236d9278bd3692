"""Reads for users: their two-step sign-in."""

from django.conf import settings

from leadflow.accounts.models import Authenticator, RecoveryCode, Role, User


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
