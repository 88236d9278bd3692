"""Reads of proposals (issue 15, item 5), always from ``lead_scope``: a proposal of a lead the
user may not see does not exist for them (a 404). Client contacts, who see their delivered
leads, see no proposals: the sales follow-up is the seller's, not the buyer's."""

from django.db.models import QuerySet

from leadflow.accounts.models import User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.leads.models import Lead
from leadflow.leads.selectors import lead_scope
from leadflow.sales.models import Proposal, ProposalDocument, ReferenceUse


def proposal_scope(*, user: User) -> QuerySet[Proposal]:
    """The proposals of the leads the user may see, for the roles with the sales follow-up (a
    client contact sees its delivered leads, never their sales work)."""
    if not user_can(user, Capability.SALES_VIEW):
        return Proposal.objects.none()
    return Proposal.objects.filter(lead__in=lead_scope(user=user).values("pk")).select_related(
        "lead", "lead__program", "lead__program__client"
    )


def proposal_get(*, user: User, proposal_id: int) -> Proposal:
    """One proposal, or Proposal.DoesNotExist when its lead is out of the user's scope."""
    return proposal_scope(user=user).get(pk=proposal_id)


def lead_proposals(*, lead: Lead) -> QuerySet[Proposal]:
    """A lead's proposals, newest first, with their standing approvals."""
    return (
        Proposal.objects.filter(lead=lead)
        .prefetch_related("approvals")
        .order_by("-created_at", "-id")
    )


def proposal_document_get(*, user: User, document_id: int) -> ProposalDocument:
    """One document of a proposal the user may see, or ProposalDocument.DoesNotExist (a 404:
    a partner no longer holding the lead, another program's user, a client contact)."""
    return ProposalDocument.objects.select_related("proposal", "proposal__lead").get(
        pk=document_id, proposal__in=proposal_scope(user=user).values("pk")
    )


def proposal_reference_uses(*, proposal: Proposal) -> QuerySet[ReferenceUse]:
    """The references given for the proposal, newest first, with who gave them."""
    return (
        ReferenceUse.objects.filter(proposal=proposal)
        .select_related("reference", "used_by")
        .order_by("-used_at", "-id")
    )
