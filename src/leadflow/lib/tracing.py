"""The request id: one token that ties together every log line of a request and of the tasks
the request enqueued.

A request brings its own in ``X-Request-ID`` (a proxy or a client that logs it), if it is a
sane token, or gets a new one; ``RequestIdMiddleware`` binds it for the request, answers it in
``X-Request-ID``, writes one access line per request and times the request for ``/metrics``.
``leadflow.lib.taskbackend`` stores the id with every task enqueued meanwhile, and the worker
binds it again while the task runs (``taskbackend.run_with_context``). ``RequestIdFilter`` puts
the bound id on every log record (``None`` outside a request or task), for the JSON logs of
``settings.LOGGING``.
"""

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from leadflow.lib.metrics import observe_request

HEADER = "X-Request-ID"
#: Where the request keeps its id, for the lines logged about it after the middleware.
ENVIRON_KEY = "leadflow.request_id"
TOKEN = re.compile(r"[A-Za-z0-9._-]{1,64}")
#: Paths with no access line: the probes, the scrapes and the static files.
QUIET_PATHS = ("/healthz", "/readyz", "/metrics")

_request_id: ContextVar[str | None] = ContextVar("leadflow_request_id", default=None)
access_log = logging.getLogger("leadflow.access")


def request_id() -> str | None:
    """The id bound to the running request or task, if any."""
    return _request_id.get()


def bind(value: str | None) -> Token[str | None]:
    """Bind ``value`` as the request id until ``unbind`` of the token (prefer ``bound``)."""
    return _request_id.set(value)


def unbind(token: Token[str | None]) -> None:
    """Restore the id bound before the ``bind`` that gave ``token``."""
    _request_id.reset(token)


@contextmanager
def bound(value: str | None) -> Iterator[str | None]:
    """Bind ``value`` as the request id for the block, then restore the previous one."""
    token = _request_id.set(value)
    try:
        yield value
    finally:
        _request_id.reset(token)


def request_id_from(header: str | None) -> str:
    """The caller's id when it is a sane token (64 characters of letters, digits, ``.``, ``_``,
    ``-``), otherwise a new one: a log line never carries what a client made up beyond that."""
    if header and TOKEN.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record passing the handler it is put on: the bound one, or
    for Django's lines about a request (``django.request``'s "Not Found", written once the
    middleware has returned) the one of the request they name."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            meta = getattr(getattr(record, "request", None), "META", None)
            of_request = meta.get(ENVIRON_KEY) if isinstance(meta, dict) else None
            record.request_id = _request_id.get() or of_request
        return True


def _route(request: HttpRequest) -> str:
    """The URL pattern that answered (``leads/<int:pk>/``), never the path with its ids."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return str(match.route)
    if request.path_info.startswith(f"/{settings.STATIC_URL.lstrip('/')}"):
        return "static"
    return "unmatched"


def _quiet(path: str) -> bool:
    return path in QUIET_PATHS or path.startswith(f"/{settings.STATIC_URL.lstrip('/')}")


class RequestIdMiddleware:
    """Binds the request id, echoes it, logs the request once and records its duration.

    First in ``MIDDLEWARE``, so that a redirect or a static file is timed and carries the id
    too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_id_from(request.headers.get(HEADER))
        request.META[ENVIRON_KEY] = rid
        started = time.perf_counter()
        with bound(rid):
            response = self.get_response(request)
            elapsed = time.perf_counter() - started
            response[HEADER] = rid
            observe_request(
                method=request.method or "",
                route=_route(request),
                status=response.status_code,
                seconds=elapsed,
            )
            if not _quiet(request.path_info):
                access_log.info(
                    "%s %s %s %.1f ms",
                    request.method,
                    request.path,
                    response.status_code,
                    elapsed * 1000,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round(elapsed * 1000, 1),
                    },
                )
        return response
