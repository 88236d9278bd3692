"""What one ``POST /api/v1/leads`` costs the database (issue 18, item 5): at most 6 statements
for a new lead on PostgreSQL, a bounded number for a merge, on both databases, and no savepoint
nested in the request's one transaction for a new lead.

Every statement Django sends is counted, savepoints included. The test's own transaction turns
the request's outermost ``atomic`` into a savepoint: that pair stands for the request's
BEGIN/COMMIT, which Django does not send as statements (the driver's transaction control), and
is left out. ``COPY`` bypasses Django's cursor wrapper and would not be seen: the new lead's
writer sends none (its one statement is a plain INSERT … RETURNING).
"""

from typing import Any

from django.db import connection
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
#: A merge reads the matched lead under its row lock and its engagement, updates it, writes the
#: ``merged`` event and the queue entry, and reads the lead back, instead of the one insert.
#: PostgreSQL adds the lock and the events' keys (``nextval``); the ``COPY`` of the events
#: themselves is not seen here (one statement more).
MERGE = {"sqlite": 10, "postgresql": 11}
#: Savepoints of the request, beyond the test's pair: none for a new lead; a merge keeps the
#: lead writer's own pair.
SAVEPOINTS = {"new": 0, "merge": 2}


def _cost(api: Api, body: dict[str, Any], key: str) -> tuple[int, int, Any]:
    with CaptureQueriesContext(connection) as captured:
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
