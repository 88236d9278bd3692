from django.contrib import admin

from leadflow.leads.admin import ReadOnlyAdmin
from leadflow.review.models import CallRecording


@admin.register(CallRecording)
class CallRecordingAdmin(ReadOnlyAdmin[CallRecording]):
    """Recordings are evidence of the call, uploaded from the review app; the admin lists them
    without a link to the file (only the review app's signed links serve it, and record the
    listen)."""

    list_display = ("uploaded_at", "call", "content_type", "size", "uploaded_by")
    list_filter = ("content_type",)
    search_fields = ("call__lead__id", "original_name", "uploaded_by__username")
    list_select_related = ("call", "uploaded_by")
    fields = ("call", "content_type", "size", "original_name", "uploaded_by", "uploaded_at")
