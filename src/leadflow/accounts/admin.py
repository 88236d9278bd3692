from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from leadflow.accounts.models import Scope, User


class ScopeInline(admin.TabularInline[Scope, User]):
    model = Scope
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["client", "program"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [ScopeInline]
    list_filter = ("groups", "is_active", "is_superuser")
