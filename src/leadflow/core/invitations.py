"""Calendar invitations (RFC 5545 with RFC 5546's methods): one event, its organizer and its
attendees, as ``METHOD:REQUEST`` or, once cancelled, ``METHOD:CANCEL`` (``STATUS:CANCELLED``).

Shared by the sales demos and the appointments: an invitation keeps one ``UID`` for its whole
life and raises ``SEQUENCE`` by one at every change (a reschedule, the cancellation), so a
calendar updates the event it has instead of adding another. The times are written in the
invitation's timezone (``DTSTART;TZID=…`` with its ``VTIMEZONE``).

Pure: the values in, the bytes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText


@dataclass(frozen=True, slots=True)
class Person:
    email: str
    name: str = ""


@dataclass(frozen=True)
class Invitation:
    prodid: str
    uid: str
    sequence: int
    cancelled: bool
    starts_at: datetime
    ends_at: datetime
    timezone: str
    summary: str
    organizer: Person
    attendees: tuple[Person, ...]
    created_at: datetime
    updated_at: datetime
    location: str = ""
    url: str = ""
    description: str = ""

    @property
    def method(self) -> str:
        return "CANCEL" if self.cancelled else "REQUEST"


def _address(person: Person) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = vText(person.name)
    return address


def invitation_ics(invitation: Invitation) -> bytes:
    """The invitation as an iCalendar object of one VEVENT."""
    zone = ZoneInfo(invitation.timezone)
    cal = Calendar()
    cal.add("prodid", invitation.prodid)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", invitation.method)
    event = Event()
    event.add("uid", invitation.uid)
    event.add("sequence", invitation.sequence)
    event.add("dtstamp", invitation.updated_at)
    event.add("created", invitation.created_at)
    event.add("last-modified", invitation.updated_at)
    event.add("dtstart", invitation.starts_at.astimezone(zone))
    event.add("dtend", invitation.ends_at.astimezone(zone))
    event.add("summary", invitation.summary)
    if invitation.location:
        event.add("location", invitation.location)
    if invitation.url:
        event.add("url", invitation.url)
    if invitation.description:
        event.add("description", invitation.description)
    event.add("status", "CANCELLED" if invitation.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event["organizer"] = _address(invitation.organizer)
    for person in invitation.attendees:
        attendee = _address(person)
        attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
        attendee.params["PARTSTAT"] = vText("NEEDS-ACTION")
        attendee.params["RSVP"] = vText("TRUE")
        event.add("attendee", attendee, encode=False)
    cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
