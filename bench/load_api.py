"""Load benchmark of the production server (issue 13, "Load held, measured"; STYLE.md, bench/).

Creates a fresh PostgreSQL database (``leadflow_bench_load`` on the server of
``LEADFLOW_TEST_DATABASE_URL``; the benchmark is skipped when none answers), migrates it and
adds a client with one program, an API user (marketing role, scoped to the client) with a
personal token, 16 sales managers with passwords, and 5,000 leads. It then starts the web app
exactly as ``leadflow serve`` does (gunicorn with ``--config python:leadflow.config.gunicorn``,
the command of ``serve_children``), 2 sync web processes on a free port of 127.0.0.1, DEBUG off,
``SECURE_PROXY_SSL_HEADER=1`` as behind a TLS proxy (the client sends ``X-Forwarded-Proto:
https``). No task worker or scheduler runs: the tasks a capture enqueues wait in the database.

A bounded asyncio client (raw streams, HTTP/1.1; gunicorn's sync workers close the connection
after each answer, so it reconnects) measures, after a warm-up, a fixed number of requests each:

- ``GET /healthz``, 32 clients;
- ``POST /api/v1/leads``, 32 clients, a distinct lead (unique e-mail) and ``Idempotency-Key``
  each; then with 2 clients (one per web process: a request's own time, without queueing);
- ``GET /accounts/login/`` and ``POST /accounts/login/`` (CSRF token, correct passwords, one
  sales manager per client so django-axes never counts a failure), 16 clients;
- ``GET /leads/`` signed in as those sales managers, 16 clients.

The server runs first with ``CONN_MAX_AGE=0`` (a new database connection for every
request), then again with ``CONN_MAX_AGE=60`` for ``/healthz``, the POST and the lead list.
Then an in-process profile of the POST (Django's test client against the same database):
time, queries and database time a request, the same on a new connection each time, and the
shares of the request the heaviest of our functions take (cProfile). Every
figure is appended to docs/PERFORMANCE.md under "## Load (production server)"; the goal of the
issue is ``POST /api/v1/leads`` at half the rate of ``/healthz`` or better with a p99 under
50 ms. The database is dropped and the server killed (its process group) even on errors.

The profile also measures the CPU time (``time.process_time``, so a shared machine does not
inflate it) of the web process per POST beside the same for ``GET /healthz`` in the same run,
and the number of statements a POST sends (what runs after its commit included: the test
client's connection is in autocommit, as the server's), for a new lead and for a merge into an
existing one (the same person again, by e-mail, under another first name); issue 18's goal is
≤ 5 ms CPU and ≤ 6 statements for both.

Run with ``uv run python bench/load_api.py`` (about 2 minutes on 2 cores); ``--in-process``
runs the set-up and the profile only (about a minute).
"""

import argparse
import asyncio
import itertools
import json
import os
import platform
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from _lib import postgres_drop, postgres_fresh, record_line

HEADING = "## Load (production server)"
BENCH_DATABASE = os.environ.get("LEADFLOW_BENCH_DATABASE", "leadflow_bench_load")
HOST = "127.0.0.1"
WEB_PROCESSES = 2
LEADS = 5_000
MANAGERS = 16
PASSWORD = "bench-load-signin-2026"
PROGRAM = "bench-load"
#: (clients, measured requests, warm-up requests) of each measurement.
API = (32, 2_000, 100)
API_ALONE = (WEB_PROCESSES, 300, 20)
SIGNIN_PAGE = (16, 1_000, 50)
SIGNIN = (16, 80, 16)
LIST = (16, 400, 32)
PROFILE = (200, 20)
PROFILE_SHOWN = 6
#: A measurement stops after this many seconds even when its count is not reached.
PHASE_CAP_S = 40.0
GOAL_RATIO = 0.5
#: Issue 18, item 5: a capture's CPU in the web process and its statements.
GOAL_CPU_MS = 5.0
GOAL_STATEMENTS = 6
GOAL_P99_MS = 50.0
#: The run is marked "shared" when other processes used more than this share of the cores.
SHARED_CPU = 0.05
#: ``--scale`` multiplies the request counts (a quick try: ``--scale 0.1 --no-record``).
SCALE = 1.0


# --- the database (subprocesses: Django is configured once per process) ------------------------


def _django(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadflow.config.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["HTTPS"] = "false"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()


def setup(database_url: str, leads: int) -> dict[str, Any]:
    """Migrate and create the program, the API user and token, the managers and the leads."""
    _django(database_url)
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from leadflow.accounts.models import Role, User
    from leadflow.accounts.services import user_create
    from leadflow.api.tokens import token_create
    from leadflow.leads.services import LeadInput, leads_create_bulk
    from leadflow.programs.services import client_create, program_create

    call_command("migrate", verbosity=0)
    now = timezone.now()
    client = client_create(name="Bench Load", slug="bench-load")
    program = program_create(client=client, name="Bench load", slug=PROGRAM, actor=None, now=now)
    api_user = user_create(username="api", password=None, roles=[Role.MARKETER], clients=[client])
    _, token = token_create(user=api_user, name="load bench", now=now)
    usernames = [f"manager{n:02d}" for n in range(1, MANAGERS + 1)]
    for username in usernames:
        user_create(username=username, password=None, roles=[Role.MANAGER], clients=[client])
    # One hash for all: the sign-ins compute it anyway, the set-up need not do it 16 times.
    User.objects.filter(username__in=usernames).update(password=make_password(PASSWORD))
    for start in range(0, leads, 1_000):
        items = [
            LeadInput(
                first_name="Seed",
                last_name=f"Person {number}",
                email=f"seed.{number}@example.com",
                company=f"Seed Company {number % 331}",
                campaign=f"CMP-{number % 20:02d}",
                answers={"budget": "approved", "authority": "influencer", "need": "identified"},
            )
            for number in range(start, min(start + 1_000, leads))
        ]
        leads_create_bulk(program=program, items=items, actor=None, now=now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"token": token, "usernames": usernames}


def profile(database_url: str, token: str) -> dict[str, Any]:
    """Where a ``POST /api/v1/leads`` spends its time, in process (no network, no gunicorn)."""
    _django(database_url)
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client

    requests, warmup = PROFILE
    browser = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    queries: list[float] = []
    statements: list[str] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        begin = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(time.perf_counter() - begin)
            statements.append(" ".join(sql.split())[:110])

    def post(number: int, *, merge: bool = False) -> None:
        # A merge: the same person (e-mail) again under another first name, into the lead the
        # new-lead phase created for ``number``.
        body = _lead_body("profile", number)
        if merge:
            body["first_name"] = "Again"
        response = browser.post(
            "/api/v1/leads",
            body,
            content_type="application/json",
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if response.status_code != (200 if merge else 201):
            raise SystemExit(f"profile POST: {response.status_code} {response.content[:300]!r}")

    for number in range(warmup):
        post(number)
    # CPU time of this process (Django, the client, psycopg; not the PostgreSQL server's) per
    # request, beside the same for /healthz: what a web process spends on each.
    begin = time.process_time()
    for number in range(10_000, 10_000 + requests):
        post(number)
    cpu_ms = (time.process_time() - begin) / requests * 1000
    for number in range(warmup):
        post(number, merge=True)
    begin = time.process_time()
    for number in range(10_000, 10_000 + requests):
        post(number, merge=True)
    merge_cpu_ms = (time.process_time() - begin) / requests * 1000
    for _ in range(warmup):
        browser.get("/healthz")
    begin = time.process_time()
    for _ in range(requests):
        if browser.get("/healthz").status_code != 200:
            raise SystemExit("profile: /healthz did not answer 200")
    healthz_cpu_ms = (time.process_time() - begin) / requests * 1000
    total = 0.0
    with connection.execute_wrapper(timed):
        for number in range(warmup, warmup + requests):
            begin = time.perf_counter()
            post(number)
            total += time.perf_counter() - begin
    new_queries = len(queries)
    merge_statements_at = len(statements)
    with connection.execute_wrapper(timed):
        for number in range(warmup, warmup + requests):
            post(number, merge=True)
    merge_queries = len(queries) - new_queries
    del queries[new_queries:]
    merge_statements = statements[merge_statements_at:]
    del statements[merge_statements_at:]
    figures: dict[str, Any] = {
        "requests": requests,
        "ms": total / requests * 1000,
        "queries": len(queries) / requests,
        "db_ms": sum(queries) / requests * 1000,
        "statements": statements[: len(statements) // requests],
        "cpu_ms": cpu_ms,
        "healthz_cpu_ms": healthz_cpu_ms,
        "merge_cpu_ms": merge_cpu_ms,
        "merge_queries": merge_queries / requests,
        "merge_statements": merge_statements[: len(merge_statements) // requests],
    }
    # The same request on a new connection each time (the server's CONN_MAX_AGE=0): a new
    # PostgreSQL backend, whose catalog caches start cold, not only the connection itself.
    fresh = []
    for number in range(warmup + requests, warmup + requests + requests // 2):
        connection.close()
        begin = time.perf_counter()
        post(number)
        fresh.append(time.perf_counter() - begin)
    figures["fresh_ms"] = statistics.mean(fresh) * 1000
    # What CONN_MAX_AGE=0 adds to every request that touches the database.
    connects = []
    for _ in range(50):
        connection.close()
        begin = time.perf_counter()
        connection.ensure_connection()
        connects.append(time.perf_counter() - begin)
    figures["connect_ms"] = statistics.median(connects) * 1000
    # The heaviest of our functions by cumulative time, per request.
    profiler = cProfile.Profile()
    profiler.enable()
    for number in range(warmup + 2 * requests, warmup + 3 * requests):
        post(number)
    profiler.disable()
    stats = pstats.Stats(profiler)
    ours = [
        (cumulative, f"{Path(file).parent.name}/{Path(file).name}:{name}")
        for (file, _, name), (_, _, _, cumulative, _) in stats.stats.items()  # type: ignore[attr-defined]
        if "/leadflow/" in file
    ]
    # The outermost middleware holds the whole request; the others are shares of it.
    whole = max(cumulative for cumulative, _ in ours)
    figures["top"] = [
        [round(cumulative / whole, 3), name]
        for cumulative, name in sorted(ours, reverse=True)
        if not name.endswith(("__call__", "_get_response", "inner"))
    ][:15]
    return figures


# --- the client -----------------------------------------------------------------------------------


def _lead_body(tag: str, number: int) -> dict[str, Any]:
    return {
        "program": PROGRAM,
        "first_name": "Load",
        "last_name": f"Person {tag} {number}",
        "email": f"load.{tag}.{number}@example.com",
        "company": f"Load Company {tag} {number}",
        "country": "US",
        "channel": "web",
        "campaign": "LOAD-26",
        "answers": {
            "budget": "approved",
            "authority": "decision_maker",
            "need": "established",
            "timeframe_months": 2,
        },
    }


class Connection:
    """One HTTP/1.1 client: keeps its connection while the server does (gunicorn's sync workers
    close it after every answer), and its cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.cookies: dict[str, str] = {}

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        version, status = status_line.split(b" ", 2)[:2]
        length: int | None = None
        chunked = False
        close = version == b"HTTP/1.0"
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                close = True
            elif name == "set-cookie":
                cookie, _, _ = value.partition(";")
                key, _, val = cookie.partition("=")
                if val.strip('"'):
                    self.cookies[key.strip()] = val
                else:
                    self.cookies.pop(key.strip(), None)
        if chunked:
            parts = []
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            await self.reader.readline()
            data = b"".join(parts)
        elif length is not None:
            data = await self.reader.readexactly(length)
        else:
            data = await self.reader.read()
            close = True
        if close:
            self.close()
        return int(status), data


@dataclass
class Result:
    name: str
    clients: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    seconds: float = 0.0
    created: int = 0
    #: The benchmark's own CPU time over the wall time (1.0: one of the two cores).
    client_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    def summary(self) -> str:
        return (
            f"{self.name}, {self.clients} clients, {len(self.latencies):,} requests: "
            f"{self.rate:,.0f} req/s, p50 {self.percentile(0.5):.0f} ms, "
            f"p99 {self.percentile(0.99):.0f} ms, {self.errors} errors "
            f"(the client used {self.client_cpu:.0%} of a core)"
        )


#: A request to make: (connection index, request number) → (method, path, headers, body).
Maker = Callable[[int, int], tuple[str, str, dict[str, str], bytes]]


async def _run(
    connections: list[Connection], name: str, count: int, make: Maker, expect: int
) -> Result:
    result = Result(name, len(connections))
    numbers = itertools.count()
    deadline = time.perf_counter() + PHASE_CAP_S

    async def loop(index: int, connection: Connection) -> None:
        while (number := next(numbers)) < count and time.perf_counter() < deadline:
            method, path, headers, body = make(index, number)
            begin = time.perf_counter()
            try:
                status, data = await asyncio.wait_for(
                    connection.request(method, path, headers, body), 30
                )
                problem = "" if status == expect else f"{status} {data[:200]!r}"
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                connection.close()
                problem = repr(exc)
            result.latencies.append(time.perf_counter() - begin)
            if problem:
                result.errors += 1
                result.first_error = result.first_error or problem
            elif status == 201:
                result.created += 1

    begin, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(loop(i, c) for i, c in enumerate(connections)))
    result.seconds = time.perf_counter() - begin
    result.client_cpu = (time.process_time() - cpu) / result.seconds
    return result


async def measure(
    connections: list[Connection],
    name: str,
    counts: tuple[int, int, int],
    make: Maker,
    expect: int,
) -> Result:
    """``counts``' warm-up, then its measured requests, from all connections at once."""
    _, count, warmup = (max(1, int(number * SCALE)) for number in counts)
    warm = await _run(connections, name, warmup, lambda i, n: make(i, count + n), expect)
    result = await _run(connections, name, count, make, expect)
    result.created += warm.created
    print(result.summary() + (f" (first error: {result.first_error})" if result.errors else ""))
    return result


#: What the TLS proxy in front would add (SECURE_PROXY_SSL_HEADER=1).
PROXIED = {"X-Forwarded-Proto": "https"}


def api_maker(port: int, token: str, tag: str) -> Maker:
    def make(index: int, number: int) -> tuple[str, str, dict[str, str], bytes]:
        headers = {
            **PROXIED,
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        return "POST", "/api/v1/leads", headers, json.dumps(_lead_body(tag, number)).encode()

    return make


def get_maker(port: int, path: str) -> Maker:
    def make(index: int, number: int) -> tuple[str, str, dict[str, str], bytes]:
        return "GET", path, PROXIED, b""

    return make


def signin_maker(port: int, connections: list[Connection], usernames: list[str]) -> Maker:
    origin = f"https://{HOST}:{port}"

    def make(index: int, number: int) -> tuple[str, str, dict[str, str], bytes]:
        connection = connections[index]
        # A fresh visitor each time, with the CSRF cookie of the sign-in page (or of the last
        # sign-in, which rotates it); the cookie's secret is a valid form token too.
        connection.cookies.pop("sessionid", None)
        csrf = connection.cookies["csrftoken"]
        form = {"csrfmiddlewaretoken": csrf, "username": usernames[index], "password": PASSWORD}
        body = urlencode(form).encode()
        headers = {
            **PROXIED,
            "Origin": origin,
            "Referer": f"{origin}/accounts/login/",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return "POST", "/accounts/login/", headers, body

    return make


async def signin_pages(port: int, connections: list[Connection]) -> None:
    """Every connection reads the sign-in page once, for its CSRF cookie."""
    for connection in connections:
        status, data = await connection.request("GET", "/accounts/login/", PROXIED)
        if status != 200 or "csrftoken" not in connection.cookies:
            raise SystemExit(f"sign-in page: {status}, cookies {sorted(connection.cookies)}")
        if not re.search(rb'name="csrfmiddlewaretoken"', data):
            raise SystemExit("sign-in page without a CSRF field")


# --- the server -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(database_url: str, var_dir: Path, conn_max_age: int) -> Iterator[int]:
    """gunicorn as ``leadflow serve`` starts it, until the block ends (its process group is
    killed whatever happens)."""
    from leadflow.ops.management.commands.serve import serve_children

    port = _free_port()
    (web,) = [
        spec
        for spec in serve_children(
            addr=f"{HOST}:{port}", web_processes=WEB_PROCESSES, workers=0, queues={}
        )
        if spec.name == "web"
    ]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        DATABASE_URL=database_url,
        CONN_MAX_AGE=str(conn_max_age),
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SECURE_PROXY_SSL_HEADER="1",
        LEADFLOW_VAR_DIR=str(var_dir),
        LOG_LEVEL="WARNING",
    )
    env.pop("HTTPS", None)
    log_path = var_dir / f"gunicorn-{conn_max_age}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            web.argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://{HOST}:{port}/readyz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield port
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def session_run(
    port: int, token: str, usernames: list[str], tag: str, *, signin: bool, leads_before: int
) -> dict[str, Result]:
    results: dict[str, Result] = {}
    api = [Connection(port) for _ in range(API[0])]
    results["healthz"] = await measure(api, "GET /healthz", API, get_maker(port, "/healthz"), 200)
    results["leads"] = await measure(
        api, "POST /api/v1/leads", API, api_maker(port, token, tag), 201
    )
    # One client per web process: the time of a request itself, without the queue.
    results["leads_alone"] = await measure(
        api[:WEB_PROCESSES],
        "POST /api/v1/leads",
        API_ALONE,
        api_maker(port, token, f"{tag}-alone"),
        201,
    )
    managers = [Connection(port) for _ in range(MANAGERS)]
    await signin_pages(port, managers)
    if signin:
        results["signin_page"] = await measure(
            managers,
            "GET /accounts/login/",
            SIGNIN_PAGE,
            get_maker(port, "/accounts/login/"),
            200,
        )
        results["signin"] = await measure(
            managers,
            "POST /accounts/login/ (CSRF, distinct users)",
            SIGNIN,
            signin_maker(port, managers, usernames),
            302,
        )
    # One more sign-in each, for the session cookie the lead list needs.
    signin_once = signin_maker(port, managers, usernames)

    async def sign_in(index: int) -> None:
        method, path, headers, body = signin_once(index, 0)
        status, _ = await managers[index].request(method, path, headers, body)
        if status != 302 or "sessionid" not in managers[index].cookies:
            raise SystemExit(f"sign-in of {usernames[index]}: {status}")

    await asyncio.gather(*(sign_in(index) for index in range(MANAGERS)))
    leads = leads_before + results["leads"].created + results["leads_alone"].created
    results["list"] = await measure(
        managers,
        f"GET /leads/ as a sales manager ({leads:,} leads)",
        LIST,
        get_maker(port, "/leads/"),
        200,
    )
    for connection in api + managers:
        connection.close()
    return results


class OtherCpu:
    """The CPU time of the machine's other processes while the benchmark runs (a thread reads
    /proc every half second): neither this process, nor its descendants, nor PostgreSQL (whose
    backends serve the benchmark too; others' queries are missed, so this is a lower bound)."""

    def __init__(self) -> None:
        self.first: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self.started = time.monotonic()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> "OtherCpu":
        self._scan(initial=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join()
        self._scan(initial=False)
        self.seconds = time.monotonic() - self.started

    def _watch(self) -> None:
        while not self.stopping.wait(0.5):
            self._scan(initial=False)

    def _scan(self, *, initial: bool) -> None:
        parents: dict[int, int] = {}
        ticks: dict[int, int] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                raw = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            pid = int(entry.name)
            name = raw[raw.index("(") + 1 : raw.rindex(")")]
            fields = raw[raw.rindex(")") + 2 :].split()
            if name.startswith("postgres"):
                continue
            parents[pid] = int(fields[1])
            ticks[pid] = int(fields[11]) + int(fields[12])
        ours = {os.getpid()}
        for pid in parents:
            chain = pid
            while chain > 1 and chain not in ours:
                chain = parents.get(chain, 0)
            if chain in ours:
                ours.add(pid)
        for pid, value in ticks.items():
            if pid in ours:
                continue
            if initial:
                self.first[pid] = value
            self.first.setdefault(pid, 0)
            self.last[pid] = value

    @property
    def share(self) -> float:
        """Of the machine's cores, the share the other processes used (0.5: one of two)."""
        used = sum(self.last[pid] - self.first[pid] for pid in self.last)
        hertz = os.sysconf("SC_CLK_TCK")
        return used / hertz / self.seconds / (os.cpu_count() or 1)


# --- the driver -----------------------------------------------------------------------------------


def _worker(args: list[str], url: str, var_dir: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, *args],
        env={**os.environ, "LEADFLOW_VAR_DIR": str(var_dir), "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def record(args: argparse.Namespace, line: str) -> None:
    print(line)
    if not args.no_record:
        record_line(HEADING, line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--setup", metavar="DATABASE_URL")
    parser.add_argument("--profile", metavar="DATABASE_URL")
    parser.add_argument("--token")
    parser.add_argument("--leads", type=int, default=LEADS)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--no-record", action="store_true", help="print, do not append")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="only the in-process profile of the POST (CPU and statements a request; no server)",
    )
    args = parser.parse_args()
    global SCALE
    SCALE = args.scale
    if args.setup:
        print(json.dumps(setup(args.setup, args.leads)))
        return
    if args.profile:
        print(json.dumps(profile(args.profile, args.token)))
        return

    started = time.perf_counter()
    url = postgres_fresh(BENCH_DATABASE)
    if url is None:
        return
    machine = platform.processor() or platform.machine()
    where = (
        f"- {date.today().isoformat()} {platform.node()} ({machine}, Python "
        f"{platform.python_version()}), PostgreSQL, gunicorn {WEB_PROCESSES} sync processes"
    )
    runs: dict[int, dict[str, Result]] = {}
    try:
        with OtherCpu() as others, tempfile.TemporaryDirectory(prefix="leadflow-load-") as tmp:
            var_dir = Path(tmp)
            made = _worker(["--setup", url, "--leads", str(args.leads)], url, var_dir)
            print(f"set up in {time.perf_counter() - started:.0f} s")
            leads = args.leads
            for conn_max_age in () if args.in_process else (0, 60):
                with server(url, var_dir, conn_max_age) as port:
                    print(f"== gunicorn on port {port}, CONN_MAX_AGE={conn_max_age}")
                    runs[conn_max_age] = asyncio.run(
                        session_run(
                            port,
                            made["token"],
                            made["usernames"],
                            f"age{conn_max_age}",
                            signin=conn_max_age == 0,
                            leads_before=leads,
                        )
                    )
                    leads += sum(
                        runs[conn_max_age][key].created for key in ("leads", "leads_alone")
                    )
            profiled = _worker(["--profile", url, "--token", made["token"]], url, var_dir)
    finally:
        postgres_drop(url)
    print(
        f"total {time.perf_counter() - started:.0f} s; the machine's other processes used "
        f"{others.share:.0%} of its {os.cpu_count()} cores"
    )
    shared = (
        f" (shared: other processes used {others.share:.0%} of the {os.cpu_count()} cores)"
        if others.share > SHARED_CPU
        else ""
    )

    for conn_max_age, results in runs.items():
        ratio = results["leads"].rate / results["healthz"].rate
        p99 = results["leads"].percentile(0.99)
        met = "met" if ratio >= GOAL_RATIO and p99 < GOAL_P99_MS else "not met"
        print(f"CONN_MAX_AGE={conn_max_age}: ratio {ratio:.2f}, p99 {p99:.0f} ms, goal {met}")
        for key, result in results.items():
            extra = (
                f"; ratio to /healthz {ratio:.2f}, goal (≥ {GOAL_RATIO}, p99 < "
                f"{GOAL_P99_MS:.0f} ms) {met}"
                if key == "leads"
                else ""
            )
            record(
                args,
                f"{where}, CONN_MAX_AGE={conn_max_age}: {result.summary()}{extra}{shared}",
            )
    top = ", ".join(f"{name} {share:.0%}" for share, name in profiled["top"][:PROFILE_SHOWN])
    print("profile, the statements of one request:")
    for statement in profiled["statements"]:
        print(f"  {statement}")
    print("profile, the statements of one merge:")
    for statement in profiled["merge_statements"]:
        print(f"  {statement}")
    print("profile, heaviest of our functions (cumulative share of the request):")
    for share, name in profiled["top"]:
        print(f"  {share:6.1%}  {name}")
    cpu, healthz = profiled["cpu_ms"], profiled["healthz_cpu_ms"]
    merge_cpu, merge_queries = profiled["merge_cpu_ms"], profiled["merge_queries"]
    met = (
        "met"
        if max(cpu, merge_cpu) <= GOAL_CPU_MS
        and max(profiled["queries"], merge_queries) <= GOAL_STATEMENTS
        else "not met"
    )
    record(
        args,
        f"{where.split(', PostgreSQL')[0]}, PostgreSQL, in process (Django test client, "
        f"{profiled['requests']} requests of each): POST /api/v1/leads, a new lead "
        f"{cpu:.1f} ms CPU a request ({cpu / healthz:.1f}x GET /healthz), "
        f"{profiled['queries']:.0f} statements; a merge into an existing lead {merge_cpu:.1f} "
        f"ms CPU ({merge_cpu / healthz:.1f}x), {merge_queries:.0f} statements; GET /healthz "
        f"{healthz:.2f} ms CPU in the same run; goal (≤ {GOAL_CPU_MS:.0f} ms CPU, ≤ "
        f"{GOAL_STATEMENTS} statements) {met}{shared}",
    )
    record(
        args,
        f"{where.split(', PostgreSQL')[0]}, PostgreSQL, in process (Django test client, "
        f"{profiled['requests']} requests): POST /api/v1/leads {profiled['ms']:.1f} ms a "
        f"request, {profiled['queries']:.0f} queries taking {profiled['db_ms']:.1f} ms; "
        f"{profiled['fresh_ms']:.1f} ms on a new connection each (opening one alone "
        f"{profiled['connect_ms']:.1f} ms); shares of a request (cProfile): {top}"
        f"{shared}",
    )


if __name__ == "__main__":
    main()
