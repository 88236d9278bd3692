"""The daily rollups (docs/REPORTS.md, "Summary tables"): what the dashboards read.

Each rollup row sums one program's leads created on one day (in its client's timezone; for
the nurture rollups, the touches done, and the enrollments entered or left, that day). A
refresh recomputes the rows of the (program, day) pairs whose leads it folded, from the
per-lead tables, set-based: one ``DELETE`` and one ``INSERT … SELECT … GROUP BY`` per rollup,
whatever the number of leads; the rebuild recomputes every row the same way. So a rollup always
equals a regrouping of the per-lead tables, which are a pure function of the history.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import connection

from leadflow.core.handoff import HOT_LIMIT, HOT_TARGET
from leadflow.core.reports import FUNNEL_BREAKDOWNS, FUNNEL_STEPS
from leadflow.leads.models import Lead
from leadflow.partners.models import (
    Assignment,
    Decline,
    Outcome,
    RegistrationStatus,
    Violation,
)
from leadflow.partners.services.registrations import REFUSAL_CLASSES
from leadflow.reports.models import (
    ROLLUPS,
    STEP_COLUMNS,
    DurationDay,
    DurationMeasure,
    EnrollmentFact,
    FunnelDay,
    HotDay,
    LeadFact,
    PartnerDay,
    QualifierDay,
    RatingDay,
    RatingMark,
    ReasonDay,
    RegistrationDay,
    RegistrationFact,
    RevenueDay,
    ReviewDecision,
    SequenceDay,
    StatusSpan,
    TouchDay,
    TouchFact,
)

#: The funnel's breakdowns, each a column of ``LeadFact`` ("" : the day's leads together).
BREAKDOWNS = ("", *FUNNEL_BREAKDOWNS)
#: (program, day) pairs recomputed per statement (the databases' parameter limits).
PAIRS_PER_STATEMENT = 400

#: A funnel step's column in ``LeadFact`` (``inquiry``: every lead).
_REACHED = {
    "lead": "lead_at",
    "opportunity": "opportunity_at",
    "qualified_opportunity": "qualified_at",
    "approved": "approved_at",
    "handed_off": "handed_off_at",
    "won": "won_at",
}

Pairs = Iterable[tuple[int, date]]


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model: Any) -> str:
    return _q(model._meta.db_table)


def _where(
    pairs: list[tuple[int, date]] | None, day: str, alias: str = ""
) -> tuple[str, list[Any]]:
    """The rows of these (program, day) pairs (every row when ``None``), of the table
    ``alias`` when given."""
    prefix = f"{alias}." if alias else ""
    if pairs is None:
        return "1 = 1", []
    days: dict[int, list[date]] = defaultdict(list)
    for program_id, each in pairs:
        days[program_id].append(each)
    parts: list[str] = []
    params: list[Any] = []
    for program_id, listed in sorted(days.items()):
        marks = ", ".join(["%s"] * len(listed))
        parts.append(f"({prefix}{_q('program_id')} = %s AND {prefix}{_q(day)} IN ({marks}))")
        params.append(program_id)
        params.extend(connection.ops.adapt_datefield_value(each) for each in sorted(listed))
    return " OR ".join(parts) or "1 = 0", params


def _funnel(facts: tuple[str, list[Any]]) -> list[tuple[str, list[Any]]]:
    where, params = facts
    steps = ", ".join(_q(step) for step in FUNNEL_STEPS)
    counts = ", ".join(["COUNT(*)", *(f"COUNT({_q(_REACHED[step])})" for step in FUNNEL_STEPS[1:])])
    statements = []
    for breakdown in BREAKDOWNS:
        value = _q(breakdown) if breakdown else "''"
        group = f", {value}" if breakdown else ""
        statements.append(
            (
                f"INSERT INTO {_table(FunnelDay)} ({_q('program_id')}, {_q('day')}, "
                f"{_q('breakdown')}, {_q('value')}, {steps}) "
                f"SELECT {_q('program_id')}, {_q('created_day')}, '{breakdown}', {value}, "
                f"{counts} FROM {_table(LeadFact)} WHERE {where} "
                f"GROUP BY {_q('program_id')}, {_q('created_day')}{group}",
                params,
            )
        )
        statements.append(
            (
                f"INSERT INTO {_table(RevenueDay)} ({_q('program_id')}, {_q('day')}, "
                f"{_q('breakdown')}, {_q('value')}, {_q('currency')}, {_q('amount')}) "
                f"SELECT {_q('program_id')}, {_q('created_day')}, '{breakdown}', {value}, "
                f"{_q('won_currency')}, SUM({_q('won_amount')}) FROM {_table(LeadFact)} "
                f"WHERE ({where}) AND {_q('won_amount')} IS NOT NULL "
                f"GROUP BY {_q('program_id')}, {_q('created_day')}{group}, {_q('won_currency')}",
                params,
            )
        )
    return statements


def _qualifiers(
    facts: tuple[str, list[Any]], decisions: tuple[str, list[Any]]
) -> list[tuple[str, list[Any]]]:
    fact_where, fact_params = facts
    decision_where, decision_params = decisions
    key = f"{_q('program_id')}, {_q('day')}, {_q('qualifier_id')}"
    approved = _q("approved")
    merged = (
        f"INSERT INTO {_table(QualifierDay)} ({key}, {_q('leads')}, {_q('calls')}, "
        f"{_q('decisions')}, {_q('approvals')}, {_q('pushbacks')}) "
        f"SELECT {key}, SUM(leads), SUM(calls), SUM(decisions), SUM(approvals), SUM(pushbacks) "
        f"FROM (SELECT {_q('program_id')}, {_q('created_day')} AS {_q('day')}, "
        f"{_q('qualifier_id')}, COUNT(*) AS leads, SUM({_q('calls')}) AS calls, "
        f"0 AS decisions, 0 AS approvals, 0 AS pushbacks FROM {_table(LeadFact)} "
        f"WHERE {fact_where} GROUP BY {_q('program_id')}, {_q('created_day')}, "
        f"{_q('qualifier_id')} "
        f"UNION ALL SELECT {_q('program_id')}, {_q('lead_created_day')}, {_q('qualifier_id')}, "
        f"0, 0, COUNT(*), SUM(CASE WHEN {approved} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {approved} THEN 0 ELSE 1 END) FROM {_table(ReviewDecision)} "
        f"WHERE {decision_where} GROUP BY {_q('program_id')}, {_q('lead_created_day')}, "
        f"{_q('qualifier_id')}) AS parts GROUP BY {key}"
    )
    reasons = (
        f"INSERT INTO {_table(ReasonDay)} ({key}, {_q('reason')}, {_q('count')}) "
        f"SELECT {_q('program_id')}, {_q('lead_created_day')}, {_q('qualifier_id')}, "
        f"{_q('reason')}, COUNT(*) FROM {_table(ReviewDecision)} "
        f"WHERE ({decision_where}) AND NOT {approved} "
        f"GROUP BY {_q('program_id')}, {_q('lead_created_day')}, {_q('qualifier_id')}, "
        f"{_q('reason')}"
    )
    return [(merged, fact_params + decision_params), (reasons, decision_params)]


def _ratings(marks: tuple[str, list[Any]]) -> list[tuple[str, list[Any]]]:
    where, params = marks
    return [
        (
            f"INSERT INTO {_table(RatingDay)} ({_q('program_id')}, {_q('day')}, "
            f"{_q('criteria_version')}, {_q('rating')}, {_q('count')}) "
            f"SELECT {_q('program_id')}, {_q('lead_created_day')}, {_q('criteria_version')}, "
            f"{_q('rating')}, COUNT(*) FROM {_table(RatingMark)} WHERE {where} "
            f"GROUP BY {_q('program_id')}, {_q('lead_created_day')}, {_q('criteria_version')}, "
            f"{_q('rating')}",
            params,
        )
    ]


def _durations(
    facts: tuple[str, list[Any]], spans: tuple[str, list[Any]]
) -> list[tuple[str, list[Any]]]:
    """Each histogram in two groupings: the values per step first (a few rows a day), then
    one row a day with a column per step."""
    fact_where, fact_params = facts
    span_where, span_params = spans
    parts = []
    params: list[Any] = []
    for measure, step in (
        (DurationMeasure.FIRST_CALL, "first_call_step"),
        (DurationMeasure.SUBMISSION, "submission_step"),
    ):
        parts.append(
            f"SELECT {_q('program_id')}, {_q('created_day')} AS {_q('day')}, "
            f"'{measure.value}' AS measure, {_q('qualifier_id')}, '' AS status, "
            f"{_q(step)} AS step, COUNT(*) AS n FROM {_table(LeadFact)} "
            f"WHERE ({fact_where}) AND {_q(step)} IS NOT NULL "
            f"GROUP BY {_q('program_id')}, {_q('created_day')}, {_q('qualifier_id')}, {_q(step)}"
        )
        params.extend(fact_params)
    parts.append(
        f"SELECT {_q('program_id')}, {_q('lead_created_day')}, "
        f"'{DurationMeasure.STATUS.value}', NULL, {_q('status')}, {_q('step')}, COUNT(*) "
        f"FROM {_table(StatusSpan)} WHERE ({span_where}) AND {_q('step')} IS NOT NULL "
        f"GROUP BY {_q('program_id')}, {_q('lead_created_day')}, {_q('status')}, {_q('step')}"
    )
    params.extend(span_params)
    key = f"{_q('program_id')}, {_q('day')}, {_q('measure')}, {_q('qualifier_id')}, {_q('status')}"
    columns = ", ".join(_q(column) for column in STEP_COLUMNS)
    sums = ", ".join(
        f"SUM(CASE WHEN step = {index} THEN n ELSE 0 END)" for index in range(len(STEP_COLUMNS))
    )
    return [
        (
            f"INSERT INTO {_table(DurationDay)} ({key}, {_q('month')}, {_q('count')}, {columns}) "
            f"SELECT {key}, FALSE, SUM(n), {sums} FROM ({' UNION ALL '.join(parts)}) AS parts "
            f"GROUP BY {key}",
            params,
        )
    ]


def _partners(facts: tuple[str, list[Any]]) -> list[tuple[str, list[Any]]]:
    """Each partner's assignments of the days' leads, per territory, counted as
    ``selectors.partners`` defines them (``facts``: the days' condition on ``LeadFact`` as
    ``f``)."""
    where, params = facts
    a, f, lead, v, d = "a", "f", "l", "v", "d"

    def on_time(done: str, due: str) -> str:
        return f"SUM(CASE WHEN {a}.{_q(done)} <= {a}.{_q(due)} THEN 1 ELSE 0 END)"

    def outcome(value: str) -> str:
        return f"SUM(CASE WHEN {a}.{_q('outcome')} = '{value}' THEN 1 ELSE 0 END)"

    columns = (
        "program_id", "day", "partner_id", "country", "subdivision", "assignments", "claimed",
        "claimed_on_time", "contacted", "contact_on_time", "followed_up", "followup_on_time",
        "violations", "declines", "won", "lost",
    )  # fmt: skip
    return [
        (
            f"INSERT INTO {_table(PartnerDay)} ({', '.join(_q(c) for c in columns)}) "
            f"SELECT {f}.{_q('program_id')}, {f}.{_q('created_day')}, {a}.{_q('partner_id')}, "
            f"{lead}.{_q('country')}, {lead}.{_q('subdivision')}, COUNT(*), "
            f"COUNT({a}.{_q('claimed_at')}), {on_time('claimed_at', 'claim_due')}, "
            f"COUNT({a}.{_q('contacted_at')}), {on_time('contacted_at', 'contact_due')}, "
            f"COUNT({a}.{_q('closed_at')}), {on_time('closed_at', 'followup_due')}, "
            f"COUNT({v}.{_q('id')}), COUNT({d}.{_q('id')}), "
            f"{outcome(Outcome.WON.value)}, {outcome(Outcome.LOST.value)} "
            f"FROM {_table(Assignment)} {a} "
            f"JOIN {_table(LeadFact)} {f} ON {f}.{_q('lead_id')} = {a}.{_q('lead_id')} "
            f"JOIN {_table(Lead)} {lead} ON {lead}.{_q('id')} = {a}.{_q('lead_id')} "
            f"LEFT JOIN {_table(Violation)} {v} ON {v}.{_q('assignment_id')} = {a}.{_q('id')} "
            f"LEFT JOIN {_table(Decline)} {d} ON {d}.{_q('assignment_id')} = {a}.{_q('id')} "
            f"WHERE {where} "
            f"GROUP BY {f}.{_q('program_id')}, {f}.{_q('created_day')}, {a}.{_q('partner_id')}, "
            f"{lead}.{_q('country')}, {lead}.{_q('subdivision')}",
            params,
        )
    ]


def _nurture(
    touches: tuple[str, list[Any]], entered: tuple[str, list[Any]], left: tuple[str, list[Any]]
) -> list[tuple[str, list[Any]]]:
    """The nurture touches of the days per sequence and touch, with their responses; and per
    sequence the leads that entered on the days (and re-qualified), the unsubscribes on the
    days."""
    touch_where, touch_params = touches
    entered_where, entered_params = entered
    left_where, left_params = left
    key = f"{_q('program_id')}, {_q('day')}, {_q('sequence_id')}"

    def flag(column: str, value: str = "1", otherwise: str = "0") -> str:
        return f"CASE WHEN {_q(column)} THEN {value} ELSE {otherwise} END"

    counts = ("clicks", "replies", "phone", "form_fills")
    return [
        (
            f"INSERT INTO {_table(TouchDay)} ({key}, {_q('touch_id')}, {_q('sent')}, "
            f"{_q('skipped')}, {_q('responded')}, {', '.join(_q(c) for c in counts)}) "
            f"SELECT {key}, {_q('touch_id')}, SUM({flag('skipped', '0', '1')}), "
            f"SUM({flag('skipped')}), SUM({flag('responded')}), "
            f"{', '.join(f'SUM({_q(c)})' for c in counts)} FROM {_table(TouchFact)} "
            f"WHERE {touch_where} GROUP BY {key}, {_q('touch_id')}",
            touch_params,
        ),
        (
            f"INSERT INTO {_table(SequenceDay)} ({key}, {_q('enrolled')}, {_q('requalified')}, "
            f"{_q('unsubscribed')}) "
            f"SELECT {key}, SUM(enrolled), SUM(requalified), SUM(unsubscribed) FROM ("
            f"SELECT {_q('program_id')}, {_q('entered_day')} AS {_q('day')}, {_q('sequence_id')}, "
            f"1 AS enrolled, {flag('requalified')} AS requalified, 0 AS unsubscribed "
            f"FROM {_table(EnrollmentFact)} WHERE {entered_where} "
            f"UNION ALL SELECT {_q('program_id')}, {_q('left_day')}, {_q('sequence_id')}, 0, 0, 1 "
            f"FROM {_table(EnrollmentFact)} WHERE ({left_where}) AND {_q('unsubscribed')}"
            f") AS parts GROUP BY {key}",
            entered_params + left_params,
        ),
    ]


def _registrations(days: tuple[str, list[Any]]) -> list[tuple[str, list[Any]]]:
    """Each partner's deal registrations of the days, per status, refusal class and outcome
    (``days``: the days' condition on ``RegistrationFact``)."""
    where, params = days

    def count(condition: str) -> str:
        return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    def status(value: str) -> str:
        return count(f"{_q('status')} = '{value}'")

    classes = dict.fromkeys(REFUSAL_CLASSES.values())
    figures = {
        "registered": "COUNT(*)",
        "accepted": status(RegistrationStatus.ACCEPTED.value),
        "refused": status(RegistrationStatus.REFUSED.value),
        **{f"refused_{each}": count(f"{_q('refusal')} = '{each}'") for each in classes},
        "pending": status(RegistrationStatus.PENDING.value),
        "approved": count(_q("approved")),
        "rejected": status(RegistrationStatus.REJECTED.value),
        **{each: count(f"{_q('outcome')} = '{each}'") for each in ("won", "lost", "open")},
    }
    key = f"{_q('program_id')}, {_q('day')}, {_q('partner_id')}"
    return [
        (
            f"INSERT INTO {_table(RegistrationDay)} ({key}, "
            f"{', '.join(_q(column) for column in figures)}) "
            f"SELECT {key}, {', '.join(figures.values())} FROM {_table(RegistrationFact)} "
            f"WHERE {where} GROUP BY {key}",
            params,
        )
    ]


def _hot(facts: tuple[str, list[Any]]) -> list[tuple[str, list[Any]]]:
    """The days' Hot leads approved by QA, by the seconds from capture to their delivery."""
    where, params = facts
    seconds = _q("delivery_seconds")
    target, limit = int(HOT_TARGET.total_seconds()), int(HOT_LIMIT.total_seconds())

    def within(condition: str) -> str:
        return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    columns = ("hot_leads", "within_target", "within_limit", "over_limit", "not_delivered")
    return [
        (
            f"INSERT INTO {_table(HotDay)} ({_q('program_id')}, {_q('day')}, "
            f"{', '.join(_q(c) for c in columns)}) "
            f"SELECT {_q('program_id')}, {_q('created_day')}, COUNT(*), "
            f"{within(f'{seconds} <= {target}')}, "
            f"{within(f'{seconds} > {target} AND {seconds} <= {limit}')}, "
            f"{within(f'{seconds} > {limit}')}, {within(f'{seconds} IS NULL')} "
            f"FROM {_table(LeadFact)} WHERE ({where}) AND {_q('rating')} = 'hot' "
            f"AND {_q('approved_at')} IS NOT NULL "
            f"GROUP BY {_q('program_id')}, {_q('created_day')}",
            params,
        )
    ]


def _month_start(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _months(pairs: list[tuple[int, date]] | None) -> list[tuple[str, list[Any]]]:
    """The month rows of ``DurationDay`` for the months of these pairs, from its day rows."""
    params: list[Any] = []
    if pairs is None:
        where = "1 = 1"
    else:
        parts: list[str] = []
        for program_id, first in sorted({(each, day.replace(day=1)) for each, day in pairs}):
            following = (first + timedelta(days=32)).replace(day=1)
            parts.append(f"({_q('program_id')} = %s AND {_q('day')} >= %s AND {_q('day')} < %s)")
            params += [
                program_id,
                *(connection.ops.adapt_datefield_value(d) for d in (first, following)),
            ]
        where = " OR ".join(parts)
    table = _table(DurationDay)
    rest = f"{_q('measure')}, {_q('qualifier_id')}, {_q('status')}"
    month = _month_start(_q("day"))
    columns = ", ".join(_q(column) for column in (*STEP_COLUMNS,))
    sums = ", ".join(f"SUM({_q(column)})" for column in STEP_COLUMNS)
    return [
        (f"DELETE FROM {table} WHERE {_q('month')} AND ({where})", params),
        (
            f"INSERT INTO {table} ({_q('program_id')}, {_q('day')}, {rest}, {_q('month')}, "
            f"{_q('count')}, {columns}) "
            f"SELECT {_q('program_id')}, {month}, {rest}, TRUE, SUM({_q('count')}), {sums} "
            f"FROM {table} WHERE NOT {_q('month')} AND ({where}) "
            f"GROUP BY {_q('program_id')}, {month}, {rest}",
            params,
        ),
    ]


def _recompute(pairs: list[tuple[int, date]] | None) -> None:
    days = _where(pairs, "day")
    facts = _where(pairs, "created_day")
    details = _where(pairs, "lead_created_day")
    statements = [(f"DELETE FROM {_table(model)} WHERE {days[0]}", days[1]) for model in ROLLUPS]
    statements += _funnel(facts)
    statements += _qualifiers(facts, details)
    statements += _ratings(details)
    statements += _durations(facts, details)
    statements += _months(pairs)
    statements += _hot(facts)
    statements += _partners(_where(pairs, "created_day", alias="f"))
    statements += _nurture(days, _where(pairs, "entered_day"), _where(pairs, "left_day"))
    statements += _registrations(days)
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def rollups_recompute(pairs: Pairs | None = None) -> None:
    """Recompute the rollup rows of these (program, day) pairs from the per-lead tables
    (every row when ``None``). Runs inside the refresh's transaction and lock."""
    if pairs is None:
        _recompute(None)
        return
    listed = sorted(set(pairs))
    for start in range(0, len(listed), PAIRS_PER_STATEMENT):
        _recompute(listed[start : start + PAIRS_PER_STATEMENT])
