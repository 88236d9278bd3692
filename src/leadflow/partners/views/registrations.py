"""Deal registration pages (issue 20, item 4): the portal's "Register a prospect" (the form,
the program's protection terms, and the partner's registrations with their outcomes), and the
managers' list of registrations waiting for a decision.

Who sees what: the portal page is for the users of an active partner (403 otherwise); a
program that is not the partner's is not offered and a forged one is refused by the form. The
managers' page is for ``partners.manage``; a registration of a partner outside the manager's
scope is 404. A refused registration shows its reason, never who holds the prospect.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from leadflow.accounts.permissions import request_user
from leadflow.core.errors import DomainError
from leadflow.intake.services.prepare import IntakeRejected
from leadflow.partners.forms import RegistrationDecisionForm, RegistrationForm
from leadflow.partners.models import RegistrationStatus
from leadflow.partners.selectors import (
    partner_registrations,
    registration_programs,
    registrations_pending,
)
from leadflow.partners.services import PartnerInputError
from leadflow.partners.services.registrations import (
    Prospect,
    deal_register,
    registration_decide,
    registration_terms,
)
from leadflow.partners.views.manage import manager_required
from leadflow.partners.views.portal import _partner

#: The form's names of intake's fields, where they differ.
_FIELD_OF = {"subdivision": "state", "contact": "email"}


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    partner = _partner(user)
    programs = registration_programs(partner=partner)
    form = RegistrationForm(request.POST if request.method == "POST" else None, programs=programs)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "program"}
            try:
                registration = deal_register(
                    partner=partner,
                    program=form.cleaned_data["program"],
                    prospect=Prospect(**data),
                    user=user,
                    now=timezone.now(),
                )
            except IntakeRejected as exc:
                for name, reason in exc.errors.items():
                    form.add_service_error(_FIELD_OF.get(name, name), reason)
            except PartnerInputError as exc:
                form.add_service_error(exc.field, str(exc))
            else:
                if registration.status == RegistrationStatus.REFUSED:
                    messages.error(request, f"Not registered. {registration.reason}")
                elif registration.status == RegistrationStatus.PENDING:
                    messages.success(
                        request, "Registered: a partner manager approves it before it is yours."
                    )
                else:
                    until = registration.protected_until
                    assert until is not None
                    messages.success(
                        request,
                        f"Registered: the prospect is yours until {until:%d %B %Y} "
                        "once it qualifies.",
                    )
                return redirect("partners:register")
    terms = [(program, registration_terms(program)) for program in programs]
    return render(
        request,
        "partners/register.html",
        {
            "partner": partner,
            "form": form,
            "terms": terms,
            "registrations": partner_registrations(partner=partner)[:100],
            "now": timezone.now(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
@manager_required
def pending(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    rows = [
        (r, RegistrationDecisionForm(prefix=f"r{r.pk}")) for r in registrations_pending(user=user)
    ]
    return render(request, "partners/manage/registrations.html", {"rows": rows})


@login_required
@require_POST
@manager_required
def decide(request: HttpRequest, registration_id: int) -> HttpResponse:
    user = request_user(request)
    registration = get_object_or_404(
        registrations_pending(user=user, all_states=True), pk=registration_id
    )
    form = RegistrationDecisionForm(request.POST, prefix=f"r{registration.pk}")
    if form.is_valid():
        try:
            registration_decide(
                registration=registration,
                approve=form.cleaned_data["decision"] == "approve",
                user=user,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            word = "approved" if form.cleaned_data["decision"] == "approve" else "rejected"
            messages.success(
                request, f"Registration of {registration.company or registration.contact} {word}."
            )
            return redirect("partners:manage_registrations")
    rows = [
        (r, form if r.pk == registration.pk else RegistrationDecisionForm(prefix=f"r{r.pk}"))
        for r in registrations_pending(user=user)
    ]
    return render(request, "partners/manage/registrations.html", {"rows": rows}, status=400)
