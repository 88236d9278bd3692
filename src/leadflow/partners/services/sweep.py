"""The SLA sweep (DESIGN.md, "Follow-up SLA"): every missed clock reassigns its lead, takes it
from the partner, records a violation, warns the partner and its manager, and disables the
partner's lead flow at the program's threshold.

Set-based and safe to run in several workers at once: each batch is one transaction that reads
only the assignments whose earliest running deadline has passed (``next_due``, a partial
index), locks them with their leads skipping rows another worker holds (``SKIP LOCKED`` on
PostgreSQL), and writes everything with a fixed number of statements per batch. Its cost
follows the number of overdue leads, not the number of leads.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction

from leadflow.core.sla import (
    Consequence,
    missed_clock,
    pending_due,
    violation_consequence,
    violation_window_start,
)
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.services import LeadStep
from leadflow.lib.rows import rows_insert, rows_update
from leadflow.partners.models import Assignment, EndReason, FlowChange, Partner, Violation
from leadflow.partners.policies import program_terms
from leadflow.partners.selectors import assignment_times
from leadflow.partners.services.pool import PartnerPool, skip_locked
from leadflow.partners.services.routing import assign_leads
from leadflow.programs.models import Program

#: What the sweep reads of an overdue assignment and its lead: what the clocks, the routing
#: and the history need. The lead's answers, profile and explanation (JSON decoded in Python)
#: and the assignment's routing explanation are left in the database: a third of the batch's
#: read was decoding them (issue 18, item 4).
_SWEPT = (
    *(f.name for f in Assignment._meta.concrete_fields if f.name != "routing"),
    *(
        f"lead__{name}"
        for name in (
            "id", "program", "status", "rating", "country", "subdivision", "postal_code",
            "updated_at",
        )
    ),
)  # fmt: skip

#: Overdue assignments per transaction. Each batch reads the client's partner pool again and
#: holds the partners' locks until it commits. 5,000 saved 4 % of the CPU at 1,000,000 leads
#: but changed who gets what in a burst (a partner reaching its threshold anywhere in the batch
#: gets none of the batch's leads): kept at 1,000, the results as before.
BATCH = 1000


@dataclass
class SweepResult:
    violations: int = 0
    reassigned: int = 0
    queued: int = 0
    flows_disabled: int = 0
    batches: int = 0
    partners_disabled: list[int] = field(default_factory=list)

    def add(self, other: "SweepResult") -> None:
        self.violations += other.violations
        self.reassigned += other.reassigned
        self.queued += other.queued
        self.flows_disabled += other.flows_disabled
        self.batches += other.batches
        self.partners_disabled += other.partners_disabled


def sla_sweep(*, now: datetime, limit: int = BATCH) -> SweepResult:
    """Handle every missed clock at ``now``, ``limit`` assignments per transaction, until none
    is left that another worker is not already handling."""
    total = SweepResult()
    while True:
        result, examined = _sweep_batch(now, limit)
        total.add(result)
        if examined < limit:
            return total


def _sweep_batch(now: datetime, limit: int) -> tuple[SweepResult, int]:
    with transaction.atomic():
        due = list(
            Assignment.objects.filter(next_due__lt=now)
            .select_related("lead")
            .only(*_SWEPT)
            .order_by("next_due", "id")
            .select_for_update(of=("self", "lead"), **skip_locked())[:limit]
        )
        if not due:
            return SweepResult(), 0
        programs = Program.objects.in_bulk({a.lead.program_id for a in due})
        for assignment in due:  # the batch's few programs, read once, not once per lead
            assignment.lead.program = programs[assignment.lead.program_id]
        missed, stale = [], []
        for assignment in due:
            clock = missed_clock(assignment_times(assignment), now)
            if clock is not None and clock.due is not None:
                missed.append((assignment, clock.name.value, clock.due))
            else:  # a stale next_due (nothing is running late): put it right, never loop on it
                assignment.next_due = pending_due(assignment_times(assignment))
                stale.append(assignment)
        rows_update(stale, ["next_due"])  # one statement for all, as for everything else
        result = _handle(missed, now)
        result.batches = 1
        return result, len(due)


def _handle(missed: list[tuple[Assignment, str, datetime]], now: datetime) -> SweepResult:
    result = SweepResult()
    if not missed:
        return result
    Assignment.objects.filter(pk__in=[a.pk for a, _, _ in missed]).update(
        ended_at=now, end_reason=EndReason.VIOLATION, next_due=None
    )
    pool = PartnerPool({a.lead.program.client_id for a, _, _ in missed}, now)
    terms = program_terms(program_ids={a.lead.program_id for a, _, _ in missed})
    wanted = {a.partner_id for a, _, _ in missed}
    partners = {pid: pool.partners[pid] for pid in wanted if pid in pool.partners}
    partners.update(  # inactive partners are not in the pool, but their violations count too
        (partner.pk, partner)
        for partner in Partner.objects.filter(pk__in=wanted - set(partners))
        .order_by("id")
        .select_for_update()
    )
    counts = _recent_violations(partners, max(t.violation_window_days for t in terms.values()), now)
    violations: list[Violation] = []
    events: list[LeadStep] = []
    disabled: list[Partner] = []
    for assignment, clock, due in missed:
        partner = partners[assignment.partner_id]
        program_terms_ = terms[assignment.lead.program_id]
        start = violation_window_start(
            now=now, terms=program_terms_, flow_enabled_at=partner.flow_enabled_at
        )
        counts[partner.pk].append(now)
        in_window = sum(1 for at in counts[partner.pk] if at >= start)
        consequence = violation_consequence(violations_in_window=in_window, terms=program_terms_)
        if consequence is Consequence.FLOW_DISABLED and partner.flow_enabled:
            partner.flow_enabled = False
            disabled.append(partner)
            pool.disable(partner.pk)
        violations.append(
            Violation(
                partner=partner,
                assignment=assignment,
                lead=assignment.lead,
                clock=clock,
                due=due,
                detected_at=now,
                consequence=consequence.value,
            )
        )
        events.append(
            LeadStep(
                lead=assignment.lead,
                kind=EventKind.VIOLATION,
                details={
                    "partner": partner.pk,
                    "clock": clock,
                    "due": due.isoformat(),
                    "consequence": consequence.value,
                },
                reason=f"{partner.name} missed the {clock.replace('_', '-')} deadline",
            )
        )
    rows_insert(violations)  # one COPY on PostgreSQL, the ids set
    if disabled:
        Partner.objects.filter(pk__in=[p.pk for p in disabled]).update(flow_enabled=False)
        FlowChange.objects.bulk_create(
            FlowChange(
                partner=partner,
                enabled=False,
                note="violation threshold reached: lead flow disabled until a manager "
                "re-enables it",
                at=now,
            )
            for partner in disabled
        )
    leads: list[Lead] = [assignment.lead for assignment, _, _ in missed]
    routed = assign_leads(
        leads=leads,
        pool=pool,
        now=now,
        actor=None,
        reason="a clock was missed",
        steps_before=events,
        notify=False,
    )
    _notify_later(
        assignment_ids=[r.assignment_id for r in routed if r.assignment_id is not None],
        violation_ids=[violation.pk for violation in violations],
    )
    result.violations = len(violations)
    result.reassigned = sum(1 for r in routed if r.status == "assigned")
    result.queued = sum(1 for r in routed if r.status == "queued")
    result.flows_disabled = len(disabled)
    result.partners_disabled = [p.pk for p in disabled]
    return result


def _recent_violations(
    partners: dict[int, Partner], window_days: int, now: datetime
) -> dict[int, list[datetime]]:
    """When each partner's violations of the longest window were detected, in one query."""
    since = now - timedelta(days=window_days)
    found: dict[int, list[datetime]] = defaultdict(list)
    for partner_id, at in Violation.objects.filter(
        partner_id__in=list(partners), detected_at__gte=since
    ).values_list("partner_id", "detected_at"):
        found[partner_id].append(at)
    return found


def _notify_later(*, assignment_ids: list[int], violation_ids: list[int]) -> None:
    """The batch's e-mails are built by a task queued in this transaction (the database task
    backend commits it with the sweep's changes), so the sweep holds its locks only for the
    changes themselves; the task skips what is already in the outbox."""
    from leadflow.partners.tasks import partner_notifications_task

    partner_notifications_task.enqueue(assignment_ids=assignment_ids, violation_ids=violation_ids)
