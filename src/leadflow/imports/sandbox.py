"""Parsing a workbook in a child process with a memory and a CPU limit (issue 13, item 4).

A spreadsheet parser is native code fed by a stranger's file: asked to reserve half a terabyte
it aborts the whole process, a Python ``except`` never sees it, and in the task worker that
took the web app down with it. So the parent never parses a workbook itself: it starts
``python -m leadflow.imports.sandbox`` with the file and the limits, the child sets its own
``RLIMIT_AS`` and ``RLIMIT_CPU`` (``resource.setrlimit``) before it opens the file, and streams
the rows back on its standard output, one JSON line per batch. Whatever the parser does, the
child is what dies: the parent turns its end into ``ImportFileError`` ("the file could not be
read: …", with the reason: out of memory, out of processor time, or the reader's last words),
so only that import fails and the worker lives.

CSV is parsed in the parent: Python's ``csv`` module streams, bounds a field's length and has
no native allocation a file can steer, so a child would cost time and contain nothing.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import IO

from leadflow.imports.checks import UNREADABLE, ImportFileError, Limits

BATCH_ROWS = 1000
_SRC = str(Path(__file__).resolve().parents[2])

Record = tuple[int, list[str], str]


def records_in_child(path: Path, limits: Limits) -> Iterator[Record]:
    """The workbook's records (number, values, problem) as the child reads them; the child is
    killed as soon as the caller stops iterating."""
    spec = json.dumps({"path": str(path), "limits": asdict(limits)})
    env = dict(os.environ)
    env["RUST_BACKTRACE"] = "0"  # the reader's last words, not a page of stack frames
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [_SRC, env.get("PYTHONPATH", "")]))
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "leadflow.imports.sandbox", spec],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
        )
        assert process.stdout is not None
        finished = False
        try:
            for line in process.stdout:
                kind, payload = json.loads(line)
                if kind == "rows":
                    yield from payload
                elif kind == "refused":
                    raise ImportFileError(payload)
                elif kind == "done":
                    finished = True
                    break
            if not finished:
                process.wait()
                raise ImportFileError(f"{UNREADABLE}: {_death(process.returncode, errors, limits)}")
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            process.stdout.close()


def _death(returncode: int, errors: IO[bytes], limits: Limits) -> str:
    """Why the child ended without finishing, in words."""
    errors.seek(0)
    said = errors.read(64 * 1024).decode("utf-8", "replace").strip()
    last = said.splitlines()[-1] if said else ""
    if returncode == -signal.SIGXCPU:
        return f"reading it took more than {limits.cpu_seconds:,} seconds of processor time"
    if returncode == -signal.SIGKILL and not said:
        return (
            "the spreadsheet reader was killed (out of processor time or of the machine's memory)"
        )
    if "memory allocation" in said or "MemoryError" in said or "std::bad_alloc" in said:
        return f"reading it needed more than {_gigabytes(limits.memory_bytes)} of memory"
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return f"the spreadsheet reader crashed ({name}){': ' + last if last else ''}"
    return f"the spreadsheet reader stopped (exit status {returncode}){': ' + last if last else ''}"


def _gigabytes(size: int) -> str:
    return f"{size / 1024**3:.1f} GB".replace(".0 GB", " GB")


def _send(kind: str, payload: object) -> None:
    sys.stdout.write(json.dumps([kind, payload], ensure_ascii=False) + "\n")


def main(argv: list[str]) -> int:
    """The child: limit itself, read the workbook, stream its records."""
    spec = json.loads(argv[0])
    limits = Limits(**spec["limits"])
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    from leadflow.imports.reading import xlsx_records

    batch: list[Record] = []
    try:
        for row in xlsx_records(Path(spec["path"]), limits):
            batch.append((row.number, row.values, row.problem))
            if len(batch) >= BATCH_ROWS:
                _send("rows", batch)
                batch = []
        _send("rows", batch)
        _send("done", None)
    except ImportFileError as exc:
        _send("rows", batch)
        _send("refused", str(exc))
    except MemoryError:
        batch = []
        _send(
            "refused",
            f"{UNREADABLE}: reading it needed more than "
            f"{_gigabytes(limits.memory_bytes)} of memory",
        )
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
