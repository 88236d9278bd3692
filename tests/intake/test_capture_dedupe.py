"""``lead_capture`` merges on strong keys only; weaker likeness is a possible duplicate."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.api.tokens import token_create
from leadflow.core.dedupe import Possible
from leadflow.core.normalise import RawLead
from leadflow.intake.models import DuplicateStatus, PossibleDuplicate
from leadflow.intake.services import Capture, Submission, lead_capture
from leadflow.intake.services.duplicates import possible_duplicate_record
from leadflow.leads.models import EventKind, Lead
from leadflow.programs.models import Program
from tests.conftest import NOW

LATER = NOW + timedelta(days=3)


def capture(program: Program, *, now: Any = NOW, **fields: Any) -> Capture:
    raw = RawLead(
        **{name: fields.pop(name) for name in list(fields) if name in RawLead.__dataclass_fields__}
    )
    return lead_capture(
        program=program, submission=Submission(raw=raw, **fields), actor=None, now=now
    )


def test_swapped_names_with_other_emails_at_one_company_are_two_people_and_a_pair(
    program: Program,
) -> None:
    ada = capture(
        program,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@acme.com",
        company="Acme",
        street="1 Engine Row",
    ).lead
    other = capture(
        program,
        first_name="Lovelace",
        last_name="Ada",
        email="lovelace@acme.com",
        company="ACME Inc.",
        street="9 Other Road",
        now=LATER,
    )
    assert other.created
    assert other.match is None
    ada.refresh_from_db()
    assert (ada.email, ada.street) == ("ada@acme.com", "1 Engine Row")
    pair = PossibleDuplicate.objects.get()
    assert (pair.lead_id, pair.other_id, pair.status) == (other.lead.pk, ada.pk, "open")
    assert pair.reason.endswith("other e-mail")
    assert pair.score == 100
    assert Lead.objects.get(pk=other.lead.pk).email == "lovelace@acme.com"


def test_the_same_phone_with_another_name_is_a_new_lead_and_a_pair(program: Program) -> None:
    ada = capture(program, first_name="Ada", last_name="Lovelace", phone="(415) 555-0100").lead
    grace = capture(program, first_name="Grace", last_name="Hopper", phone="415.555.0100")
    assert grace.created
    (possible,) = grace.possible
    assert possible.id == ada.pk
    assert "differ" in PossibleDuplicate.objects.get().reason


def test_the_same_external_id_of_another_source_is_not_a_merge(program: Program) -> None:
    first = capture(program, email="one@example.com", external_id="7", external_source="crm")
    again = capture(program, email="two@example.com", external_id="7", external_source="shop")
    same = capture(program, email="three@example.com", external_id="7", external_source="crm")
    assert again.created
    assert (same.created, same.lead.pk) == (False, first.lead.pk)
    assert same.match is not None
    assert same.match.on == "external_id"


def test_a_merge_keeps_the_first_values_and_records_the_differing_ones(program: Program) -> None:
    first = capture(
        program, email="ada@example.com", first_name="Ada", company="Engines", title="Countess"
    ).lead
    capture(
        program,
        email="ADA@example.com",
        first_name="Augusta",
        company="Babbage & Co",
        city="London",
        now=LATER,
    )
    lead = Lead.objects.get(pk=first.pk)
    assert (lead.first_name, lead.company, lead.title, lead.city) == (
        "Ada",
        "Engines",
        "Countess",
        "London",
    )
    merged = lead.events.get(kind=EventKind.MERGED)
    assert merged.after["differing"] == {"first_name": "Augusta", "company": "Babbage & Co"}
    assert merged.after["changed"] == {"city": "London"}


def test_a_pair_already_known_in_either_order_is_never_proposed_again(program: Program) -> None:
    one = capture(program, email="one@example.com").lead
    two = capture(program, email="two@example.com").lead
    written = possible_duplicate_record(
        program=program, pairs=[(two.pk, Possible(one.pk, "looks alike", 80))], now=NOW
    )
    assert len(written) == 1
    PossibleDuplicate.objects.update(status=DuplicateStatus.DISTINCT)
    again = possible_duplicate_record(
        program=program,
        pairs=[(one.pk, Possible(two.pk, "looks alike", 80)), (two.pk, Possible(one.pk, "", 1))],
        now=LATER,
    )
    assert again == []
    assert PossibleDuplicate.objects.get().status == DuplicateStatus.DISTINCT


def test_a_merge_keeps_the_first_profile_values_and_records_the_differing_ones(
    program: Program,
) -> None:
    first = capture(program, email="ada@example.com", profile={"Booth": "B3"}).lead
    capture(program, email="ada@example.com", profile={"Booth": "C9", "Badge": "42"}, now=LATER)
    lead = Lead.objects.get(pk=first.pk)
    assert lead.profile == {"Booth": "B3", "Badge": "42"}
    merged = lead.events.get(kind=EventKind.MERGED)
    assert merged.after["differing"] == {"profile": {"Booth": "C9"}}


def _kept(lead: Lead) -> set[tuple[str, str]]:
    """Every value the lead holds somewhere: its fields, and its merge events' differing ones."""
    names = ("email", "first_name", "company", "title", "city")
    kept = {(name, getattr(lead, name)) for name in names if getattr(lead, name)}
    for event in lead.events.filter(kind=EventKind.MERGED):
        kept |= {(name, value) for name, value in event.after["differing"].items()}
    return kept


def test_merging_in_either_order_keeps_the_same_values(
    program: Program, other_program: Program
) -> None:
    one = {"email": "ada@example.com", "first_name": "Ada", "company": "Engines", "city": "Leeds"}
    two = {"email": "ADA@example.com", "first_name": "Augusta", "title": "Countess"}
    capture(program, **one)
    forward = capture(program, **two, now=LATER).lead
    capture(other_program, **two)
    backward = capture(other_program, **one, now=LATER).lead
    assert _kept(forward) == _kept(backward)


def test_the_api_names_the_external_ids_source_system(
    program: Program, make_user: Callable[..., User]
) -> None:
    """The same id from two systems is two people; from one system, one."""
    user = make_user(Role.MARKETER, programs=(program,))
    _, raw = token_create(user=user, name="t", now=NOW)
    api = Client(headers={"Authorization": f"Bearer {raw}"})

    def send(email: str, source: str | None) -> dict[str, object]:
        body = {"program": program.slug, "email": email, "external_id": "7"}
        if source is not None:
            body["external_source"] = source
        response = api.post("/api/v1/leads", body, content_type="application/json", secure=True)
        assert response.status_code in (200, 201), response.content
        return response.json()

    first = send("ada@example.com", "salesforce")
    assert first["external_source"] == "salesforce"
    assert send("grace@example.com", "hubspot")["id"] != first["id"]
    assert send("ada.l@example.com", "salesforce")["id"] == first["id"]
