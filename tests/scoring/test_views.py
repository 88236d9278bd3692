"""The Scoring pages: a manager of the program's client reads its model, trains, switches and
restores; anyone outside the scope gets 404; the backtest of an uploaded history gives the
command's figures, and a broken or hostile file a message on the page, never a 500."""

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.test import Client as WebClient

from leadflow.accounts.models import User
from leadflow.programs.models import Program
from leadflow.scoring.models import ScoringModel
from leadflow.scoring.services.training import model_train_for
from tests import factories as f
from tests.factories import Team
from tests.scoring.histories import history as file_history
from tests.scoring.outcomes import history

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_http", "few_outcomes")]
PAGE = "/scoring/programs/acme-demand/"


def web(user: User) -> WebClient:
    client = WebClient()
    client.force_login(user)
    return client


def _trained(program: Program) -> ScoringModel:
    history(program, won=25, lost=25)
    model = model_train_for(client_id=program.client_id, program_id=None, now=f.NOW).model
    assert model is not None
    return model


def test_the_index_lists_the_programs_of_the_scope_with_their_status(
    program: Program, other_program: Program, team: Team
) -> None:
    _trained(program)
    html = web(team.manager).get("/scoring/").content.decode()
    assert 'href="/scoring/programs/acme-demand/"' in html
    assert "Enough history to train; no model is switched on yet." in html
    assert "globex-partners" not in html
    assert '<a href="/scoring/" aria-current="page">Scoring</a>' in html


def test_a_program_without_history_says_not_enough_history_yet_with_the_counts(
    program: Program, team: Team
) -> None:
    response = web(team.manager).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not enough history yet." in html
    assert "0 converted and 0 not converted leads; a model needs 20 and 20" in html


def test_the_model_page_shows_version_auc_brier_calibration_and_factors(
    program: Program, team: Team, django_assert_max_num_queries
) -> None:
    model = _trained(program)
    client = web(team.manager)
    with django_assert_max_num_queries(12):
        response = client.get(PAGE)
    html = response.content.decode()
    assert f"Version {model.version} of Acme Corp" in html
    assert model.auc_text in html
    assert "Brier score" in html
    assert 'id="reliability-chart"' in html
    assert 'id="scoring-charts"' in html
    assert 'data-testid="calibration"' in html
    assert "Source" in html
    assert "Switch on" in html


def test_switch_on_off_and_restore_from_the_page(
    program: Program, team: Team, immediate_tasks: None
) -> None:
    first = _trained(program)
    client = web(team.manager)
    assert client.post(f"{PAGE}models/{first.pk}/switch", {"on": "1"}).status_code == 302
    first.refresh_from_db()
    assert first.active
    history(program, won=3, lost=3, start=900, seed=4)
    assert client.post(f"{PAGE}train").status_code == 302
    second = ScoringModel.objects.get(version=2)
    assert second.active
    assert client.post(f"{PAGE}restore", {"scope": "client"}).status_code == 302
    first.refresh_from_db()
    assert first.active
    assert client.post(f"{PAGE}models/{first.pk}/switch", {"on": "0"}).status_code == 302
    assert not ScoringModel.objects.filter(active=True).exists()
    assert client.post(f"{PAGE}restore", {"scope": "program"}).status_code == 409


def test_outside_the_scope_every_scoring_page_is_404(
    program: Program, other_program: Program, team: Team
) -> None:
    model = _trained(program)
    other = other_program
    paths = [PAGE, f"{PAGE}backtest"]
    for user in (team.outsider, team.qualifier, team.reviewer, team.marketer, team.client_contact):
        client = web(user)
        for path in paths:
            assert client.get(path).status_code == 404, (user, path)
        assert client.post(f"{PAGE}models/{model.pk}/switch", {"on": "1"}).status_code == 404
    manager = web(team.manager)
    assert manager.get("/scoring/programs/globex-partners/").status_code == 404
    other_model = ScoringModel.objects.create(
        client=other.client, version=1, kind="logistic", window_start=f.NOW, window_end=f.NOW
    )
    assert manager.post(f"{PAGE}models/{other_model.pk}/switch", {"on": "1"}).status_code == 404
    assert not ScoringModel.objects.filter(active=True).exists()


def _csv(rows: list[dict[str, str]]) -> bytes:
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(row[name] for name in header) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def test_the_web_backtest_shows_the_same_figures_as_the_command(
    program: Program, team: Team, tmp_path, capsys
) -> None:
    data = _csv(file_history(600, seed=3).rows)
    path = tmp_path / "history.csv"
    path.write_bytes(data)
    call_command(
        "scoring", "backtest", str(path), "--outcome", "Converted",
        "--exclude", "Last Activity", "--format", "json",
    )  # fmt: skip
    figures = json.loads(capsys.readouterr().out)
    upload = io.BytesIO(data)
    upload.name = "history.csv"
    response = web(team.manager).post(
        f"{PAGE}backtest",
        {"file": upload, "outcome": "Converted", "positive": "", "exclude": "Last Activity"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"AUC <strong>{figures['auc']:.3f}</strong>" in html
    assert f"{figures['rows']} leads with an outcome, {figures['positives']} converted" in html
    assert figures["top_features"][0]["feature"] in html
    assert "Last Activity: excluded" in html


@pytest.mark.parametrize(
    ("name", "content", "fields", "message"),
    [
        ("history.csv", b"Channel,Converted\nweb,1\nweb,0\n", {"outcome": "Outcome"},
         "The file has no column &#x27;Outcome&#x27;"),
        ("history.csv", b"Channel,Converted\nweb,1\nweb,0\n", {"outcome": "Converted"},
         "Not enough history yet"),
        ("history.csv", b"Channel,Stage\nweb,open\nweb,won\n", {"outcome": "Stage"},
         "--positive"),
        ("history.xlsx", b"PK\x03\x04 not really a workbook", {"outcome": "Converted"}, ""),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, {"outcome": "Converted"}, ""),
    ],
)  # fmt: skip
def test_a_bad_file_gets_a_plain_message_on_the_page(
    program: Program, team: Team, name: str, content: bytes, fields: dict, message: str
) -> None:
    upload = io.BytesIO(content)
    upload.name = name
    response = web(team.manager).post(f"{PAGE}backtest", {"file": upload, **fields})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="backtest-error"' in html
    assert message in html
    assert "/tmp" not in html.split('data-testid="backtest-error"')[1].split("</div>")[0]


def test_a_zip_bomb_named_xlsx_is_refused_on_the_page(program: Program, team: Team) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * 50_000_000)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "history.xlsx"
    response = web(team.manager).post(f"{PAGE}backtest", {"file": upload, "outcome": "Converted"})
    assert response.status_code == 400
    assert 'data-testid="backtest-error"' in response.content.decode()
