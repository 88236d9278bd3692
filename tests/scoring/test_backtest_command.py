"""``leadflow scoring backtest`` (issue 19, item 4: a contract; docs/SCORING.md, "The
backtest"): the JSON's keys, types and ranges on CSV and XLSX, the plain summary, leakage
through --exclude, and the errors: exit code 2, a plain sentence, nothing on standard output."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from tests.scoring.histories import History, history

KEYS = {"rows", "positives", "auc", "auc_folds", "brier", "calibration", "top_features"}


@pytest.fixture(scope="module")
def past() -> History:
    return history(1500, seed=21)


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[dict[str, str]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    book.save(path)
    return path


def backtest(*args: str) -> str:
    out = io.StringIO()
    call_command("scoring", "backtest", *args, stdout=out)
    return out.getvalue()


def refused(*args: str) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("scoring", "backtest", *args, stdout=out)
    assert raised.value.returncode == 2
    assert out.getvalue() == ""
    return str(raised.value)


def check_contract(figures: dict[str, object], *, rows: int, positives: int, folds: int) -> None:
    assert set(figures) == KEYS
    assert figures["rows"] == rows
    assert figures["positives"] == positives
    auc, brier = figures["auc"], figures["brier"]
    assert isinstance(auc, float)
    assert 0.5 < auc <= 1
    assert isinstance(brier, float)
    assert 0 <= brier <= 0.25
    auc_folds = figures["auc_folds"]
    assert isinstance(auc_folds, list)
    assert len(auc_folds) == folds
    assert all(isinstance(value, float) and 0 <= value <= 1 for value in auc_folds)
    calibration = figures["calibration"]
    assert isinstance(calibration, list)
    assert calibration
    for row in calibration:
        assert set(row) == {"predicted", "observed", "count"}
        assert 0 <= row["predicted"] <= 1
        assert 0 <= row["observed"] <= 1
        assert isinstance(row["count"], int)
        assert row["count"] > 0
    assert sum(row["count"] for row in calibration) == rows
    top = figures["top_features"]
    assert isinstance(top, list)
    assert top
    for item in top:
        assert set(item) == {"feature", "importance"}
        assert isinstance(item["feature"], str)
        assert item["importance"] >= 0
    importances = [item["importance"] for item in top]
    assert importances == sorted(importances, reverse=True)


def test_the_json_contract_on_a_csv_file(tmp_path: Path, past: History) -> None:
    path = write_csv(tmp_path / "history.csv", past.rows)
    out = backtest(
        str(path),
        "--outcome",
        "Converted",
        "--exclude",
        "Last Activity",
        "--folds",
        "3",
        "--format",
        "json",
    )
    figures = json.loads(out)
    check_contract(figures, rows=1500, positives=int(past.outcomes.sum()), folds=3)
    features = {item["feature"] for item in figures["top_features"]}
    assert not features & {"Lead ID", "First Name", "Email", "Phone", "Created", "Converted"}
    assert "Channel" in features


def test_the_json_contract_on_an_xlsx_file_with_the_default_five_folds(
    tmp_path: Path, past: History
) -> None:
    path = write_xlsx(tmp_path / "history.xlsx", past.rows[:800])
    figures = json.loads(
        backtest(
            str(path), "--outcome", "Converted", "--exclude", "Last Activity", "--format", "json"
        )
    )
    check_contract(figures, rows=800, positives=int(past.outcomes[:800].sum()), folds=5)


def test_the_same_seed_gives_the_same_backtest_and_another_seed_other_folds(
    tmp_path: Path, past: History
) -> None:
    path = write_csv(tmp_path / "history.csv", past.rows[:800])
    args = [
        str(path),
        "--outcome",
        "Converted",
        "--exclude",
        "Last Activity",
        "--folds",
        "3",
        "--format",
        "json",
    ]
    first, again = backtest(*args), backtest(*args)
    assert first == again
    other = json.loads(backtest(*args, "--seed", "7"))
    assert other["auc_folds"] != json.loads(first)["auc_folds"]


def test_a_leaky_column_excluded_is_no_feature_and_the_auc_drops_to_the_honest_level(
    tmp_path: Path, past: History
) -> None:
    path = write_csv(tmp_path / "history.csv", past.rows)
    args = [str(path), "--outcome", "Converted", "--folds", "3", "--format", "json"]
    leaky = json.loads(backtest(*args))
    honest = json.loads(backtest(*args, "--exclude", "Last Activity,Noise Colour"))
    assert leaky["top_features"][0]["feature"] == "Last Activity"
    assert leaky["auc"] > 0.95
    names = {item["feature"] for item in honest["top_features"]}
    assert "Last Activity" not in names
    assert "Noise Colour" not in names
    assert 0.6 < honest["auc"] < 0.85


def test_without_format_json_a_short_summary_in_plain_words(tmp_path: Path, past: History) -> None:
    path = write_csv(tmp_path / "history.csv", past.rows[:800])
    out = backtest(
        str(path), "--outcome", "Converted", "--exclude", "Last Activity", "--folds", "3"
    )
    assert out.startswith("Backtest of history.csv: 800 leads with an outcome")
    assert "AUC 0." in out
    assert "Brier score" in out
    assert "Calibration" in out
    assert "Email (contact data or free text: never used as such)" in out
    assert len(out.splitlines()) < 25


def test_positive_names_the_converted_value(tmp_path: Path, past: History) -> None:
    rows = [
        {**row, "Converted": "Closed Won" if row["Converted"] == "1" else "Closed - Lost"}
        for row in past.rows[:800]
    ]
    path = write_csv(tmp_path / "history.csv", rows)
    message = refused(str(path), "--outcome", "Converted")
    assert "--positive" in message
    assert "closed won" in message
    figures = json.loads(
        backtest(
            str(path),
            "--outcome",
            "Converted",
            "--positive",
            "closed won",
            "--exclude",
            "Last Activity",
            "--folds",
            "3",
            "--format",
            "json",
        )
    )
    assert figures["positives"] == int(past.outcomes[:800].sum())


def test_bad_input_exits_2_with_a_plain_sentence_and_nothing_on_stdout(
    tmp_path: Path, past: History
) -> None:
    path = write_csv(tmp_path / "history.csv", past.rows[:800])
    assert "has no column 'Won'" in refused(str(path), "--outcome", "Won")
    assert "--exclude: the file has no column 'Nope'" in refused(
        str(path), "--outcome", "Converted", "--exclude", "Nope"
    )
    assert "--folds: at least 2" in refused(str(path), "--outcome", "Converted", "--folds", "1")
    one_class = write_csv(tmp_path / "one.csv", [{**row, "Converted": "0"} for row in past.rows])
    assert "one value only" in refused(str(one_class), "--outcome", "Converted")
    few = write_csv(tmp_path / "few.csv", past.rows[:120])
    assert "not enough history yet" in refused(str(few), "--outcome", "Converted")
    assert "no such file" in refused(str(tmp_path / "missing.csv"), "--outcome", "Converted")
    pdf = tmp_path / "history.pdf"
    pdf.write_bytes(b"%PDF-1.4 not a table")
    assert "not a CSV or XLSX file" in refused(str(pdf), "--outcome", "Converted")


def test_the_console_script_prints_only_the_json_and_exits_2_on_an_error(
    tmp_path: Path, past: History
) -> None:
    path = write_csv(tmp_path / "history.csv", past.rows[:600])
    command = [sys.executable, "-m", "leadflow.cli", "scoring", "backtest", str(path)]
    ran = subprocess.run(
        [
            *command,
            "--outcome",
            "Converted",
            "--exclude",
            "Last Activity",
            "--folds",
            "3",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    assert set(json.loads(ran.stdout)) == KEYS
    failed = subprocess.run([*command, "--outcome", "Won"], capture_output=True, text=True)
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert "the file has no column 'Won'" in failed.stderr
