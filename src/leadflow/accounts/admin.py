from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from leadflow.accounts.models import ApiToken, Scope, User


class ScopeInline(admin.TabularInline[Scope, User]):
    model = Scope
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["client", "program"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [ScopeInline]
    list_filter = ("groups", "is_active", "is_superuser")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Read-only: tokens are created and revoked by their owners (page or CLI), and the
    admin never sees more than the prefix."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    fields = ("user", "name", "prefix", "programs", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False
