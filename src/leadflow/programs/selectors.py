"""Reads for programs and their criteria, scoped to the caller."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from leadflow.accounts.models import User
from leadflow.core.criteria import QualifyingCriteria
from leadflow.programs.models import CriteriaStatus, CriteriaVersion, Program


@dataclass(frozen=True)
class PublishedCriteria:
    version: CriteriaVersion
    criteria: QualifyingCriteria

    @property
    def number(self) -> int:
        return self.version.number


def program_list(*, user: User) -> QuerySet[Program]:
    """The programs a user may see: all for admins, else those of the user's scopes."""
    programs = Program.objects.select_related("client")
    if user.sees_everything:
        return programs
    scopes = user.scopes.all()
    return programs.filter(
        Q(client_id__in=scopes.filter(client__isnull=False).values("client_id"))
        | Q(pk__in=scopes.filter(program__isnull=False).values("program_id"))
    )


def program_published_criteria(*, program: Program) -> PublishedCriteria:
    """The program's current criteria: its highest published version."""
    version = (
        CriteriaVersion.objects.filter(program=program, status=CriteriaStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )
    if version is None:
        raise Program.DoesNotExist(f"program {program.slug!r} has no published criteria")
    return PublishedCriteria(version, criteria_from_version(version))


def criteria_from_version(version: CriteriaVersion) -> QualifyingCriteria:
    return QualifyingCriteria.model_validate(version.spec)
