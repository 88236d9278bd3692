"""``leadflow start`` (``make run``): one process migrates and serves, and the terminal shows
plain lines, not the processes' start-up log."""

import os
import signal
import subprocess
import threading
import urllib.request
from pathlib import Path

from tests.processes import LEADFLOW, free_port, wait_for


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def test_start_migrates_and_serves_in_one_command_on_a_quiet_terminal(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"LOG_LEVEL", "DATABASE_URL"}},
        "LEADFLOW_VAR_DIR": str(tmp_path),
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [LEADFLOW, "start", "--no-demo", "--addr", f"127.0.0.1:{port}", "--web-processes", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    reader = threading.Thread(
        target=lambda: output.extend(iter(process.stdout.readline, "")),  # type: ignore[union-attr]
        daemon=True,
    )
    reader.start()
    try:
        wait_for("/healthz", lambda: _answers(f"http://127.0.0.1:{port}/healthz"), timeout=300)
        assert (tmp_path / "leadflow.sqlite3").exists()  # migrated by the same command
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        reader.join(timeout=5)
    lines = [line.rstrip("\n") for line in output]
    assert lines[:2] == [
        "Bringing the database up to date …",
        f"LeadFlow is running at http://127.0.0.1:{port}/ (Ctrl-C stops it)",
    ]
    assert lines[-1] == "LeadFlow stopped."
    # No start-up log of the processes: gunicorn's banner, the workers' and the scheduler's.
    noise = [line for line in lines if " INFO " in line or line.startswith(("[", "enqueued"))]
    assert noise == []
