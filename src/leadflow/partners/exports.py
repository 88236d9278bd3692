"""The lead as a partner receives it: one CSV row or a one-page PDF (issue 7, notification).

Nothing here writes; the notification service attaches what these functions return."""

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from leadflow.core.enums import Rating
from leadflow.core.spreadsheet import csv_cell
from leadflow.leads.models import Lead
from leadflow.partners.models import Assignment

#: Label and value of every field a partner needs to work the lead, in the order shown.
LEAD_FIELDS: tuple[tuple[str, str], ...] = (
    ("lead_id", "Lead"),
    ("rating", "Rating"),
    ("stage", "Stage"),
    ("score", "Score"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("title", "Title"),
    ("email", "E-mail"),
    ("phone", "Phone"),
    ("company", "Company"),
    ("website", "Website"),
    ("company_size", "Company size"),
    ("industry", "Industry"),
    ("street", "Street"),
    ("city", "City"),
    ("country", "Country"),
    ("subdivision", "Subdivision"),
    ("postal_code", "Postal code"),
    ("channel", "Channel"),
    ("campaign", "Campaign"),
    ("inquiry_type", "Inquiry type"),
    ("claim_due", "Claim by"),
    ("contact_due", "First contact by"),
)


def local_time(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def lead_values(lead: Lead, assignment: Assignment, timezone: str) -> dict[str, str]:
    """The lead's fields as text, with the deadlines in the partner's timezone."""
    values = {
        "lead_id": str(lead.pk),
        "rating": Rating(lead.rating).label if lead.rating else "",
        "stage": lead.stage.replace("_", " "),
        "score": f"{lead.score:g}",
        "claim_due": local_time(assignment.claim_due, timezone),
        "contact_due": local_time(assignment.contact_due, timezone),
        "channel": lead.channel.replace("_", " "),
        "inquiry_type": lead.inquiry_type.replace("_", " "),
    }
    for name, _ in LEAD_FIELDS:
        if name not in values:
            values[name] = str(getattr(lead, name) or "")
    return values


def _profile_lines(lead: Lead) -> Iterable[tuple[str, str]]:
    for source in (lead.profile, lead.answers):
        for key, value in sorted(source.items()):
            if value not in (None, ""):
                yield key.replace("_", " ").capitalize(), str(value)


def lead_csv(lead: Lead, assignment: Assignment, timezone: str) -> bytes:
    """A header and one row; profile attributes and answers follow the fixed columns."""
    values = lead_values(lead, assignment, timezone)
    extra = list(_profile_lines(lead))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _, label in LEAD_FIELDS] + [label for label, _ in extra])
    writer.writerow(
        [csv_cell(values[name]) for name, _ in LEAD_FIELDS] + [csv_cell(v) for _, v in extra]
    )
    return buffer.getvalue().encode("utf-8-sig")


def lead_pdf(lead: Lead, assignment: Assignment, timezone: str) -> bytes:
    """One page: the lead's contact, company, source, qualification and deadlines."""
    values = lead_values(lead, assignment, timezone)
    from fpdf import FPDF  # a third of a fresh process's first request when imported at load

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=15)
    pdf.cell(0, 10, _latin1(f"Lead #{lead.pk}: {lead.company or lead.email}"), new_x="LMARGIN")
    pdf.ln(12)
    pdf.set_font("Helvetica", size=10)
    rows = [(label, values[name]) for name, label in LEAD_FIELDS] + list(_profile_lines(lead))
    for label, value in rows:
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.cell(50, 6, _latin1(label))
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 6, _latin1(value) or "-", new_x="LMARGIN")
    return bytes(pdf.output())


def _latin1(text: str) -> str:
    """The PDF's built-in font covers Latin-1; other characters become '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")
