"""A product lead as the record a model reads (docs/SCORING.md, "What is used, and why").

Only declared columns (``Schema.only_declared``): source, place, company, the person's title
seniority (never the title's words), the questionnaire's answers, the prospect profile's fields
and engagement with its decay. Never the name, e-mail, phone, address, company name or any
free text; protected attributes are refused by the core whatever is declared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.utils.module_loading import import_string

from leadflow.config.leads import LEAD_ENGAGEMENT
from leadflow.core.scoring import Column, Kind, Schema
from leadflow.leads.models import Lead

#: The lead's own columns and their words on the model page.
LEAD_COLUMNS = (
    Column("channel", Kind.CATEGORICAL, "Source"),
    Column("campaign", Kind.CATEGORICAL, "Campaign"),
    Column("source_detail", Kind.CATEGORICAL, "Source detail"),
    Column("inquiry_type", Kind.CATEGORICAL, "Inquiry type"),
    Column("country", Kind.CATEGORICAL, "Country"),
    Column("subdivision", Kind.CATEGORICAL, "Subdivision"),
    Column("industry", Kind.CATEGORICAL, "Industry"),
    Column("company_size", Kind.CATEGORICAL, "Company size"),
    Column("seniority", Kind.CATEGORICAL, "Title seniority"),
    Column("engagement_clicks", Kind.NUMERIC, "Clicks (decayed)"),
    Column("engagement_responses", Kind.NUMERIC, "Responses (decayed)"),
    Column("engagement_form_fills", Kind.NUMERIC, "Form fills (decayed)"),
)

#: The prospect profile's fields that are picked from lists (DESIGN.md "Lead"); any other
#: profile key may hold a raw value a sender typed, and is not read.
PROFILE_FIELDS = {
    "current_environment": "Current environment",
    "pending_projects": "Pending needs and projects",
    "preliminary_budget": "Preliminary budget",
    "budget_cycle": "Budget cycle",
    "decision_time_frame": "Decision time frame",
    "follow_up_time_frame": "Follow-up time frame",
    "follow_up_method": "Follow-up method",
}

#: Engagement counts halve every this many days (old interest stops outranking new).
ENGAGEMENT_HALF_LIFE_DAYS = 30.0
_RESPONSES = frozenset({"reply", "phone", "form_fill"})

_SENIORITY = (
    ("executive", re.compile(r"\b(chief|ceo|cfo|cio|cto|coo|president|owner|founder|partner)\b")),
    ("vice president", re.compile(r"\b(vp|svp|evp|vice president)\b")),
    ("director", re.compile(r"\b(director|head)\b")),
    ("manager", re.compile(r"\b(manager|lead|supervisor)\b")),
)

#: The lead fields a training or a re-scoring reads (``Lead.objects.only``).
READ_FIELDS = (
    "id",
    "program_id",
    "channel",
    "campaign",
    "external_source",
    "inquiry_type",
    "country",
    "subdivision",
    "industry",
    "company_size",
    "title",
    "answers",
    "profile",
    "updated_at",
)


def seniority(title: str) -> str:
    """A title's level in words ("VP Sales" → vice president); "staff" for any other title."""
    lowered = title.lower()
    if not lowered.strip():
        return ""
    for level, pattern in _SENIORITY:
        if pattern.search(lowered):
            return level
    return "staff"


def schema_for(records: Sequence[dict[str, object]]) -> Schema:
    """The declared columns: the lead's own, and every answer and profile field seen."""
    extra: dict[str, Column] = {}
    for record in records:
        for key in record:
            if key.startswith("answer.") and key not in extra:
                extra[key] = Column(key, Kind.CATEGORICAL, "Answer: " + key[7:].replace("_", " "))
            elif key.startswith("profile.") and key not in extra:
                name = key[8:]
                kind = Kind.NUMERIC if name == "preliminary_budget" else Kind.CATEGORICAL
                extra[key] = Column(key, kind, PROFILE_FIELDS.get(name, name))
    return Schema(columns=(*LEAD_COLUMNS, *extra.values()), only_declared=True)


def _text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(sorted(str(item) for item in value))
    if isinstance(value, dict):
        return ""
    return "" if value is None else str(value)


def _engagement(lead_ids: list[int]) -> dict[int, list[tuple[str, datetime]]]:
    found: dict[int, list[tuple[str, datetime]]] = {}
    for path in LEAD_ENGAGEMENT:
        for lead_id, events in import_string(path)(lead_ids=lead_ids).items():
            found.setdefault(lead_id, []).extend((event.kind, event.at) for event in events)
    return found


def lead_records(
    leads: Iterable[Lead], *, now: datetime, at_outcome: bool = False
) -> list[dict[str, object]]:
    """Each lead as a record (module docstring). Engagement counts only events before the
    reference time, decayed to it: ``now`` for a lead being scored, the lead's last change (its
    outcome) when ``at_outcome``, so a training never reads engagement after the outcome."""
    leads = list(leads)
    engagement = _engagement([lead.pk for lead in leads]) if leads else {}
    records = []
    for lead in leads:
        reference = lead.updated_at if at_outcome else now
        counts = {"clicks": 0.0, "responses": 0.0, "form_fills": 0.0}
        for kind, at in engagement.get(lead.pk, ()):
            if at > reference:
                continue
            weight = 0.5 ** ((reference - at).total_seconds() / 86400 / ENGAGEMENT_HALF_LIFE_DAYS)
            counts["clicks" if kind not in _RESPONSES else "responses"] += weight
            if kind == "form_fill":
                counts["form_fills"] += weight
        record: dict[str, object] = {
            "channel": lead.channel,
            "campaign": lead.campaign,
            "source_detail": lead.external_source,
            "inquiry_type": lead.inquiry_type,
            "country": lead.country,
            "subdivision": f"{lead.country}-{lead.subdivision}" if lead.subdivision else "",
            "industry": lead.industry,
            "company_size": lead.company_size,
            "seniority": seniority(lead.title),
            "engagement_clicks": round(counts["clicks"], 4),
            "engagement_responses": round(counts["responses"], 4),
            "engagement_form_fills": round(counts["form_fills"], 4),
        }
        for key, value in (lead.answers or {}).items():
            record[f"answer.{key}"] = _text(value)
        for key in PROFILE_FIELDS:
            if key in (lead.profile or {}):
                record[f"profile.{key}"] = _text(lead.profile[key])
        records.append(record)
    return records
