"""The API of sales tasks and demos: the paths and field names of issue 15's item 9 (a
contract), scope (404), roles (403), the on-site lead time as a 422, and the invitation."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client as WebClient
from icalendar import Calendar

from leadflow.accounts.models import Role, User
from leadflow.api.tokens import token_create
from leadflow.leads.models import Lead
from leadflow.programs.models import Program
from leadflow.sales.models import Demo, Task
from tests.factories import NOW

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user: User) -> None:
        token = token_create(user=user, name="test", programs=(), now=NOW)[1]
        self.client = WebClient()
        self.headers = {"Authorization": f"Bearer {token}"}

    def send(self, method: str, path: str, body: object = None) -> tuple[int, Any]:
        call = getattr(self.client, method)
        if method == "get":
            response = call(f"/api/v1{path}", headers=self.headers, secure=True)
        else:
            data = json.dumps(body) if body is not None else ""
            response = call(
                f"/api/v1{path}",
                data,
                content_type="application/json",
                headers=self.headers,
                secure=True,
            )
        if response["Content-Type"].startswith("application/json"):
            return response.status_code, response.json()
        return response.status_code, response


@pytest.fixture
def seller(make_user: Callable[..., User], program: Program) -> User:
    return make_user(Role.QUALIFIER, programs=(program,), email="sam@acme.example")


@pytest.fixture
def api(seller: User) -> Api:
    return Api(seller)


@pytest.fixture
def lead(make_lead: Callable[..., Lead], program: Program) -> Lead:
    return make_lead(program)


def _soon(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()


def test_tasks_are_created_listed_paged_and_finished(api: Api, lead: Lead, seller: User) -> None:
    status, task = api.send(
        "post",
        f"/leads/{lead.pk}/tasks",
        {"kind": "prequalify_call", "due_at": "2026-11-03T15:00:00Z", "note": "Verify the contact"},
    )
    assert status == 201
    assert (task["kind"], task["owner"], task["lead_id"], task["state"], task["due_at"]) == (
        "prequalify_call",
        seller.pk,
        lead.pk,
        "open",
        "2026-11-03T15:00:00Z",
    )
    for day in (4, 5):
        assert (
            api.send(
                "post",
                f"/leads/{lead.pk}/tasks",
                {"kind": "other", "due_at": f"2026-11-0{day}T10:00Z"},
            )[0]
            == 201
        )
    status, page = api.send("get", "/tasks?owner=me&due_before=2026-11-05T00:00:00Z&limit=1")
    assert status == 200
    assert [item["id"] for item in page["items"]] == [task["id"]]
    status, rest = api.send(
        "get", f"/tasks?owner=me&due_before=2026-11-05T00:00:00Z&cursor={page['next_cursor']}"
    )
    assert [item["due_at"] for item in rest["items"]] == ["2026-11-04T10:00:00Z"]
    assert rest["next_cursor"] is None
    assert len(api.send("get", f"/leads/{lead.pk}/tasks")[1]) == 3

    status, done = api.send(
        "patch", f"/tasks/{task['id']}", {"state": "done", "outcome": "Budget confirmed"}
    )
    assert (status, done["state"], done["outcome"]) == (200, "done", "Budget confirmed")
    assert api.send("patch", f"/tasks/{task['id']}", {"state": "cancelled"})[0] == 409
    status, open_page = api.send("get", "/tasks?owner=me&state=open")
    assert len(open_page["items"]) == 2


def test_a_task_for_someone_who_cannot_work_the_lead_is_a_422(
    api: Api, lead: Lead, make_user: Callable[..., User], other_program: Program
) -> None:
    stranger = make_user(Role.QUALIFIER, programs=(other_program,))
    status, body = api.send(
        "post",
        f"/leads/{lead.pk}/tasks",
        {"kind": "other", "due_at": "2026-11-03T15:00:00Z", "owner": stranger.pk},
    )
    assert status == 422
    assert body["detail"][0]["loc"] == ["body", "owner"]
    status, body = api.send(
        "post", f"/leads/{lead.pk}/tasks", {"kind": "lunch", "due_at": "2026-11-03T15:00:00Z"}
    )
    assert (status, body["detail"][0]["loc"]) == (422, ["body", "kind"])


def test_scope_and_roles(
    lead: Lead,
    make_lead: Callable[..., Lead],
    other_program: Program,
    program: Program,
    make_user: Callable[..., User],
    seller: User,
) -> None:
    foreign = make_lead(other_program)
    api = Api(seller)
    assert api.send("get", f"/leads/{foreign.pk}/tasks")[0] == 404
    assert (
        api.send("post", f"/leads/{foreign.pk}/tasks", {"kind": "other", "due_at": _soon(1)})[0]
        == 404
    )
    marketer = Api(make_user(Role.MARKETER, programs=(program,)))
    assert marketer.send("get", f"/leads/{lead.pk}/tasks")[0] == 200
    assert (
        marketer.send("post", f"/leads/{lead.pk}/tasks", {"kind": "other", "due_at": _soon(1)})[0]
        == 403
    )
    reviewer = Api(make_user(Role.REVIEWER, programs=(program,)))
    assert (
        reviewer.send("post", f"/leads/{lead.pk}/tasks", {"kind": "other", "due_at": _soon(1)})[0]
        == 403
    )
    client = Api(make_user(Role.CLIENT, clients=(program.client,)))
    assert client.send("get", f"/leads/{lead.pk}/tasks")[0] == 404
    assert client.send("get", "/tasks")[1]["items"] == []
    _, task = api.send("post", f"/leads/{lead.pk}/tasks", {"kind": "other", "due_at": _soon(1)})
    other_seller = Api(make_user(Role.QUALIFIER, programs=(other_program,)))
    assert other_seller.send("patch", f"/tasks/{task['id']}", {"state": "done"})[0] == 404
    assert Task.objects.get(pk=task["id"]).state == "open"


def test_a_demo_is_scheduled_moved_and_cancelled_with_its_invitation(api: Api, lead: Lead) -> None:
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0, tzinfo=None)
    status, demo = api.send(
        "post",
        f"/leads/{lead.pk}/demos",
        {
            "kind": "remote",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "timezone": "Europe/Berlin",
            "participants": ["ada@example.com"],
            "objectives": "Reporting",
            "meeting_url": "https://meet.example.com/x",
        },
    )
    assert status == 201
    assert demo["participants"] == ["ada@example.com", "sam@acme.example"]
    assert (demo["sequence"], demo["state"], demo["timezone"]) == (0, "scheduled", "Europe/Berlin")

    status, response = api.send("get", f"/demos/{demo['id']}/invite.ics")
    assert (status, response["Content-Type"]) == (200, "text/calendar")
    cal = Calendar.from_ical(response.content)
    (event,) = cal.walk("VEVENT")
    assert (str(cal["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])) == (
        "REQUEST",
        demo["uid"],
        0,
    )
    assert event.decoded("DTSTART").replace(tzinfo=None) == start

    status, moved = api.send(
        "post",
        f"/demos/{demo['id']}/reschedule",
        {"starts_at": _soon(4), "ends_at": _soon(4.05)},
    )
    assert (status, moved["sequence"], moved["uid"]) == (200, 1, demo["uid"])
    status, cancelled = api.send("post", f"/demos/{demo['id']}/cancel")
    assert (status, cancelled["state"], cancelled["sequence"]) == (200, "cancelled", 2)
    cal = Calendar.from_ical(api.send("get", f"/demos/{demo['id']}/invite.ics")[1].content)
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(cal.walk("VEVENT")[0]["UID"]) == demo["uid"]
    assert api.send("post", f"/demos/{demo['id']}/cancel")[0] == 409


def test_an_on_site_demo_inside_the_lead_time_is_a_422_with_the_reason(
    api: Api, lead: Lead
) -> None:
    status, body = api.send(
        "post",
        f"/leads/{lead.pk}/demos",
        {
            "kind": "on_site",
            "starts_at": _soon(7),
            "ends_at": _soon(7.1),
            "timezone": "America/New_York",
            "participants": ["ada@example.com"],
            "location": "Boston",
        },
    )
    assert status == 422
    (error,) = body["detail"]
    assert error["loc"] == ["body", "starts_at"]
    assert error["msg"].startswith("An on-site demo must be booked at least 14 days ahead")
    assert not Demo.objects.exists()
    assert (
        api.send(
            "post",
            f"/leads/{lead.pk}/demos",
            {
                "kind": "on_site",
                "starts_at": _soon(15),
                "ends_at": _soon(15.1),
                "timezone": "America/New_York",
                "participants": [],
                "location": "Boston",
            },
        )[0]
        == 201
    )


def test_the_openapi_document_has_the_contract(api: Api) -> None:
    document = WebClient().get("/api/v1/openapi.json", secure=True).json()
    paths = document["paths"]
    assert set(paths["/api/v1/leads/{lead_id}/tasks"]) >= {"get", "post"}
    assert "patch" in paths["/api/v1/tasks/{task_id}"]
    assert "get" in paths["/api/v1/tasks"]
    assert "post" in paths["/api/v1/leads/{lead_id}/demos"]
    invite = paths["/api/v1/demos/{demo_id}/invite.ics"]["get"]["responses"]["200"]
    assert "text/calendar" in invite["content"]
    assert "post" in paths["/api/v1/demos/{demo_id}/reschedule"]
    assert "post" in paths["/api/v1/demos/{demo_id}/cancel"]
    schemas = document["components"]["schemas"]
    assert set(schemas["TaskIn"]["properties"]) >= {"kind", "due_at", "owner"}
    assert set(schemas["DemoIn"]["properties"]) >= {
        "kind",
        "starts_at",
        "ends_at",
        "timezone",
        "participants",
        "objectives",
    }
    assert set(schemas["TaskPageOut"]["properties"]) == {"items", "next_cursor"}
