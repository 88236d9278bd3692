"""Possible duplicates decided by a person: merging two leads field by field (every value of
both kept in the history), marking them as different people, who sees which pairs, the pages
and the API."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any, get_args

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.api.tokens import token_create
from leadflow.core.dedupe import Possible
from leadflow.core.errors import InputError
from leadflow.core.lifecycle import Action
from leadflow.intake.api.duplicates import PairField
from leadflow.intake.models import DuplicateStatus, PossibleDuplicate
from leadflow.intake.selectors import duplicate_get, duplicate_list
from leadflow.intake.services.decisions import DuplicateDecided, duplicate_distinct, duplicate_merge
from leadflow.intake.services.duplicates import possible_duplicate_record
from leadflow.leads.models import EventKind, Lead
from leadflow.leads.services.pairs import PAIR_FIELDS, PairRefused
from leadflow.programs.models import Program
from tests import factories
from tests.factories import HOT, NOW

LATER = NOW + timedelta(days=3)
REASON = "similar name at the same company"


def older_lead(program: Program, **fields: Any) -> Lead:
    """Ada Lovelace as first captured: no title, no answers."""
    values = {"answers": {}, "phone": "+12025550101", **fields}
    return factories.lead(program=program, at=NOW, **values)


def newer_lead(program: Program, **fields: Any) -> Lead:
    """The same Ada, days later, from another address, as a CTO with Hot answers."""
    values: dict[str, Any] = {
        "at": LATER,
        "answers": dict(HOT),
        "first_name": "Ada",
        "last_name": "King",
        "email": "ada.king@example.org",
        "title": "CTO",
        "city": "London",
        **fields,
    }
    return factories.lead(program=program, **values)


def pair_of(newer: Lead, older: Lead, *, at: Any = LATER) -> PossibleDuplicate:
    (pair,) = possible_duplicate_record(
        program=newer.program, pairs=[(newer.pk, Possible(older.pk, REASON, 91.0))], now=at
    )
    return pair


@pytest.fixture
def marketer(make_user: Callable[..., User], program: Program) -> User:
    return make_user(Role.MARKETER, programs=(program,))


@pytest.fixture
def leads_pair(program: Program) -> tuple[Lead, Lead, PossibleDuplicate]:
    older, newer = older_lead(program), newer_lead(program)
    return older, newer, pair_of(newer, older)


# --- merging --------------------------------------------------------------------------------------


def test_merging_takes_the_chosen_value_fills_blanks_and_keeps_every_value_in_the_history(
    leads_pair: tuple[Lead, Lead, PossibleDuplicate], marketer: User
) -> None:
    older, newer, pair = leads_pair
    survivor = duplicate_merge(
        duplicate=pair, user=marketer, choices={"email": "absorbed"}, now=LATER
    )
    assert survivor.pk == older.pk
    assert survivor.email == "ada.king@example.org"  # chosen
    assert (survivor.first_name, survivor.last_name) == ("Ada", "Lovelace")  # not chosen: kept
    assert (survivor.title, survivor.city) == ("CTO", "London")  # blanks filled
    assert survivor.phone == "+12025550101"
    merged = survivor.events.get(kind=EventKind.MERGED)
    assert merged.actor == marketer
    assert merged.before["email"] == "ada@example.com"
    assert merged.after["email"] == "ada.king@example.org"
    absorbed = merged.after["merged_lead"]
    assert absorbed["id"] == newer.pk
    assert (absorbed["last_name"], absorbed["email"], absorbed["title"]) == (
        "King",
        "ada.king@example.org",
        "CTO",
    )
    assert absorbed["answers"] == newer.answers
    assert merged.after["chosen"] == {"email": f"lead #{newer.pk}"}
    assert f"lead #{newer.pk}" in merged.reason
    assert REASON in merged.reason


def test_the_absorbed_lead_is_disqualified_as_a_duplicate_through_the_lifecycle(
    leads_pair: tuple[Lead, Lead, PossibleDuplicate], marketer: User
) -> None:
    older, newer, pair = leads_pair
    duplicate_merge(duplicate=pair, user=marketer, choices={}, now=LATER)
    newer.refresh_from_db()
    assert newer.status == "disqualified"
    assert newer.disqualification == "duplicate"
    assert newer.rating is None
    change = newer.events.get(kind=EventKind.STATUS_CHANGED)
    assert change.action == Action.DISQUALIFY
    assert change.reason == f"duplicate of lead #{older.pk}"
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by, pair.decided_at) == (
        DuplicateStatus.MERGED,
        marketer,
        LATER,
    )


def test_the_newer_inquirys_answers_requalify_the_survivor(
    leads_pair: tuple[Lead, Lead, PossibleDuplicate], marketer: User
) -> None:
    older, _, pair = leads_pair
    assert older.rating != "hot"
    survivor = duplicate_merge(duplicate=pair, user=marketer, choices={}, now=LATER)
    assert survivor.answers["budget"] == "approved"
    assert survivor.rating == "hot"
    qualified = survivor.events.filter(kind=EventKind.QUALIFIED).last()
    assert qualified is not None
    assert qualified.at == LATER
    assert qualified.after["rating"] == "hot"


def test_a_lead_past_review_is_never_merged_away(program: Program, marketer: User) -> None:
    older = factories.lead_walk(
        older_lead(program, answers=dict(HOT)), factories.STEPS_TO["approved"]
    )
    newer = newer_lead(program)
    pair = pair_of(newer, older)
    with pytest.raises(PairRefused, match=f"lead #{older.pk} is approved, past review"):
        duplicate_merge(duplicate=pair, user=marketer, choices={}, now=LATER, survivor=newer.pk)
    older.refresh_from_db()
    pair.refresh_from_db()
    assert (older.status, pair.status) == ("approved", DuplicateStatus.OPEN)
    # By default the lead past review is the one that stays.
    survivor = duplicate_merge(duplicate=pair, user=marketer, choices={}, now=LATER)
    assert (survivor.pk, survivor.status) == (older.pk, "approved")


def test_the_newer_lead_survives_by_default_when_only_it_may_stay(
    program: Program, marketer: User
) -> None:
    older = older_lead(program)
    newer = factories.lead_walk(newer_lead(program), factories.STEPS_TO["approved"])
    survivor = duplicate_merge(
        duplicate=pair_of(newer, older), user=marketer, choices={}, now=LATER
    )
    assert survivor.pk == newer.pk
    older.refresh_from_db()
    assert older.disqualification == "duplicate"


def test_another_pair_of_a_merged_away_lead_is_refused_but_may_be_marked_distinct(
    leads_pair: tuple[Lead, Lead, PossibleDuplicate], marketer: User, program: Program
) -> None:
    _, newer, pair = leads_pair
    third = newer_lead(program, email="ada@king.example", at=LATER + timedelta(1))
    later_pair = pair_of(third, newer)
    duplicate_merge(duplicate=pair, user=marketer, choices={}, now=LATER)
    with pytest.raises(PairRefused, match=f"lead #{newer.pk} is closed"):
        duplicate_merge(duplicate=later_pair, user=marketer, choices={}, now=LATER)
    decided = duplicate_distinct(duplicate=later_pair, user=marketer, note="", now=LATER)
    assert decided.status == DuplicateStatus.DISTINCT


def test_a_decided_pair_is_not_decided_again(
    leads_pair: tuple[Lead, Lead, PossibleDuplicate], marketer: User
) -> None:
    _, _, pair = leads_pair
    duplicate_distinct(duplicate=pair, user=marketer, note="", now=LATER)
    with pytest.raises(DuplicateDecided, match="already decided: different people"):
        duplicate_merge(duplicate=pair, user=marketer, choices={}, now=LATER)
    with pytest.raises(DuplicateDecided):
        duplicate_distinct(duplicate=pair, user=marketer, note="again", now=LATER)


@pytest.mark.parametrize(
    ("choices", "survivor"),
    [({"birthday": "survivor"}, None), ({"email": "both"}, None), ({}, 999_999)],
)
def test_unknown_choices_and_a_stranger_survivor_are_input_errors(
    leads_pair: tuple[Lead, Lead, PossibleDuplicate],
    marketer: User,
    choices: dict[str, str],
    survivor: int | None,
) -> None:
    _, _, pair = leads_pair
    with pytest.raises(InputError):
        duplicate_merge(
            duplicate=pair, user=marketer, choices=choices, now=LATER, survivor=survivor
        )
    pair.refresh_from_db()
    assert pair.status == DuplicateStatus.OPEN


def test_a_role_without_the_capability_does_not_decide(
    leads_pair: tuple[Lead, Lead, PossibleDuplicate],
    make_user: Callable[..., User],
    program: Program,
) -> None:
    _, _, pair = leads_pair
    qualifier = make_user(Role.QUALIFIER, programs=(program,))
    with pytest.raises(DuplicateDecided, match="your role"):
        duplicate_distinct(duplicate=pair, user=qualifier, note="", now=LATER)


# --- different people -----------------------------------------------------------------------------


def test_different_people_are_marked_with_the_note_in_both_histories(
    leads_pair: tuple[Lead, Lead, PossibleDuplicate], marketer: User
) -> None:
    older, newer, pair = leads_pair
    decided = duplicate_distinct(
        duplicate=pair, user=marketer, note="Two Adas: mother and daughter.", now=LATER
    )
    assert decided.status == DuplicateStatus.DISTINCT
    assert (decided.note, decided.decided_by, decided.decided_at) == (
        "Two Adas: mother and daughter.",
        marketer,
        LATER,
    )
    for lead, other in ((older, newer), (newer, older)):
        note = lead.events.get(kind=EventKind.NOTE)
        assert (
            note.reason
            == f"not the same person as lead #{other.pk}: Two Adas: mother and daughter."
        )
        lead.refresh_from_db()
        assert lead.status == "new"


def test_a_pair_marked_distinct_stays_one_row_and_is_not_proposed_again(
    leads_pair: tuple[Lead, Lead, PossibleDuplicate], marketer: User
) -> None:
    older, newer, pair = leads_pair
    duplicate_distinct(duplicate=pair, user=marketer, note="", now=LATER)
    for first, second in ((newer, older), (older, newer)):
        again = possible_duplicate_record(
            program=pair.program, pairs=[(first.pk, Possible(second.pk, REASON, 95.0))], now=LATER
        )
        assert again == []
    with pytest.raises(IntegrityError), transaction.atomic():
        PossibleDuplicate.objects.create(
            program=pair.program, lead=newer, other=older, reason=REASON, created_at=LATER
        )
    assert PossibleDuplicate.objects.get().status == DuplicateStatus.DISTINCT


# --- who sees which pairs -------------------------------------------------------------------------


def test_another_clients_pair_does_not_exist_for_the_user(
    leads_pair: tuple[Lead, Lead, PossibleDuplicate],
    other_program: Program,
    marketer: User,
    make_user: Callable[..., User],
) -> None:
    _, _, ours = leads_pair
    theirs = pair_of(newer_lead(other_program), older_lead(other_program))
    assert list(duplicate_list(user=marketer)) == [ours]
    with pytest.raises(PossibleDuplicate.DoesNotExist):
        duplicate_get(user=marketer, duplicate_id=theirs.pk)
    with pytest.raises(PossibleDuplicate.DoesNotExist):
        duplicate_distinct(duplicate=theirs, user=marketer, note="", now=LATER)
    admin = make_user(Role.ADMIN)
    assert set(duplicate_list(user=admin)) == {ours, theirs}


def test_the_list_is_newest_first_and_filtered_by_program_and_status(
    program: Program, marketer: User
) -> None:
    first = pair_of(newer_lead(program), older_lead(program), at=LATER)
    second = pair_of(
        newer_lead(program, email="a.k@example.net"), older_lead(program), at=LATER + timedelta(1)
    )
    duplicate_distinct(duplicate=first, user=marketer, note="", now=LATER)
    assert list(duplicate_list(user=marketer)) == [second]
    assert list(duplicate_list(user=marketer, status=None)) == [second, first]
    assert list(duplicate_list(user=marketer, program="acme-demand", status="distinct")) == [first]
    assert list(duplicate_list(user=marketer, program="globex-partners")) == []


# --- pages ----------------------------------------------------------------------------------------


@pytest.fixture
def browser_client(client: Client, marketer: User) -> Client:
    client.force_login(marketer)
    return client


def test_the_page_lists_the_programs_open_pairs_with_their_reason(
    browser_client: Client,
    leads_pair: tuple[Lead, Lead, PossibleDuplicate],
    django_assert_max_num_queries: Any,
) -> None:
    older, newer, pair = leads_pair
    with django_assert_max_num_queries(12):
        response = browser_client.get("/duplicates/", {"program": "acme-demand"})
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Compare #{pair.pk}" in page
    assert REASON in page
    assert f"#{newer.pk} Ada King" in page
    assert f"#{older.pk} Ada Lovelace" in page


def test_the_pair_page_shows_both_leads_side_by_side_with_a_choice_where_they_differ(
    browser_client: Client, leads_pair: tuple[Lead, Lead, PossibleDuplicate]
) -> None:
    _, _, pair = leads_pair
    page = browser_client.get(f"/duplicates/{pair.pk}/").content.decode()
    assert 'name="choice_name"' in page
    assert 'name="choice_email"' in page
    # Company is the same on both sides and the title is on one only: nothing to choose.
    assert 'name="choice_company"' not in page
    assert 'name="choice_title"' not in page
    assert "Analytical Engines Ltd" in page
    assert "CTO" in page
    assert "Different people" in page
    assert ">Merge<" in page
    assert "absorbed" not in page.replace('value="absorbed"', "")  # no internal words shown
    assert "_" not in page.split("<h1>")[1].split("</h1>")[0]


def test_merging_on_the_page_goes_to_the_survivors_history(
    browser_client: Client, leads_pair: tuple[Lead, Lead, PossibleDuplicate]
) -> None:
    older, newer, pair = leads_pair
    response = browser_client.post(
        f"/duplicates/{pair.pk}/merge", {"choice_name": "absorbed", "choice_email": "survivor"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/leads/{older.pk}/"
    older.refresh_from_db()
    assert (older.last_name, older.email) == ("King", "ada@example.com")
    page = browser_client.get(response["Location"]).content.decode()
    assert f"Lead #{newer.pk} merged into lead #{older.pk}" in page


def test_different_people_on_the_page_closes_the_pair(
    browser_client: Client, leads_pair: tuple[Lead, Lead, PossibleDuplicate]
) -> None:
    _, _, pair = leads_pair
    response = browser_client.post(f"/duplicates/{pair.pk}/distinct", {"note": "Not her."})
    assert response.status_code == 302
    pair.refresh_from_db()
    assert (pair.status, pair.note) == (DuplicateStatus.DISTINCT, "Not her.")
    again = browser_client.post(f"/duplicates/{pair.pk}/merge", {}, follow=True)
    assert "Nothing changed: possible duplicate" in again.content.decode()


def test_the_pages_are_403_for_other_roles_and_404_for_another_scope(
    client: Client,
    make_user: Callable[..., User],
    program: Program,
    other_program: Program,
    leads_pair: tuple[Lead, Lead, PossibleDuplicate],
) -> None:
    _, _, pair = leads_pair
    client.force_login(make_user(Role.QUALIFIER, programs=(program,)))
    assert client.get("/duplicates/").status_code == 403
    client.force_login(make_user(Role.MARKETER, programs=(other_program,)))
    assert client.get(f"/duplicates/{pair.pk}/").status_code == 404
    assert client.post(f"/duplicates/{pair.pk}/distinct", {}).status_code == 404


# --- API ------------------------------------------------------------------------------------------


def _api(user: User, programs: tuple[Program, ...] = ()) -> Callable[..., Any]:
    token = token_create(user=user, name="test", programs=programs, now=NOW)[1]
    client = Client()
    headers = {"Authorization": f"Bearer {token}"}

    def call(method: str, path: str, body: Any = None, **query: Any) -> Any:
        if method == "get":
            return client.get(f"/api/v1{path}", query, headers=headers, secure=True)
        return client.post(
            f"/api/v1{path}",
            json.dumps(body or {}),
            content_type="application/json",
            headers=headers,
            secure=True,
        )

    return call


def test_the_api_lists_pairs_newest_first_a_page_at_a_time(
    program: Program, marketer: User
) -> None:
    first = pair_of(newer_lead(program), older_lead(program), at=LATER)
    second = pair_of(
        newer_lead(program, email="a.k@example.net"), older_lead(program), at=LATER + timedelta(1)
    )
    call = _api(marketer)
    page = call("get", "/duplicates", program="acme-demand", limit=1).json()
    assert [item["id"] for item in page["items"]] == [second.pk]
    item = page["items"][0]
    assert (item["status"], item["reason"], item["program"]) == ("open", REASON, "acme-demand")
    assert item["lead"]["last_name"] == "King"
    assert item["other"]["last_name"] == "Lovelace"
    rest = call("get", "/duplicates", limit=1, cursor=page["next_cursor"]).json()
    assert [item["id"] for item in rest["items"]] == [first.pk]
    assert rest["next_cursor"] is None
    assert call("get", "/duplicates", status="merged").json()["items"] == []
    assert call("get", "/duplicates", cursor="garbage").status_code == 422


def test_the_api_merges_as_chosen_and_answers_the_surviving_lead(
    leads_pair: tuple[Lead, Lead, PossibleDuplicate], marketer: User
) -> None:
    older, _, pair = leads_pair
    call = _api(marketer)
    response = call("post", f"/duplicates/{pair.pk}/merge", {"choices": {"email": "absorbed"}})
    assert response.status_code == 200, response.content
    lead = response.json()
    assert (lead["id"], lead["email"], lead["title"]) == (older.pk, "ada.king@example.org", "CTO")
    again = call("post", f"/duplicates/{pair.pk}/merge", {"choices": {}})
    assert again.status_code == 409
    assert "already decided: merged" in again.json()["detail"]


def test_the_api_refuses_a_merge_the_lifecycle_refuses_and_bad_choices(
    program: Program, marketer: User
) -> None:
    older = factories.lead_walk(older_lead(program), factories.STEPS_TO["approved"])
    newer = newer_lead(program)
    pair = pair_of(newer, older)
    call = _api(marketer)
    refused = call("post", f"/duplicates/{pair.pk}/merge", {"survivor": newer.pk})
    assert refused.status_code == 409
    assert "past review" in refused.json()["detail"]
    bad = call("post", f"/duplicates/{pair.pk}/merge", {"choices": {"email": "mine"}})
    assert bad.status_code == 422
    stranger = call("post", f"/duplicates/{pair.pk}/merge", {"survivor": 424242})
    assert stranger.status_code == 422
    assert stranger.json()["detail"][0]["loc"] == ["body", "survivor"]


def test_the_api_marks_different_people(
    leads_pair: tuple[Lead, Lead, PossibleDuplicate], marketer: User
) -> None:
    _, _, pair = leads_pair
    call = _api(marketer)
    response = call("post", f"/duplicates/{pair.pk}/distinct", {"note": "Two people."})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["note"]) == ("distinct", "Two people.")
    assert response.json()["decided_by"] == marketer.username
    assert call("post", f"/duplicates/{pair.pk}/distinct", {}).status_code == 409


def test_the_api_is_404_out_of_scope_and_403_for_other_roles(
    leads_pair: tuple[Lead, Lead, PossibleDuplicate],
    make_user: Callable[..., User],
    program: Program,
    other_program: Program,
) -> None:
    _, _, pair = leads_pair
    outsider = _api(make_user(Role.MARKETER, programs=(other_program,)))
    assert outsider("post", f"/duplicates/{pair.pk}/distinct", {}).status_code == 404
    assert outsider("get", "/duplicates").json()["items"] == []
    narrowed = _api(make_user(Role.ADMIN), programs=(other_program,))
    assert narrowed("post", f"/duplicates/{pair.pk}/merge", {}).status_code == 404
    qualifier = _api(make_user(Role.QUALIFIER, programs=(program,)))
    assert qualifier("get", "/duplicates").status_code == 403
    assert qualifier("post", f"/duplicates/{pair.pk}/merge", {}).status_code == 403


def test_the_openapi_document_describes_the_duplicates_endpoints(client: Client) -> None:
    document = client.get("/api/v1/openapi.json", secure=True).json()
    paths = document["paths"]
    assert set(paths["/api/v1/duplicates"]) == {"get"}
    merge = paths["/api/v1/duplicates/{duplicate_id}/merge"]["post"]
    assert set(merge["responses"]) >= {"200", "404", "409", "422"}
    schemas = document["components"]["schemas"]
    assert "survivor" in schemas["DuplicateMergeIn"]["properties"]["choices"]["description"]
    assert schemas["DuplicateOut"]["properties"]["reason"]["description"]
    assert "/api/v1/duplicates/{duplicate_id}/distinct" in paths


def test_the_api_names_every_field_a_person_chooses() -> None:
    assert set(get_args(PairField)) == set(PAIR_FIELDS)
