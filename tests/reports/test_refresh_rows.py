"""The refresh's plain row writes (``lib.rows.rows_copy``): every column of each per-lead table
is written by the fold, and the values read back as the ORM wrote them."""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from leadflow.leads.models import Lead
from leadflow.lib.rows import rows_copy
from leadflow.programs.models import Program
from leadflow.reports.models import (
    EnrollmentFact,
    LeadFact,
    RatingMark,
    ReviewDecision,
    StatusSpan,
    TouchFact,
)
from leadflow.reports.services import refresh

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "columns"),
    [
        (LeadFact, refresh.FACT_COLUMNS),
        (ReviewDecision, refresh.DECISION_COLUMNS),
        (StatusSpan, refresh.SPAN_COLUMNS),
        (RatingMark, refresh.MARK_COLUMNS),
        (TouchFact, refresh.TOUCH_COLUMNS),
        (EnrollmentFact, refresh.ENROLLMENT_COLUMNS),
    ],
)
def test_each_fold_writes_every_column_of_its_table(model: Any, columns: tuple[str, ...]):
    """A new column must be folded, not left to a default the database does not have."""
    every = {
        field.column
        for field in model._meta.concrete_fields
        if not (field.primary_key and field.name == "id")
    }
    assert set(columns) == every
    assert len(columns) == len(every)


def test_copied_rows_read_back_as_written(program: Program, make_lead: Callable[..., Lead]):
    lead = make_lead(program)
    berlin = datetime(2026, 3, 29, 1, 30, 0, 250, tzinfo=ZoneInfo("Europe/Berlin"))
    values: dict[str, Any] = dict.fromkeys(refresh.FACT_COLUMNS)
    values.update(
        lead_id=lead.pk,
        program_id=program.pk,
        client_id=program.client_id,
        created_at=berlin,
        created_day=date(2026, 3, 29),
        channel="web",
        campaign="Spring é",
        inquiry_type="",
        rating="hot",
        status="approved",
        status_since=berlin + timedelta(hours=2),
        approved_at=berlin + timedelta(hours=2),
        first_call_seconds=90.5,
        first_call_step=1,
        calls=3,
        submissions=1,
        pushbacks=0,
        won_amount=Decimal("1234.50"),
        won_currency="EUR",
    )
    rows_copy(LeadFact, refresh.FACT_COLUMNS, [tuple(values[c] for c in refresh.FACT_COLUMNS)])
    stored = LeadFact.objects.get(lead=lead)
    assert stored.created_at == berlin
    assert stored.status_since == berlin + timedelta(hours=2)
    assert (stored.created_day, stored.campaign, stored.won_amount) == (
        date(2026, 3, 29),
        "Spring é",
        Decimal("1234.50"),
    )
    assert (stored.first_call_seconds, stored.first_call_step, stored.lost_at) == (90.5, 1, None)
    assert LeadFact.objects.filter(created_at__lt=berlin + timedelta(microseconds=1)).count() == 1
