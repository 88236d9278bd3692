"""Partner setup (issue 17, item 9): the partners of one's scope with the way to change each
(details, territories, levels, members), a new partner, each client's level lists and each
program's SLA policy, in the app's own pages instead of the Django admin.

Admins and sales managers (``Capability.PARTNERS_MANAGE``; 403 for other roles); a partner,
client or program outside the user's scope is 404 (the selectors' ``DoesNotExist``). A refused
value is shown beside its field and nothing is written.
"""

import re
import zoneinfo
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.accounts.models import Role, User
from leadflow.accounts.permissions import Capability, capability_required, request_user
from leadflow.core.errors import CalendarError, InputError
from leadflow.core.routing import DEFAULT_CAPACITY, TerritoryRule
from leadflow.core.sla import SlaTerms
from leadflow.partners.models import (
    NotifyFormat,
    Partner,
    PartnerLevels,
    PartnerMember,
    PartnerType,
    SlaPolicy,
    default_certification_levels,
    default_program_levels,
)
from leadflow.partners.selectors import partner_get, partner_list
from leadflow.partners.services.setup import (
    partner_levels_save,
    partner_member_join,
    partner_member_remove,
    partner_setup_create,
    partner_update,
    sla_policy_save,
    territories_text,
)
from leadflow.programs.administration.selectors import user_admin_list
from leadflow.programs.forms.fields import EditorForm
from leadflow.programs.models import Client
from leadflow.programs.selectors import program_get, program_list

setup_required = capability_required(
    Capability.PARTNERS_MANAGE, "Partner setup is for admins and sales managers."
)

_TERRITORY = re.compile(r"^([A-Za-z]{2})(?:-([A-Za-z0-9]{1,3}))?(?:\s+([A-Za-z0-9 ]{1,16}))?$")


def _clients(by: User) -> QuerySet[Client]:
    return Client.objects.filter(pk__in=program_list(user=by).values("client_id")).order_by("name")


def _managers(by: User) -> QuerySet[User]:
    people = user_admin_list(by=by, include_inactive=False).filter(
        groups__name__in=[Role.MANAGER, Role.ADMIN]
    )
    return (people | User.objects.filter(pk=by.pk)).distinct().order_by("username")


class PartnerForm(EditorForm):
    client = forms.ModelChoiceField(label="Client", queryset=Client.objects.none())
    name = forms.CharField(label="Name", max_length=200)
    type = forms.ChoiceField(label="Kind of partner", choices=PartnerType.choices)
    country = forms.CharField(
        label="Country", max_length=2, help_text="Two letters, such as US or DE: for holidays."
    )
    subdivision = forms.CharField(
        label="State or province",
        max_length=8,
        required=False,
        help_text="Its code, such as CA or BY: for regional holidays. May be empty.",
    )
    timezone = forms.CharField(
        label="Timezone", max_length=64, initial="UTC", help_text="Such as America/New_York."
    )
    program_level = forms.ChoiceField(label="Program level", required=False)
    certification_level = forms.ChoiceField(label="Certification level", required=False)
    capacity = forms.IntegerField(
        label="Capacity",
        min_value=1,
        max_value=1000,
        initial=DEFAULT_CAPACITY,
        help_text="Most open leads (assigned, no outcome yet) it may hold at a time.",
    )
    manager = forms.ModelChoiceField(
        label="Partner manager",
        queryset=User.objects.none(),
        required=False,
        help_text="Warned of its missed deadlines.",
        empty_label="Nobody",
    )
    notify_format = forms.ChoiceField(label="New leads are sent as", choices=NotifyFormat.choices)
    email = forms.EmailField(
        label="Shared inbox", required=False, help_text="Copied on its notifications."
    )
    is_active = forms.BooleanField(label="Active (receives leads)", required=False, initial=True)
    territories = forms.CharField(
        label="Territories",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Where it sells, one a line: a country (US), a state or province (US-CA), "
        "optionally a postal-code start after a space (US-CA 94).",
    )

    def __init__(self, *args: Any, by: User, partner: Partner | None = None, **kwargs: Any) -> None:
        if partner is not None:
            kwargs.setdefault(
                "initial",
                {
                    "client": partner.client_id,
                    "name": partner.name,
                    "type": partner.type,
                    "country": partner.country,
                    "subdivision": partner.subdivision,
                    "timezone": partner.timezone,
                    "program_level": partner.program_level,
                    "certification_level": partner.certification_level,
                    "capacity": partner.capacity,
                    "manager": partner.manager_id,
                    "notify_format": partner.notify_format,
                    "email": partner.email,
                    "is_active": partner.is_active,
                    "territories": territories_text(partner),
                },
            )
        super().__init__(*args, **kwargs)
        client_field = self.fields["client"]
        assert isinstance(client_field, forms.ModelChoiceField)
        client_field.queryset = _clients(by)
        if partner is not None:
            del self.fields["client"]
        manager = self.fields["manager"]
        assert isinstance(manager, forms.ModelChoiceField)
        people = _managers(by)
        if partner is not None and partner.manager_id is not None:
            people = (people | User.objects.filter(pk=partner.manager_id)).distinct()
        manager.queryset = people
        levels = (
            PartnerLevels.objects.filter(client_id=partner.client_id).first() if partner else None
        )
        program_levels = levels.program_levels if levels else default_program_levels()
        certification = levels.certification_levels if levels else default_certification_levels()
        for name, values in (
            ("program_level", program_levels),
            ("certification_level", certification),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", "—"), *((v, v.replace("_", " ")) for v in values)]

    def clean_timezone(self) -> str:
        value = self.cleaned_data["timezone"].strip()
        if value not in zoneinfo.available_timezones():
            raise forms.ValidationError(
                f"“{value}” is not a timezone; write one such as Europe/Berlin."
            )
        return value

    def clean_territories(self) -> list[TerritoryRule]:
        rules: list[TerritoryRule] = []
        problems: list[str] = []
        lines = self.cleaned_data["territories"].splitlines()
        for number, line in enumerate((line.strip() for line in lines), start=1):
            if not line:
                continue
            match = _TERRITORY.match(line)
            if match is None:
                problems.append(
                    f"Line {number}: “{line}” is not a territory; write US, US-CA or US-CA 94."
                )
                continue
            country, subdivision, postal = match.groups()
            rules.append(TerritoryRule(country.upper(), (subdivision or "").upper(), postal or ""))
        if problems:
            raise forms.ValidationError(problems)
        return rules


def _add_error(form: forms.Form, exc: InputError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


@setup_required
@require_GET
def setup_index(request: HttpRequest) -> HttpResponse:
    by = request_user(request)
    return render(
        request,
        "partners/admin/index.html",
        {
            "partners": partner_list(user=by).prefetch_related("territories", "members"),
            "clients": _clients(by),
            "programs": program_list(user=by).order_by("client__name", "name"),
        },
    )


@setup_required
@require_http_methods(["GET", "POST"])
def partner_new(request: HttpRequest) -> HttpResponse:
    by = request_user(request)
    form = PartnerForm(request.POST or None, by=by)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        client = data["client"]
        base = slugify(data["name"])[:70] or "partner"
        slug, n = base, 1
        while Partner.objects.filter(client=client, slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        try:
            partner = partner_setup_create(
                by=by,
                client=client,
                name=data["name"].strip(),
                slug=slug,
                type=data["type"],
                country=data["country"],
                subdivision=data["subdivision"],
                timezone=data["timezone"],
                program_level=data["program_level"],
                certification_level=data["certification_level"],
                capacity=data["capacity"],
                manager=data["manager"],
                notify_format=data["notify_format"],
                email=data["email"],
                territories=data["territories"],
                now=timezone.now(),
            )
        except InputError as exc:
            _add_error(form, exc)
        except CalendarError as exc:
            form.add_error("country", str(exc))
        else:
            messages.success(request, f"{partner.name} was created.")
            return redirect("partners:setup_partner", partner_id=partner.pk)
    return render(
        request,
        "partners/admin/partner_form.html",
        {"form": form, "partner": None},
        status=400 if request.method == "POST" else 200,
    )


@setup_required
@require_http_methods(["GET", "POST"])
def partner_edit(request: HttpRequest, partner_id: int) -> HttpResponse:
    by = request_user(request)
    partner = partner_get(user=by, partner_id=partner_id)
    form = PartnerForm(request.POST or None, by=by, partner=partner)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            partner_update(
                by=by,
                partner=partner,
                name=data["name"],
                type=data["type"],
                country=data["country"],
                subdivision=data["subdivision"],
                timezone=data["timezone"],
                program_level=data["program_level"],
                certification_level=data["certification_level"],
                capacity=data["capacity"],
                manager=data["manager"],
                notify_format=data["notify_format"],
                email=data["email"],
                is_active=data["is_active"],
                territories=data["territories"],
            )
        except InputError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, f"{partner.name} was saved.")
            return redirect("partners:setup_partner", partner_id=partner.pk)
    members = PartnerMember.objects.filter(partner=partner).select_related("user")
    return render(
        request,
        "partners/admin/partner_form.html",
        {"form": form, "partner": partner, "members": members},
        status=400 if request.method == "POST" else 200,
    )


@setup_required
@require_POST
def member_add(request: HttpRequest, partner_id: int) -> HttpResponse:
    """Add a user ``by`` manages to the partner by their sign-in name."""
    by = request_user(request)
    partner = partner_get(user=by, partner_id=partner_id)
    username = request.POST.get("username", "").strip()
    user = user_admin_list(by=by).filter(username__iexact=username).first() if username else None
    if user is None:
        messages.error(
            request,
            f"No user you manage signs in as “{username}”. Create them on the Users page first."
            if username
            else "Give the sign-in name of the user to add.",
        )
    else:
        partner_member_join(by=by, partner=partner, user=user)
        messages.success(request, f"{user.username} now works {partner.name}'s leads.")
    return redirect("partners:setup_partner", partner_id=partner.pk)


@setup_required
@require_POST
def member_remove(request: HttpRequest, partner_id: int, user_id: int) -> HttpResponse:
    by = request_user(request)
    partner = partner_get(user=by, partner_id=partner_id)
    try:
        partner_member_remove(by=by, partner=partner, user_id=user_id)
    except InputError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Taken off the partner: they no longer see its leads.")
    return redirect("partners:setup_partner", partner_id=partner.pk)


class LevelsForm(EditorForm):
    program_levels = forms.CharField(
        label="Program levels, best first",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One a line. Routing prefers partners higher in this list.",
    )
    certification_levels = forms.CharField(
        label="Certification levels, best first",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One a line; after the program level, routing prefers these in order.",
    )

    def _levels(self, name: str) -> list[str]:
        values = [line.strip() for line in self.cleaned_data[name].splitlines() if line.strip()]
        if len({v.lower() for v in values}) != len(values):
            raise forms.ValidationError("Each level once only.")
        return values

    def clean_program_levels(self) -> list[str]:
        return self._levels("program_levels")

    def clean_certification_levels(self) -> list[str]:
        return self._levels("certification_levels")


@setup_required
@require_http_methods(["GET", "POST"])
def levels_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    by = request_user(request)
    client = _clients(by).get(pk=client_id)
    levels = PartnerLevels.objects.filter(client=client).first()
    initial = {
        "program_levels": "\n".join(levels.program_levels if levels else default_program_levels()),
        "certification_levels": "\n".join(
            levels.certification_levels if levels else default_certification_levels()
        ),
    }
    form = LevelsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        used = Partner.objects.filter(client=client)
        gone = [
            level
            for field, attr in (
                ("program_levels", "program_level"),
                ("certification_levels", "certification_level"),
            )
            for level in used.exclude(**{attr: ""})
            .exclude(**{f"{attr}__in": form.cleaned_data[field]})
            .values_list(attr, flat=True)
            .distinct()
        ]
        if gone:
            form.add_error(
                None,
                "Partners still have the level "
                + ", ".join(f"“{level}”" for level in sorted(set(gone)))
                + ": change them first.",
            )
        else:
            try:
                partner_levels_save(
                    by=by,
                    client=client,
                    program_levels=form.cleaned_data["program_levels"],
                    certification_levels=form.cleaned_data["certification_levels"],
                )
            except InputError as exc:
                _add_error(form, exc)
            else:
                messages.success(request, f"The partner levels of {client.name} were saved.")
                return redirect("partners:setup")
    return render(
        request,
        "partners/admin/levels.html",
        {"form": form, "client": client},
        status=400 if request.method == "POST" else 200,
    )


_SLA_FIELDS = {
    "claim_days": "Working days to claim a new lead",
    "contact_days_hot": "Working days to first contact, Hot",
    "contact_days_a": "Working days to first contact, A",
    "contact_days_b": "Working days to first contact, B",
    "followup_days": "Working days from first contact to the outcome",
    "violation_threshold": "Missed deadlines that stop a partner's lead flow",
    "violation_window_days": "…counted over this many days",
}


class SlaForm(EditorForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in _SLA_FIELDS.items():
            least = 1 if name.startswith("violation") else 0
            self.fields[name] = forms.IntegerField(label=label, min_value=least, max_value=365)


@setup_required
@require_http_methods(["GET", "POST"])
def sla_edit(request: HttpRequest, slug: str) -> HttpResponse:
    by = request_user(request)
    program = program_get(user=by, slug=slug)
    terms: object = SlaPolicy.objects.filter(program=program).first() or SlaTerms()
    form = SlaForm(
        request.POST or None, initial={name: getattr(terms, name) for name in _SLA_FIELDS}
    )
    if request.method == "POST" and form.is_valid():
        sla_policy_save(by=by, program=program, terms=SlaTerms(**form.cleaned_data))
        messages.success(
            request,
            f"The SLA policy of {program.name} was saved: leads assigned from now on use it.",
        )
        return redirect("partners:setup")
    return render(
        request,
        "partners/admin/sla.html",
        {"form": form, "program": program},
        status=400 if request.method == "POST" else 200,
    )
