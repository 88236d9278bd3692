"""``leadflow deadline``: when a follow-up clock runs out (DESIGN.md, "Follow-up SLA").

Lets a sales manager, a partner manager or a support engineer check a claim or contact deadline
by hand, with exactly the rule the clocks use (`leadflow.core.calendar.deadline`). It reads no
database, so it works before ``migrate`` and on any machine with the package installed.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser

from leadflow.core.calendar import deadline, working_calendar
from leadflow.core.errors import CalendarError

USAGE_ERROR = 2


class Command(BaseCommand):
    help = (
        "Print the deadline of a clock of N working days started at --from: the end of the Nth "
        "working day after the day of assignment in --timezone, as ISO 8601."
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from",
            dest="start",
            required=True,
            metavar="ISO8601",
            help="when the lead was assigned; without an offset it is read in --timezone",
        )
        parser.add_argument(
            "--working-days",
            required=True,
            metavar="N",
            help="the clock's limit in working days (0 or more)",
        )
        parser.add_argument(
            "--country", required=True, metavar="CC", help="ISO 3166-1 alpha-2 code"
        )
        parser.add_argument(
            "--subdivision",
            default=None,
            metavar="SS",
            help="state, province or region code as the holidays library knows it",
        )
        parser.add_argument(
            "--timezone", required=True, metavar="TZ", help="IANA name, e.g. America/Los_Angeles"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        working_days = _working_days(options["working_days"])
        try:
            cal = working_calendar(
                country=options["country"],
                subdivision=options["subdivision"],
                timezone=options["timezone"],
            )
        except CalendarError as error:
            raise CommandError(str(error), returncode=USAGE_ERROR) from error
        start = _start(options["start"], cal.zone)
        self.stdout.write(deadline(start, working_days, cal).isoformat(timespec="microseconds"))


def _working_days(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise CommandError(
            f"--working-days must be a whole number of at least 0, not {raw!r}",
            returncode=USAGE_ERROR,
        )
    return value


def _start(raw: str, zone: ZoneInfo) -> datetime:
    try:
        start = datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(
            f"--from must be an ISO 8601 date and time, not {raw!r}", returncode=USAGE_ERROR
        ) from None
    return start if start.tzinfo is not None else start.replace(tzinfo=zone)
