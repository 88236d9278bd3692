"""Rows the intake keeps for itself: the web-to-lead form's submission counters, and the
possible duplicates it found for a person to decide."""

from django.conf import settings
from django.db import models


class FormThrottle(models.Model):
    """How many submissions one client (an HMAC of its IP address and the program) made in one
    fixed window. The counter lives in the database, so every web process on every machine
    shares it without a cache server; finished windows are pruned as new ones start."""

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="form_throttle_unique"),
        ]
        indexes = [models.Index(fields=["window_start"], name="form_throttle_window")]

    def __str__(self) -> str:
        return f"{self.key[:12]}… {self.window_start:%Y-%m-%d %H:%M}: {self.count}"


class DuplicateStatus(models.TextChoices):
    OPEN = "open", "To decide"
    MERGED = "merged", "Merged"
    DISTINCT = "distinct", "Different people"


class PossibleDuplicate(models.Model):
    """Two leads of a program that look like one person without a strong key to prove it (a
    similar name at the same company, the same phone with different names …): intake never
    merges them by itself; a person merges them or marks them distinct, and a pair marked
    distinct is never proposed again (DESIGN.md, Intake rules)."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    #: The newer lead, and the existing one it resembles.
    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="+")
    other = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)
    score = models.FloatField(default=0)
    status = models.CharField(
        max_length=16, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "other"], name="possible_duplicate_pair"),
            models.CheckConstraint(
                condition=~models.Q(lead=models.F("other")), name="possible_duplicate_two_leads"
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status", "-created_at"], name="duplicate_program"),
        ]

    def __str__(self) -> str:
        return f"#{self.lead_id} ~ #{self.other_id}: {self.reason}"
