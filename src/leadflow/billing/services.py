"""Writes of billing: a program's terms, closing a month's statement, and the monthly job that
closes last month on the statement day and e-mails the PDF to the billing contacts.

Closing stores the statement and its lines in one transaction, under a lock of the program's
terms, and the e-mail is queued in that same transaction with a key of the program and month:
a second run, a second scheduler or a manager closing at the same moment closes and sends
nothing twice (the unique statement of a program and month refuses the loser).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse

from leadflow.accounts.models import User
from leadflow.billing.exports import statement_filename, statement_pdf
from leadflow.billing.models import MAX_STATEMENT_DAY, BillingTerms
from leadflow.billing.models import Statement as StoredStatement
from leadflow.billing.models import StatementLine as StoredLine
from leadflow.billing.selectors import (
    billing_contacts,
    closed_periods,
    local_midnight,
    month_of,
    previous_month,
    statement_compute,
)
from leadflow.core.billing import BillingError, StatementClosed, currency_code, money
from leadflow.core.enums import Rating
from leadflow.core.errors import DomainRefused
from leadflow.core.guarantee import Period
from leadflow.notifications.services import Attachment, email_enqueue
from leadflow.programs.models import Program

PRICE_FIELDS = (*tuple(f"price_{r.value}" for r in Rating), "price_appointment")
MAX_CONTACTS = 20


@dataclass(frozen=True)
class TermsInput:
    currency: str
    prices: dict[str, Decimal]
    statement_day: int
    billing_contacts: Sequence[str] = ()


def billing_terms_save(
    *, program: Program, user: User | None, data: TermsInput, now: datetime
) -> BillingTerms:
    """Save the program's billing terms; `BillingError` naming the field for a value that
    cannot be billed (an unknown currency, a negative price, more decimals than the currency
    has, a day not in every month, an address that is not one). Nothing is saved then."""
    currency = currency_code(data.currency)
    prices = {}
    for name in PRICE_FIELDS:
        value = money(data.prices.get(name, Decimal(0)), currency, field=name)
        if value < 0:
            raise BillingError("a price cannot be negative", name)
        if value >= Decimal(10) ** 10:
            raise BillingError("a price this large is not a price per lead", name)
        prices[name] = value
    if not 1 <= data.statement_day <= MAX_STATEMENT_DAY:
        raise BillingError(
            f"the statement day is 1 to {MAX_STATEMENT_DAY}, a day every month has",
            "statement_day",
        )
    contacts: list[str] = []
    for address in data.billing_contacts:
        cleaned = address.strip()
        if not cleaned:
            continue
        try:
            validate_email(cleaned)
        except ValidationError:
            raise BillingError(
                f"{cleaned!r} is not an e-mail address", "billing_contacts"
            ) from None
        if cleaned.lower() not in {c.lower() for c in contacts}:
            contacts.append(cleaned)
    if len(contacts) > MAX_CONTACTS:
        raise BillingError(f"at most {MAX_CONTACTS} billing contacts", "billing_contacts")
    with transaction.atomic():
        terms = BillingTerms.objects.select_for_update().filter(program=program).first()
        if terms is None:
            terms = BillingTerms(program=program)
        terms.currency = currency
        for name, value in prices.items():
            setattr(terms, name, value)
        terms.statement_day = data.statement_day
        terms.billing_contacts = contacts
        terms.updated_at = now
        terms.updated_by = user
        terms.save()
    return terms


class StatementRefused(DomainRefused):
    """A statement that cannot be closed now (409)."""


def statement_close(
    *, program: Program, period: Period, user: User | None, now: datetime
) -> StoredStatement:
    """Close the program's statement of ``period``: store it and every line. Refused for a
    month not over yet (in the client's timezone), one already closed (`StatementClosed`), one
    before a month already closed, or a program without billing terms."""
    timezone = program.client.timezone
    if now < local_midnight(period.end, timezone):
        raise StatementRefused(f"{period.label} is not over yet: it can be closed from "
                               f"{period.end.isoformat()}")  # fmt: skip
    with transaction.atomic():
        terms = BillingTerms.objects.select_for_update().filter(program=program).first()
        if terms is None:
            raise StatementRefused(f"{program.name} has no billing terms")
        closed = closed_periods(program=program)
        if period in closed:
            raise StatementClosed(f"the statement of {period.label} is already closed")
        if any(other > period for other in closed):
            raise StatementRefused(
                f"a statement after {period.label} is closed: its credits went on that one"
            )
        computed = statement_compute(program=program, terms=terms, period=period)
        stored = StoredStatement.objects.create(
            program=program,
            period_start=period.start,
            period_end=period.end,
            currency=computed.currency,
            charges=computed.charges,
            credits=computed.credits,
            carried_in=computed.carried_in,
            total=computed.total,
            carried_forward=computed.carried_forward,
            closed_at=now,
            closed_by=user,
        )
        StoredLine.objects.bulk_create(
            StoredLine(
                statement=stored,
                position=position,
                kind=line.kind.value,
                deliverable_id=str(line.deliverable_id),
                line=line.line.value,
                at=line.at,
                amount=line.amount,
                rating=line.rating.value if line.rating is not None else "",
                replaces=str(line.replaces) if line.replaces is not None else "",
                reason=line.reason[:200],
            )
            for position, line in enumerate(computed.lines, start=1)
        )
    return stored


@dataclass(frozen=True, slots=True)
class DueResult:
    closed: int
    sent: int


def statements_due(*, now: datetime) -> DueResult:
    """On or after each program's statement day (client's timezone), close last month's
    statement if it is not closed yet and queue its e-mail with the PDF. Only last month: a
    statement never closed in time is closed by a manager, not sent late by the job."""
    closed = sent = 0
    for terms in BillingTerms.objects.select_related("program", "program__client").order_by("pk"):
        program = terms.program
        today = now.astimezone(ZoneInfo(program.client.timezone)).date()
        if today.day < terms.statement_day:
            continue
        period = previous_month(month_of(today))
        if StoredStatement.objects.filter(program=program, period_start=period.start).exists():
            continue
        try:
            with transaction.atomic():
                stored = statement_close(program=program, period=period, user=None, now=now)
                sent += statement_send(statement=stored, terms=terms, now=now)
        except (IntegrityError, StatementClosed, StatementRefused):
            continue  # another run closed it first, or a later month is already closed
        closed += 1
    return DueResult(closed, sent)


def statement_send(*, statement: StoredStatement, terms: BillingTerms, now: datetime) -> int:
    """Queue the closed statement's e-mail, PDF attached, to the billing contacts (once: the
    key is the program's and month's). Returns 1 when queued, 0 with nobody to send it to."""
    from leadflow.billing.selectors import stored_statement

    program = statement.program
    to = billing_contacts(program=program, terms=terms)
    if not to:
        return 0
    period = month_of(statement.period_start)
    read = stored_statement(statement, period)
    timezone = program.client.timezone
    pdf = statement_pdf(program, read, closed_at=statement.closed_at, timezone=timezone)
    key = f"billing-statement:{program.pk}:{period.label}"
    page = f"{settings.SITE_URL}{reverse('billing:statement', args=[program.slug, period.label])}"
    body = "\n".join(
        [
            "Hello,",
            "",
            f"The statement of {program.name} ({program.client.name}) for {period.label} "
            f"({period.span}) is attached as a PDF.",
            "",
            f"  Charges: {read.charges} {read.currency}",
            f"  Credits for upheld disputes: {read.credits} {read.currency}",
            f"  Credit carried in: {read.carried_in} {read.currency}",
            f"  Total due: {read.total} {read.currency}",
            *(
                [f"  Credit carried forward: {read.carried_forward} {read.currency}"]
                if read.carried_forward
                else []
            ),
            "",
            f"Every line, with a link to its lead: {page}",
        ]
    )
    email_enqueue(
        key=key,
        to=to,
        subject=f"LeadFlow: statement {period.label}, {program.name}",
        body=body,
        attachments=[Attachment(statement_filename(program, read, "pdf"), pdf, "application/pdf")],
        now=now,
    )
    StoredStatement.objects.filter(pk=statement.pk).update(email_key=key)
    statement.email_key = key
    return 1
