"""Benchmark of the qualification engine (DESIGN.md, "Qualification"; STYLE.md, bench/).

Qualifies 100,000 random leads with the default criteria, a third of them with engagement
events, and records the rate in docs/PERFORMANCE.md under "## Qualification engine". The
answer sets are generated (and parsed) before the clock starts: only ``qualify`` is timed.

Run with ``uv run python bench/qualify.py``.
"""

import platform
import random
import time
from datetime import UTC, date, datetime, timedelta

from _lib import record_line

from leadflow.core.criteria import default_criteria
from leadflow.core.qualification import EngagementEvent, parse_answers, qualify

LEADS = 100_000
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


def record(line: str) -> None:
    record_line(HEADING, line)


def main() -> None:
    criteria = default_criteria()
    leads = random_leads(random.Random(SEED), LEADS)
    started = time.perf_counter()
    for answers, engagement in leads:
        qualify(criteria, answers, engagement=engagement, now=NOW)
    seconds = time.perf_counter() - started
    rate = LEADS / seconds
    print(f"qualify: {LEADS} leads in {seconds:.2f} s = {rate:,.0f} leads/s")
    machine = platform.processor() or platform.machine()
    record(
        f"- {date.today().isoformat()} {platform.node()} ({machine}, Python "
        f"{platform.python_version()}): {LEADS:,} leads, {rate:,.0f} leads/s"
    )


if __name__ == "__main__":
    main()
