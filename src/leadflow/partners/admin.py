"""Admin of partners, their territories and members, the client level lists and the programs'
SLA policies. Assignments, violations, declines and flow changes are history: read-only here,
written only by the services (the lead flow is re-enabled from the partner's record page)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from leadflow.partners.models import (
    Assignment,
    Decline,
    FlowChange,
    Partner,
    PartnerLevels,
    PartnerMember,
    RoutingQueueEntry,
    SlaPolicy,
    Territory,
    Violation,
)


class TerritoryInline(admin.TabularInline[Territory, Partner]):
    model = Territory
    extra = 1


class MemberInline(admin.TabularInline[PartnerMember, Partner]):
    model = PartnerMember
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin[Partner]):
    list_display = (
        "name",
        "client",
        "type",
        "program_level",
        "certification_level",
        "country",
        "capacity",
        "flow_enabled",
        "is_active",
    )
    list_filter = ("client", "type", "flow_enabled", "is_active", "country")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("flow_enabled", "flow_enabled_at")
    inlines = [TerritoryInline, MemberInline]


@admin.register(PartnerLevels)
class PartnerLevelsAdmin(admin.ModelAdmin[PartnerLevels]):
    list_display = ("client", "program_levels", "certification_levels")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin[SlaPolicy]):
    list_display = (
        "program",
        "claim_days",
        "contact_days_hot",
        "contact_days_a",
        "contact_days_b",
        "followup_days",
        "violation_threshold",
        "violation_window_days",
    )


class HistoryAdmin(admin.ModelAdmin[Any]):
    """Read-only: these rows are the partners' record and the leads' hand-off history."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Assignment)
class AssignmentAdmin(HistoryAdmin):
    list_display = ("lead", "partner", "rating", "assigned_at", "claimed_at", "outcome", "ended_at")
    list_filter = ("partner", "outcome", "end_reason")
    raw_id_fields = ("lead",)


@admin.register(Violation)
class ViolationAdmin(HistoryAdmin):
    list_display = ("partner", "lead", "clock", "due", "detected_at", "consequence")
    list_filter = ("partner", "clock", "consequence")


@admin.register(Decline)
class DeclineAdmin(HistoryAdmin):
    list_display = ("partner", "assignment", "reason", "by", "at")
    list_filter = ("partner", "reason")


@admin.register(FlowChange)
class FlowChangeAdmin(HistoryAdmin):
    list_display = ("partner", "enabled", "by", "at", "note")
    list_filter = ("partner", "enabled")


@admin.register(RoutingQueueEntry)
class RoutingQueueAdmin(HistoryAdmin):
    list_display = ("lead", "client", "rating_rank", "queued_at")
    list_filter = ("client",)
