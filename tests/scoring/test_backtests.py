"""The web backtest runs in the background (issue 19, item 4): the page stores the uploaded
history file and queues its run on the ``bulk`` queue; the run records the same figures as
``leadflow scoring backtest`` on the same file, or the reason a file fails in plain words (a
broken or hostile file fails alone, never the worker), and the stored upload is deleted once
either is recorded. Only managers of the program's scope see a backtest; any other is 404."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client as WebClient
from django.utils.html import escape
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from leadflow.accounts.models import Role, User
from leadflow.programs.models import Program
from leadflow.scoring.models import Backtest, BacktestStatus
from leadflow.scoring.services.backtests import GIVEN_UP, backtest_run
from tests import factories as f
from tests.factories import Team
from tests.scoring.histories import history as file_history
from tests.scoring.queue import backtests_run_queued

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_http", "few_outcomes")]
PAGE = "/scoring/programs/acme-demand/"


def web(user: User) -> WebClient:
    client = WebClient()
    client.force_login(user)
    return client


def _csv(rows: list[dict[str, str]]) -> bytes:
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(row[name] for name in header) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _upload(name: str, content: bytes) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def _post(user: User, name: str, content: bytes, **fields: str) -> Backtest:
    """Upload a file on the backtest page; the browser is sent to the backtest's page."""
    response = web(user).post(f"{PAGE}backtest", {"file": _upload(name, content), **fields})
    assert response.status_code == 302
    backtest = Backtest.objects.get()
    assert response["Location"] == f"{PAGE}backtests/{backtest.pk}/"
    return backtest


def _stored(media_root: Path) -> list[Path]:
    folder = media_root / "backtests"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_posting_a_file_stores_it_and_queues_its_run_on_the_bulk_queue(
    program: Program, team: Team, media_root: Path
) -> None:
    backtest = _post(
        team.manager, "history.csv", b"Channel,Converted\nweb,1\nweb,0\n", outcome="Converted"
    )
    assert (backtest.status, backtest.original_name, backtest.outcome) == (
        "queued", "history.csv", "Converted",
    )  # fmt: skip
    assert backtest.program == program
    assert backtest.requested_by == team.manager
    [stored] = _stored(media_root)
    assert stored.read_bytes() == b"Channel,Converted\nweb,1\nweb,0\n"
    assert stored.name != "history.csv"  # stored under a name of the product's own
    [queued] = DBTaskResult.objects.ready()
    assert queued.queue_name == "bulk"
    assert queued.task_path == "leadflow.scoring.tasks.backtest_run_task"
    assert queued.args_kwargs["args"] == [backtest.pk]
    backtest.refresh_from_db()
    assert backtest.task_id == str(queued.id)
    page = web(team.manager).get(f"{PAGE}backtests/{backtest.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Queued…" in html
    assert f'hx-get="{PAGE}backtests/{backtest.pk}/"' in html  # the page follows the run


def test_the_run_records_the_same_figures_as_the_command_and_deletes_the_upload(
    program: Program, team: Team, tmp_path: Path, media_root: Path, capsys
) -> None:
    data = _csv(file_history(600, seed=3).rows)
    path = tmp_path / "history.csv"
    path.write_bytes(data)
    call_command(
        "scoring", "backtest", str(path), "--outcome", "Converted",
        "--exclude", "Last Activity", "--format", "json",
    )  # fmt: skip
    figures = json.loads(capsys.readouterr().out)
    call_command(
        "scoring", "backtest", str(path), "--outcome", "Converted", "--exclude", "Last Activity"
    )  # fmt: skip
    [kind] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Model: ")]
    backtest = _post(
        team.manager, "history.csv", data, outcome="Converted", exclude="Last Activity"
    )
    backtests_run_queued()
    backtest.refresh_from_db()
    assert backtest.status == BacktestStatus.DONE
    assert backtest.result["figures"] == figures
    assert backtest.result["kind"] in ("logistic_regression", "gradient_boosting")
    assert {"column": "Last Activity", "reason": "excluded"} in backtest.result["refused"]
    assert backtest.message == ""
    assert backtest.started_at is not None
    assert backtest.finished_at is not None
    assert not backtest.file
    assert _stored(media_root) == []
    response = web(team.manager).get(f"{PAGE}backtests/{backtest.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"AUC <strong>{figures['auc']:.3f}</strong>" in html
    assert f"{figures['rows']} leads with an outcome, {figures['positives']} converted" in html
    assert figures["top_features"][0]["feature"] in html
    assert "Last Activity: excluded" in html
    assert kind.replace("Model: ", "Model kept: ") in html  # the kind the command picked
    assert "hx-get" not in html  # finished: no more polling
    assert 'id="reliability-chart"' in html


def test_a_poll_gets_the_section_alone(program: Program, team: Team) -> None:
    backtest = _post(
        team.manager, "history.csv", b"Channel,Converted\nweb,1\nweb,0\n", outcome="Converted"
    )
    poll = web(team.manager).get(f"{PAGE}backtests/{backtest.pk}/", headers={"HX-Request": "true"})
    html = poll.content.decode()
    assert poll.status_code == 200
    assert html.lstrip().startswith('<section id="backtest-run"')
    assert "<html" not in html
    assert "Queued…" in html
    Backtest.objects.filter(pk=backtest.pk).update(status=BacktestStatus.RUNNING, started_at=f.NOW)
    running = web(team.manager).get(
        f"{PAGE}backtests/{backtest.pk}/", headers={"HX-Request": "true"}
    )
    assert "Running…" in running.content.decode()
    assert "hx-get" in running.content.decode()  # still following the run
    backtests_run_queued()
    done = web(team.manager).get(f"{PAGE}backtests/{backtest.pk}/", headers={"HX-Request": "true"})
    html = done.content.decode()
    assert 'data-status="failed"' in html
    assert "hx-get" not in html
    assert "Not enough history yet" in html


@pytest.mark.parametrize(
    ("name", "content", "fields", "message"),
    [
        ("history.csv", b"Channel,Converted\nweb,1\nweb,0\n", {"outcome": "Outcome"},
         "The file has no column &#x27;Outcome&#x27;"),
        ("history.csv", b"Channel,Converted\nweb,1\nweb,0\n", {"outcome": "Converted"},
         "Not enough history yet"),
        ("history.csv", b"Channel,Stage\nweb,open\nweb,won\n", {"outcome": "Stage"},
         "--positive"),
        ("history.csv", b"Channel,Converted\nweb,1\n", {"outcome": "Converted",
         "exclude": "Notes"}, "--exclude: the file has no column &#x27;Notes&#x27;"),
        ("history.xlsx", b"PK\x03\x04 not really a workbook", {"outcome": "Converted"},
         "Not a CSV or XLSX file: a damaged ZIP archive."),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, {"outcome": "Converted"},
         "Not a CSV or XLSX file: it is a PNG image."),
    ],
)  # fmt: skip
def test_a_bad_file_fails_its_backtest_with_a_plain_message(
    program: Program,
    team: Team,
    media_root: Path,
    name: str,
    content: bytes,
    fields: dict,
    message: str,
) -> None:
    backtest = _post(team.manager, name, content, **fields)
    backtests_run_queued()
    backtest.refresh_from_db()
    assert backtest.status == BacktestStatus.FAILED
    assert backtest.result == {}  # nothing half-written
    assert backtest.message
    assert backtest.finished_at is not None
    assert not backtest.file
    assert _stored(media_root) == []
    response = web(team.manager).get(f"{PAGE}backtests/{backtest.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="backtest-error"' in html
    assert message in html
    shown = html.split('data-testid="backtest-error"')[1].split("</div>")[0]
    assert "/tmp" not in shown
    assert str(media_root) not in shown
    assert "backtests/" not in shown


def test_a_zip_bomb_named_xlsx_fails_alone(program: Program, team: Team) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * 50_000_000)
    bomb = _post(team.manager, "history.xlsx", buffer.getvalue(), outcome="Converted")
    backtests_run_queued()
    bomb.refresh_from_db()
    assert bomb.status == BacktestStatus.FAILED
    assert bomb.message
    page = web(team.manager).get(f"{PAGE}backtests/{bomb.pk}/")
    assert 'data-testid="backtest-error"' in page.content.decode()


def test_a_file_over_the_import_limit_is_refused_before_it_is_stored(
    program: Program, team: Team, media_root: Path, settings
) -> None:
    settings.IMPORT_MAX_BYTES = 20
    upload = _upload("history.csv", b"Channel,Converted\n" + b"web,1\n" * 10)
    response = web(team.manager).post(f"{PAGE}backtest", {"file": upload, "outcome": "Converted"})
    assert response.status_code == 400
    assert "larger than the import limit" in response.content.decode()
    assert not Backtest.objects.exists()
    assert _stored(media_root) == []
    assert not DBTaskResult.objects.exists()


def test_a_form_without_an_outcome_column_is_shown_again_with_nothing_queued(
    program: Program, team: Team
) -> None:
    upload = _upload("history.csv", b"Channel,Converted\nweb,1\n")
    response = web(team.manager).post(f"{PAGE}backtest", {"file": upload, "outcome": ""})
    assert response.status_code == 400
    assert not Backtest.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_running_again_changes_nothing_and_removes_a_leftover_upload(
    program: Program, team: Team, media_root: Path
) -> None:
    backtest = _post(
        team.manager, "history.csv", b"Channel,Converted\nweb,1\nweb,0\n", outcome="Converted"
    )
    backtests_run_queued()
    backtest.refresh_from_db()
    recorded = (backtest.status, backtest.message, backtest.finished_at)
    # A run that died after recording and before deleting left the file behind.
    (media_root / "backtests").mkdir(exist_ok=True)
    (media_root / "backtests" / "leftover.csv").write_bytes(b"Channel,Converted\n")
    Backtest.objects.filter(pk=backtest.pk).update(file="backtests/leftover.csv")
    again = backtest_run(backtest_id=backtest.pk, now=f.NOW)
    assert (again.status, again.message, again.finished_at) == recorded
    assert not again.file
    assert _stored(media_root) == []


def test_a_run_the_task_queue_gave_up_fails_on_its_page_instead_of_running_for_ever(
    program: Program, team: Team, media_root: Path
) -> None:
    backtest = _post(
        team.manager, "history.csv", b"Channel,Converted\nweb,1\nweb,0\n", outcome="Converted"
    )
    page = f"{PAGE}backtests/{backtest.pk}/"
    assert "Queued…" in web(team.manager).get(page).content.decode()  # the task still waits
    # Its worker died mid-fit TASK_MAX_RUNS times: the scheduler failed the task.
    Backtest.objects.filter(pk=backtest.pk).update(status=BacktestStatus.RUNNING, started_at=f.NOW)
    DBTaskResult.objects.update(status=TaskResultStatus.FAILED)
    html = web(team.manager).get(page, headers={"HX-Request": "true"}).content.decode()
    assert 'data-status="failed"' in html
    assert "hx-get" not in html
    assert escape(GIVEN_UP) in html
    backtest.refresh_from_db()
    assert backtest.status == BacktestStatus.FAILED
    assert backtest.message == GIVEN_UP
    assert backtest.result == {}
    assert not backtest.file
    assert _stored(media_root) == []


def test_the_backtest_page_lists_the_programs_recent_backtests(
    program: Program, other_program: Program, team: Team, make_user
) -> None:
    first = _post(team.manager, "spring.csv", b"Channel,Converted\nweb,1\nweb,0\n", outcome="X")
    backtests_run_queued()
    other_manager = make_user(Role.MANAGER, clients=(other_program.client,))
    Backtest.objects.create(
        program=other_program, requested_by=other_manager, original_name="globex.csv", size=1,
        outcome="Converted", created_at=f.NOW,
    )  # fmt: skip
    html = web(team.manager).get(f"{PAGE}backtest").content.decode()
    assert 'data-testid="backtests"' in html
    assert f'href="{PAGE}backtests/{first.pk}/">spring.csv</a>' in html
    assert "Failed" in html
    assert "globex.csv" not in html


def test_a_backtest_outside_ones_scope_is_404(
    program: Program, other_program: Program, team: Team, make_user
) -> None:
    mine = _post(team.manager, "history.csv", b"Channel,Converted\nweb,1\n", outcome="Converted")
    sibling = f.program(client=program.client, name="Acme Events", slug="acme-events")
    theirs = Backtest.objects.create(
        program=sibling, requested_by=team.manager, original_name="events.csv", size=1,
        outcome="Converted", created_at=f.NOW,
    )  # fmt: skip
    other_manager = make_user(Role.MANAGER, clients=(other_program.client,))
    globex = Backtest.objects.create(
        program=other_program, requested_by=other_manager, original_name="globex.csv", size=1,
        outcome="Converted", created_at=f.NOW,
    )  # fmt: skip
    detail = f"{PAGE}backtests/{mine.pk}/"
    for user in (team.outsider, team.qualifier, team.reviewer, team.marketer, team.client_contact):
        client = web(user)
        assert client.get(detail).status_code == 404, user
        assert client.get(f"{PAGE}backtest").status_code == 404, user
        response = client.post(
            f"{PAGE}backtest", {"file": _upload("x.csv", b"a,b\n1,0\n"), "outcome": "b"}
        )
        assert response.status_code == 404, user
    manager = web(team.manager)
    # Another program's backtest under this program's address, and another client's anywhere.
    assert manager.get(f"{PAGE}backtests/{theirs.pk}/").status_code == 404
    assert manager.get(f"/scoring/programs/acme-events/backtests/{theirs.pk}/").status_code == 200
    assert manager.get(f"{PAGE}backtests/{globex.pk}/").status_code == 404
    assert (
        manager.get(f"/scoring/programs/globex-partners/backtests/{globex.pk}/").status_code == 404
    )
    assert Backtest.objects.count() == 3  # the refused posts stored nothing
