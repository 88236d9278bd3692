"""Run a report for a user: its scope, the summary tables brought up to date, its selector.

The pages, the exports, the API and the CLI all come here, so they show the same figures."""

from dataclasses import dataclass
from datetime import date

from leadflow.accounts.models import User
from leadflow.core.errors import InputError
from leadflow.programs.models import Program
from leadflow.reports.selectors.common import Report, Scope, period_parse, report_scope
from leadflow.reports.selectors.registry import REPORTS
from leadflow.reports.services.refresh import facts_refresh

#: Listed history rows a report folds in before it reads; more are left to the periodic job
#: (the page says the figures are behind).
CATCH_UP = 20_000


@dataclass(frozen=True, slots=True)
class Ran:
    report: Report
    scope: Scope
    program_slug: str | None


def report_run(
    *,
    user: User,
    name: str,
    program_slug: str | None,
    start: str | date | None,
    end: str | date | None,
    by: str = "",
    today: date,
) -> Ran:
    """The report ``name`` for ``user``; an unknown report or program, or one out of the
    user's scope, is ``Program.DoesNotExist``; bad dates or breakdowns ``InputError``."""
    if name not in REPORTS:
        raise Program.DoesNotExist(f"no report {name!r}")
    scope = report_scope(user=user, name=name, program_slug=program_slug or None)
    period = period_parse(start, end, today)
    if by and not by.replace("_", "").isalnum():
        raise InputError("by", "unknown breakdown")
    facts_refresh(limit=CATCH_UP, wait=False)
    report = REPORTS[name](
        programs=scope.programs, period=period, by=by, partner_id=scope.partner_id
    )
    return Ran(report, scope, program_slug or None)
