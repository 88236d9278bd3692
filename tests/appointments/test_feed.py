"""Importing an attendee's iCalendar free/busy feed (issue 20, item 1): fetched from a real
HTTP server under the outbound policy; its busy times are no longer offered; a broken feed, a
redirect, an oversized answer or an address inside the network is refused with the reason and
leaves the busy times imported before as they were."""

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from leadflow.appointments.selectors import attendee_slots
from leadflow.appointments.services import attendee_feed_import
from leadflow.core.errors import InputError
from leadflow.leads.models import Lead
from tests.appointments.conftest import People
from tests.factories import NOW

pytestmark = pytest.mark.django_db

BUSY = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Test//EN\r
BEGIN:VFREEBUSY\r
UID:fb-1\r
DTSTAMP:20261101T000000Z\r
FREEBUSY:20261103T170000Z/20261103T200000Z\r
END:VFREEBUSY\r
END:VCALENDAR\r
"""


@dataclass
class FeedServer:
    base: str
    routes: dict[str, tuple[int, bytes, dict[str, str]]] = field(default_factory=dict)


@pytest.fixture
def feed_server(settings: Any) -> Iterator[FeedServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    feeds = FeedServer(base=f"http://127.0.0.1:{port}")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body, headers = feeds.routes.get(self.path, (404, b"", {}))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server.RequestHandlerClass = Handler
    settings.WEBHOOK_ALLOWED_HOSTS = [f"127.0.0.1:{port}"]
    settings.WEBHOOK_REQUIRE_HTTPS = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield feeds
    finally:
        server.shutdown()
        server.server_close()


def test_the_feeds_busy_times_are_not_offered(
    feed_server: FeedServer, people: People, hot_lead: Lead
) -> None:
    feed_server.routes["/busy.ics"] = (200, BUSY, {"Content-Type": "text/calendar"})
    row = attendee_feed_import(
        attendee=people.seller, url=f"{feed_server.base}/busy.ics", actor=None, now=NOW
    )
    assert row.feed_busy == [["2026-11-03T17:00:00+00:00", "2026-11-03T20:00:00+00:00"]]
    starts = {
        s.start
        for s in attendee_slots(
            attendee=people.seller, lead=hot_lead, viewer_timezone="UTC", now=NOW
        )
    }
    # 09:00-12:00 in Los Angeles on Tuesday is busy (with the 10-minute buffer around it).
    assert datetime(2026, 11, 3, 17, 0, tzinfo=UTC) not in starts
    assert datetime(2026, 11, 3, 20, 0, tzinfo=UTC) not in starts
    assert datetime(2026, 11, 3, 20, 30, tzinfo=UTC) in starts  # 12:30 in Los Angeles


def test_a_broken_feed_is_refused_and_keeps_the_busy_times_imported_before(
    feed_server: FeedServer, people: People
) -> None:
    feed_server.routes["/busy.ics"] = (200, BUSY, {})
    feed_server.routes["/broken.ics"] = (200, b"BEGIN:VCALENDAR\r\nnot a calendar", {})
    attendee_feed_import(
        attendee=people.seller, url=f"{feed_server.base}/busy.ics", actor=None, now=NOW
    )
    with pytest.raises(InputError, match="not a calendar LeadFlow can read"):
        attendee_feed_import(
            attendee=people.seller, url=f"{feed_server.base}/broken.ics", actor=None, now=NOW
        )
    people.seller.attendee_calendar.refresh_from_db()
    assert len(people.seller.attendee_calendar.feed_busy) == 1


def test_a_redirect_is_not_followed(feed_server: FeedServer, people: People) -> None:
    feed_server.routes["/moved.ics"] = (302, b"", {"Location": "http://169.254.169.254/"})
    with pytest.raises(InputError, match="redirects are not followed"):
        attendee_feed_import(
            attendee=people.seller, url=f"{feed_server.base}/moved.ics", actor=None, now=NOW
        )


def test_an_oversized_feed_is_refused(
    feed_server: FeedServer, people: People, settings: Any
) -> None:
    feed_server.routes["/huge.ics"] = (200, b"X" * 2_000_001, {})
    with pytest.raises(InputError, match="larger than 2,000,000 bytes"):
        attendee_feed_import(
            attendee=people.seller, url=f"{feed_server.base}/huge.ics", actor=None, now=NOW
        )


def test_a_feed_inside_the_network_is_refused(people: People) -> None:
    with pytest.raises(InputError, match="private address"):
        attendee_feed_import(
            attendee=people.seller, url="https://10.0.0.8/busy.ics", actor=None, now=NOW
        )
