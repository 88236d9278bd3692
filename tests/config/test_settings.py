"""Configuration from the environment: safe local defaults and a deployable production set."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from leadflow.config.env import parse_email_url

LEADFLOW = str(Path(sys.executable).parent / "leadflow")


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY"}}
    return subprocess.run([LEADFLOW, *args], env={**base, **env}, capture_output=True, text=True)


def test_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    result = run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {
            "LEADFLOW_VAR_DIR": str(tmp_path),
            "DEBUG": "false",
            "SECRET_KEY": "k3-" + "x7Qp9vL2mZ8rT5wY1nB4cJ6hF0dS3aG" * 2,
            "ALLOWED_HOSTS": "leads.example.com",
        },
    )
    assert result.returncode == 0, result.stderr


def test_the_local_database_is_sqlite_in_wal_mode_under_the_var_directory(tmp_path: Path) -> None:
    result = run(["migrate", "--noinput"], {"LEADFLOW_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "leadflow.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("url", "backend", "host", "port", "tls"),
    [
        ("smtp://mail.example.com:2525", "smtp", "mail.example.com", 2525, False),
        ("smtp+tls://u:p%40ss@mail.example.com", "smtp", "mail.example.com", 587, True),
        ("console://", "console", "localhost", 25, False),
    ],
)
def test_email_url_forms(url: str, backend: str, host: str, port: int, tls: bool) -> None:
    config = parse_email_url(url)
    assert backend in config.backend
    assert (config.host, config.port, config.use_tls) == (host, port, tls)


def test_email_url_password_is_unquoted() -> None:
    assert parse_email_url("smtp+tls://u:p%40ss@mail.example.com").password == "p@ss"


def test_an_unknown_email_scheme_is_a_clear_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL scheme 'pop3'"):
        parse_email_url("pop3://mail.example.com")
