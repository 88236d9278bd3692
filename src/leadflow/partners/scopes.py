"""What a partner's user may see through assignments (``config/scopes.py``), and whose setup
changes a manager may read (``config/administration.py``)."""

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from leadflow.accounts.models import User
from leadflow.partners.models import Assignment, Partner
from leadflow.partners.selectors import partner_list


def partner_leads(*, user: User) -> Q:
    """Exactly the leads actively assigned to the user's partner: a lead taken away (declined,
    reassigned after a missed clock) is gone for it at once."""
    return Q(
        Exists(
            Assignment.objects.filter(
                lead=OuterRef("pk"),
                ended_at__isnull=True,
                partner__is_active=True,
                partner__members__user=user,
            )
        )
    )


def partners_managed(*, user: User) -> QuerySet[Partner, Any]:
    """The partners whose setup changes ``user`` may read on the change history page
    (``config/administration.py``): those of their scope, as on the partner setup pages."""
    return partner_list(user=user).values("pk")
