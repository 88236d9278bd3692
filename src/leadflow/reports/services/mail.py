"""Scheduled report e-mails (docs/REPORTS.md, "Report e-mails"; issue 16 item 4).

- **Weekly summary** to each sales manager with programs in scope: the week Monday to Monday
  that ended last (dates as each client's days), per program the funnel's headline and the QA
  approval rate against the week before, and the partners' deal registrations where the
  program had any in either week; the funnel, qualifying and registrations tables attached
  (CSV and XLSX).
- **Monthly deliverables statement** to each client contact: the calendar month that ended
  last, the deliverables' headline per program; its tables attached.

The periodic job ``reports.mail_due`` runs every hour and queues, through the outbox, the
e-mails of the last period that have not gone yet (``MailSent``: one per recipient, kind and
period, so a second run or a second scheduler sends nothing twice), up to a week after the
period ended (a recipient turning theirs back on is not sent a stale one). A recipient turns
theirs off on the page ``/reports/mail/`` (``MailOptOut``), linked from every e-mail.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from leadflow.accounts.models import Role, User
from leadflow.core.reports import Period
from leadflow.notifications.services import Attachment, email_enqueue
from leadflow.programs.models import Program
from leadflow.reports.exports import report_csv, report_xlsx
from leadflow.reports.models import MailKind, MailOptOut, MailSent
from leadflow.reports.selectors.common import Report
from leadflow.reports.services.run import report_run

#: How long after its period ends a scheduled e-mail may still go.
SEND_WITHIN = timedelta(days=7)

#: Per kind: the role that receives it and the tables it carries, each a report and its
#: ``by`` ("": the report's own table; a section's ``by`` is carried only where it has rows).
MAILINGS: dict[str, tuple[Role, tuple[tuple[str, str], ...]]] = {
    MailKind.WEEKLY: (
        Role.MANAGER,
        (("funnel", ""), ("qualifying", ""), ("partners", "registrations")),
    ),
    MailKind.MONTHLY: (Role.CLIENT, (("deliverables", ""),)),
}
#: The heading of a section carried alone.
SECTION_TITLES = {"registrations": "Deal registrations"}


@dataclass(frozen=True, slots=True)
class MailResult:
    sent: int
    skipped_opted_out: int


def mail_period(kind: str, today: date) -> Period:
    """The last whole period of ``kind`` before ``today``: the week Monday to Monday, or the
    calendar month."""
    if kind == MailKind.WEEKLY:
        end = today - timedelta(days=today.weekday())
        return Period(end - timedelta(days=7), end)
    end = today.replace(day=1)
    start = (end - timedelta(days=1)).replace(day=1)
    return Period(start, end)


def mail_opt_set(*, user: User, kind: str, wanted: bool, now: datetime) -> None:
    """Turn one scheduled e-mail on or off for the user."""
    if kind not in MailKind.values:
        raise ValueError(f"no report e-mail {kind!r}")
    if wanted:
        MailOptOut.objects.filter(user=user, kind=kind).delete()
    else:
        MailOptOut.objects.get_or_create(user=user, kind=kind, defaults={"at": now})


def mail_recipients(kind: str) -> list[User]:
    role, _ = MAILINGS[kind]
    return list(
        User.objects.filter(is_active=True, groups__name=role.value)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.0%}" if 0 <= value <= 1 else f"{value:.1f}"
    if isinstance(value, dict):
        return ", ".join(f"{amount} {currency}" for currency, amount in value.items()) or "—"
    return "—" if value is None else str(value)


def headline(report: Report, previous: Report) -> list[str]:
    """The report's totals in plain words, each with the previous period's value."""
    labels = {column.key: column.label for column in report.columns}
    lines = []
    for key, value in report.totals.items():
        if isinstance(value, (list, tuple)):
            continue
        label = labels.get(key) or _total_label(report, key)
        before = previous.totals.get(key)
        lines.append(f"  {label}: {_number(value)} (before: {_number(before)})")
    return lines


def _total_label(report: Report, key: str) -> str:
    for row in report.rows:
        if row.get("step") == key and "label" in row:
            return str(row["label"])
    return key.replace("_", " ").capitalize()


def _period_words(period: Period) -> str:
    last = period.end - timedelta(days=1)
    return f"{period.start:%-d %B %Y} to {last:%-d %B %Y}"


def _compose(
    user: User, kind: str, period: Period, programs: Sequence[Program], today: date
) -> tuple[str, list[Attachment]] | None:
    _, names = MAILINGS[kind]
    lines: list[str] = []
    attachments: list[Attachment] = []
    for program in programs:
        lines.append(f"{program.name} ({program.client.name})")
        for name, by in names:
            try:
                ran = report_run(
                    user=user, name=name, program_slug=program.slug, start=period.start,
                    end=period.end, by=by, today=today,
                )  # fmt: skip
            except Program.DoesNotExist:
                continue
            before = report_run(
                user=user, name=name, program_slug=program.slug,
                start=period.previous().start, end=period.start, by=by, today=today,
            )  # fmt: skip
            if by and not ran.report.rows and not before.report.rows:
                continue
            lines.append(f" {SECTION_TITLES.get(by) or ran.report.name.capitalize()}")
            lines.extend(headline(ran.report, before.report))
            stem = f"{program.slug}-{by or name}-{period.start:%Y-%m-%d}"
            attachments.append(Attachment(f"{stem}.csv", report_csv(ran.report), "text/csv"))
            attachments.append(
                Attachment(
                    f"{stem}.xlsx",
                    report_xlsx(ran.report, sheet=SECTION_TITLES.get(by) or name),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            )
        lines.append("")
    if not attachments:
        return None
    link = f"{settings.SITE_URL}{reverse('reports:mail')}"
    label = "week" if kind == MailKind.WEEKLY else "month"
    body = "\n".join(
        [
            f"Hello {user.get_full_name() or user.username},",
            "",
            f"Your LeadFlow {label}: {_period_words(period)} (each client's days), against the"
            f" {label} before.",
            "",
            *lines,
            "The tables are attached (CSV and Excel).",
            "",
            f"Turn this e-mail off: {link}",
        ]
    )
    return body, attachments


def mail_due(*, now: datetime) -> MailResult:
    """Queue the scheduled report e-mails of the last period that have not gone yet."""
    today = now.date()
    sent = skipped = 0
    for kind in MAILINGS:
        period = mail_period(kind, today)
        if today - period.end >= SEND_WITHIN:
            continue
        done = set(
            MailSent.objects.filter(kind=kind, period_start=period.start).values_list(
                "user_id", flat=True
            )
        )
        off = set(MailOptOut.objects.filter(kind=kind).values_list("user_id", flat=True))
        for user in mail_recipients(kind):
            if user.pk in done:
                continue
            if user.pk in off:
                skipped += 1
                continue
            sent += _send_one(user, kind, period, now)
    return MailResult(sent, skipped)


def _send_one(user: User, kind: str, period: Period, now: datetime) -> int:
    from leadflow.programs.selectors import program_list

    programs = list(program_list(user=user).order_by("client__name", "name"))
    composed = _compose(user, kind, period, programs, now.date())
    if composed is None:
        return 0
    body, attachments = composed
    key = f"report-mail:{kind}:{user.pk}:{period.start.isoformat()}"
    label = "Weekly summary" if kind == MailKind.WEEKLY else "Monthly deliverables"
    try:
        with transaction.atomic():
            MailSent.objects.create(
                user=user,
                kind=kind,
                period_start=period.start,
                period_end=period.end,
                at=now,
                outbox_key=key,
            )
            email_enqueue(
                key=key,
                to=[user.email],
                subject=f"LeadFlow: {label.lower()}, {_period_words(period)}",
                body=body,
                attachments=attachments,
                now=now,
            )
    except IntegrityError:
        return 0  # another run sent it first
    return 1
