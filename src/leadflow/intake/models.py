"""Rows the intake keeps for itself: the web-to-lead form's submission counters."""

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
