"""Benchmark of the criteria editor (issue 17, item 10: "the criteria editor under 500 ms").

Creates one program with ``--leads`` leads (default 20,000, the preview's cap; seeded random
answers, set-based through ``leads_create_bulk``) in a fresh SQLite file and a fresh PostgreSQL
database (``leadflow_bench_criteria`` on the server of ``LEADFLOW_TEST_DATABASE_URL``, skipped
when none answers), then times through Django's test ``Client``, signed in as a sales manager:
the editor (GET), saving the editor's form as a draft with one point rule changed (POST, which
answers with a redirect to the preview), and the preview of that draft on the program's leads
(GET). Each figure is the median of 5 runs in ms (after one warm-up run), appended to
docs/PERFORMANCE.md under "## Criteria editor". The target is under 500 ms each.

Run with ``uv run python bench/criteria_editor.py [--leads N]``.
"""

import random
from datetime import timedelta
from html.parser import HTMLParser

from _lib import (
    bench_answers,
    bench_runs,
    django_setup,
    machine_line,
    median_ms,
    record_line,
)

LEADS = 20_000
BATCH = 5_000
SEED = 2026
RUNS = 5
HEADING = "## Criteria editor"
BENCH_DATABASE = "leadflow_bench_criteria"
STEPS = ("editor", "save draft", "preview")


class _FormFields(HTMLParser):
    """The fields the editor's form would post as it stands (the first form with
    ``editor=form``), as a browser would send them; with ``fragment``, every field of a section
    the editor draws when it is opened."""

    def __init__(self, *, fragment: bool = False) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._in_form = fragment
        self._done = False
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if self._done:
            return
        if tag == "form" and "criteria-form" in values.get("class", ""):
            self._in_form = True
        if not self._in_form:
            return
        name = values.get("name")
        if tag == "input" and name:
            kind = values.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in values:
                    self.fields.append((name, values.get("value", "on")))
            elif kind != "submit":
                self.fields.append((name, values.get("value", "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in values:
            self.fields.append((self._select, values.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def worker(database_url: str, leads: int) -> dict[str, float]:
    django_setup(database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from leadflow.accounts.models import Role
    from leadflow.accounts.services import user_create
    from leadflow.leads.services import LeadInput, leads_create_bulk
    from leadflow.programs.selectors import program_published_criteria
    from leadflow.programs.services import client_create, program_create

    call_command("migrate", verbosity=0)
    now = timezone.now()
    client = client_create(name="Bench", slug="bench")
    program = program_create(client=client, name="Bench", slug="bench", actor=None, now=now)
    published = program_published_criteria(program=program)
    manager = user_create(
        username="manager", password="bench-manager-1", roles=[Role.MANAGER], clients=[client]
    )
    rng = random.Random(SEED)
    for batch, start in enumerate(range(0, leads, BATCH)):
        items = [
            LeadInput(
                first_name="Ada",
                last_name=f"Lovelace {number}",
                email=f"ada.{number}@example.com",
                company=f"Acme {number % 977}",
                answers=bench_answers(rng),
            )
            for number in range(start, min(start + BATCH, leads))
        ]
        leads_create_bulk(
            program=program,
            items=items,
            actor=None,
            now=now - timedelta(days=leads // BATCH - batch),
            published=published,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    browser = Client()
    browser.force_login(manager)
    editor = f"/programs/{program.slug}/criteria/edit"
    preview = f"/programs/{program.slug}/criteria/preview"
    parser = _FormFields()
    parser.feed(browser.get(editor).content.decode())
    # The point rules are drawn when their section is first opened, as a manager would open it.
    points = _FormFields(fragment=True)
    points.feed(browser.get(f"{editor}/points").content.decode())
    data: dict[str, list[str]] = {}
    for name, value in parser.fields + points.fields:
        data.setdefault(name, []).append(value)
    # One point rule changed, as a manager tuning the score would.
    data["points-0-points"] = ["30"]
    data["general-note"] = ["budget approved is worth more"]

    figures: dict[str, float] = {"leads": leads}
    figures["editor"], _ = median_ms(lambda: browser.get(editor), runs=RUNS, what="editor")
    figures["save draft"], _ = median_ms(
        lambda: browser.post(editor, data), runs=RUNS, expected=302, what="save draft"
    )
    figures["preview"], _ = median_ms(lambda: browser.get(preview), runs=RUNS, what="preview")
    return figures


# --- the driver ----------------------------------------------------------------------------------


def main() -> None:
    for name, figures, _ in bench_runs(__file__, worker, BENCH_DATABASE, {"leads": LEADS}):
        steps = ", ".join(f"{step} {figures[step]:.0f} ms" for step in STEPS)
        print(f"{name}: {figures['leads']:,.0f} leads; {steps}")
        record_line(
            HEADING,
            f"{machine_line(name)}: {figures['leads']:,.0f} leads, median of {RUNS} runs: {steps}",
        )


if __name__ == "__main__":
    main()
