"""What one ``POST /api/v1/leads`` costs the database (issue 18, item 5): a bounded number of
statements for a new lead and for a merge, on both databases, and no savepoint nested in the
request's one transaction beyond the lead writers' own.

The test's own transaction turns the request's outermost ``atomic`` into a savepoint: that
pair is the test's, not the request's, and is left out of the count of savepoints.
"""

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import Api

#: Statements other than savepoints. A new lead: the token with its user, roles and programs
#: (one query); the program with its published criteria (one); the idempotency key claimed
#: (one INSERT … ON CONFLICT DO NOTHING); the duplicate candidates; the lead, its ``created``
#: event and the reports' queue entry; the key's answer. PostgreSQL adds the advisory lock of
#: the inquiry's keys.
NEW_LEAD = {"sqlite": 8, "postgresql": 9}
#: A merge reads the matched lead under its row lock and its engagement, updates it, writes the
#: ``merged`` event and the queue entry, and reads the lead back, instead of the three inserts.
MERGE = {"sqlite": 11, "postgresql": 12}
#: Savepoints of the request, beyond the test's pair: the lead writer's own (one pair).
SAVEPOINTS = 2


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
    assert savepoints <= SAVEPOINTS

    again = {**lead_body, "first_name": "Augusta"}
    statements, savepoints, response = _cost(api, again, "merge")
    assert response.status_code == 200, response.content
    assert statements <= MERGE[connection.vendor]
    assert savepoints <= SAVEPOINTS


def test_a_replay_reads_the_stored_answer_in_two_statements_after_the_callers(
    api: Api, lead_body: dict[str, Any]
) -> None:
    first = api.post("/leads", lead_body, key="same")
    statements, _, replay = _cost(api, lead_body, "same")
    assert replay.status_code == first.status_code
    assert replay.content == first.content
    assert replay["Idempotent-Replayed"] == "true"
    # the caller, the program, the claim that inserts nothing, the stored answer
    assert statements <= 4
