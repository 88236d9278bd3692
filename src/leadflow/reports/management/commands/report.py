"""``leadflow report NAME --program SLUG --from YYYY-MM-DD --to YYYY-MM-DD [--by X]
[--format json|csv] [--user USERNAME]`` (issue 16, item 6; docs/REPORTS.md, "API and CLI").

The same figures as ``GET /api/v1/reports/NAME``: the same checks and run
(``reports.api.report_for``), and as JSON the very text the API answers. Whoever runs the
command is an operator on the server, so without ``--user`` the report is read as an admin
reads it (every program); with ``--user`` exactly as that user would see it, out-of-scope
programs included (an error). Errors go to standard error in plain words, exit code 2.
"""

import csv
import io
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from leadflow.accounts.models import Role, User
from leadflow.core.errors import InputError
from leadflow.programs.models import Program
from leadflow.reports.api import REPORT_NAMES, report_for, report_json
from leadflow.reports.selectors.common import Report

USAGE_ERROR = 2


class Command(BaseCommand):
    help = (
        "Print a report's figures (as the API answers them) for a program and a period of "
        "days in the client's timezone, --from inclusive, --to exclusive."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", metavar="NAME", help=f"one of {', '.join(REPORT_NAMES)}")
        parser.add_argument(
            "--program", default=None, metavar="SLUG", help="without it: every program"
        )
        parser.add_argument(
            "--from",
            dest="start",
            default=None,
            metavar="YYYY-MM-DD",
            help="the first day (inclusive); without it, 30 days before --to",
        )
        parser.add_argument(
            "--to",
            dest="end",
            default=None,
            metavar="YYYY-MM-DD",
            help="the day after the last (exclusive); without it, today",
        )
        parser.add_argument("--by", default="", metavar="X", help="a breakdown of the report")
        parser.add_argument("--format", choices=("json", "csv"), default="json")
        parser.add_argument(
            "--user",
            default=None,
            metavar="USERNAME",
            help="read the report as this user sees it (without it: as an admin)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"]
        if name not in REPORT_NAMES:
            raise CommandError(
                f"there is no report {name!r}; the reports are {', '.join(REPORT_NAMES)}",
                returncode=USAGE_ERROR,
            )
        user = _user(options["user"])
        try:
            ran = report_for(
                user=user,
                name=name,
                program_slug=options["program"],
                start=options["start"],
                end=options["end"],
                by=options["by"],
            )
        except Program.DoesNotExist as exc:
            raise CommandError(_not_found(name, options["program"], user), returncode=2) from exc
        except InputError as exc:
            raise CommandError(_bad_input(exc), returncode=USAGE_ERROR) from exc
        if options["format"] == "csv":
            self.stdout.write(report_csv(ran.report), ending="")
        else:
            self.stdout.write(report_json(ran))


def _user(username: str | None) -> User:
    """The user named, or an operator who reads as an admin does (never saved)."""
    if username is None:
        operator = User(username="operator", is_superuser=True, is_active=True)
        operator._role_names = frozenset({Role.ADMIN})
        return operator
    found = User.objects.filter(username=username, is_active=True).first()
    if found is None:
        raise CommandError(f"there is no active user {username!r}", returncode=USAGE_ERROR)
    return found


def _not_found(name: str, slug: str | None, user: User) -> str:
    if slug and not Program.objects.filter(slug=slug).exists():
        return f"there is no program {slug!r}"
    if user.pk is None:
        return f"the {name} report is not available yet"
    who = user.get_username()
    if slug:
        return f"{who} may not read the {name} report of program {slug!r}"
    return f"{who} may not read the {name} report"


_FLAGS = {"from": "--from", "to": "--to", "by": "--by", "program": "--program"}


def _bad_input(exc: InputError) -> str:
    flag = _FLAGS.get(exc.field, f"--{exc.field}" if exc.field else "")
    return f"{flag}: {exc}" if flag else str(exc)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def report_csv(report: Report) -> str:
    """The report's rows as CSV, their keys as the header (the columns' keys when there
    are no rows); an amount per currency is written as its JSON object."""
    keys = list(report.rows[0]) if report.rows else [column.key for column in report.columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(keys)
    for row in report.rows:
        writer.writerow([_cell(row.get(key)) for key in keys])
    return buffer.getvalue()
