"""Benchmark of the qualification engine (DESIGN.md, "Qualification"; STYLE.md, bench/).

Qualifies 100,000 random leads with the default criteria, a third of them with engagement
events, and records the rate in docs/PERFORMANCE.md under "## Qualification engine". The
answer sets are generated (and parsed) before the clock starts: only ``qualify`` is timed, in
CPU time (``time.process_time``: the machine is shared), on one core.

Beside it, in the same run: the same leads qualified again with their explanations read (what a
service storing the result does), and the baseline — what no engine can beat on these inputs:
per lead, reading the answer values the criteria look at and one dictionary lookup of a
ready result. The goal (issue 18, item 6): at least 150,000 leads/s. Then the same leads on the
default criteria with two prediction point rules (issue 19: "predicted at least 40 % → +20",
"at most 10 % → -15"), each lead with a predicted chance, without and with the explanation read.

Run with ``uv run python bench/qualify.py`` (``--quick``: 20,000 leads).
"""

import json
import platform
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta

from _lib import record_line

from leadflow.core.criteria import QualifyingCriteria, default_criteria
from leadflow.core.qualification import EngagementEvent, parse_answers, qualify

LEADS = 100_000
GOAL = 150_000
SEED = 2026
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
HEADING = "## Qualification engine"

Lead = tuple[dict[str, object], tuple[EngagementEvent, ...]]


def random_leads(rng: random.Random, count: int) -> list[Lead]:
    criteria = default_criteria()
    choices = {
        question.key: [*question.choice_values, None]
        for question in criteria.questions
        if question.choice_values
    }
    kinds = ["email_click", "form_fill", "reply", "page_view"]
    leads: list[Lead] = []
    for _ in range(count):
        raw: dict[str, object] = {key: rng.choice(values) for key, values in choices.items()}
        raw["timeframe_months"] = None if rng.random() < 0.2 else rng.randint(0, 24)
        engagement = tuple(
            EngagementEvent(rng.choice(kinds), NOW - timedelta(days=rng.uniform(0, 180)))
            for _ in range(rng.choice([0, 0, 1, 3]))
        )
        leads.append((parse_answers(criteria, raw), engagement))
    return leads


def predicting_criteria() -> QualifyingCriteria:
    """The default criteria with two prediction point rules."""
    data = json.loads(default_criteria().to_json())
    data["point_rules"] = [
        *data["point_rules"],
        {"label": "Likely to convert", "source": "prediction", "key": "probability",
         "min_value": 40, "points": 20},
        {"label": "Unlikely to convert", "source": "prediction", "key": "probability",
         "max_value": 10, "points": -15},
    ]  # fmt: skip
    return QualifyingCriteria.from_dict(data)


def record(line: str) -> None:
    record_line(HEADING, line)


def _rate(count: int, seconds: float) -> float:
    return count / max(seconds, 1e-9)


def main() -> None:
    count = 20_000 if "--quick" in sys.argv else LEADS
    criteria = default_criteria()
    leads = random_leads(random.Random(SEED), count)
    keys = [q.key for q in criteria.questions]
    ready = {tuple(map(answers.get, keys)): None for answers, _ in leads}

    started = time.process_time()
    for answers, _ in leads:
        ready.get(tuple(map(answers.get, keys)))
    baseline = _rate(count, time.process_time() - started)

    started = time.process_time()
    for answers, engagement in leads:
        qualify(criteria, answers, engagement=engagement, now=NOW)
    rate = _rate(count, time.process_time() - started)

    started = time.process_time()
    for answers, engagement in leads:
        qualify(criteria, answers, engagement=engagement, now=NOW).explanation  # noqa: B018
    explained = _rate(count, time.process_time() - started)

    predicting = predicting_criteria()
    chance_rng = random.Random(SEED + 1)
    chances = [chance_rng.random() for _ in leads]
    started = time.process_time()
    for (answers, engagement), chance in zip(leads, chances, strict=True):
        qualify(predicting, answers, engagement=engagement, now=NOW, predicted=chance)
    predicted = _rate(count, time.process_time() - started)

    started = time.process_time()
    for (answers, engagement), chance in zip(leads, chances, strict=True):
        qualify(  # noqa: B018
            predicting, answers, engagement=engagement, now=NOW, predicted=chance
        ).explanation
    predicted_explained = _rate(count, time.process_time() - started)

    verdict = "met" if min(rate, predicted) >= GOAL else "not met"
    summary = (
        f"{count:,} leads, {rate:,.0f} leads/s (CPU time, one core); with the explanation read "
        f"{explained:,.0f} leads/s; with prediction rules and a predicted chance each "
        f"{predicted:,.0f} leads/s, explanation read {predicted_explained:,.0f} leads/s; "
        f"baseline (a ready result looked up per lead) {baseline:,.0f} leads/s, ratio "
        f"{rate / baseline:.2f}; goal ≥ {GOAL:,} {verdict}"
    )
    print(f"qualify: {summary}")
    machine = platform.processor() or platform.machine()
    record(
        f"- {date.today().isoformat()} {platform.node()} ({machine}, Python "
        f"{platform.python_version()}): {summary}"
    )


if __name__ == "__main__":
    main()
