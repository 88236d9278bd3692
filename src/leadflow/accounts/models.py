"""Users, their roles (Django groups named after DESIGN.md's roles) and their scopes."""

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MARKETER = "marketer", "Marketing"
    QUALIFIER = "qualifier", "Qualifier"
    REVIEWER = "reviewer", "QA reviewer"
    MANAGER = "manager", "Sales manager"
    PARTNER = "partner", "Partner"
    CLIENT = "client", "Client contact"


class User(AbstractUser):
    """A person who signs in. Roles are group memberships; what they see is set by Scope rows.

    Users are deactivated, never deleted: the lead history names them as actors.
    """

    #: The IANA time zone the person reads times in; empty: the site's ``TIME_ZONE``
    #: (``accounts.selectors.viewer_timezone``). Client contacts read their client's zone.
    timezone = models.CharField("time zone", max_length=64, blank=True, default="")

    class Meta:
        db_table = "accounts_user"

    @property
    def role_names(self) -> frozenset[str]:
        cached: frozenset[str] | None = getattr(self, "_role_names", None)
        if cached is None:
            cached = frozenset(self.groups.values_list("name", flat=True))
            self._role_names = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        if self.is_superuser and Role.ADMIN in roles:
            return True
        return bool(self.role_names.intersection(roles))

    @property
    def sees_everything(self) -> bool:
        """Admins are not limited to a client or program."""
        return self.is_superuser or Role.ADMIN in self.role_names


class Scope(models.Model):
    """What a user may see: a whole client (all of its programs) or one program."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="scopes")
    client = models.ForeignKey(
        "programs.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    program = models.ForeignKey(
        "programs.Program", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(client__isnull=False) | models.Q(program__isnull=False),
                name="scope_names_client_or_program",
            ),
            models.UniqueConstraint(
                fields=["user", "client", "program"], name="scope_unique_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.program or self.client}"


class Authenticator(models.Model):
    """A user's authenticator app for two-step sign-in (TOTP, RFC 6238, 30-second steps).

    It counts once confirmed with a code from the app. ``last_used_step`` is the time step of
    the last code accepted: a code of that step or an earlier one is refused, so an overheard
    code cannot be used again (DECISIONS.md, "Two-step sign-in").
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="authenticator")
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        state = "on" if self.confirmed_at else "being set up"
        return f"two-step sign-in of {self.user} ({state})"


class RecoveryCode(models.Model):
    """A one-time code for signing in without the authenticator app; only its salted SHA-256
    is kept (the codes are random and long, so a slow password hash adds nothing)."""

    authenticator = models.ForeignKey(
        Authenticator, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        state = "used" if self.used_at else "unused"
        return f"recovery code of {self.authenticator.user} ({state})"


class ChangeKind(models.TextChoices):
    """What an admin change was made to (the object's table, in words)."""

    USER = "user", "User"
    PROGRAM = "program", "Program"
    CLIENT = "client", "Client"
    PARTNER = "partner", "Partner"


class AdminChange(models.Model):
    """One change made on the admin pages (issue 17, item 9): who, when, to what, in one plain
    sentence, and each field's value before and after in words (role and program names, "on" or
    "off"; never a secret: a password reset is recorded as that, nothing more).

    Written by the service that makes the change, in its transaction, and never changed after:
    like ``leads.LeadEvent`` it is the history a manager reads (``accounts.services
    .admin_change_record``). ``object_id`` names a row of the table ``kind`` names; accounts
    sits below the apps that own programs, clients and partners, so it is a plain number, and
    ``object_label`` keeps the object's name as it was.
    """

    at = models.DateTimeField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=ChangeKind.choices)
    object_id = models.PositiveBigIntegerField()
    object_label = models.CharField(max_length=300)
    summary = models.CharField(max_length=500)
    #: ``[{"label": "Roles", "before": "Qualifier", "after": "Qualifier, QA reviewer"}, ...]``
    changes: models.JSONField[list[dict[str, str]]] = models.JSONField(default=list)

    class Meta:
        indexes = [
            models.Index(fields=["kind", "object_id", "-at"], name="adminchange_object"),
            models.Index(fields=["-at"], name="adminchange_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.by}: {self.summary}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("an admin change is history: it is never changed")
        super().save(*args, **kwargs)
