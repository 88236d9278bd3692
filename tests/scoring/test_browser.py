"""The Scoring page in a real browser: a manager sees the model's figures with the calibration
chart drawn, switches it on, and runs the backtest of a history file, which runs in the
background while its page waits for the result."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from leadflow.accounts.models import Role
from leadflow.accounts.services import user_create
from leadflow.programs.models import Program
from leadflow.scoring.services.training import model_train_for
from tests import factories as f
from tests.scoring.histories import history as file_history
from tests.scoring.outcomes import history
from tests.scoring.queue import backtests_run_queued

#: The product's own task backend: tasks wait in the database for a worker.
DATABASE = {
    "default": {
        "BACKEND": "leadflow.lib.taskbackend.DatabaseBackend",
        "QUEUES": list(django_settings.TASK_QUEUES),
    }
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("few_outcomes", "immediate_tasks"),
]


def test_a_manager_reads_the_model_switches_it_on_and_backtests_a_file(
    page: Page, screenshots: Path, live_server: LiveServer, program: Program, tmp_path: Path
) -> None:
    user_create(username="mona", password="mona-secret-42", roles=(Role.MANAGER,),
                clients=(program.client,))  # fmt: skip
    history(program, won=40, lost=40, open_leads=10)
    model_train_for(client_id=program.client_id, program_id=None, now=f.NOW)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/scoring/")
    page.get_by_label("Username").fill("mona")
    page.get_by_label("Password").fill("mona-secret-42")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Acme Demand Gen").click()
    expect(page.locator("#reliability-chart")).to_have_attribute("data-drawn", "true")
    expect(page.get_by_test_id("shown")).to_contain_text("AUC")
    page.screenshot(path=str(screenshots / "scoring-model.png"), full_page=True)
    page.get_by_role("button", name="Switch on").click()
    expect(page.get_by_test_id("status")).to_contain_text("Version 1 is switched on.")

    rows = file_history(600, seed=5).rows
    header = list(rows[0])
    path = tmp_path / "history.csv"
    path.write_text(
        "\n".join([",".join(header)] + [",".join(row[h] for h in header) for row in rows]) + "\n"
    )
    page.get_by_role("link", name="Backtest a history file").click()
    page.get_by_label("History file (CSV or XLSX)").set_input_files(str(path))
    page.get_by_label("Outcome column").fill("Converted")
    page.get_by_label("Columns never to use").fill("Last Activity")
    page.get_by_role("button", name="Run the backtest").click()
    # Tasks run as they are queued here: the run is over before the page is shown.
    expect(page.get_by_test_id("backtest-auc")).to_contain_text("600 leads with an outcome")
    expect(page.locator("#reliability-chart")).to_have_attribute("data-drawn", "true")
    page.screenshot(path=str(screenshots / "scoring-backtest.png"), full_page=True)


def _history_csv(path: Path, rows: int, seed: int) -> Path:
    table = file_history(rows, seed=seed).rows
    header = list(table[0])
    path.write_text(
        "\n".join([",".join(header)] + [",".join(row[h] for h in header) for row in table]) + "\n"
    )
    return path


def test_the_backtest_page_waits_for_the_background_run_and_shows_its_result(
    page: Page,
    screenshots: Path,
    live_server: LiveServer,
    program: Program,
    tmp_path: Path,
    settings: Settings,
) -> None:
    settings.TASKS = DATABASE  # the run waits in the queue until a worker (the test) takes it
    user_create(username="mona", password="mona-secret-42", roles=(Role.MANAGER,),
                clients=(program.client,))  # fmt: skip
    path = _history_csv(tmp_path / "history.csv", 600, seed=5)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/scoring/programs/{program.slug}/backtest")
    page.get_by_label("Username").fill("mona")
    page.get_by_label("Password").fill("mona-secret-42")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("History file (CSV or XLSX)").set_input_files(str(path))
    page.get_by_label("Outcome column").fill("Converted")
    page.get_by_label("Columns never to use").fill("Last Activity")
    page.get_by_role("button", name="Run the backtest").click()
    expect(page.get_by_test_id("backtest-status")).to_contain_text("Queued…")
    page.screenshot(path=str(screenshots / "scoring-backtest-queued.png"), full_page=True)
    page.evaluate("window.stillTheSamePage = true")
    assert backtests_run_queued() == 1
    # The section asks again every 2 seconds and is replaced in place, chart and all.
    result = page.get_by_test_id("backtest-auc")
    expect(result).to_contain_text("600 leads with an outcome", timeout=20_000)
    expect(page.locator("#reliability-chart")).to_have_attribute("data-drawn", "true")
    expect(page.get_by_test_id("refused")).to_contain_text("Last Activity: excluded")
    assert page.evaluate("window.stillTheSamePage") is True  # no reload: htmx swapped it
    page.screenshot(path=str(screenshots / "scoring-backtest-done.png"), full_page=True)
    page.get_by_role("link", name="Backtest a history file").click()
    expect(page.get_by_test_id("backtests")).to_contain_text("history.csv")
    expect(page.get_by_test_id("backtests")).to_contain_text("Done")
    page.screenshot(path=str(screenshots / "scoring-backtests.png"), full_page=True)
