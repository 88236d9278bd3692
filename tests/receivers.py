"""Real peers for what LeadFlow sends: an SMTP server (aiosmtpd), one that hangs, and an HTTP
webhook receiver.

Registered for the whole suite by ``pytest_plugins`` in ``tests/conftest.py``.
"""

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    #: The client address of each message's connection: distinct peers are distinct connections.
    peers: list[tuple[str, int]] = field(default_factory=list)


class _Collect:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, smtp: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        """Every address is accepted but ``refused@…``, which a real server would not know."""
        if address.startswith("refused@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.server.messages.append(message)
        self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.server.peers.append(tuple(session.peer))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    """A real SMTP server on localhost, with Django's SMTP backend pointed at it."""
    server = SmtpServer(host="127.0.0.1", port=_free_port())
    controller = Controller(_Collect(server), hostname=server.host, port=server.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    try:
        yield server
    finally:
        controller.stop()


@dataclass
class HangingServer:
    """A mail server (or any TCP peer) that accepts connections and never says a word, as a
    server does that hangs: each client waits for its whole timeout."""

    host: str
    port: int
    connections: int = 0
    _sockets: list[socket.socket] = field(default_factory=list)


@pytest.fixture
def hanging_smtp_server(settings: Any) -> Iterator[HangingServer]:
    """Django's SMTP backend pointed at a server that accepts and then hangs."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=512)
    host, port = listener.getsockname()[:2]
    server = HangingServer(host=host, port=port)
    stopping = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stopping.is_set():
            try:
                peer, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            server.connections += 1
            server._sockets.append(peer)  # held open, never answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = host
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    try:
        yield server
    finally:
        stopping.set()
        thread.join(timeout=5)
        listener.close()
        for peer in server._sockets:
            peer.close()


class Headers(dict[str, str]):
    """Request headers looked up without regard to case, as HTTP defines them."""

    def __init__(self, items: Any) -> None:
        super().__init__((name.lower(), value) for name, value in items)

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(name.lower(), default)


@dataclass
class ReceivedRequest:
    path: str
    headers: Headers
    body: bytes


@dataclass
class WebhookReceiver:
    url: str
    requests: list[ReceivedRequest] = field(default_factory=list)
    failures_left: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, count: int) -> None:
        """The next ``count`` requests are answered 500 (and still recorded)."""
        with self.lock:
            self.failures_left = count


def _handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.requests.append(
                    ReceivedRequest(
                        path=self.path, headers=Headers(self.headers.items()), body=body
                    )
                )
                failing = receiver.failures_left > 0
                if failing:
                    receiver.failures_left -= 1
            self.send_response(500 if failing else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def webhook_receiver(settings: Any) -> Iterator[WebhookReceiver]:
    """A real HTTP server in a thread that records every POST it gets. It speaks plain HTTP on
    loopback, which the outbound policy refuses, so it is allowed explicitly, by its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(WebhookReceiver(url="")))
    port = server.server_address[1]
    receiver = WebhookReceiver(url=f"http://127.0.0.1:{port}/hooks/leads")
    settings.WEBHOOK_ALLOWED_HOSTS = [f"127.0.0.1:{port}"]
    settings.WEBHOOK_REQUIRE_HTTPS = False
    server.RequestHandlerClass = _handler(receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
