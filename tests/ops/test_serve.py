"""``leadflow serve`` in production shape: gunicorn for the web app, and a supervisor that
restarts a task worker or the scheduler when it dies, while the web app keeps answering."""

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest
from django.core.exceptions import ImproperlyConfigured

from leadflow.config.env import env_int
from leadflow.ops.supervisor import ChildSpec, Supervisor, backoff_delay

LEADFLOW = str(Path(sys.executable).parent / "leadflow")
T = TypeVar("T")


def test_backoff_doubles_from_one_second_up_to_its_cap() -> None:
    assert [backoff_delay(failures=n, cap=30.0) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_the_number_of_processes_is_a_whole_number_of_at_least_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TASK_WORKERS", "3")
    assert env_int("TASK_WORKERS", 1) == 3
    monkeypatch.delenv("TASK_WORKERS")
    assert env_int("TASK_WORKERS", 1) == 1
    for wrong in ("0", "two"):
        monkeypatch.setenv("TASK_WORKERS", wrong)
        with pytest.raises(ImproperlyConfigured, match="TASK_WORKERS must be"):
            env_int("TASK_WORKERS", 1)


def test_a_child_that_keeps_exiting_waits_longer_each_time_until_it_runs_a_while(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    crash = ChildSpec("crash", [sys.executable, "-c", "raise SystemExit(3)"])
    supervisor = Supervisor(
        [crash], env=os.environ, cap=4.0, reset_after=60.0, clock=lambda: now[0]
    )

    def exit_then_poll(*, ran: float) -> None:
        time.sleep(0.05)
        _wait_for("the child to exit", lambda: not supervisor.running(), timeout=10)
        now[0] += ran
        supervisor.poll()  # notices the exit, schedules the restart
        now[0] += 10.0
        supervisor.poll()  # the backoff is over: started again

    caplog.set_level(logging.INFO, logger="leadflow.ops.supervisor")
    supervisor.start()
    try:
        for _ in range(4):
            exit_then_poll(ran=0.0)
        exit_then_poll(ran=61.0)
    finally:
        supervisor.stop(timeout=5)
    delays = [line.rsplit(" in ", 1)[1] for line in caplog.messages if "exited" in line]
    assert delays == ["1 s", "2 s", "4 s", "4 s", "1 s"]
    assert re.fullmatch(
        r"crash \(pid \d+\) exited with status 3; restarting it in 1 s", caplog.messages[1]
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> dict[int, str]:
    """The direct children of ``pid`` with their command lines, read from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # gone meanwhile
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


def _kind(cmdline: str) -> str:
    """``gunicorn``, ``worker urgent`` (a worker and its queue) or ``scheduler``: which of
    serve's children this is."""
    words = cmdline.split()  # empty for a child that exited and is not reaped yet
    if "gunicorn" in words:
        return "gunicorn"
    if "leadflow.cli" not in words:
        return ""
    command = words[words.index("leadflow.cli") + 1]
    if command == "worker":
        return f"worker {words[words.index('--queue') + 1]}"
    return command


def _pids(parent: int, kind: str) -> list[int]:
    """The running children of ``parent`` of one kind."""
    return [pid for pid, cmd in _children(parent).items() if _kind(cmd) == kind and _alive(pid)]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status, response.headers.get("Server", "")


def _wait_for(what: str, check: Callable[[], T], timeout: float) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result: T | None = check()
        except OSError:  # not listening yet
            result = None
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str
    output: list[str] = field(default_factory=list)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env = {**base, "LEADFLOW_VAR_DIR": str(tmp_path), "DEBUG": "1"}
    subprocess.run(
        [LEADFLOW, "migrate", "--noinput"], env=env, check=True, capture_output=True, timeout=60
    )
    port = _free_port()
    process = subprocess.Popen(
        [
            LEADFLOW,
            "serve",
            "--addr",
            f"127.0.0.1:{port}",
            "--web-processes",
            "1",
            "--workers",
            "1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(process, f"http://127.0.0.1:{port}")
    reader = threading.Thread(
        target=lambda: served.output.extend(iter(process.stdout.readline, "")),  # type: ignore[union-attr]
        daemon=True,
    )
    reader.start()
    try:
        yield served
    finally:
        if process.poll() is None:
            for pid in _children(process.pid):
                os.kill(pid, signal.SIGKILL)
            process.kill()
        process.wait(timeout=10)
        reader.join(timeout=5)


def test_serve_runs_gunicorn_and_restarts_a_killed_worker_while_the_web_app_answers(
    served: Served,
) -> None:
    healthz = f"{served.url}/healthz"
    _wait_for("/healthz", lambda: _get(healthz)[0] == 200, timeout=25)
    assert _get(healthz)[1].startswith("gunicorn")

    kinds = sorted(_kind(cmd) for cmd in _children(served.process.pid).values())
    assert kinds == [
        "gunicorn",
        "scheduler",
        "worker bulk",
        "worker default",
        "worker sends",
        "worker urgent",
    ]
    [worker] = _pids(served.process.pid, "worker urgent")
    os.kill(worker, signal.SIGKILL)

    def replaced() -> int | None:
        assert _get(healthz)[0] == 200  # the web app answers all along
        new = [pid for pid in _pids(served.process.pid, "worker urgent") if pid != worker]
        return new[0] if new else None

    new_worker = _wait_for("a new worker", replaced, timeout=10)
    assert new_worker != worker
    assert any("worker-urgent-1" in line and "restart" in line for line in served.output), (
        served.output
    )

    processes = [served.process.pid, *_children(served.process.pid)]
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=15) == 0
    _wait_for("every child to exit", lambda: not any(_alive(p) for p in processes), timeout=5)
    time.sleep(0.2)  # the reader thread takes the last lines
    assert "LeadFlow stopped." in "".join(served.output)
