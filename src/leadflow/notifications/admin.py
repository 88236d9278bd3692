from django.contrib import admin

from leadflow.notifications.models import OutboxAttempt, OutboxMessage


class OutboxAttemptInline(admin.TabularInline[OutboxAttempt, OutboxMessage]):
    model = OutboxAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("number", "at", "ok", "status_code", "error", "duration_ms")

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin[OutboxMessage]):
    list_display = ("key", "kind", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("kind", "status")
    search_fields = ("key",)
    readonly_fields = (
        "key",
        "kind",
        "status",
        "content",
        "attempts",
        "next_attempt_at",
        "lease_until",
        "last_error",
        "created_at",
        "sent_at",
    )
    exclude = ("secret",)
    inlines = [OutboxAttemptInline]

    def has_add_permission(self, request: object) -> bool:
        return False
