"""The demo's billing: terms for the demo's agency program, and last month's statement closed
and e-mailed by the monthly job at its first run on the statement day, as the scheduler would
have run it (the e-mail is recorded as sent with the rest of the demo's past)."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from leadflow.billing.models import Statement
from leadflow.billing.services import TermsInput, billing_terms_save, statements_due
from leadflow.programs.models import Program

DEMO_PRICES = {
    "price_hot": Decimal("150.00"),
    "price_a": Decimal("100.00"),
    "price_b": Decimal("60.00"),
    "price_c": Decimal(0),
    "price_fyi": Decimal(0),
    "price_appointment": Decimal("200.00"),
}
DEMO_STATEMENT_DAY = 1
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_HOURLY = timedelta(hours=1)


def demo_billing(*, program: Program, since: datetime, now: datetime) -> Statement | None:
    """Terms saved at ``since`` (in USD, statement on the 1st), then last month closed at the
    job's first hourly run of this month's statement day. Returns last month's statement."""
    billing_terms_save(
        program=program,
        user=None,
        data=TermsInput(currency="USD", prices=DEMO_PRICES, statement_day=DEMO_STATEMENT_DAY),
        now=since,
    )
    zone = ZoneInfo(program.client.timezone)
    local = now.astimezone(zone)
    statement_day = datetime.combine(
        local.date().replace(day=DEMO_STATEMENT_DAY), time(0), tzinfo=zone
    )
    first_run = _EPOCH + -((_EPOCH - statement_day) // _HOURLY) * _HOURLY
    statements_due(now=min(first_run, now))
    return Statement.objects.filter(program=program).first()
