from django.contrib import admin

from leadflow.programs.models import Client, CriteriaVersion, Program


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin[Client]):
    list_display = ("name", "slug", "country", "timezone")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin[Program]):
    list_display = ("name", "slug", "client", "hand_off_mode", "is_active")
    list_filter = ("hand_off_mode", "is_active", "client")
    search_fields = ("name", "slug", "client__name")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(CriteriaVersion)
class CriteriaVersionAdmin(admin.ModelAdmin[CriteriaVersion]):
    list_display = ("program", "number", "status", "published_at", "published_by")
    list_filter = ("status", "program")
    readonly_fields = ("program", "number", "spec", "created_at", "created_by", "published_at")

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
