from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from leadflow.accounts.models import Scope, User


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
