"""The demo's agency program bills its client: terms, and last month's statement closed and
e-mailed (recorded as sent with the rest of the demo's past)."""

import pytest

from leadflow.billing.models import BillingTerms, Statement
from leadflow.billing.selectors import month_of, previous_month
from leadflow.demo.seed import DELIVERY_SLUG, demo_load
from leadflow.notifications.models import MessageStatus, OutboxMessage
from tests.factories import NOW

pytestmark = pytest.mark.django_db


def test_the_demo_client_has_terms_and_last_month_s_statement() -> None:
    demo_load(now=NOW)
    terms = BillingTerms.objects.get()
    assert terms.program.slug == DELIVERY_SLUG
    (statement,) = Statement.objects.all()
    assert statement.period_start == previous_month(month_of(NOW.date())).start
    assert statement.total == statement.charges - statement.credits
    message = OutboxMessage.objects.get(key=statement.email_key)
    assert message.status == MessageStatus.SENT
    (attachment,) = message.attachments.all()
    assert attachment.mimetype == "application/pdf"
    assert bytes(attachment.content).startswith(b"%PDF")
    assert statement.lines.exists()
