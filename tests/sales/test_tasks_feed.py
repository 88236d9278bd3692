"""The private calendar feed of a user's open tasks: read by a calendar app without signing in,
one event per open task, and revocable (a new address ends the old one)."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client as WebClient
from icalendar import Calendar

from leadflow.accounts.models import Role, User
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from leadflow.sales.models import TaskKind
from leadflow.sales.services.feeds import calendar_feed_issue, calendar_feed_revoke
from leadflow.sales.services.tasks import task_create, task_done
from tests.factories import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_http")]


def _get(token: str) -> tuple[int, bytes]:
    response = WebClient().get(f"/sales/feed/{token}.ics")
    return response.status_code, response.content


def test_the_feed_lists_the_user_s_open_tasks_and_stops_when_revoked(
    make_user: Callable[..., User], make_lead: Callable[..., Lead], program: Program
) -> None:
    seller = make_user(Role.QUALIFIER, programs=(program,))
    other = make_user(Role.QUALIFIER, programs=(program,))
    lead = make_lead(program)

    def add(owner: User, hours: int, title: str = "") -> int:
        task = task_create(
            lead=lead, kind=TaskKind.FOLLOW_UP_CALL, owner=owner, title=title,
            due_at=NOW + timedelta(hours=hours), actor=None, now=NOW,
        )  # fmt: skip
        return task.pk

    first = add(seller, 1)
    done = add(seller, 2)
    task_done(task=lead.sales_tasks.get(pk=done), actor=seller, now=NOW)
    add(other, 3)
    feed = calendar_feed_issue(user=seller, now=NOW)
    assert len(feed.token) >= 40

    status, body = _get(feed.token)
    assert status == 200
    events = Calendar.from_ical(body).walk("VEVENT")
    assert [str(event["UID"]) for event in events] == [f"task-{first}@leadflow"]
    (event,) = events
    assert str(event["SUMMARY"]) == "Follow-up call: Ada Lovelace"
    assert event.decoded("DTSTART") == NOW + timedelta(hours=1)
    assert f"/leads/{lead.pk}/" in str(event["URL"])

    renewed = calendar_feed_issue(user=seller, now=NOW)
    assert renewed.token != feed.token
    assert _get(feed.token)[0] == 404
    assert _get(renewed.token)[0] == 200
    assert calendar_feed_revoke(user=seller, now=NOW)
    assert _get(renewed.token)[0] == 404
    assert _get("not-a-token")[0] == 404


def test_a_deactivated_user_s_feed_is_gone(
    make_user: Callable[..., User], program: Program
) -> None:
    seller = make_user(Role.QUALIFIER, programs=(program,))
    feed = calendar_feed_issue(user=seller, now=NOW)
    seller.is_active = False
    seller.save(update_fields=["is_active"])
    assert _get(feed.token)[0] == 404
