"""Call recordings: the audio of a qualifier's call, kept for QA review.

A recording belongs to one call of the call log. The file lives in the default storage under
``recordings/`` with a name nobody can guess, and is never served by the storage's own URL: only
the review app's signed, short-lived links stream it, to QA reviewers and admins.
"""

import secrets

from django.conf import settings
from django.db import models


def recording_path(instance: "CallRecording", filename: str) -> str:
    """``recordings/<lead>/<call>-<random><extension>``: the uploaded name is not reused (it
    is kept in ``original_name``); the extension is the one of the format the content shows."""
    extension = filename[filename.rfind(".") :] if "." in filename else ""
    call = instance.call
    return f"recordings/{call.lead_id}/{call.pk}-{secrets.token_hex(8)}{extension}"


class CallRecording(models.Model):
    """The recording of one call, uploaded by the qualifier who made it (or an admin)."""

    call = models.OneToOneField("leads.CallLog", on_delete=models.PROTECT, related_name="recording")
    file = models.FileField(upload_to=recording_path, max_length=200)
    content_type = models.CharField(max_length=40, help_text="Read from the file's content")
    size = models.PositiveBigIntegerField(help_text="Bytes")
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"recording of call #{self.call_id}"
