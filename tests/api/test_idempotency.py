"""API writes accept an Idempotency-Key: a retry gets the first answer and changes nothing."""

import json
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from leadflow.accounts.models import Role, User
from leadflow.api.idempotency import IdempotencyConflict, idempotency_purge, idempotent_write
from leadflow.api.models import IdempotencyRecord
from leadflow.intake.schemas import LeadIn
from leadflow.leads.models import Lead, LeadEvent
from leadflow.programs.models import Program
from tests.api.conftest import Api
from tests.conftest import NOW


def test_a_retried_create_returns_the_first_response_and_creates_one_lead(
    api: Api, lead_body: dict[str, Any]
) -> None:
    first = api.post("/leads", lead_body, key="retry-1")
    again = api.post("/leads", lead_body, key="retry-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Lead.objects.count() == 1
    assert LeadEvent.objects.count() == 1


def test_the_same_json_in_another_spelling_is_the_same_request(
    api: Api, lead_body: dict[str, Any]
) -> None:
    first = api.post("/leads", lead_body, key="k")
    reordered = json.dumps(dict(reversed(list(lead_body.items()))), indent=2)
    assert api.post("/leads", reordered, key="k").content == first.content


def test_the_same_key_with_another_body_is_422(api: Api, lead_body: dict[str, Any]) -> None:
    api.post("/leads", lead_body, key="k")
    response = api.post("/leads", {**lead_body, "campaign": "OTHER"}, key="k")
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["loc"] == ["header", "Idempotency-Key"]
    assert "different request" in error["msg"]
    assert Lead.objects.get().campaign == "SPRING-26"


def test_a_key_used_for_a_create_cannot_be_reused_for_an_update(
    api: Api, lead_body: dict[str, Any]
) -> None:
    lead = api.post("/leads", lead_body, key="k").json()
    assert api.patch(f"/leads/{lead['id']}", {"profile": {}}, key="k").status_code == 422


def test_a_rejected_request_does_not_use_up_its_key(api: Api, lead_body: dict[str, Any]) -> None:
    unreachable = {**lead_body, "email": "bad", "phone": "", "company": ""}
    assert api.post("/leads", unreachable, key="k").status_code == 422
    assert not IdempotencyRecord.objects.exists()
    assert api.post("/leads", lead_body, key="k").status_code == 201


def test_keys_belong_to_their_user(
    api: Api,
    api_as: Callable[..., Api],
    make_user: Callable[..., User],
    program: Program,
    lead_body: dict[str, Any],
) -> None:
    colleague = api_as(make_user(Role.QUALIFIER, programs=(program,)))
    assert api.post("/leads", lead_body, key="shared").status_code == 201
    other = {"program": "acme-demand", "email": "charles@difference.example"}
    assert colleague.post("/leads", other, key="shared").status_code == 201
    assert Lead.objects.count() == 2


def test_a_retried_update_records_its_events_once(api: Api, lead_body: dict[str, Any]) -> None:
    lead_id = api.post("/leads", lead_body).json()["id"]
    body = {"answers": {"timeframe_months": 12}}
    first = api.patch(f"/leads/{lead_id}", body, key="u")
    again = api.patch(f"/leads/{lead_id}", body, key="u")
    assert (first.status_code, again.content) == (200, first.content)
    assert LeadEvent.objects.filter(lead_id=lead_id).count() == 3


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "tab\tkey", "ключ"])
def test_an_unusable_key_is_422(api: Api, lead_body: dict[str, Any], key: str) -> None:
    response = api.post("/leads", lead_body, key=key)
    assert response.status_code == 422
    assert not Lead.objects.exists()


def test_records_older_than_a_day_are_purged(api: Api, lead_body: dict[str, Any]) -> None:
    api.post("/leads", lead_body, key="old")
    api.post("/leads", {**lead_body, "external_id": "crm-9"}, key="new")
    IdempotencyRecord.objects.filter(key="old").update(created_at=NOW - timedelta(hours=25))
    IdempotencyRecord.objects.filter(key="new").update(created_at=NOW - timedelta(hours=23))
    assert idempotency_purge(now=NOW) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_make_one_lead_and_one_answer(
    api: Api, lead_body: dict[str, Any]
) -> None:
    threads = 8
    barrier = threading.Barrier(threads)
    answers: list[tuple[int, bytes]] = []
    failures: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait(timeout=10)
            response = api_copy().post("/leads", lead_body, key="same-key")
            answers.append((response.status_code, response.content))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    def api_copy() -> Api:
        copy = Api(None)
        copy.headers = dict(api.headers)
        return copy

    workers = [threading.Thread(target=send) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not failures
    assert len(answers) == threads
    assert {status for status, _ in answers} == {201}
    assert len({body for _, body in answers}) == 1
    assert Lead.objects.count() == 1
    assert LeadEvent.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_a_merge_with_one_key_merge_once_with_one_answer(
    api: Api, lead_body: dict[str, Any]
) -> None:
    # A merge writes the key's record in its own statement (the lead's id is known): the
    # retries that looked the key up before the first committed find it taken there, are
    # rolled back and replay the first answer.
    assert api.post("/leads", lead_body, key="first").status_code == 201
    again = {**lead_body, "first_name": "Augusta", "title": "Countess"}
    threads = 8
    barrier = threading.Barrier(threads)
    answers: list[tuple[int, bytes]] = []
    failures: list[BaseException] = []

    def send() -> None:
        try:
            copy = Api(None)
            copy.headers = dict(api.headers)
            barrier.wait(timeout=10)
            response = copy.post("/leads", again, key="merge-key")
            answers.append((response.status_code, response.content))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=send) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not failures
    assert len(answers) == threads
    assert {status for status, _ in answers} == {200}
    assert len({body for _, body in answers}) == 1
    assert Lead.objects.count() == 1
    assert LeadEvent.objects.filter(kind="merged").count() == 1
    assert IdempotencyRecord.objects.filter(key="merge-key").count() == 1


def test_a_first_use_committed_meanwhile_undoes_the_write_and_replays_its_answer(
    api: Api, lead_body: dict[str, Any], marketer: User, program: Program
) -> None:
    # The capture looks the key up with its program and, finding none, writes first and
    # records the key last: a concurrent first use that committed in between wins.
    first = api.post("/leads", lead_body, key="raced")
    runs = []

    def write() -> tuple[int, dict[str, Any]]:
        runs.append(
            Lead.objects.create(
                program=program, first_name="Second", created_at=NOW, updated_at=NOW
            )
        )
        return 201, {"id": runs[-1].pk}

    outcome = idempotent_write(
        user=marketer,
        key="raced",
        method="POST",
        path="/api/v1/leads",
        payload=LeadIn(**lead_body).model_dump(mode="json"),
        now=NOW,
        write=write,
        found=None,
    )
    assert len(runs) == 1
    assert outcome.replayed
    assert (outcome.status, outcome.body) == (201, first.json())
    assert not Lead.objects.filter(pk=runs[0].pk).exists()
    assert IdempotencyRecord.objects.filter(key="raced").count() == 1


def test_a_first_use_committed_meanwhile_with_another_request_is_a_conflict(
    api: Api, lead_body: dict[str, Any], marketer: User, program: Program
) -> None:
    api.post("/leads", lead_body, key="raced")
    with pytest.raises(IdempotencyConflict):
        idempotent_write(
            user=marketer,
            key="raced",
            method="POST",
            path="/api/v1/leads",
            payload={"other": True},
            now=NOW,
            write=lambda: (201, {}),
            found=None,
        )
