"""The managers' partner pages: the partners in scope with open leads against capacity,
violations in the window and the state of their lead flow; one partner's SLA record with the
form to re-enable its flow; the routing queue of leads waiting for a partner.

Who sees what: admins and sales managers (403 for other roles, partners' users included); a
partner outside the user's scope is 404. Re-enabling needs a note and a user who may manage
the partner (``partner_flow_enable``: 403 otherwise). Times of a partner are shown in its
timezone.
"""

from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from leadflow.accounts.models import Role, User
from leadflow.core.sla import DEFAULT_TERMS
from leadflow.leads.selectors import lead_scope
from leadflow.partners.forms import FlowEnableForm
from leadflow.partners.models import Assignment, Partner, Violation
from leadflow.partners.selectors import (
    lead_clocks,
    may_manage,
    partner_get,
    partner_list,
    partner_record,
    routing_queue,
)
from leadflow.partners.services import PartnerInputError, partner_flow_enable
from leadflow.partners.views.display import next_clock

MANAGE_ROLES = (Role.ADMIN, Role.MANAGER)
PAGE_SIZE = 50


def _manager(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    if not user.has_role(*MANAGE_ROLES):
        raise PermissionDenied("The partners' pages are for admins and sales managers.")
    return user


def _count(queryset: QuerySet[Assignment] | QuerySet[Violation]) -> Coalesce:
    """A correlated count (one per partner row, no join fan-out between two counts)."""
    counted = queryset.order_by().values("partner_id").annotate(total=Count("pk")).values("total")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def partner_rows(*, user: User, now: datetime) -> QuerySet[Partner]:
    """The partners in the user's scope with ``open_leads`` and ``violations_in_window``
    (counted as the record counts them: since the default window's start or the partner's
    last re-enabling, whichever is later), flow-disabled partners first."""
    since = now - timedelta(days=DEFAULT_TERMS.violation_window_days)
    own = Q(partner_id=OuterRef("pk"))
    open_leads = Assignment.objects.open().filter(own)
    violations = Violation.objects.filter(
        own,
        Q(detected_at__gte=since)
        & (
            Q(partner__flow_enabled_at__isnull=True)
            | Q(detected_at__gte=F("partner__flow_enabled_at"))
        ),
    )
    return (
        partner_list(user=user)
        .annotate(open_leads=_count(open_leads), violations_in_window=_count(violations))
        .order_by("flow_enabled", "client__name", "name", "id")
    )


def partner_held_leads(*, user: User, partner: Partner) -> QuerySet[Assignment]:
    """The partner's active assignments of leads the user may see, oldest first."""
    return (
        Assignment.objects.active()
        .filter(partner=partner, lead__in=lead_scope(user=user))
        .select_related("lead", "lead__program", "partner")
        .order_by("assigned_at", "id")
    )


@login_required
@require_GET
def partner_index(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    now = timezone.now()
    page = Paginator(partner_rows(user=user, now=now), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/manage/index.html",
        {
            "partners": page,
            "window_days": DEFAULT_TERMS.violation_window_days,
            "waiting": routing_queue(user=user).count(),
        },
    )


def _partner(user: User, partner_id: int) -> Partner:
    try:
        return partner_get(user=user, partner_id=partner_id)
    except Partner.DoesNotExist:
        raise Http404("No such partner.") from None


@login_required
@require_http_methods(["GET", "POST"])
def partner_detail(request: HttpRequest, partner_id: int) -> HttpResponse:
    """One partner's record, the leads it holds now (those the user may see), and for a user
    who may manage it, the form to re-enable a disabled lead flow (POST)."""
    user = _manager(request)
    partner = _partner(user, partner_id)
    now = timezone.now()
    form = FlowEnableForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                partner = partner_flow_enable(
                    partner_id=partner.pk, user=user, note=form.cleaned_data["note"], now=now
                )
            except Partner.DoesNotExist:
                raise Http404("No such partner.") from None
            except PartnerInputError as exc:
                form.add_service_error(exc.field, str(exc))
            else:
                messages.success(request, f"Lead flow of {partner.name} re-enabled.")
                return redirect("partners:manage_detail", partner_id=partner.pk)
        status = 400
    rows = [
        (assignment, next_clock(lead_clocks(assignment=assignment, now=now)))
        for assignment in partner_held_leads(user=user, partner=partner)
    ]
    return render(
        request,
        "partners/manage/detail.html",
        {
            "partner": partner,
            "record": partner_record(partner=partner, now=now),
            "rows": rows,
            "can_enable": not partner.flow_enabled and may_manage(user=user, partner=partner),
            "form": form,
        },
        status=status,
    )


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Approved leads that no partner could take, in the order they will be routed."""
    user = _manager(request)
    entries = routing_queue(user=user)
    return render(
        request,
        "partners/manage/queue.html",
        {"entries": Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))},
    )
