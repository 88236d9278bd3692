from django.contrib import admin

from leadflow.programs.models import Client, CriteriaVersion, Program


class ProgramInline(admin.TabularInline[Program, Client]):
    model = Program
    extra = 0
    fields = ("name", "slug", "hand_off_mode", "is_active")
    show_change_link = True


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin[Client]):
    list_display = ("name", "slug", "country", "timezone")
    list_filter = ("country", "timezone")
    search_fields = ("name", "slug")
    inlines = [ProgramInline]
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
    search_fields = ("program__name", "program__slug", "note")
    list_select_related = ("program", "published_by")
    readonly_fields = ("program", "number", "spec", "created_at", "created_by", "published_at")

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
