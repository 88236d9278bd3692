"""The partner portal (issue 7): the inbox with each lead's next deadline counting down, the
lead page (the link of the notification e-mails) with its clocks and the partner's steps
(claim, decline, first contact, outcome), and the partner's own SLA record.

Who sees what: the users of an active partner. A lead that is not their partner's now (never
was, declined, reassigned, clock missed, gone to nurture) does not exist for them: the lead
page and every step on it answer 404, whoever asks. Other users get 403 on the inbox and the
record (admins and sales managers are sent to the partners' pages instead). Times are shown
in the partner's timezone. Every write is a service; a refused step is a message on the page
with nothing changed (409), a bad field the form again with the message beside it (400).
"""

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, request_user, user_can
from leadflow.core.errors import DomainError
from leadflow.core.lifecycle import LeadStatus
from leadflow.leads.selectors import lead_sales_notes
from leadflow.leads.selectors.ratings import rating_notes
from leadflow.partners.forms import ContactForm, DeclineForm, OutcomeForm
from leadflow.partners.models import DECLINE_REASONS, OUTCOMES, Assignment, Outcome, Partner
from leadflow.partners.selectors import (
    lead_clocks,
    partner_assignment_get,
    partner_for_user,
    partner_inbox,
    partner_record,
    partner_registrations,
)
from leadflow.partners.services import (
    PartnerInputError,
    lead_claim,
    lead_contact_record,
    lead_decline,
    lead_outcome_record,
)
from leadflow.partners.services.portal import LEAVING, OUTCOME_STEPS
from leadflow.partners.views.display import (
    ClockView,
    assignment_steps,
    clock_view,
    next_clock,
    profile_items,
)

#: Closed (won or lost) leads stay in the inbox; they are shown this many to a page.
CLOSED_PAGE_SIZE = 25
#: How often an open page refreshes its clocks (HTMX poll), in seconds.
REFRESH_SECONDS = 60
DECLINE_LABELS = dict(DECLINE_REASONS)
NOT_A_PARTNER = "The partner portal is for the users of a partner."


def _partner(user: User) -> Partner:
    partner = partner_for_user(user=user)
    if partner is None:
        raise PermissionDenied(NOT_A_PARTNER)
    return partner


def _htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx and not htmx.history_restore_request)


def _polled(response: HttpResponse) -> HttpResponse:
    """The same URL answers the page or (to HTMX's poll) a part of it: caches must know."""
    patch_vary_headers(response, ["HX-Request"])
    return response


def _by_deadline(row: tuple[Assignment, ClockView | None]) -> tuple[bool, datetime, int]:
    """Open leads by the deadline that runs out first, whichever clock it is (a Hot lead's
    first contact is due before its claim); at most ``capacity`` rows, sorted here."""
    assignment, clock = row
    due = clock.due if clock is not None and clock.due is not None else None
    return (due is None, due or assignment.assigned_at, assignment.pk)


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The leads the partner holds now: open ones by nearest deadline with a countdown, then
    the closed (won or lost) ones. With HTMX (the page polls every minute) only the open
    leads are rendered again."""
    user = request_user(request)
    partner = partner_for_user(user=user)
    if partner is None and user_can(user, Capability.PARTNERS_MANAGE):
        return redirect("partners:manage")
    if partner is None:
        raise PermissionDenied(NOT_A_PARTNER)
    now = timezone.now()
    assignments = partner_inbox(user=user)
    rows = sorted(
        (
            (assignment, next_clock(lead_clocks(assignment=assignment, now=now)))
            for assignment in assignments.filter(outcome="")
        ),
        key=_by_deadline,
    )
    notes = rating_notes(page="partner_inbox", lead_ids=[row.lead_id for row, _ in rows])
    for assignment, _ in rows:
        assignment.lead.rating_note = notes.get(assignment.lead_id)  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "partner": partner,
        "rows": rows,
        "now": now,
        "refresh_seconds": REFRESH_SECONDS,
    }
    if _htmx(request):
        return _polled(render(request, "partners/_inbox_open.html", context))
    context["closed"] = Paginator(assignments.exclude(outcome=""), CLOSED_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return _polled(render(request, "partners/inbox.html", context))


@login_required
@require_GET
def record(request: HttpRequest) -> HttpResponse:
    """The partner's SLA record: open leads against capacity, what it received, claimed and
    declined, its violations, and whether its lead flow is enabled."""
    partner = _partner(request_user(request))
    return render(
        request,
        "partners/record.html",
        {
            "partner": partner,
            "record": partner_record(partner=partner, now=timezone.now()),
            "registrations": partner_registrations(partner=partner)[:100],
            "now": timezone.now(),
        },
    )


# --- the lead page ---------------------------------------------------------------------------


def _gone(request: HttpRequest, lead_id: int) -> HttpResponse:
    """The 404 of a lead the user's partner does not hold now: the same page whether it never
    did or it was taken away, so that nothing is learnt from it."""
    return render(request, "partners/gone.html", {"lead_id": lead_id}, status=404)


def _outcomes(assignment: Assignment) -> list[tuple[str, str]]:
    """The outcomes the lead's status allows (won, lost and nurture need a first contact)."""
    status = LeadStatus(assignment.lead.status)
    return [
        (outcome.value, outcome.label)
        for outcome in Outcome
        if status in OUTCOME_STEPS[outcome.value][0]
    ]


def _render_lead(
    request: HttpRequest,
    assignment: Assignment,
    *,
    decline_form: DeclineForm | None = None,
    contact_form: ContactForm | None = None,
    outcome_form: OutcomeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    lead = assignment.lead
    zone = ZoneInfo(assignment.partner.timezone)
    clocks = [clock_view(clock) for clock in lead_clocks(assignment=assignment, now=now)]
    context: dict[str, Any] = {
        "assignment": assignment,
        "lead": lead,
        "partner": assignment.partner,
        "clocks": clocks,
        "refresh_seconds": REFRESH_SECONDS,
    }
    if _htmx(request):
        return render(request, "partners/_clocks.html", context, status=status)
    lead_status = LeadStatus(lead.status)
    outcomes = _outcomes(assignment)
    context.update(
        {
            "steps": assignment_steps(assignment),
            "sales_notes": list(lead_sales_notes(lead=lead)),
            "profile": profile_items(lead),
            "can_claim": lead_status == LeadStatus.ASSIGNED,
            "can_decline": lead_status in (LeadStatus.ASSIGNED, LeadStatus.CLAIMED),
            "can_contact": lead_status == LeadStatus.CLAIMED,
            "decline_form": decline_form or DeclineForm(),
            "contact_form": contact_form
            or ContactForm(zone=zone, assigned_at=assignment.assigned_at, now=now),
            "outcome_form": (outcome_form or OutcomeForm(outcomes=outcomes)) if outcomes else None,
            "outcome_open": lead_status == LeadStatus.CONTACTED or outcome_form is not None,
        }
    )
    return render(request, "partners/lead.html", context, status=status)


@login_required
@require_GET
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    """The lead as its partner works it: contact, company, qualification, the clocks, the
    steps so far and the next ones. With HTMX only the clocks (polled every minute)."""
    try:
        assignment = partner_assignment_get(user=request_user(request), lead_id=lead_id)
    except Assignment.DoesNotExist:
        return _polled(_gone(request, lead_id))
    return _polled(_render_lead(request, assignment))


StepView = Callable[[HttpRequest, User, Assignment, datetime], HttpResponse]


def _step(view: StepView) -> Callable[[HttpRequest, int], HttpResponse]:
    """A partner's step on a lead it holds. A lead it does not hold is 404 (also when it was
    taken away between the page and the click); a step the lead's status, its clocks or the
    partner's capacity refuse is a message on the lead page with 409, nothing changed."""

    @login_required
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, lead_id: int) -> HttpResponse:
        user = request_user(request)
        try:
            assignment = partner_assignment_get(user=user, lead_id=lead_id)
            try:
                return view(request, user, assignment, timezone.now())
            except DomainError as exc:
                messages.error(request, f"Nothing changed: {exc}.")
                assignment = partner_assignment_get(user=user, lead_id=lead_id)
                return _render_lead(request, assignment, status=409)
        except Assignment.DoesNotExist:
            return _gone(request, lead_id)

    return wrapper


def _local(moment: datetime | None, partner: Partner) -> str:
    """A deadline in the viewer's zone, and in the partner's working calendar when that
    differs: the working days are the partner's (issue 17: one zone per viewer)."""
    if moment is None:
        return ""
    shown = timezone.localtime(moment).strftime("%a %d %b %H:%M %Z")
    partners = timezone.localtime(moment, ZoneInfo(partner.timezone)).strftime("%a %d %b %H:%M %Z")
    return shown if shown == partners else f"{shown} ({partners} in the partner's time zone)"


@_step
def lead_claim_view(
    request: HttpRequest, user: User, assignment: Assignment, now: datetime
) -> HttpResponse:
    lead_claim(lead_id=assignment.lead_id, user=user, now=now)
    messages.success(
        request,
        f"Lead #{assignment.lead_id} claimed. Record the first contact by "
        f"{_local(assignment.contact_due, assignment.partner)}.",
    )
    return redirect("partners:lead", lead_id=assignment.lead_id)


@_step
def lead_decline_view(
    request: HttpRequest, user: User, assignment: Assignment, now: datetime
) -> HttpResponse:
    """Give the lead back with a reason: it leaves the inbox at once (no violation)."""
    form = DeclineForm(request.POST)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            lead_decline(
                lead_id=assignment.lead_id,
                user=user,
                reason=reason,
                note=form.cleaned_data["note"],
                now=now,
            )
        except PartnerInputError as exc:
            form.add_service_error(exc.field, str(exc))
        else:
            messages.success(
                request,
                f"Lead #{assignment.lead_id} declined ({DECLINE_LABELS[reason].lower()}). "
                "It went to the next partner; declines count in your record, not as violations.",
            )
            return redirect("partners:inbox")
    return _render_lead(request, assignment, decline_form=form, status=400)


@_step
def lead_contact_view(
    request: HttpRequest, user: User, assignment: Assignment, now: datetime
) -> HttpResponse:
    """Record the first contact: channel, when (in the partner's timezone) and a note."""
    form = ContactForm(
        request.POST,
        zone=ZoneInfo(assignment.partner.timezone),
        assigned_at=assignment.assigned_at,
        now=now,
    )
    if form.is_valid():
        try:
            lead_contact_record(
                lead_id=assignment.lead_id,
                user=user,
                channel=form.cleaned_data["channel"],
                at=form.cleaned_data["at"],
                note=form.cleaned_data["note"],
                now=now,
            )
        except PartnerInputError as exc:
            form.add_service_error(exc.field, str(exc))
        else:
            messages.success(request, f"First contact with lead #{assignment.lead_id} recorded.")
            return redirect("partners:lead", lead_id=assignment.lead_id)
    return _render_lead(request, assignment, contact_form=form, status=400)


@_step
def lead_outcome_view(
    request: HttpRequest, user: User, assignment: Assignment, now: datetime
) -> HttpResponse:
    """Record the outcome: won and lost stay in the inbox as closed; not reached and nurture
    send the lead to nurture and out of the inbox."""
    form = OutcomeForm(request.POST, outcomes=OUTCOMES)  # the service checks the lead's status
    if form.is_valid():
        outcome = Outcome(form.cleaned_data["outcome"])
        try:
            lead_outcome_record(
                lead_id=assignment.lead_id,
                user=user,
                outcome=outcome.value,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                now=now,
            )
        except PartnerInputError as exc:
            form.add_service_error(exc.field, str(exc))
        else:
            if outcome in LEAVING:
                messages.success(
                    request,
                    f"Lead #{assignment.lead_id}: {outcome.label.lower()} recorded. "
                    "It went back to nurture and left your inbox.",
                )
                return redirect("partners:inbox")
            messages.success(
                request, f"Lead #{assignment.lead_id}: outcome {outcome.label.lower()} recorded."
            )
            return redirect("partners:lead", lead_id=assignment.lead_id)
    form.offer(_outcomes(assignment))
    return _render_lead(request, assignment, outcome_form=form, status=400)
