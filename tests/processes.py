"""Real LeadFlow processes for the tests that prove what several of them do together: task
workers, schedulers and gunicorn started as ``leadflow serve`` starts them, on the test's own
PostgreSQL database (a transactional test: what the test writes, they see)."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from django.db import connection

LEADFLOW = str(Path(sys.executable).parent / "leadflow")
T = TypeVar("T")


def database_env(**extra: str) -> dict[str, str]:
    """The environment of a process that works on this test's database."""
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**base, "DATABASE_URL": url, "DEBUG": "1", "PYTHONUNBUFFERED": "1", **extra}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(what: str, check: Callable[[], T | None], timeout: float, every: float = 0.2) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(self.output)


@dataclass
class Processes:
    """Processes started by a test; all of them are stopped when it ends."""

    env: Mapping[str, str]
    started: list[Process] = field(default_factory=list)

    def start(self, name: str, argv: Sequence[str]) -> Process:
        popen = subprocess.Popen(
            list(argv),
            env=dict(self.env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            process_group=0,
        )
        process = Process(name, popen)
        reader = threading.Thread(
            target=lambda: process.output.extend(iter(popen.stdout.readline, "")),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        self.started.append(process)
        return process

    def worker(self, queue: str, *, threads: int = 1, name: str = "") -> Process:
        argv = [LEADFLOW, "worker", "--queue", queue, "--threads", str(threads)]
        return self.start(name or f"worker-{queue}", [*argv, "--interval", "0.2"])

    def scheduler(self, *, name: str = "scheduler", interval: float = 1.0) -> Process:
        return self.start(name, [LEADFLOW, "scheduler", "--interval", str(interval)])

    def kill(self, process: Process) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        os.killpg(process.popen.pid, signal.SIGKILL)
        process.popen.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.started:
            if process.popen.poll() is None:
                process.popen.terminate()
        deadline = time.monotonic() + 20
        for process in self.started:
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait(timeout=10)


@contextmanager
def running(env: Mapping[str, str]) -> Iterator[Processes]:
    processes = Processes(env)
    try:
        yield processes
    finally:
        processes.stop_all()
        connection.close()  # the test's connection may have been idle while they ran
