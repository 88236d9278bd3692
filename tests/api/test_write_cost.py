"""What one ``POST /api/v1/leads`` costs the database (issue 18, item 5): at most 6 statements
on PostgreSQL for a new lead and for a merge into an existing one, a bounded number on SQLite,
and no savepoint nested in the request's one transaction.

Every statement Django sends is counted, savepoints included, and so is what runs once the
request's transaction has committed (the tasks its events queue: ``on_commit`` callbacks run
here as they would in production). The test's own transaction turns the request's outermost
``atomic`` into a savepoint: that pair stands for the request's BEGIN/COMMIT, which Django does
not send as statements (the driver's transaction control), and is left out. ``COPY`` bypasses
Django's cursor wrapper and would not be seen: neither write sends one (each is one plain
statement with data-modifying CTEs).
"""

from typing import Any

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from leadflow.leads.models import LeadEvent
from leadflow.reports.models import PendingLead
from tests.api.conftest import Api

#: Statements other than savepoints. A new lead: the token with its user, roles and programs
#: (one query); the program with its published criteria and the idempotency key's record, if
#: any (one); the duplicate candidates; the lead, its ``created`` event and the reports' queue
#: entry (one statement on PostgreSQL, three on SQLite, which has no data-modifying CTEs); the
#: key's record with the answer. PostgreSQL adds the advisory lock of the inquiry's keys.
NEW_LEAD = {"sqlite": 7, "postgresql": 6}
#: A merge: the caller, the program with the key's record id, the advisory lock (PostgreSQL),
#: the duplicate candidates, the matched lead under its row lock with its engagement (one
#: statement on PostgreSQL; SQLite reads the engagement apart), and on PostgreSQL one statement
#: for the update, its ``merged`` and ``qualified`` events, the reports' queue entry and the
#: key's record with the answer (the lead's id is known before it is written). SQLite: the
#: update, the events, the queue entry and the key's record, one each. A lead that is not
#: nurturing queues no nurture task after commit.
MERGE = {"sqlite": 9, "postgresql": 6}
#: Savepoints of the request, beyond the test's pair.
SAVEPOINTS = {"new": 0, "merge": 0}


def _cost(api: Api, body: dict[str, Any], key: str) -> tuple[int, int, Any]:
    with (
        CaptureQueriesContext(connection) as captured,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        response = api.post("/leads", body, key=key)
    statements = [q["sql"] for q in captured.captured_queries]
    savepoints = [s for s in statements if s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    return len(statements) - len(savepoints), len(savepoints) - 2, response


def test_a_capture_takes_a_bounded_number_of_statements(
    api: Api, lead_body: dict[str, Any]
) -> None:
    # Someone else first (nothing in common: no possible duplicate to record), so that what
    # the first request of a process sets up is not counted.
    warm = {
        **lead_body,
        "first_name": "Grace",
        "last_name": "Hopper",
        "company": "Harvard Computation Lab",
        "website": "",
        "email": "grace@example.org",
        "phone": "",
        "external_id": "warm",
    }
    assert api.post("/leads", warm, key="warm").status_code == 201

    statements, savepoints, response = _cost(api, lead_body, "new")
    assert response.status_code == 201, response.content
    assert statements <= NEW_LEAD[connection.vendor]
    assert savepoints <= SAVEPOINTS["new"]
    lead_id = response.json()["id"]
    assert PendingLead.objects.filter(lead_id=lead_id).exists()
    assert LeadEvent.objects.filter(lead_id=lead_id, kind="created").count() == 1

    again = {**lead_body, "first_name": "Augusta"}
    statements, savepoints, response = _cost(api, again, "merge")
    assert response.status_code == 200, response.content
    assert statements <= MERGE[connection.vendor]
    assert savepoints <= SAVEPOINTS["merge"]


def test_a_replay_reads_the_stored_answer_in_one_statement_after_the_callers(
    api: Api, lead_body: dict[str, Any]
) -> None:
    first = api.post("/leads", lead_body, key="same")
    statements, _, replay = _cost(api, lead_body, "same")
    assert replay.status_code == first.status_code
    assert replay.content == first.content
    assert replay["Idempotent-Replayed"] == "true"
    # the caller, the program with the key's record id, the stored answer
    assert statements <= 3


def test_a_merge_replays_the_answer_its_own_statement_recorded(
    api: Api, lead_body: dict[str, Any]
) -> None:
    assert api.post("/leads", lead_body, key="first").status_code == 201
    again = {**lead_body, "first_name": "Augusta", "title": "Countess"}
    merged = api.post("/leads", again, key="again")
    assert merged.status_code == 200, merged.content
    replay = api.post("/leads", again, key="again")
    assert replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.content == merged.content
    assert LeadEvent.objects.filter(lead_id=merged.json()["id"], kind="merged").count() == 1
