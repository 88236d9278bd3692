"""``leadflow deadline`` as a user runs it: the real console script, in its own process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

LEADFLOW = Path(sys.executable).parent / "leadflow"
EXAMPLES = Path(__file__).parents[1] / "core" / "data" / "deadline_examples.jsonl"


def run_deadline(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "leadflow.config.settings",
        "LEADFLOW_VAR_DIR": str(tmp_path),
    }
    return subprocess.run(
        [str(LEADFLOW), "deadline", *arguments],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def load_examples() -> list[dict[str, object]]:
    return [json.loads(line) for line in EXAMPLES.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("example", load_examples(), ids=lambda example: str(example["expect"]))
def test_deadline_prints_only_the_iso_deadline_of_the_design_examples(
    tmp_path: Path, example: dict[str, object]
) -> None:
    given = example["input"]
    assert isinstance(given, dict)

    result = run_deadline(
        tmp_path,
        "--from",
        given["from"],
        "--working-days",
        str(given["working_days"]),
        "--country",
        given["country"],
        "--subdivision",
        given["subdivision"],
        "--timezone",
        given["timezone"],
    )

    assert (result.returncode, result.stdout, result.stderr) == (0, f"{example['expect']}\n", "")


def test_deadline_reads_a_from_with_an_offset_as_that_instant(tmp_path: Path) -> None:
    result = run_deadline(
        tmp_path,
        "--from",
        "2026-02-05T22:00:00Z",
        "--working-days",
        "1",
        "--country",
        "JP",
        "--timezone",
        "Asia/Tokyo",
    )

    assert (result.returncode, result.stdout) == (0, "2026-02-09T23:59:59.999999+09:00\n")


def test_deadline_creates_no_database(tmp_path: Path) -> None:
    run_deadline(
        tmp_path,
        "--from",
        "2026-02-06T15:00",
        "--working-days",
        "2",
        "--country",
        "GB",
        "--timezone",
        "Europe/London",
    )

    assert not list(tmp_path.glob("*.sqlite3*"))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--from", "next friday", "--working-days", "2", "--country", "US"],
            "--from must be an ISO 8601 date and time, not 'next friday'",
        ),
        (
            ["--from", "2026-11-20T15:00", "--working-days", "-1", "--country", "US"],
            "--working-days must be a whole number of at least 0, not '-1'",
        ),
        (
            ["--from", "2026-11-20T15:00", "--working-days", "two", "--country", "US"],
            "--working-days must be a whole number of at least 0, not 'two'",
        ),
        (
            ["--from", "2026-11-20T15:00", "--working-days", "2", "--country", "XX"],
            "unknown country 'XX'",
        ),
        (
            [
                *("--from", "2026-11-20T15:00", "--working-days", "2"),
                *("--country", "US", "--subdivision", "ZZ"),
            ],
            "unknown subdivision 'ZZ' of US (known: AK, AL, ",
        ),
    ],
    ids=[
        "bad date",
        "negative days",
        "days not a number",
        "unknown country",
        "unknown subdivision",
    ],
)
def test_deadline_refuses_bad_input_with_one_line_on_stderr_and_status_2(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    result = run_deadline(tmp_path, *arguments, "--timezone", "America/Los_Angeles")

    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert message in result.stderr


def test_deadline_refuses_an_unknown_timezone_with_status_2(tmp_path: Path) -> None:
    result = run_deadline(
        tmp_path,
        "--from",
        "2026-11-20T15:00",
        "--working-days",
        "2",
        "--country",
        "US",
        "--timezone",
        "Mars/Olympus_Mons",
    )

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.strip() == "CommandError: unknown timezone 'Mars/Olympus_Mons'"
