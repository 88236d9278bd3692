from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from leadflow.guarantees.models import Dispute, GuaranteeTerms


@admin.register(GuaranteeTerms)
class GuaranteeTermsAdmin(admin.ModelAdmin[GuaranteeTerms]):
    """Terms are changed on the program's ledger page (``guarantee_terms_save`` checks them);
    the admin lists them."""

    list_display = (
        "program",
        "leads_per_period",
        "period",
        "dispute_window_days",
        "is_active",
        "updated_at",
    )
    list_filter = ("period", "is_active")
    search_fields = ("program__name", "program__slug")
    list_select_related = ("program",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin[Dispute]):
    """Disputes are raised, decided and replaced only through the services (they write the
    lead's history); the admin shows them read-only."""

    list_display = ("id", "program", "delivery_item", "status", "reason", "raised_at", "decided_at")
    list_filter = ("status", "program")
    search_fields = ("delivery_item__lead__id", "reason", "note", "decision_note")
    list_select_related = ("program", "delivery_item__delivery__program")
    date_hierarchy = "raised_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
