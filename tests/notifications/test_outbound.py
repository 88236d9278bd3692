"""Outbound webhooks cannot reach internal addresses: checked at save and at every send (against
DNS rebinding), https:// in production, no redirects followed, short timeouts. Only loopback
receivers are ever contacted; a name resolving to one is given by a resolver function standing
in for DNS."""

import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from leadflow.accounts.models import Role, User
from leadflow.core.schedule import Frequency
from leadflow.delivery.models import DeliverySchedule
from leadflow.delivery.services import DeliveryError, ScheduleSettings, schedule_save
from leadflow.notifications.models import MessageStatus, OutboxMessage
from leadflow.notifications.outbound import (
    Target,
    target_addresses,
    webhook_post,
    webhook_url_problem,
)
from leadflow.notifications.services import outbox_message_send, retry_delay, webhook_enqueue
from leadflow.programs.models import Program
from tests.receivers import WebhookReceiver

NOW = datetime(2026, 11, 2, 14, 30, tzinfo=UTC)


def no_lookup(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} was looked up")


def resolves_to(*addresses: str) -> Callable[[str, int], list[str]]:
    def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


@pytest.fixture(autouse=True)
def production(settings: Settings) -> None:
    settings.WEBHOOK_REQUIRE_HTTPS = True
    settings.WEBHOOK_ALLOWED_HOSTS = []


# At save: literal addresses in every spelling


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://127.0.0.1/hook", "loopback"),
        ("https://127.1/hook", "loopback"),
        ("https://2130706433/hook", "loopback"),
        ("https://0x7f.1/hook", "loopback"),
        ("https://0x7f000001/hook", "loopback"),
        ("https://0177.0.0.1/hook", "loopback"),
        ("https://127.0.0.1./hook", "loopback"),
        ("https://10.0.0.5/hook", "private address (RFC 1918)"),
        ("https://172.16.3.4/hook", "private address (RFC 1918)"),
        ("https://192.168.1.1:8443/hook", "private address (RFC 1918)"),
        ("https://100.64.0.1/hook", "carrier-grade NAT"),
        ("https://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("https://0xa9fea9fe/", "cloud metadata"),
        ("https://169.254.1.1/hook", "link-local"),
        ("https://0.0.0.0/hook", "unspecified"),
        ("https://0/hook", "unspecified"),
        ("https://224.0.0.1/hook", "multicast"),
        ("https://192.0.2.10/hook", "reserved"),
        ("https://[::1]/hook", "loopback"),
        ("https://[::]/hook", "unspecified"),
        ("https://[fd00:ec2::254]/latest/meta-data/", "cloud metadata"),
        ("https://[fd12:3456::1]/hook", "unique-local"),
        ("https://[fe80::1%25eth0]/hook", "link-local"),
        ("https://[ff02::1]/hook", "multicast"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),
        ("https://[::ffff:a9fe:a9fe]/hook", "cloud metadata"),
        ("https://[64:ff9b::a00:1]/hook", "private address (RFC 1918)"),
        ("https://[2002:c0a8:101::1]/hook", "private address (RFC 1918)"),
        ("https://localhost/hook", "loopback"),
        ("https://crm.localhost/hook", "loopback"),
    ],
)
def test_a_webhook_url_naming_an_internal_address_is_refused_saying_why(url: str, why: str) -> None:
    problem = webhook_url_problem(url, resolve=no_lookup)
    assert why in problem
    assert "webhook host" in problem or "is a loopback" in problem


@pytest.mark.parametrize("url", ["https://1.2.3.999/", "https://1.2.3.4.5/", "https://09.1/"])
def test_a_host_of_numbers_that_is_no_address_is_refused(url: str) -> None:
    assert "not" in webhook_url_problem(url, resolve=no_lookup)


@pytest.mark.parametrize(
    "url", ["https://93.184.215.14/hook", "https://[2606:4700:4700::1111]/hook"]
)
def test_a_public_address_is_accepted(url: str) -> None:
    assert webhook_url_problem(url, resolve=no_lookup) == ""


def test_a_name_resolving_to_an_internal_address_is_refused_at_save() -> None:
    problem = webhook_url_problem(
        "https://crm.acme.com/hook", resolve=resolves_to("93.184.215.14", "10.1.2.3")
    )
    assert problem == "the webhook host crm.acme.com (10.1.2.3) is a private address (RFC 1918)"


def test_a_name_of_the_system_resolver_resolving_to_loopback_is_refused() -> None:
    target = Target(scheme="https", host="localhost", port=443, path="/", allowed=False)
    with pytest.raises(ValueError, match=r"localhost \(127\.0\.0\.1\) is a loopback address"):
        target_addresses(target)


def test_a_name_that_does_not_resolve_yet_is_accepted_and_checked_at_send() -> None:
    def fails(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    assert webhook_url_problem("https://crm.acme.com/hook", resolve=fails) == ""


@pytest.mark.parametrize("url", ["https://crm.example/hook", "https://crm.acme.test/hook"])
def test_a_reserved_documentation_name_is_not_looked_up_at_save(url: str) -> None:
    assert webhook_url_problem(url, resolve=no_lookup) == ""


def test_plain_http_is_refused_when_https_is_required(settings: Settings) -> None:
    problem = webhook_url_problem("http://93.184.215.14/hook", resolve=no_lookup)
    assert "https://" in problem
    assert "http://" in problem
    settings.WEBHOOK_REQUIRE_HTTPS = False
    assert webhook_url_problem("http://93.184.215.14/hook", resolve=no_lookup) == ""


def test_a_url_with_credentials_is_refused() -> None:
    problem = webhook_url_problem("https://user:pw@93.184.215.14/", resolve=no_lookup)
    assert "user name or password" in problem


@pytest.mark.django_db
def test_saving_a_schedule_with_an_internal_webhook_is_refused(program: Program) -> None:
    settings = ScheduleSettings(
        frequency=Frequency.WEEKLY, weekday=0, webhook_url="https://169.254.169.254/hook"
    )
    with pytest.raises(DeliveryError, match="cloud metadata address"):
        schedule_save(program=program, settings=settings, actor=None, now=NOW)
    http = ScheduleSettings(
        frequency=Frequency.WEEKLY, weekday=0, webhook_url="http://crm.acme.example/hook"
    )
    with pytest.raises(DeliveryError, match="must use https://"):
        schedule_save(program=program, settings=http, actor=None, now=NOW)
    assert not DeliverySchedule.objects.exists()


@pytest.mark.django_db
def test_the_delivery_form_shows_why_a_webhook_url_is_refused(
    client: Client, program: Program, make_user: Callable[..., User], plain_http: None
) -> None:
    client.force_login(make_user(Role.MANAGER, clients=(program.client,)))
    response = client.post(
        f"/deliveries/program/{program.slug}/",
        {
            "frequency": "weekly",
            "weekday": "0",
            "time_of_day": "09:00",
            "batch_ratings": ["a"],
            "c_handling": "nurture",
            "fyi_handling": "summary",
            "webhook_url": "https://[::1]:8443/hook",
            "is_active": "on",
        },
    )
    assert response.status_code == 200  # the form again, with the reason on the field
    assert "is a loopback address" in response.content.decode()
    assert not DeliverySchedule.objects.exists()


# At send


def test_without_the_allowed_host_setting_the_local_receiver_is_not_called(
    settings: Settings, webhook_receiver: WebhookReceiver
) -> None:
    settings.WEBHOOK_ALLOWED_HOSTS = []
    response = webhook_post(url=webhook_receiver.url, body=b"{}", headers={})
    assert not response.ok
    assert "refused" in response.error
    assert "loopback" in response.error
    assert webhook_receiver.requests == []


def test_the_allowed_host_setting_lets_the_local_receiver_through(
    webhook_receiver: WebhookReceiver,
) -> None:
    response = webhook_post(url=webhook_receiver.url, body=b"{}", headers={})
    assert (response.ok, response.status_code) == (True, 204)
    assert len(webhook_receiver.requests) == 1


def test_a_name_that_rebinds_to_loopback_at_send_is_refused(
    settings: Settings, webhook_receiver: WebhookReceiver
) -> None:
    settings.WEBHOOK_ALLOWED_HOSTS = []
    port = webhook_receiver.url.split(":")[2].split("/")[0]
    url = f"http://crm.acme.com:{port}/hooks/leads"
    assert webhook_url_problem(url, resolve=resolves_to("93.184.215.14")) == ""
    response = webhook_post(url=url, body=b"{}", headers={}, resolve=resolves_to("127.0.0.1"))
    assert not response.ok
    assert "crm.acme.com (127.0.0.1) is a loopback address" in response.error
    assert webhook_receiver.requests == []


def test_the_sender_connects_to_the_checked_address_with_the_original_host(
    settings: Settings, webhook_receiver: WebhookReceiver
) -> None:
    port = webhook_receiver.url.split(":")[2].split("/")[0]
    settings.WEBHOOK_ALLOWED_HOSTS = [f"crm.acme.com:{port}"]
    url = f"http://crm.acme.com:{port}/hooks/leads?v=1"
    response = webhook_post(url=url, body=b"{}", headers={}, resolve=resolves_to("127.0.0.1"))
    assert response.ok
    [request] = webhook_receiver.requests
    assert request.headers["Host"] == f"crm.acme.com:{port}"
    assert request.path == "/hooks/leads?v=1"


class _Peer:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def redirecting(
    settings: Settings, webhook_receiver: WebhookReceiver
) -> Iterator[tuple[str, WebhookReceiver]]:
    """A real receiver answering 302 towards the (allowed) webhook receiver."""

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(302)
            self.send_header("Location", webhook_receiver.url)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    peer = _Peer(Redirect)
    settings.WEBHOOK_ALLOWED_HOSTS = [*settings.WEBHOOK_ALLOWED_HOSTS, f"127.0.0.1:{peer.port}"]
    try:
        yield f"http://127.0.0.1:{peer.port}/hook", webhook_receiver
    finally:
        peer.close()


@pytest.mark.django_db
def test_a_redirect_is_not_followed_and_is_retried_with_backoff(
    redirecting: tuple[str, WebhookReceiver],
) -> None:
    url, target = redirecting
    message = webhook_enqueue(
        key="w:redirect", url=url, secret="s", event="e", payload={"n": 1}, now=NOW
    )
    assert outbox_message_send(message_id=message.pk, now=NOW) is False
    message = OutboxMessage.objects.get(pk=message.pk)
    [attempt] = message.tries.all()
    assert (attempt.ok, attempt.status_code) == (False, 302)
    assert "redirects are not followed" in attempt.error
    assert target.url in attempt.error
    assert message.status == MessageStatus.PENDING
    assert message.next_attempt_at is not None
    assert message.next_attempt_at - attempt.at == retry_delay(1)
    assert target.requests == []


@pytest.mark.django_db
def test_an_internal_url_already_queued_is_refused_at_send(settings: Settings) -> None:
    message = webhook_enqueue(
        key="w:internal",
        url="https://169.254.169.254/latest/meta-data/",
        secret="s",
        event="e",
        payload={},
        now=NOW,
    )
    assert outbox_message_send(message_id=message.pk, now=NOW) is False
    [attempt] = OutboxMessage.objects.get(pk=message.pk).tries.all()
    assert "refused" in attempt.error
    assert "cloud metadata address" in attempt.error


def test_a_receiver_that_never_answers_times_out_quickly(settings: Settings) -> None:
    release = threading.Event()

    class Hang(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            release.wait(10)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    peer = _Peer(Hang)
    settings.WEBHOOK_ALLOWED_HOSTS = [f"127.0.0.1:{peer.port}"]
    settings.WEBHOOK_REQUIRE_HTTPS = False
    settings.WEBHOOK_READ_TIMEOUT = 0.5
    try:
        started = time.monotonic()
        response = webhook_post(url=f"http://127.0.0.1:{peer.port}/", body=b"{}", headers={})
        elapsed = time.monotonic() - started
    finally:
        release.set()
        peer.close()
    assert not response.ok
    assert "timed out" in response.error
    assert elapsed < 3


@pytest.fixture
def tls_receiver(
    tmp_path: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[int, list[str], list[str]]]:
    """A real HTTPS receiver on loopback with a certificate for crm.acme.com, trusted through
    ``SSL_CERT_FILE``; it records the TLS server name and the Host header it was sent."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout",
         str(key), "-out", str(cert), "-subj", "/CN=crm.acme.com",
         "-addext", "subjectAltName=DNS:crm.acme.com"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    names: list[str] = []
    hosts: list[str] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            hosts.append(self.headers["Host"])
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: names.append(str(name)) and None
    peer = _Peer(Hook)
    peer.server.socket = context.wrap_socket(peer.server.socket, server_side=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    settings.WEBHOOK_ALLOWED_HOSTS = [f"crm.acme.com:{peer.port}"]
    try:
        yield peer.port, names, hosts
    finally:
        peer.close()


def test_https_goes_to_the_checked_address_with_the_url_host_as_tls_name(
    tls_receiver: tuple[int, list[str], list[str]],
) -> None:
    port, names, hosts = tls_receiver
    url = f"https://crm.acme.com:{port}/hook"
    response = webhook_post(url=url, body=b"{}", headers={}, resolve=resolves_to("127.0.0.1"))
    assert (response.ok, response.status_code) == (True, 204), response.error
    assert names == ["crm.acme.com"]
    assert hosts == [f"crm.acme.com:{port}"]


def test_https_refuses_a_certificate_for_another_name(
    tls_receiver: tuple[int, list[str], list[str]], settings: Settings
) -> None:
    port, _, hosts = tls_receiver
    settings.WEBHOOK_ALLOWED_HOSTS = [f"crm.other.com:{port}"]
    url = f"https://crm.other.com:{port}/hook"
    response = webhook_post(url=url, body=b"{}", headers={}, resolve=resolves_to("127.0.0.1"))
    assert not response.ok
    assert "certificate" in response.error
    assert hosts == []
