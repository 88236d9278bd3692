"""The `leadflow qualify` contract: JSON Lines in, one JSON line out per input line."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from leadflow.core.criteria import default_criteria
from leadflow.programs.models import Program
from leadflow.programs.services import criteria_publish
from tests.conftest import NOW

LEADFLOW = str(Path(sys.executable).parent / "leadflow")
EXAMPLES = Path(__file__).parents[1] / "core" / "data" / "qualify_examples.jsonl"


def qualify(stdin: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["LEADFLOW_VAR_DIR"] = str(tmp_path)
    return subprocess.run(
        [LEADFLOW, "qualify", *args], input=stdin, capture_output=True, text=True, env=env
    )


def test_the_design_examples_give_their_expected_results(tmp_path: Path) -> None:
    lines = EXAMPLES.read_text().splitlines()
    stdin = "\n".join(json.dumps(json.loads(line)["input"]) for line in lines)
    result = qualify(stdin, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(outputs) == len(lines)
    for line, out in zip(lines, outputs, strict=True):
        example = json.loads(line)
        assert out["id"] == example["input"]["id"]
        assert {k: out[k] for k in ("stage", "rating", "bant")} == example["expect"]
        assert set(out) == {"id", "stage", "rating", "bant", "score", "explanation"}
        assert isinstance(out["score"], int | float)
        assert all(isinstance(text, str) for text in out["explanation"])


def test_a_bad_line_is_reported_in_place_and_the_rest_still_processed(tmp_path: Path) -> None:
    stdin = "\n".join(
        [
            '{"id": "good", "budget": "approved", "timeframe_months": 2, "need": "identified"}',
            "{not json",
            '{"id": "bad", "budget": "lots"}',
            '{"timeframe_months": -1}',
            "[1, 2]",
            '{"id": 7, "authority": "decision_maker", "disqualified": true}',
        ]
    )
    result = qualify(stdin, tmp_path=tmp_path)
    assert result.returncode == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("line") for o in out] == [None, 2, 3, 4, 5, None]
    assert out[0]["rating"] == "hot"
    assert "budget" in out[2]["error"]
    assert "lots" in out[2]["error"]
    assert "timeframe_months" in out[3]["error"]
    assert (out[5]["id"], out[5]["rating"], out[5]["bant"]["authority"]) == (7, None, True)


def test_a_missing_id_is_echoed_as_null(tmp_path: Path) -> None:
    result = qualify('{"budget": "none"}\n', tmp_path=tmp_path)
    assert json.loads(result.stdout)["id"] is None
    assert json.loads(result.stdout)["rating"] == "fyi"


def test_criteria_from_a_file_are_used(tmp_path: Path) -> None:
    path = tmp_path / "criteria.yaml"
    default_criteria().model_copy(update={"horizon_months": 6}).save(path)
    result = qualify('{"timeframe_months": 9}\n', "--criteria", str(path), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["bant"]["timeframe"] is False


def test_an_unreadable_criteria_file_is_a_clear_error(tmp_path: Path) -> None:
    result = qualify("{}\n", "--criteria", str(tmp_path / "missing.json"), tmp_path=tmp_path)
    assert result.returncode == 2
    assert "missing.json" in result.stderr
    assert result.stdout == ""


@pytest.mark.django_db
def test_a_program_s_published_criteria_are_used(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    criteria_publish(
        program=program,
        criteria=default_criteria().model_copy(update={"horizon_months": 6}),
        actor=None,
        now=NOW,
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"id": 1, "timeframe_months": 9}\n'))
    out = io.StringIO()
    call_command("qualify", "--program", program.slug, stdout=out)
    assert json.loads(out.getvalue())["bant"]["timeframe"] is False


@pytest.mark.django_db
def test_an_unknown_program_is_a_clear_error(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no program 'nope'"):
        call_command("qualify", "--program", "nope")
