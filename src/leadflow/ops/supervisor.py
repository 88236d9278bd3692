"""Keeping ``leadflow serve``'s processes up: a child that exits (a crash, an out-of-memory
kill, ``kill -9``) is started again after an exponential backoff, and the others go on running,
so a dead task worker never takes the web app down with it."""

import logging
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

logger = logging.getLogger(__name__)

BACKOFF_CAP = 30.0  # seconds: the longest wait before starting a failing child again
RESET_AFTER = 60.0  # seconds: a child that ran this long starts the backoff afresh


def backoff_delay(*, failures: int, cap: float = BACKOFF_CAP) -> float:
    """1, 2, 4, 8 … seconds after the 1st, 2nd, 3rd, 4th … exit in a row, at most ``cap``."""
    return float(min(cap, 2**failures))


@dataclass(frozen=True)
class ChildSpec:
    """A process to keep running: its name in the log (``web``, ``worker-1``, ``scheduler``)
    and its command line."""

    name: str
    argv: Sequence[str]


@dataclass
class _Child:
    spec: ChildSpec
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None


class Supervisor:
    """Starts every child, restarts the ones that exit, and stops them all on request."""

    def __init__(
        self,
        specs: Sequence[ChildSpec],
        *,
        env: Mapping[str, str],
        cap: float = BACKOFF_CAP,
        reset_after: float = RESET_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._children = [_Child(spec) for spec in specs]
        self._env = dict(env)
        self._cap = cap
        self._reset_after = reset_after
        self._clock = clock

    def start(self) -> None:
        for child in self._children:
            self._spawn(child)

    def _spawn(self, child: _Child) -> None:
        # A process group of its own: Ctrl-C in a terminal reaches the supervisor only, which
        # then stops each child gracefully with SIGTERM, instead of interrupting them mid-step.
        child.process = subprocess.Popen(list(child.spec.argv), env=self._env, process_group=0)
        child.started_at = self._clock()
        child.restart_at = None
        logger.info("%s started (pid %d)", child.spec.name, child.process.pid)

    def running(self) -> dict[str, int]:
        """The children running now, by name, with their pids."""
        return {
            child.spec.name: child.process.pid
            for child in self._children
            if child.process is not None
            and child.restart_at is None
            and child.process.poll() is None
        }

    def poll(self) -> None:
        """Notice the children that exited and start again those whose backoff is over."""
        now = self._clock()
        for child in self._children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self._spawn(child)
                continue
            assert child.process is not None
            status = child.process.poll()
            if status is None:
                continue
            if now - child.started_at >= self._reset_after:
                child.failures = 0
            delay = backoff_delay(failures=child.failures, cap=self._cap)
            child.failures += 1
            child.restart_at = now + delay
            logger.warning(
                "%s (pid %d) exited with %s; restarting it in %g s",
                child.spec.name,
                child.process.pid,
                _describe(status),
                delay,
            )

    def run(self, *, stopping: Callable[[], bool], interval: float = 0.2) -> None:
        """Supervise until ``stopping()`` is true, then stop every child."""
        self.start()
        try:
            while not stopping():
                self.poll()
                time.sleep(interval)
        finally:
            self.stop()

    def stop(self, *, timeout: float = 15.0) -> None:
        """SIGTERM to every running child, then SIGKILL to any still running after ``timeout``
        seconds (gunicorn and the task worker finish their current request or task first)."""
        running = [
            child.process
            for child in self._children
            if child.process is not None and child.restart_at is None
        ]
        for process in running:
            if process.poll() is None:
                process.terminate()
        deadline = self._clock() + timeout
        for process in running:
            try:
                process.wait(timeout=max(0.0, deadline - self._clock()))
            except subprocess.TimeoutExpired:
                logger.warning("pid %d did not stop in %g s: killed", process.pid, timeout)
                process.kill()
                process.wait()


def _describe(status: int) -> str:
    if status < 0:
        try:
            return f"signal {signal.Signals(-status).name}"
        except ValueError:
            return f"signal {-status}"
    return f"status {status}"
