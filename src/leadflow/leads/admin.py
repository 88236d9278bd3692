from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from leadflow.leads.models import CallLog, Lead, LeadEvent, SavedFilter

_M = TypeVar("_M", bound=Model)


class ReadOnlyAdmin(admin.ModelAdmin[_M]):
    """Leads, their history and their calls change only through the services (lifecycle and
    events); the admin shows them and nothing more."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Lead)
class LeadAdmin(ReadOnlyAdmin[Lead]):
    """Leads change only through the lifecycle services; the admin shows them read-only."""

    list_display = ("id", "__str__", "program", "status", "stage", "rating", "score", "created_at")
    list_filter = ("program", "status", "stage", "rating", "channel")
    search_fields = ("first_name", "last_name", "email", "company", "campaign")
    date_hierarchy = "created_at"
    list_select_related = ("program", "owner")
    # A capped paginator count keeps the page fast on large tables.
    show_full_result_count = False


@admin.register(LeadEvent)
class LeadEventAdmin(ReadOnlyAdmin[LeadEvent]):
    list_display = ("at", "lead", "kind", "action", "from_status", "to_status", "actor")
    list_filter = ("kind", "action")
    search_fields = ("lead__id", "reason")
    list_select_related = ("lead", "actor")


@admin.register(CallLog)
class CallLogAdmin(ReadOnlyAdmin[CallLog]):
    """Calls are history, written by the workspace; read-only here."""

    list_display = ("at", "lead", "caller", "outcome", "next_call_at")
    list_filter = ("outcome",)
    search_fields = ("lead__id", "note", "caller__username")
    list_select_related = ("lead", "caller")


@admin.register(SavedFilter)
class SavedFilterAdmin(admin.ModelAdmin[SavedFilter]):
    list_display = ("name", "user", "query", "created_at")
    search_fields = ("name", "user__username", "query")
    list_select_related = ("user",)
