"""Reads of the sales setup page: the programs whose kits and settings the user may manage
(``sales.kits_manage``, within ``programs.selectors.program_list``: the programs of the user's
clients and programs, every program for an admin), a program's kits with their documents, and
the people an approval step may name. Out of scope is ``DoesNotExist``: a 404."""

from django.db.models import Prefetch, Q, QuerySet

from leadflow.accounts.models import Role, User
from leadflow.accounts.permissions import Capability, user_can
from leadflow.programs.models import Program
from leadflow.programs.selectors import program_list
from leadflow.sales.models import SalesKit, SalesKitDocument


def setup_programs(*, user: User) -> QuerySet[Program]:
    """The programs whose sales setup the user may manage (none without the capability)."""
    if not user_can(user, Capability.SALES_KITS_MANAGE):
        return Program.objects.none()
    return program_list(user=user).order_by("client__name", "name", "id")


def setup_program_get(*, user: User, program_id: int) -> Program:
    return setup_programs(user=user).get(pk=program_id)


def setup_kits(*, program: Program) -> list[SalesKit]:
    """The program's kits, the one a lead's page sends first (the oldest of each kind)."""
    return list(
        SalesKit.objects.filter(program=program)
        .prefetch_related(
            Prefetch("documents", queryset=SalesKitDocument.objects.order_by("filename", "id"))
        )
        .order_by("is_assessment", "id")
    )


def setup_kit_get(*, program: Program, kit_id: int) -> SalesKit:
    return SalesKit.objects.get(program=program, pk=kit_id)


def setup_document_get(*, kit: SalesKit, document_id: int) -> SalesKitDocument:
    return SalesKitDocument.objects.get(kit=kit, pk=document_id)


def approvers(*, program: Program) -> QuerySet[User]:
    """The people an approval step may name: active staff working on the program (its own
    scope or its client's) and the admins."""
    staff = [Role.ADMIN, Role.MARKETER, Role.QUALIFIER, Role.REVIEWER, Role.MANAGER]
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name__in=staff) | Q(is_superuser=True))
        .filter(
            Q(scopes__program=program)
            | Q(scopes__client_id=program.client_id)
            | Q(groups__name=Role.ADMIN)
            | Q(is_superuser=True)
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
