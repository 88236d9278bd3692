"""The billing pages: the programs' statements, one month's statement with its files, and the
billing terms (a settings page, read-only for the client).

Who may do what (``accounts.permissions``): a program's client contacts and its managers (and
admins) read its statements (``deliveries.view``); the managers change the terms and close a
month by hand (``deliveries.manage``; 403 for a client contact). Another scope's program, and
every page for the other roles, is 404.
"""

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.accounts.permissions import Capability, capability_required, request_user
from leadflow.billing.exports import (
    statement_csv,
    statement_filename,
    statement_pdf,
    statement_xlsx,
    totals,
)
from leadflow.billing.forms import TermsForm
from leadflow.billing.models import BillingTerms
from leadflow.billing.selectors import (
    StatementView,
    billing_contacts,
    billing_program_get,
    billing_programs,
    billing_terms_for,
    deliverable_urls,
    month_of,
    month_parse,
    price_list,
    statement_months,
    statement_view,
    terms_editable,
)
from leadflow.billing.services import billing_terms_save, statement_close
from leadflow.core.enums import Rating
from leadflow.core.guarantee import Period
from leadflow.lib.forms import form_page, form_save
from leadflow.programs.models import Program

view_required = capability_required(Capability.DELIVERIES_VIEW, hidden=True)
manage_required = capability_required(
    Capability.DELIVERIES_MANAGE, "Only the program's managers change billing terms."
)

_DAY = timedelta(days=1)

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _today(program: Program) -> date:
    return timezone.localtime(timezone.now(), ZoneInfo(program.client.timezone)).date()


def _prices(terms: BillingTerms) -> list[tuple[str, Decimal]]:
    """Each price of the terms with the currency's decimal places."""
    prices = price_list(terms)
    return [
        *((f"{rating.label} lead", prices.per_rating[rating]) for rating in Rating),
        ("Appointment", prices.per_appointment),
    ]


def _month(month: str) -> Period:
    try:
        return month_parse(int(month[:4]), int(month[5:]))
    except ValueError:
        raise Http404("No such month.") from None


@require_GET
@view_required
def billing_index(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    programs = list(billing_programs(user=user))
    rows = []
    for program in programs:
        previous = month_of(month_of(_today(program)).start - _DAY)
        rows.append((program, getattr(program, "billing_terms", None), previous))
    return render(request, "billing/index.html", {"rows": rows})


@require_GET
@view_required
def program_billing(request: HttpRequest, slug: str) -> HttpResponse:
    """The program's terms (read-only) and its months, each with its statement's total."""
    user = request_user(request)
    program = billing_program_get(user=user, slug=slug)
    terms = billing_terms_for(program=program)
    months = []
    if terms is not None:
        for period in statement_months(program=program, today=_today(program)):
            view = statement_view(program=program, period=period)
            assert view is not None
            months.append(view)
    return render(
        request,
        "billing/program.html",
        {
            "program": program,
            "terms": terms,
            "contacts": billing_contacts(program=program, terms=terms) if terms else [],
            "months": months,
            "prices": _prices(terms) if terms else [],
            "can_edit": terms_editable(user=user),
            "current": month_of(_today(program)),
        },
    )


@require_http_methods(["GET", "POST"])
@manage_required
def terms_edit(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    program = billing_program_get(user=user, slug=slug)
    terms = billing_terms_for(program=program)
    form = (
        TermsForm(request.POST)
        if request.method == "POST"
        else TermsForm(initial=TermsForm.initial_from(terms))
    )
    saved = form_save(
        request,
        form,
        lambda data: billing_terms_save(
            program=program, user=user, data=TermsForm.to_input(data), now=timezone.now()
        ),
    )
    if saved is not None:
        messages.success(request, f"Billing terms of {program.name} saved.")
        return redirect("billing:program", slug=program.slug)
    return form_page(
        request,
        "billing/terms.html",
        {"program": program, "form": form, "terms_saved": terms is not None},
    )


def _statement(request: HttpRequest, slug: str, month: str) -> StatementView:
    user = request_user(request)
    program = billing_program_get(user=user, slug=slug)
    view = statement_view(program=program, period=_month(month))
    if view is None:
        raise Http404("This program has no billing terms yet.")
    return view


@require_GET
@view_required
def statement_page(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    user = request_user(request)
    view = _statement(request, slug, month)
    program = view.program
    urls = deliverable_urls(user=user, lines=view.statement.lines)
    lines = [
        (
            line,
            urls.get((line.kind.value, str(line.deliverable_id))),
            urls.get((line.kind.value, str(line.replaces))) if line.replaces is not None else None,
        )
        for line in view.statement.lines
    ]
    today = _today(program)
    return render(
        request,
        "billing/statement.html",
        {
            "program": program,
            "view": view,
            "statement": view.statement,
            "lines": lines,
            "totals": totals(view.statement),
            "timezone": program.client.timezone,
            "can_close": terms_editable(user=user) and not view.closed and today >= view.period.end,
            "previous": month_of(view.period.start - _DAY),
            "next": view.period.next() if view.period.end <= today else None,
        },
    )


@require_GET
@view_required
def statement_file(request: HttpRequest, slug: str, month: str, file_format: str) -> HttpResponse:
    view = _statement(request, slug, month)
    program, statement = view.program, view.statement
    zone = program.client.timezone
    if file_format == "csv":
        content = statement_csv(statement, zone)
    elif file_format == "xlsx":
        content = statement_xlsx(statement, zone)
    else:
        closed_at = view.stored.closed_at if view.stored is not None else None
        content = statement_pdf(program, statement, closed_at=closed_at, timezone=zone)
    response = HttpResponse(content, content_type=MIMETYPES[file_format])
    name = statement_filename(program, statement, file_format)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@manage_required
def statement_close_view(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    """A manager closes a month by hand (the job closes last month on the statement day)."""
    user = request_user(request)
    program = billing_program_get(user=user, slug=slug)
    period = _month(month)
    statement_close(program=program, period=period, user=user, now=timezone.now())
    messages.success(request, f"The statement of {period.label} is closed.")
    return redirect("billing:statement", slug=program.slug, month=period.label)
