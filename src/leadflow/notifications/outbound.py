"""Where LeadFlow may send a webhook, and the one way it connects there.

A webhook URL is a client's CRM endpoint on the public internet. Without a policy it is a
server-side request forgery path: a URL naming ``127.0.0.1``, a private network or the cloud's
metadata service makes LeadFlow's workers call inside the network it runs in. So a URL must be
``https://`` (when ``WEBHOOK_REQUIRE_HTTPS``, on unless ``DEBUG``) and its host must resolve to
public addresses only; ``WEBHOOK_ALLOWED_HOSTS`` names the hosts (``host`` or ``host:port``) an
operator trusts anyway, such as an internal CRM.

The URL is checked when it is saved (``webhook_url_problem``: a clear reason for the form) and
again at every send (``webhook_post``), because a name that resolved to a public address at save
may resolve to ``127.0.0.1`` later (DNS rebinding): the sender resolves the name once, checks
every address, and connects to a checked address itself, sending the original ``Host`` header and
TLS server name, so no second lookup can change where the request goes. Redirects are never
followed: a 3xx is a failed attempt, and the outbox retries it with its backoff.
"""

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
_Answer = TypeVar("_Answer")

# Checked in order: the first network an address falls in names why it is refused.
_V4: tuple[tuple[str, str], ...] = (
    ("169.254.169.254/32", "a cloud metadata address"),
    ("0.0.0.0/8", "an unspecified address"),
    ("127.0.0.0/8", "a loopback address"),
    ("10.0.0.0/8", "a private address (RFC 1918)"),
    ("172.16.0.0/12", "a private address (RFC 1918)"),
    ("192.168.0.0/16", "a private address (RFC 1918)"),
    ("100.64.0.0/10", "a carrier-grade NAT address (RFC 6598)"),
    ("169.254.0.0/16", "a link-local address"),
    ("224.0.0.0/4", "a multicast address"),
    ("255.255.255.255/32", "a broadcast address"),
)
_V6: tuple[tuple[str, str], ...] = (
    ("fd00:ec2::254/128", "a cloud metadata address"),
    ("::/128", "an unspecified address"),
    ("::1/128", "a loopback address"),
    ("fc00::/7", "a unique-local address"),
    ("fec0::/10", "a site-local address"),
    ("fe80::/10", "a link-local address"),
    ("ff00::/8", "a multicast address"),
)
_V4_NETWORKS = tuple((ipaddress.IPv4Network(net), why) for net, why in _V4)
_V6_NETWORKS = tuple((ipaddress.IPv6Network(net), why) for net, why in _V6)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class WebhookRefused(ValueError):
    """A webhook URL LeadFlow will not call; the message says why."""


class WebhookUnresolved(WebhookRefused):
    """The URL's host has no address now: refused at send, but not a reason to refuse a save."""


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL: where to connect and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    allowed: bool  # named in WEBHOOK_ALLOWED_HOSTS: its addresses are not checked


@dataclass(frozen=True, slots=True)
class Response:
    ok: bool
    status_code: int | None = None
    error: str = ""
    #: No answer at all (no connection, or a timeout): the receiver, not this message, failed.
    unreachable: bool = False


def address_problem(address: IPAddress) -> str:
    """Why a request may not go to ``address`` ("" when it is a public address)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return address_problem(embedded)
        networks: Sequence[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]]
        networks = _V6_NETWORKS
    else:
        networks = _V4_NETWORKS
    for network, why in networks:
        if address in network:
            return why
    if not address.is_global:
        return "a reserved address, not a public one"
    return ""


def ipv4_literal(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host written as numbers means, in every form ``inet_aton`` (and so
    the resolver) reads: ``127.0.0.1``, ``127.1``, ``2130706433``, ``0x7f.1``, ``0177.0.0.1``.
    None when the host is a name. A host whose last label is a number but is no address
    raises, as the WHATWG URL standard does."""
    labels = host.removesuffix(".").split(".")
    if not _is_number(labels[-1]):
        return None
    if len(labels) > 4 or not all(_is_number(label) for label in labels):
        raise WebhookRefused(f"{host!r} is not a host name or an IP address")
    numbers = [_number(label) for label in labels]
    *high, last = numbers
    if any(part > 255 for part in high) or last >= 256 ** (5 - len(numbers)):
        raise WebhookRefused(f"{host!r} is not a valid IPv4 address")
    value = 0
    for part in high:
        value = value * 256 + part
    value = value * 256 ** (5 - len(numbers)) + last
    return ipaddress.IPv4Address(value)


def _is_number(label: str) -> bool:
    lowered = label.lower()
    if lowered.startswith("0x"):
        return all(char in "0123456789abcdef" for char in lowered[2:])
    return lowered.isdigit() and lowered.isascii()


def _number(label: str) -> int:
    lowered = label.lower()
    if lowered.startswith("0x"):
        return int(lowered[2:] or "0", 16)
    if len(lowered) > 1 and lowered.startswith("0"):
        if any(char in "89" for char in lowered):
            raise WebhookRefused(f"{label!r} is not an octal number")
        return int(lowered, 8)
    return int(lowered)


def _literal(host: str) -> IPAddress | None:
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            raise WebhookRefused(f"{host!r} is not a valid IPv6 address") from None
    return ipv4_literal(host)


def _allowed_hosts() -> set[str]:
    return {entry.strip().lower().rstrip(".") for entry in settings.WEBHOOK_ALLOWED_HOSTS}


def webhook_target(url: str) -> Target:
    """Parse ``url`` and check what can be checked without a lookup; raises WebhookRefused."""
    parts: SplitResult = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise WebhookRefused("the webhook URL must start with https://")
    if scheme == "http" and settings.WEBHOOK_REQUIRE_HTTPS:
        raise WebhookRefused("the webhook URL must use https://; plain http:// is not allowed")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise WebhookRefused("the webhook URL has an invalid port") from None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise WebhookRefused("the webhook URL has no host")
    if parts.username is not None or parts.password is not None:
        raise WebhookRefused("the webhook URL may not carry a user name or password")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if any(char.isspace() or ord(char) < 0x20 for char in path):
        raise WebhookRefused("the webhook URL's path may not contain spaces or control characters")
    allowed_hosts = _allowed_hosts()
    allowed = host in allowed_hosts or f"{host}:{port}" in allowed_hosts
    target = Target(scheme=scheme, host=host, port=port, path=path, allowed=allowed)
    if allowed:
        return target
    literal = _literal(host)
    if literal is not None:
        _refuse_address(host, literal)
    elif host == "localhost" or host.endswith(".localhost"):
        raise WebhookRefused(f"{host} is a loopback address")
    return target


def _refuse_address(host: str, address: IPAddress) -> None:
    why = address_problem(address)
    if why:
        shown = host if host == str(address) else f"{host} ({address})"
        raise WebhookRefused(f"the webhook host {shown} is {why}")


def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host``, in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def target_addresses(target: Target, *, resolve: Resolver = system_resolve) -> list[str]:
    """Resolve the target once and check every address it has; raises WebhookRefused when any
    of them is not public (unless the host is allowed) or when the name does not resolve."""
    try:
        addresses = list(resolve(target.host, target.port))
    except (OSError, UnicodeError) as exc:
        raise WebhookUnresolved(f"{target.host} could not be resolved: {exc}") from None
    if not addresses:
        raise WebhookUnresolved(f"{target.host} has no address")
    if not target.allowed:
        for address in addresses:
            _refuse_address(target.host, ipaddress.ip_address(address.split("%", 1)[0]))
    return addresses


#: Names the public DNS never answers (RFC 2606, RFC 6761): not looked up when a URL is saved
#: (no public lookup can say anything about them); at send they are resolved and checked.
_RESERVED_SUFFIXES = (".example", ".test", ".invalid")


def webhook_url_problem(url: str, *, resolve: Resolver = system_resolve) -> str:
    """Why ``url`` cannot be a webhook ("" when it can): the check when a URL is saved.

    A name that does not resolve yet is accepted (its addresses are checked at every send); a
    name that resolves to any internal address is refused now, with the address and why."""
    try:
        target = webhook_target(url)
        if target.allowed or _literal(target.host) is not None:
            return ""
        if f".{target.host}".endswith(_RESERVED_SUFFIXES):
            return ""
        target_addresses(target, resolve=resolve)
    except WebhookUnresolved:
        return ""
    except WebhookRefused as exc:
        return str(exc)
    return ""


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP connection to a checked address, sending the URL's host as ``Host``."""

    def __init__(self, target: Target, address: str, connect_timeout: float, read: float):
        super().__init__(target.host, target.port, timeout=read)
        self.address = address
        self.connect_timeout = connect_timeout

    def connect(self) -> None:
        self.sock = socket.create_connection(
            (self.address, self.port), timeout=self.connect_timeout
        )
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(self.timeout)


class _PinnedHTTPSConnection(_PinnedConnection):
    """The same over TLS: the certificate is verified for the URL's host, sent as SNI."""

    def __init__(self, target: Target, address: str, connect_timeout: float, read: float):
        super().__init__(target, address, connect_timeout, read)
        self.default_port = http.client.HTTPS_PORT
        self.context = ssl.create_default_context()

    def connect(self) -> None:
        super().connect()
        self.sock = self.context.wrap_socket(self.sock, server_hostname=self.host)


@dataclass(frozen=True, slots=True)
class _Unanswered:
    """No answer came back: why, and whether the receiver was unreachable (no connection, or
    the connection broke) rather than the exchange malformed."""

    error: str
    unreachable: bool


def _pinned_exchange(
    *,
    url: str,
    method: str,
    headers: Mapping[str, str],
    body: bytes | None = None,
    resolve: Resolver,
    read: Callable[[http.client.HTTPResponse], _Answer],
) -> _Answer | _Unanswered:
    """The one way LeadFlow calls out: check the URL, resolve it once and check every address,
    connect to each checked address in turn (the URL's host as ``Host`` and TLS server name,
    the webhooks' timeouts), send one request on the first connection made and give its
    answer to ``read``; no redirect is followed. Raises WebhookRefused before any connection."""
    target = webhook_target(url)
    addresses = target_addresses(target, resolve=resolve)
    connect_timeout = float(settings.WEBHOOK_CONNECT_TIMEOUT)
    read_timeout = float(settings.WEBHOOK_READ_TIMEOUT)
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedConnection
    errors: list[str] = []
    for address in addresses:
        connection = kind(target, address, connect_timeout, read_timeout)
        try:
            try:
                connection.connect()
            except OSError as exc:
                errors.append(f"{address}: {type(exc).__name__}: {exc}")
                continue
            connection.request(method, target.path, body=body, headers=dict(headers))
            return read(connection.getresponse())
        except OSError as exc:
            return _Unanswered(error=f"{type(exc).__name__}: {exc}", unreachable=True)
        except http.client.HTTPException as exc:
            return _Unanswered(error=f"{type(exc).__name__}: {exc}", unreachable=False)
        finally:
            connection.close()
    return _Unanswered(error="could not connect: " + "; ".join(errors), unreachable=True)


def webhook_post(
    *,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    resolve: Resolver = system_resolve,
) -> Response:
    """POST ``body`` to ``url`` under the policy, with short timeouts, following no redirect."""
    try:
        outcome = _pinned_exchange(
            url=url, method="POST", body=body, headers=headers, resolve=resolve, read=_response
        )
    except WebhookRefused as exc:
        return Response(ok=False, error=f"refused: {exc}")
    if isinstance(outcome, _Unanswered):
        return Response(ok=False, error=outcome.error, unreachable=outcome.unreachable)
    return outcome


def _response(response: http.client.HTTPResponse) -> Response:
    status = response.status
    if 200 <= status < 300:
        return Response(ok=True, status_code=status)
    error = f"HTTP {status} {response.reason}"
    if 300 <= status < 400:
        location = response.getheader("Location", "")
        error += f": redirects are not followed (Location: {location[:500]})"
    return Response(ok=False, status_code=status, error=error)


@dataclass(frozen=True, slots=True)
class Fetched:
    """What a GET brought back: the body (at most the cap), or why there is none."""

    ok: bool
    body: bytes = b""
    status_code: int | None = None
    error: str = ""


def url_get(
    *,
    url: str,
    max_bytes: int,
    accept: str = "*/*",
    resolve: Resolver = system_resolve,
) -> Fetched:
    """GET ``url`` under the webhooks' policy (https unless allowed, public addresses only,
    the checked address pinned, no redirect followed, the same timeouts) and read at most
    ``max_bytes`` of its body: an app importing a feed (an attendee's free/busy calendar)
    never calls inside the network, and a body over the cap is refused, not truncated."""

    def fetched(response: http.client.HTTPResponse) -> Fetched:
        if not 200 <= response.status < 300:
            failed = _response(response)
            return Fetched(ok=False, status_code=failed.status_code, error=failed.error)
        body = response.read(max_bytes + 1)
        if len(body) > max_bytes:
            return Fetched(
                ok=False,
                status_code=response.status,
                error=f"the answer is larger than {max_bytes:,} bytes",
            )
        return Fetched(ok=True, body=body, status_code=response.status)

    try:
        outcome = _pinned_exchange(
            url=url, method="GET", headers={"Accept": accept}, resolve=resolve, read=fetched
        )
    except WebhookRefused as exc:
        return Fetched(ok=False, error=str(exc).replace("the webhook ", "the "))
    if isinstance(outcome, _Unanswered):
        return Fetched(ok=False, error=outcome.error)
    return outcome
