"""What a partner's user may see through assignments (``config/scopes.py``)."""

from django.db.models import Exists, OuterRef, Q

from leadflow.accounts.models import User
from leadflow.partners.models import Assignment


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
