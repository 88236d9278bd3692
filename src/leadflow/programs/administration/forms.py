"""The user form of the administration pages: who the person is, their roles and the programs
and clients they see. The choices are only what the person filling it in may grant."""

from datetime import date
from typing import Any

from django import forms

from leadflow.accounts.models import Role, User
from leadflow.programs.administration.selectors import (
    grantable_roles,
    managed_clients,
    managed_programs,
)
from leadflow.programs.forms.fields import EditorForm
from leadflow.programs.models import Client, HandOffMode, Program

ROLE_HELP = {
    Role.ADMIN: "everything, every program, and the Django admin",
    Role.MARKETER: "campaigns, imports, nurture",
    Role.QUALIFIER: "works the qualification queue",
    Role.REVIEWER: "QA review and disputes",
    Role.MANAGER: "criteria, routing, partners, users of their programs",
    Role.PARTNER: "the partner portal (add them to a partner on its page)",
    Role.CLIENT: "receives deliveries, raises disputes",
}


def effective_roles(user: User) -> set[str]:
    """The user's roles as the form shows them: a superuser holds the admin role."""
    return set(user.role_names) | ({Role.ADMIN.value} if user.is_superuser else set())


class _ProgramChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.client.name}: {obj.name}"


class UserForm(EditorForm):
    username = forms.CharField(
        label="Sign-in name",
        max_length=150,
        help_text="What they type to sign in: letters, digits and @ . + - _, no spaces.",
    )
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    email = forms.CharField(
        label="E-mail",
        max_length=254,
        required=False,
        help_text="Where notifications go (a partner's new leads, a manager's alerts).",
    )
    roles = forms.MultipleChoiceField(
        label="Roles", widget=forms.CheckboxSelectMultiple, required=False
    )
    programs = _ProgramChoice(
        label="Programs they see",
        queryset=Program.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    clients = forms.ModelMultipleChoiceField(
        label="Whole clients they see (every program of the client, new ones too)",
        queryset=Client.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, by: User, user: User | None = None, **kwargs: Any) -> None:
        if user is not None:
            kwargs.setdefault(
                "initial",
                {
                    "first_name": user.first_name,
                    "last_name": user.last_name,
                    "email": user.email,
                    "roles": sorted(effective_roles(user)),
                    "programs": list(
                        user.scopes.filter(program__isnull=False).values_list(
                            "program_id", flat=True
                        )
                    ),
                    "clients": list(
                        user.scopes.filter(client__isnull=False).values_list("client_id", flat=True)
                    ),
                },
            )
        super().__init__(*args, **kwargs)
        if user is not None:
            del self.fields["username"]
        roles = self.fields["roles"]
        assert isinstance(roles, forms.MultipleChoiceField)
        roles.choices = [
            (role.value, f"{role.label} — {ROLE_HELP[role]}") for role in grantable_roles(by=by)
        ]
        programs = self.fields["programs"]
        assert isinstance(programs, forms.ModelMultipleChoiceField)
        programs.queryset = managed_programs(by=by)
        clients = self.fields["clients"]
        assert isinstance(clients, forms.ModelMultipleChoiceField)
        clients.queryset = managed_clients(by=by)
        if not clients.queryset.exists():
            del self.fields["clients"]


class ProgramSettingsForm(EditorForm):
    hand_off_mode = forms.ChoiceField(
        label="How leads are handed off",
        choices=HandOffMode.choices,
        widget=forms.RadioSelect,
        help_text="Where approved leads go. A change applies to leads approved from now on.",
    )
    closure_days = forms.CharField(
        required=False,
        label="Closure days",
        help_text="Days the program is closed, one a line as 2026-12-24: no SLA clock counts "
        "them, beside weekends and the public holidays of each partner's country.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    queue_by_probability = forms.BooleanField(
        required=False,
        label="Within a rating, give first the leads more likely to convert",
        help_text="The qualification queue still goes by rating first; within a rating it "
        "orders by the predicted chance of converting when a model is switched on, then by "
        "score and age. Leads without a prediction come after those with one.",
    )

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "hand_off_mode": program.hand_off_mode,
                "closure_days": "\n".join(sorted(program.closure_days or ())),
                "queue_by_probability": program.queue_by_probability,
            },
        )
        super().__init__(*args, **kwargs)

    def clean_closure_days(self) -> list[str]:
        days: list[str] = []
        problems: list[str] = []
        lines = [line.strip() for line in self.cleaned_data["closure_days"].splitlines()]
        for number, line in enumerate(lines, start=1):
            if not line:
                continue
            try:
                day = date.fromisoformat(line)
            except ValueError:
                problems.append(f"Line {number}: “{line}” is not a date such as 2026-12-24.")
                continue
            if day.isoformat() not in days:
                days.append(day.isoformat())
        if problems:
            raise forms.ValidationError(problems)
        return sorted(days)
