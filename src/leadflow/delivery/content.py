"""What a delivery says: each lead as a record of source fields, the CSV and XLSX files, the
e-mail's subject and text, and the webhook's JSON. Builds values, writes nothing."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from leadflow.core import delivery_files
from leadflow.core.delivery_files import Column
from leadflow.core.enums import Rating
from leadflow.core.handoff import HOT_LIMIT, HOT_TARGET
from leadflow.core.preview import RATING_ORDER
from leadflow.delivery.models import Delivery, DeliveryKind, FileFormat
from leadflow.leads.models import Lead

_RANK = {rating.value if rating else None: index for index, rating in enumerate(RATING_ORDER)}

#: Leads named one by one in an e-mail's text; the rest are in the attached files.
EMAIL_LISTED = 50


def rating_label(rating: str | None) -> str:
    return Rating(rating).label if rating else "none"


def rating_rank(rating: str | None) -> int:
    """Hot, A, B, C, FYI, then no rating."""
    return _RANK.get(rating, len(_RANK))


def priority(lead: Lead) -> tuple[int, float, datetime, int]:
    """A delivery's order: rating (Hot first), then score (highest first), then oldest."""
    return (rating_rank(lead.rating), -lead.score, lead.created_at, lead.pk)


def lead_name(lead: Lead) -> str:
    return " ".join(part for part in (lead.first_name, lead.last_name) if part) or lead.email


def lead_record(lead: Lead, *, number: int, delivered_at: datetime) -> dict[str, Any]:
    """A lead's source fields (core.delivery_files.SOURCE_FIELDS) for its row in the files."""
    bant = [fact for fact, met in lead.bant.items() if met]
    record: dict[str, Any] = {
        "lead_id": lead.pk,
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "title": lead.title,
        "email": lead.email,
        "phone": lead.phone,
        "company": lead.company,
        "website": lead.website,
        "industry": lead.industry,
        "company_size": lead.company_size,
        "employees": delivery_files.employees(lead.company_size),
        "country": lead.country,
        "subdivision": lead.subdivision,
        "postal_code": lead.postal_code,
        "street": lead.street,
        "city": lead.city,
        "channel": lead.get_channel_display(),
        "campaign": lead.campaign,
        "inquiry_type": lead.get_inquiry_type_display(),
        "rating": rating_label(lead.rating) if lead.rating else "",
        "stage": lead.get_stage_display(),
        "score": lead.score,
        "bant": bant,
        "captured_at": _iso(lead.created_at),
        "delivered_at": _iso(delivered_at),
        "delivery_number": number,
        "answers": dict(lead.answers),
        "profile": dict(lead.profile),
    }
    record["description"] = delivery_files.description(record)
    return record


def _iso(value: datetime) -> str:
    """ISO 8601 in UTC, as CRMs import date-times."""
    return value.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class DeliveryContent:
    """The columns, rows and files of one delivery, built once and used by every channel."""

    columns: tuple[Column, ...]
    records: list[dict[str, Any]]
    rows: list[list[Any]]

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def file_bytes(self, file_format: FileFormat) -> bytes:
        if file_format == FileFormat.CSV:
            return delivery_files.csv_bytes(self.columns, self.rows)
        return delivery_files.xlsx_bytes(self.columns, self.rows)


def delivery_content(
    *, leads: Sequence[Lead], columns: Sequence[Column], number: int, at: datetime
) -> DeliveryContent:
    """The rows of a delivery's leads in the program's layout (Salesforce's by default)."""
    chosen = delivery_files.layout(columns)
    records = [lead_record(lead, number=number, delivered_at=at) for lead in leads]
    return DeliveryContent(chosen, records, delivery_files.table(chosen, records))


def file_name(delivery: Delivery, file_format: FileFormat) -> str:
    kind = "hot-lead" if delivery.kind == DeliveryKind.HOT else "delivery"
    if delivery.deliverable_kind:
        kind = delivery.deliverable_kind.replace("_", "-")
    return f"{delivery.program.slug}-{kind}-{delivery.number:04d}.{file_format.value}"


def delivery_url(delivery: Delivery) -> str:
    """The delivery's page; absolute when ``SITE_URL`` is set (``https://leads.example.com``)."""
    base = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return f"{base}/deliveries/{delivery.pk}/"


def email_subject(delivery: Delivery, leads: Sequence[Lead]) -> str:
    program = delivery.program.name
    if delivery.kind == DeliveryKind.HOT:
        lead = leads[0]
        who = ", ".join(part for part in (lead_name(lead), lead.company) if part)
        return f"Hot lead for {program}: {who}"
    count = len(leads)
    what = f"{count} lead{'s' if count != 1 else ''}" if count else "no new leads"
    return f"{program}: delivery {delivery.number} ({what})"


def email_body(delivery: Delivery, leads: Sequence[Lead]) -> str:
    summary = delivery.summary
    lines = [f"Delivery {delivery.number} of {delivery.program.name} ({delivery.program.client})."]
    if delivery.kind == DeliveryKind.HOT:
        lines.append(
            "A Hot lead, delivered at once on its own: the prospect means to decide within "
            "three months. Please contact them today."
        )
    if leads:
        counts = ", ".join(
            f"{count} {rating_label(rating)}"
            for rating, count in summary.get("ratings", {}).items()
        )
        lines += ["", f"{len(leads)} lead{'s' if len(leads) != 1 else ''}: {counts}.", ""]
        for lead in leads[:EMAIL_LISTED]:
            lines.append(
                f"- [{rating_label(lead.rating)}] {lead_name(lead)}"
                + (f", {lead.title}" if lead.title else "")
                + (f", {lead.company}" if lead.company else "")
            )
        if len(leads) > EMAIL_LISTED:
            lines.append(f"- … and {len(leads) - EMAIL_LISTED} more in the attached files.")
        lines += ["", "The leads are attached as CSV and XLSX (Excel)."]
    else:
        lines += ["", "No new leads in this batch."]
    listed = summary.get("listed", [])
    if listed:
        lines += ["", "For your information (not delivered; no follow-up needed):"]
        lines += [f"- {entry['name']}, {entry['company']}".rstrip(", ") for entry in listed]
    lines += ["", f"Download the files and see each lead in LeadFlow: {delivery_url(delivery)}"]
    return "\n".join(lines) + "\n"


def webhook_payload(delivery: Delivery, content: DeliveryContent) -> dict[str, Any]:
    """The JSON posted to the client's CRM: the delivery, its columns, and each lead's fields
    under the same names as the file's columns (the program's column map)."""
    program = delivery.program
    return {
        "delivery": {
            "id": delivery.pk,
            "number": delivery.number,
            "kind": delivery.kind,
            "program": program.slug,
            "program_name": program.name,
            "client": program.client.slug,
            "created_at": _iso(delivery.created_at),
            "lead_count": len(content.records),
        },
        "columns": content.headers,
        "leads": [
            {
                "id": record["lead_id"],
                "rating": record["rating"],
                "fields": dict(zip(content.headers, row, strict=True)),
            }
            for record, row in zip(content.records, content.rows, strict=True)
        ],
        "summary": delivery.summary,
    }


def hot_alert_subject(lead: Lead, *, waited_hours: float) -> str:
    return (
        f"Hot lead waiting {waited_hours:.0f} hours: {lead_name(lead)}"
        f"{', ' + lead.company if lead.company else ''} ({lead.program.name})"
    )


def hot_alert_body(lead: Lead, *, now: datetime) -> str:
    waited = now - lead.created_at
    hours = waited.total_seconds() / 3600
    target = int(HOT_TARGET.total_seconds() // 3600)
    limit = int(HOT_LIMIT.total_seconds() // 3600)
    if waited > HOT_LIMIT:
        verdict = (
            f"The {limit}-hour limit from capture to delivery has passed: it was captured "
            f"{hours:.0f} hours ago."
        )
    else:
        deadline = lead.created_at + HOT_LIMIT
        verdict = (
            f"It missed the {target}-hour target; the {limit}-hour limit runs out at "
            f"{deadline:%Y-%m-%d %H:%M} UTC."
        )
    return (
        f"A Hot lead of {lead.program.name} has not been delivered.\n\n"
        f"Lead: {lead_name(lead)}{', ' + lead.company if lead.company else ''} (#{lead.pk})\n"
        f"Captured: {lead.created_at:%Y-%m-%d %H:%M} UTC\n"
        f"Status: {lead.get_status_display()}\n\n"
        f"{verdict}\n"
        "Hot leads are delivered to the client as soon as QA approves them; please see that "
        "it is qualified and reviewed now.\n"
    )
