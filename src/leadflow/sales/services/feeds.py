"""Private calendar feeds (issue 15, item 1): each user may have a secret URL of their open
tasks, ``/sales/feed/<token>.ics``, that calendar apps subscribe to.

The feed is an RFC 5545 calendar with one ``VEVENT`` per open task (at its due time, for
``TASK_MINUTES``; ``UID`` ``task-<id>@leadflow`` so that an app updates the event when the task
moves): events, not ``VTODO``, because the common calendar apps show events and ignore to-dos.
The token is a random 256-bit secret; issuing a new one replaces the old (old URLs stop working
at once), revoking ends the feed. The URL reads without signing in (calendar apps cannot), so
the token is the whole protection: it is shown only to its user (like any URL it appears in the
access log, which only operators read); a user who suspects a leak makes a new address.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from icalendar import Calendar, Event

from leadflow.accounts.models import User
from leadflow.sales.models import CalendarFeed, TaskKind
from leadflow.sales.selectors.tasks import tasks_for_user

TASK_MINUTES = 30
PRODID = "-//LeadFlow//Sales tasks//EN"
#: Open tasks a feed lists at most (the soonest first).
FEED_LIMIT = 500


def _token() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def calendar_feed_issue(*, user: User, now: datetime) -> CalendarFeed:
    """A new secret feed URL for the user, replacing (and so ending) any previous one."""
    feed, _ = CalendarFeed.objects.select_for_update().get_or_create(
        user=user, defaults={"token": _token(), "created_at": now}
    )
    feed.token = _token()
    feed.created_at = now
    feed.revoked_at = None
    feed.save()
    return feed


def calendar_feed_revoke(*, user: User, now: datetime) -> bool:
    """End the user's feed (its URL answers 404 from now on). Whether there was one."""
    return bool(
        CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    )


def feed_url(feed: CalendarFeed) -> str:
    return f"{settings.SITE_URL}{reverse('sales:feed', args=[feed.token])}"


def feed_ics(*, feed: CalendarFeed, now: datetime) -> bytes:
    """The feed's calendar: the user's open tasks (writes nothing)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "LeadFlow tasks")
    tasks = tasks_for_user(feed.user).select_related("lead")[:FEED_LIMIT]
    for task in tasks:
        lead = task.lead
        name = " ".join(part for part in (lead.first_name, lead.last_name) if part)
        who = name or lead.company or f"lead #{lead.pk}"
        event = Event()
        event.add("uid", f"task-{task.pk}@leadflow")
        event.add("dtstamp", now)
        event.add("dtstart", task.due_at)
        try:
            event.add("dtend", task.due_at + timedelta(minutes=TASK_MINUTES))
        except OverflowError:  # a task due at the end of the calendar
            event.add("dtend", task.due_at)
        event.add("summary", f"{task.title or TaskKind(task.kind).label}: {who}")
        link = f"{settings.SITE_URL}{reverse('workspace:detail', args=[lead.pk])}"
        description = f"{lead.company}\n{task.note}".strip()
        event.add("description", f"{description}\n{link}".strip())
        event.add("url", link)
        event.add("last-modified", task.updated_at)
        event.add("categories", ["LeadFlow"])
        cal.add_component(event)
    return cal.to_ical()
