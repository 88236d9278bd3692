from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Count, QuerySet
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
    list_display = ("username", "email", "first_name", "last_name", "roles", "is_active")
    list_filter = ("groups", "is_active", "is_superuser")
    search_fields = ("username", "first_name", "last_name", "email")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def roles(self, obj: User) -> str:
        return ", ".join(sorted(group.name for group in obj.groups.all()))


class RoleMemberInline(admin.TabularInline):
    """The users holding a role, edited from the role's page."""

    model = User.groups.through
    extra = 0
    autocomplete_fields = ["user"]
    verbose_name = "member"
    verbose_name_plural = "members"


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(BaseGroupAdmin):
    """Roles are groups named after DESIGN.md's roles; the page lists their members."""

    inlines = [RoleMemberInline]
    list_display = ("name", "member_count")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Group]:
        return super().get_queryset(request).annotate(members=Count("user"))

    @admin.display(description="Members", ordering="members")
    def member_count(self, obj: Group) -> int:
        return int(getattr(obj, "members", 0))


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
