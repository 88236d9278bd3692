"""Rules against the model (issue 19; docs/REPORTS.md, "Rules vs model"): for each program in
the user's scope, how well the rule score and the predicted probability of its switched-on
model told the leads that converted from those that did not, on the outcomes of the last 90
days. Both are measured on the same leads: those with an outcome in the window and a
prediction by a switched-on model (the others are counted, not compared). The figures are
``core.scoring.compare``'s.

An outcome is the one training learns from (``scoring.labels``, per hand-off mode): closed won,
or delivered and kept past the dispute window, converted; closed lost, disqualified after
contact, or a dispute upheld did not; a lead disqualified before anyone spoke to it, or
delivered and still inside its window, has no outcome yet. Its day is the day the lead last
entered its status (its history). Four queries whatever the number of programs and leads: the
scope, the programs' dispute windows, the leads with their outcome, outcome day and
prediction, the switched-on models.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import OuterRef, Subquery

from leadflow.accounts.models import User
from leadflow.core.scoring.compare import Comparison, rules_vs_model
from leadflow.leads.models import Lead, LeadEvent
from leadflow.programs.models import Program
from leadflow.reports.selectors.common import report_scope
from leadflow.scoring.labels import outcomes_of
from leadflow.scoring.models import LeadPrediction, ScoringModel

#: The outcomes the comparison reads: those of the last this many days.
WINDOW_DAYS = 90
#: Who reads it, and which programs: the funnel report's readers and scope (conversion).
SCOPE_OF = "funnel"


@dataclass(frozen=True)
class ProgramComparison:
    program: Program
    #: The model whose predictions are compared (the program's own, else its client's).
    model: ScoringModel | None
    comparison: Comparison
    #: Outcomes in the window without a prediction of a switched-on model: not compared.
    unpredicted: int = 0


@dataclass(frozen=True)
class RulesVsModel:
    since: datetime
    until: datetime
    programs: list[Program]
    rows: list[ProgramComparison] = field(default_factory=list)


def rules_vs_model_report(*, user: User, program_slug: str | None, now: datetime) -> RulesVsModel:
    """The comparison per program in scope (``Program.DoesNotExist``, a 404, for a program
    outside it or a user who does not read the funnel)."""
    programs = report_scope(user=user, name=SCOPE_OF, program_slug=program_slug).programs
    since = now - timedelta(days=WINDOW_DAYS)
    outcome_day = (
        LeadEvent.objects.filter(lead=OuterRef("pk"), to_status=OuterRef("status"))
        .order_by("-at", "-id")
        .values("at")[:1]
    )
    predicted = LeadPrediction.objects.filter(lead=OuterRef("pk"), model__active=True)
    in_scope = Lead.objects.filter(program__in=[program.pk for program in programs])
    rows = (
        outcomes_of(in_scope, programs=programs, now=now)
        .annotate(
            outcome_at=Subquery(outcome_day),
            probability=Subquery(predicted.values("probability")[:1]),
            window_end=Subquery(predicted.values("model__window_end")[:1]),
        )
        .filter(outcome_at__gte=since, outcome_at__lte=now)
        .order_by()
        .values_list("program_id", "converted", "score", "probability", "outcome_at", "window_end")
    )
    by_program: dict[int, list[tuple[float, float, bool, bool]]] = defaultdict(list)
    unpredicted: dict[int, int] = defaultdict(int)
    for program_id, converted, score, probability, outcome_at, window_end in rows:
        if probability is None:
            unpredicted[program_id] += 1
            continue
        seen = window_end is not None and outcome_at <= window_end
        by_program[program_id].append((float(score), float(probability), bool(converted), seen))
    models = _models(programs)
    report = RulesVsModel(since=since, until=now, programs=programs)
    for program in programs:
        leads = by_program.get(program.pk, [])
        report.rows.append(
            ProgramComparison(
                program=program,
                model=models.get(program.pk),
                comparison=rules_vs_model(
                    [lead[0] for lead in leads],
                    [lead[1] for lead in leads],
                    [lead[2] for lead in leads],
                    seen_in_training=sum(1 for lead in leads if lead[3]),
                ),
                unpredicted=unpredicted.get(program.pk, 0),
            )
        )
    return report


def _models(programs: list[Program]) -> dict[int, ScoringModel]:
    """Each program's switched-on model: its own, else its client's (one query)."""
    found = list(
        ScoringModel.objects.filter(
            active=True, client_id__in={program.client_id for program in programs}
        )
    )
    own = {model.program_id: model for model in found if model.program_id is not None}
    clients = {model.client_id: model for model in found if model.program_id is None}
    return {
        program.pk: model
        for program in programs
        if (model := own.get(program.pk) or clients.get(program.client_id)) is not None
    }
