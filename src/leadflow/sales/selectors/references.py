"""Reads of the references database (issue 15, item 6): a client's reference customers,
searched by product and industry when a proposal is prepared, each with its uses this quarter
and whether it is over the program's limit (so no customer is over-asked).

Who sees which client's references: staff see those of the clients of their programs; a
partner's user (field sales are partners: docs/DECISIONS.md) those of its partner's client;
client contacts none. Who maintains them (``references.edit``): the managers and admins for
the clients of their programs, and the users of field-sales partners (type "field sales
executive") for their partner's client; resellers' users only read them. Quarters are
calendar quarters in UTC. A reference whose willing-until date has passed is ``expired``:
shown as such, never offered for a proposal.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.partners.models import PartnerMember, PartnerType
from leadflow.programs.models import Client, Program
from leadflow.programs.selectors import program_list
from leadflow.sales.models import Reference, SalesSettings

#: Uses per quarter of a program without sales settings (``SalesSettings`` default).
DEFAULT_USES_PER_QUARTER = 2
MAX_RESULTS = 200


@dataclass(frozen=True)
class ReferenceHit:
    """A reference with its uses in the current quarter: ``at_limit`` once another use would
    pass the limit, ``flagged`` once it has been used more often than the limit."""

    reference: Reference
    uses_this_quarter: int
    limit: int
    expired: bool = False

    @property
    def offered(self) -> bool:
        """Whether the reference may be given to a prospect now (not expired)."""
        return not self.expired

    @property
    def at_limit(self) -> bool:
        return self.uses_this_quarter >= self.limit

    @property
    def flagged(self) -> bool:
        return self.uses_this_quarter > self.limit


def quarter_start(now: datetime) -> datetime:
    """The first instant of the calendar quarter (UTC) that ``now`` falls in."""
    moment = now.astimezone(UTC)
    return datetime(moment.year, 3 * ((moment.month - 1) // 3) + 1, 1, tzinfo=UTC)


def reference_scope(*, user: User) -> QuerySet[Reference]:
    """The references the user may see (see the module)."""
    references = Reference.objects.select_related("client")
    if user.sees_everything:
        return references
    seen = Q(pk__in=[])
    if user_can(user, Capability.LEADS_VIEW):
        seen |= Q(client_id__in=program_list(user=user).values("client_id"))
    if user.has_role("partner"):
        seen |= Q(
            client_id__in=PartnerMember.objects.filter(user=user, partner__is_active=True).values(
                "partner__client_id"
            )
        )
    return references.filter(seen)


def reference_edit_clients(*, user: User) -> QuerySet[Client]:
    """The clients whose references the user maintains (see the module)."""
    if not user_can(user, Capability.REFERENCES_EDIT):
        return Client.objects.none()
    if user.sees_everything:
        return Client.objects.order_by("name", "id")
    seen = Q(pk__in=[])
    if user_can(user, Capability.LEADS_VIEW):
        seen |= Q(pk__in=program_list(user=user).values("client_id"))
    if user.has_role("partner"):
        seen |= Q(
            pk__in=PartnerMember.objects.filter(
                user=user,
                partner__is_active=True,
                partner__type=PartnerType.FIELD_SALES_EXECUTIVE,
            ).values("partner__client_id")
        )
    return Client.objects.filter(seen).order_by("name", "id")


def reference_edit_get(*, user: User, reference_id: int) -> Reference:
    """A reference the user maintains, or Reference.DoesNotExist (a 404)."""
    return (
        Reference.objects.select_related("client")
        .filter(client__in=reference_edit_clients(user=user))
        .get(pk=reference_id)
    )


def reference_get(*, user: User, reference_id: int) -> Reference:
    """A reference the user may see, or Reference.DoesNotExist (a 404)."""
    return reference_scope(user=user).get(pk=reference_id)


def reference_limits(*, client_ids: set[int]) -> dict[int, int]:
    """Each client's uses per quarter: the strictest of its programs' settings."""
    programs = dict(Program.objects.filter(client_id__in=client_ids).values_list("pk", "client_id"))
    limits = dict(
        SalesSettings.objects.filter(program_id__in=programs).values_list(
            "program_id", "reference_uses_per_quarter"
        )
    )
    found: dict[int, int] = {}
    for program_id, client_id in programs.items():
        limit = limits.get(program_id, DEFAULT_USES_PER_QUARTER)
        found[client_id] = min(found.get(client_id, limit), limit)
    return {client_id: found.get(client_id, DEFAULT_USES_PER_QUARTER) for client_id in client_ids}


def program_reference_limit(*, program_id: int) -> int:
    found = SalesSettings.objects.filter(program_id=program_id).first()
    return found.reference_uses_per_quarter if found is not None else DEFAULT_USES_PER_QUARTER


def reference_search(
    *,
    user: User,
    now: datetime,
    product: str = "",
    industry: str = "",
    q: str = "",
    program_ids: Collection[int] | None = None,
    for_program: Program | None = None,
) -> list[ReferenceHit]:
    """The user's references whose products contain ``product`` and whose industry contains
    ``industry`` (case-insensitive; empty: any), ``q`` anywhere in customer, contact, products,
    industry, region or notes; at most ``MAX_RESULTS``, in two queries. ``program_ids`` (a
    narrowed API token) keeps the clients of those programs only; ``for_program`` (a proposal
    being prepared) keeps its client's references, counted against that program's limit."""
    references = reference_scope(user=user)
    if program_ids is not None:
        clients = Program.objects.filter(pk__in=list(program_ids)).values("client_id")
        references = references.filter(client_id__in=clients)
    if for_program is not None:
        references = references.filter(client_id=for_program.client_id)
    if product.strip():
        references = references.filter(products__icontains=product.strip())
    if industry.strip():
        references = references.filter(industry__icontains=industry.strip())
    text = q.strip()
    if text:
        references = references.filter(
            Q(customer__icontains=text)
            | Q(contact_name__icontains=text)
            | Q(products__icontains=text)
            | Q(industry__icontains=text)
            | Q(region__icontains=text)
            | Q(notes__icontains=text)
        )
    found = list(
        references.annotate(
            quarter_uses=Count("uses", filter=Q(uses__used_at__gte=quarter_start(now)))
        ).order_by("customer", "id")[:MAX_RESULTS]
    )
    if for_program is not None:
        limits = {for_program.client_id: program_reference_limit(program_id=for_program.pk)}
    else:
        limits = reference_limits(client_ids={reference.client_id for reference in found})
    today = timezone.localtime(now).date()
    return [
        ReferenceHit(
            reference=reference,
            uses_this_quarter=reference.quarter_uses,
            limit=limits[reference.client_id],
            expired=reference_expired(reference, today=today),
        )
        for reference in found
    ]


def reference_expired(reference: Reference, *, today: date) -> bool:
    """Whether the customer's willingness to be a reference has run out."""
    return reference.willing_until is not None and reference.willing_until < today


def reference_hit(*, reference: Reference, program: Program, now: datetime) -> ReferenceHit:
    """One reference as a proposal of ``program`` would use it now: its uses this quarter
    against the program's limit, and whether it has expired."""
    uses = reference.uses.filter(used_at__gte=quarter_start(now)).count()
    return ReferenceHit(
        reference=reference,
        uses_this_quarter=uses,
        limit=program_reference_limit(program_id=program.pk),
        expired=reference_expired(reference, today=timezone.localtime(now).date()),
    )
