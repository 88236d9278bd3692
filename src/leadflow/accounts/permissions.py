"""Who may do what: one table from capability to the roles that hold it.

Views, selectors, services and the navigation all ask ``user_can(user, Capability.X)`` (or
``roles_for`` when they need the roles themselves), so a role gaining or losing a capability
is one line here (NetBox: every menu item and view carries its permission). A capability is
named by what it lets a person do (``review.decide``), not by the page that uses it; two
capabilities may have the same roles today and still be two things (importing leads and
exporting them are both marketing's and the managers', for different reasons).

Admins: a user in the admin group holds every capability that lists ``Role.ADMIN``; so does a
superuser, whatever their groups (``User.has_role``). Neither holds the capabilities the table
gives to other roles only: raising a dispute is a client contact's (``disputes.raise``), the
partner portal a partner's user's (``portal.use``). What an admin *sees* (every program) is
scope, not capability: ``User.sees_everything`` and the selectors decide that.

``capability_required`` guards a view: anonymous users are sent to sign in (as
``login_required`` does); a signed-in user without the capability gets 403 with the view's
reason, or 404 where the page must not reveal that it exists (``hidden=True``, e.g. a lead
workspace for a client contact). Placed under ``login_required`` and the method decorators, a
request is checked in the same order as before: signed in, method, capability. Objects out of
the user's scope are the selectors' business and the error middleware's 404
(``leadflow.lib.middleware``), not this module's.
"""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from leadflow.accounts.models import Role, User

P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)


class Capability(StrEnum):
    HOME_VIEW = "home.view"
    """The home page and its navigation entry: anyone with a role."""
    LEADS_VIEW = "leads.view"
    """The lead list and a lead's workspace (read); the staff part of the lead scope."""
    LEADS_QUALIFY = "leads.qualify"
    """Answer a lead's questions, log calls, move a lead out of qualification."""
    LEADS_OVERVIEW = "leads.overview"
    """The home page's counts of leads by rating and status."""
    LEADS_EXPORT = "leads.export"
    """Take the lead list away as a CSV file."""
    LEADS_ASSIGN = "leads.assign"
    """Give leads to a qualifier (bulk action)."""
    LEADS_SET_ASIDE = "leads.set_aside"
    """Move leads to nurture or the dead file (bulk actions)."""
    LEADS_CAMPAIGN = "leads.campaign"
    """Put leads under another campaign code (bulk action): marketing owns campaigns."""
    QUEUE_WORK = "queue.work"
    """Work the qualification queue."""
    RECORDINGS_UPLOAD = "recordings.upload"
    """Attach a call's recording (a qualifier only for their own calls)."""
    RECORDINGS_LISTEN = "recordings.listen"
    """Hear call recordings."""
    REVIEW_DECIDE = "review.decide"
    """QA review: approve or push back leads in review."""
    DELIVERIES_VIEW = "deliveries.view"
    """See deliveries: the managers who set them up, the client contacts who receive them."""
    DELIVERIES_MANAGE = "deliveries.manage"
    """Set a program's delivery schedule, deliver now, resend, rotate the webhook secret."""
    DISPUTES_VIEW = "disputes.view"
    """Read disputes and guarantee ledgers of one's scope."""
    DISPUTES_RAISE = "disputes.raise"
    """Dispute a lead delivered to one's client."""
    DISPUTES_DECIDE = "disputes.decide"
    """Uphold or reject a dispute."""
    GUARANTEES_EDIT_TERMS = "guarantees.edit_terms"
    """Change a program's guarantee terms."""
    PARTNERS_MANAGE = "partners.manage"
    """The partners' pages, their SLA records and the routing queue."""
    PORTAL_USE = "portal.use"
    """The partner portal (its pages also need the user to belong to an active partner)."""
    PROGRAMS_VIEW = "programs.view"
    """The programs, their criteria versions, diffs and previews."""
    PROGRAMS_EDIT_CRITERIA = "programs.edit_criteria"
    """Edit, preview and publish a program's criteria."""
    IMPORTS_RUN = "imports.run"
    """Upload lead files and follow their import jobs."""
    DUPLICATES_DECIDE = "duplicates.decide"
    """See the possible duplicates intake found, merge them or mark them different people."""
    NURTURE_MANAGE = "nurture.manage"
    """Nurture sequences: build and edit them, enrol leads, take leads out, export mailing
    lists."""
    NURTURE_RESPOND = "nurture.respond"
    """Record that a nurtured lead responded, and that a nurture call task was made."""
    SALES_VIEW = "sales.view"
    """Read the sales follow-up of the leads in one's scope: "My tasks", a lead's sales panel,
    demos, proposals, references (client contacts never)."""
    SALES_WORK = "sales.work"
    """The sales follow-up of the leads in one's scope: tasks, assessments, demos, sending the
    sales kit (inside sales, the managers, and field sales through the partner portal's
    scope)."""
    SALES_KITS_MANAGE = "sales.kits_manage"
    """Write a program's sales kits and upload their documents."""
    REFERENCES_EDIT = "references.edit"
    """Maintain a client's references database (field sales: the managers and the partners'
    users; the service may narrow partners to field-sales partners)."""
    REPORTS_VIEW = "reports.view"
    """The reports' index and its navigation entry: whoever reads at least one report."""
    REPORTS_FUNNEL = "reports.funnel"
    """The funnel report of one's programs: inquiries to won, by source."""
    REPORTS_QUALIFYING = "reports.qualifying"
    """The qualifying-process report: qualifiers, calls, QA approval, time in stage."""
    REPORTS_DELIVERABLES = "reports.deliverables"
    """The deliverables report: deliveries against guarantees, Hot-lead times, disputes (a
    client contact: its own programs')."""
    REPORTS_PARTNERS = "reports.partners"
    """The partners' SLA record and conversion (a partner's user: its own partner only)."""
    REPORTS_NURTURE = "reports.nurture"
    """The nurture report: responses per sequence and touch, re-qualification, unsubscribes."""
    SCORING_MANAGE = "scoring.manage"
    """The predictive scoring pages of one's programs: a model's figures and factors, training,
    switching on and off, restoring, and the backtest of a history file."""
    API_TOKENS = "api.tokens"
    """The API tokens page in the navigation."""
    API_WRITE = "api.write"
    """Create and change leads through the API (the other roles only read)."""
    USERS_MANAGE = "users.manage"
    """Create, change and deactivate users, their roles and scope (a sales manager: the users
    of their own programs, never the admin role)."""
    PROGRAMS_SETTINGS = "programs.settings"
    """Change a program's settings: hand-off mode, closure days (and, in the partners app,
    its SLA policy)."""
    APPOINTMENTS_BOOK = "appointments.book"
    """Book, move and cancel sales-call appointments for qualified leads (the qualifiers)."""
    APPOINTMENTS_AVAILABILITY = "appointments.availability"
    """Set the attendees' working hours and import their free/busy feeds."""
    ADMIN = "admin"
    """Django's admin site; the admin-only exceptions of the rules (any call's recording)."""


_STAFF = frozenset({Role.ADMIN, Role.MARKETER, Role.QUALIFIER, Role.REVIEWER, Role.MANAGER})
_MANAGERS = frozenset({Role.ADMIN, Role.MANAGER})
_MARKETING = frozenset({Role.ADMIN, Role.MARKETER, Role.MANAGER})
_QUALIFIERS = frozenset({Role.ADMIN, Role.QUALIFIER})
_REVIEWERS = frozenset({Role.ADMIN, Role.REVIEWER})
_WRITERS = frozenset({Role.ADMIN, Role.MARKETER, Role.QUALIFIER, Role.MANAGER})

#: The table. DESIGN.md's "Who uses it" in one place; every capability is listed.
CAPABILITIES: dict[Capability, frozenset[Role]] = {
    Capability.HOME_VIEW: frozenset(Role),
    Capability.LEADS_VIEW: _STAFF,
    Capability.LEADS_QUALIFY: frozenset({Role.ADMIN, Role.QUALIFIER, Role.MANAGER}),
    Capability.LEADS_OVERVIEW: _MARKETING,
    Capability.LEADS_EXPORT: _MARKETING,
    Capability.LEADS_ASSIGN: _MANAGERS,
    Capability.LEADS_SET_ASIDE: _MARKETING,
    Capability.LEADS_CAMPAIGN: _MARKETING,
    Capability.QUEUE_WORK: _QUALIFIERS,
    Capability.RECORDINGS_UPLOAD: _QUALIFIERS,
    Capability.RECORDINGS_LISTEN: _REVIEWERS,
    Capability.REVIEW_DECIDE: _REVIEWERS,
    Capability.DELIVERIES_VIEW: frozenset({Role.ADMIN, Role.MANAGER, Role.CLIENT}),
    Capability.DELIVERIES_MANAGE: _MANAGERS,
    Capability.DISPUTES_VIEW: frozenset({Role.ADMIN, Role.REVIEWER, Role.MANAGER, Role.CLIENT}),
    Capability.DISPUTES_RAISE: frozenset({Role.CLIENT}),
    Capability.DISPUTES_DECIDE: _REVIEWERS,
    Capability.GUARANTEES_EDIT_TERMS: _MANAGERS,
    Capability.PARTNERS_MANAGE: _MANAGERS,
    Capability.SCORING_MANAGE: _MANAGERS,
    Capability.PORTAL_USE: frozenset({Role.PARTNER}),
    Capability.PROGRAMS_VIEW: _MARKETING,
    Capability.PROGRAMS_EDIT_CRITERIA: _MANAGERS,
    Capability.IMPORTS_RUN: _MARKETING,
    Capability.DUPLICATES_DECIDE: _MARKETING,
    Capability.NURTURE_MANAGE: _MARKETING,
    Capability.NURTURE_RESPOND: _WRITERS,
    Capability.SALES_VIEW: _STAFF | {Role.PARTNER},
    Capability.SALES_WORK: frozenset({Role.ADMIN, Role.QUALIFIER, Role.MANAGER, Role.PARTNER}),
    Capability.SALES_KITS_MANAGE: _MARKETING,
    Capability.REFERENCES_EDIT: frozenset({Role.ADMIN, Role.MANAGER, Role.PARTNER}),
    Capability.REPORTS_VIEW: frozenset(
        {Role.ADMIN, Role.MARKETER, Role.REVIEWER, Role.MANAGER, Role.PARTNER, Role.CLIENT}
    ),
    Capability.REPORTS_FUNNEL: _MARKETING,
    Capability.REPORTS_QUALIFYING: frozenset({Role.ADMIN, Role.REVIEWER, Role.MANAGER}),
    Capability.REPORTS_DELIVERABLES: frozenset({Role.ADMIN, Role.MANAGER, Role.CLIENT}),
    Capability.REPORTS_PARTNERS: frozenset({Role.ADMIN, Role.MANAGER, Role.PARTNER}),
    Capability.REPORTS_NURTURE: _MARKETING,
    Capability.API_TOKENS: _WRITERS,
    Capability.API_WRITE: _WRITERS,
    Capability.USERS_MANAGE: _MANAGERS,
    Capability.PROGRAMS_SETTINGS: _MANAGERS,
    Capability.APPOINTMENTS_BOOK: frozenset({Role.ADMIN, Role.QUALIFIER, Role.MANAGER}),
    Capability.APPOINTMENTS_AVAILABILITY: _MANAGERS,
    Capability.ADMIN: frozenset({Role.ADMIN}),
}


def roles_for(capability: Capability) -> frozenset[Role]:
    """The roles that hold ``capability`` (a superuser also holds it when admins do)."""
    return CAPABILITIES[capability]


def user_can(user: User | AnonymousUser, capability: Capability) -> bool:
    """Whether the user holds the capability through one of their roles (see the module)."""
    return isinstance(user, User) and user.has_role(*CAPABILITIES[capability])


def capabilities_of(user: User | AnonymousUser) -> frozenset[Capability]:
    """Every capability the user holds."""
    return frozenset(capability for capability in Capability if user_can(user, capability))


def request_user(request: HttpRequest) -> User:
    """The signed-in user of a view behind ``capability_required`` or ``login_required``."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user


def capability_required(
    capability: Capability, message: str = "", *, hidden: bool = False
) -> Callable[[Callable[Concatenate[HttpRequest, P], R]], Callable[Concatenate[HttpRequest, P], R]]:
    """Guard a view with a capability: sign in first, then 403 with ``message`` (or 404 when
    ``hidden``) for a user without it, before the view looks anything up."""

    def decorator(
        view: Callable[Concatenate[HttpRequest, P], R],
    ) -> Callable[Concatenate[HttpRequest, P], R]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> R:
            if not user_can(request.user, capability):
                if hidden:
                    raise Http404("Not found.")
                raise PermissionDenied(message or f"Your role does not include {capability}.")
            return view(request, *args, **kwargs)

        signed_in: Callable[Concatenate[HttpRequest, P], R] = login_required(guarded)
        return signed_in

    return decorator
