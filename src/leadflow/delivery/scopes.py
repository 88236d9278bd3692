"""What a client contact may see through deliveries (``config/scopes.py``)."""

from django.db.models import Q

from leadflow.accounts.models import User
from leadflow.programs.selectors import program_list


def client_leads(*, user: User) -> Q:
    """The leads delivered to the contact's programs, whatever happened to them next
    (programs with both hand-offs route delivered leads on to partners)."""
    return Q(program__in=program_list(user=user), delivery_item__isnull=False)
