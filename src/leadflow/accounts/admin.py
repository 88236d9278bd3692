from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from leadflow.accounts.models import Authenticator, Scope, User
from leadflow.accounts.permissions import request_user
from leadflow.accounts.services import authenticator_reset


def _sign_in_first(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """The admin's own sign-in page would skip the code step of two-step sign-in: the admin
    sends people to the site's sign-in instead, which comes back here."""
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


admin.site.login = _sign_in_first  # type: ignore[method-assign]


def _superusers_only(request: HttpRequest) -> bool:
    """The Django admin is for superusers only (issue 17: everyone else manages users,
    partners and programs in the app's own pages); a staff flag alone does not open it."""
    return bool(request.user.is_active and request.user.is_superuser)


admin.site.has_permission = _superusers_only  # type: ignore[method-assign]


class ScopeInline(admin.TabularInline[Scope, User]):
    model = Scope
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["client", "program"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [ScopeInline]
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "roles",
        "two_step",
        "is_active",
    )
    list_filter = ("groups", "is_active", "is_superuser")
    search_fields = ("username", "first_name", "last_name", "email")
    actions = ["reset_two_step"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        confirmed = Authenticator.objects.filter(user=OuterRef("pk"), confirmed_at__isnull=False)
        return (
            super()
            .get_queryset(request)
            .prefetch_related("groups")
            .annotate(two_step_on=Exists(confirmed))
        )

    @admin.display(description="Two-step sign-in", boolean=True, ordering="two_step_on")
    def two_step(self, obj: User) -> bool:
        return bool(getattr(obj, "two_step_on", False))

    @admin.action(description="Reset two-step sign-in (a lost phone)")
    def reset_two_step(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """Take away the users' authenticators and recovery codes; each reset is recorded in
        the user's history (the admin's log)."""
        admin_user = request_user(request)
        reset = 0
        for user in queryset:
            if authenticator_reset(user=user, by=admin_user):
                self.log_change(request, user, "Reset two-step sign-in.")
                reset += 1
        self.message_user(
            request,
            f"Two-step sign-in reset for {reset} user(s); they sign in with their password "
            "alone until they set it up again.",
            messages.SUCCESS,
        )

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
