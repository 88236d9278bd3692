"""``lead_capture``: one inquiry is normalised, validated, de-duplicated, then created or merged."""

from datetime import timedelta
from typing import Any

import pytest

from leadflow.core.enums import Channel
from leadflow.core.normalise import RawLead
from leadflow.intake.services import Capture, IntakeRejected, Submission, lead_capture
from leadflow.leads.models import EventKind, Lead, LeadEvent
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


ADA = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "Ada.Lovelace@Example.COM",
    "phone": "(415) 555-0100",
    "company": "Analytical Engines, Inc.",
    "country": "United States",
    "state": "California",
}


def test_a_new_inquiry_creates_a_lead_with_normalised_values(program: Program) -> None:
    result = capture(program, **ADA, answers={"need": "identified"})
    lead = result.lead
    assert result.created
    assert (lead.email, lead.phone) == ("ada.lovelace@example.com", "+14155550100")
    assert (lead.country, lead.subdivision) == ("US", "CA")
    assert (lead.company_key, lead.person_key, lead.domain) == (
        "analytical engines",
        "ada lovelace",
        "example.com",
    )
    assert lead.events.get().kind == EventKind.CREATED


def test_the_phone_is_read_in_the_programs_region_when_the_country_is_unknown(
    program: Program,
) -> None:
    program.default_region = "DE"
    program.save()
    lead = capture(program, email="max@example.de", phone="030 1234567").lead
    assert lead.phone == "+49301234567"


def test_a_new_inquiry_is_qualified_with_its_answers(program: Program) -> None:
    answers = {
        "budget": "approved",
        "authority": "decision_maker",
        "need": "established",
        "timeframe_months": 2,
    }
    lead = capture(program, **ADA, answers=answers).lead
    assert (lead.stage, lead.rating) == ("qualified_opportunity", "hot")
    assert lead.criteria_version is not None


def test_the_same_email_in_another_case_merges_into_the_lead(program: Program) -> None:
    first = capture(program, **ADA).lead
    again = capture(
        program,
        email="ada.lovelace@example.com",
        answers={"need": "established", "timeframe_months": 2},
        campaign="SPRING",
        now=LATER,
    )
    assert (again.created, again.lead.pk) == (False, first.pk)
    assert again.match is not None
    assert again.match.on == "email"
    lead = Lead.objects.get(pk=first.pk)
    assert lead.answers == {"need": "established", "timeframe_months": 2}
    assert lead.rating == "hot"
    assert lead.campaign == "SPRING"
    merged = lead.events.get(kind=EventKind.MERGED)
    assert merged.after["incoming"]["answers"] == {"need": "established", "timeframe_months": 2}
    assert merged.after["incoming"]["email"] == "ada.lovelace@example.com"
    assert merged.reason == "same e-mail ada.lovelace@example.com"
    assert lead.events.filter(kind=EventKind.QUALIFIED, at=LATER).exists()
    assert Lead.objects.count() == 1


def test_the_same_phone_in_another_format_merges(program: Program) -> None:
    first = capture(program, **ADA).lead
    again = capture(program, phone="+1 415-555-0100", first_name="A.", now=LATER)
    assert (again.created, again.lead.pk) == (False, first.pk)
    assert again.match is not None
    assert again.match.on == "phone"


def test_the_same_company_and_a_similar_name_merge(program: Program) -> None:
    first = capture(program, first_name="Ada", last_name="Lovelace", company="ACME, Inc.").lead
    again = capture(
        program, first_name="Ada", last_name="Lovelance", company="Acme Incorporated", now=LATER
    )
    assert (again.created, again.lead.pk) == (False, first.pk)
    assert again.match is not None
    assert again.match.on == "company_and_name"


def test_a_different_person_at_the_same_company_is_a_new_lead(program: Program) -> None:
    capture(program, first_name="Ada", last_name="Lovelace", company="ACME, Inc.")
    other = capture(program, first_name="Charles", last_name="Babbage", company="Acme")
    assert other.created
    assert Lead.objects.count() == 2


def test_a_program_without_deduplication_always_creates(program: Program) -> None:
    program.dedupe_match_on = []
    program.save()
    capture(program, **ADA)
    again = capture(program, **ADA, now=LATER)
    assert again.created
    assert Lead.objects.count() == 2


def test_a_program_matching_on_email_only_ignores_the_same_phone(program: Program) -> None:
    program.dedupe_match_on = ["email"]
    program.save()
    capture(program, **ADA)
    by_phone = capture(program, phone="+14155550100", email="other@example.com", now=LATER)
    assert by_phone.created
    by_email = capture(program, email="ada.lovelace@example.com", now=LATER)
    assert not by_email.created


def test_the_same_external_id_merges_even_without_any_other_match(program: Program) -> None:
    program.dedupe_match_on = []
    program.save()
    first = capture(program, email="one@example.com", external_id="crm-17").lead
    again = capture(program, email="two@example.com", external_id="crm-17", now=LATER)
    assert (again.created, again.lead.pk) == (False, first.pk)
    assert again.lead.events.get(kind=EventKind.MERGED).reason == "same external id"


def test_leads_of_another_program_never_match(program: Program, other_program: Program) -> None:
    capture(other_program, **ADA)
    result = capture(program, **ADA)
    assert result.created
    assert set(Lead.objects.values_list("program_id", flat=True)) == {
        program.pk,
        other_program.pk,
    }


def test_a_bad_email_and_a_bad_answer_are_rejected_together_and_nothing_is_written(
    program: Program,
) -> None:
    with pytest.raises(IntakeRejected) as rejected:
        capture(
            program,
            first_name="Ada",
            email="not-an-email",
            phone="12",
            answers={"budget": "lots", "timeframe_months": -1},
        )
    errors = rejected.value.errors
    assert set(errors) == {
        "email",
        "phone",
        "answers.budget",
        "answers.timeframe_months",
        "contact",
    }
    assert errors["email"].startswith("not an e-mail address")
    assert "is not one of" in errors["answers.budget"]
    assert "below the minimum" in errors["answers.timeframe_months"]
    assert (Lead.objects.count(), LeadEvent.objects.count()) == (0, 0)


def test_an_inquiry_with_no_way_to_reach_the_person_is_rejected(program: Program) -> None:
    with pytest.raises(IntakeRejected) as rejected:
        capture(program, first_name="Ada", answers={"need": "established"})
    assert set(rejected.value.errors) == {"contact"}
    assert Lead.objects.count() == 0


def test_a_state_without_a_country_is_read_in_the_programs_country(program: Program) -> None:
    lead = capture(program, email="ada@example.com", state="California").lead
    assert (lead.country, lead.subdivision, lead.warnings) == ("US", "CA", [])


def test_a_state_unknown_in_the_programs_country_is_a_warning(program: Program) -> None:
    lead = capture(program, email="ada@example.com", state="Bavaria").lead
    assert (lead.country, lead.subdivision) == ("", "")
    assert lead.warnings == [
        {
            "field": "state",
            "value": "Bavaria",
            "reason": "subdivision 'Bavaria' needs a known country",
        }
    ]


def test_an_invalid_answer_on_a_duplicate_does_not_touch_the_existing_answer(
    program: Program,
) -> None:
    first = capture(program, **ADA, answers={"need": "identified"}).lead
    again = capture(program, email=ADA["email"], answers={"need": "desperate"}, now=LATER)
    assert (again.created, again.lead.pk) == (False, first.pk)
    lead = Lead.objects.get(pk=first.pk)
    assert lead.answers == {"need": "identified"}
    assert [w["field"] for w in lead.warnings] == ["answers.need"]
    assert lead.profile["answers.need"] == "desperate"
    assert EventKind.MERGED in set(lead.events.values_list("kind", flat=True))


def test_the_channel_and_campaign_are_kept(program: Program) -> None:
    lead = capture(program, **ADA, channel=Channel.EVENT, campaign=" EXPO-26 ").lead
    assert (lead.channel, lead.campaign) == ("event", "EXPO-26")


def test_an_over_long_value_is_rejected_with_its_field(program: Program) -> None:
    with pytest.raises(IntakeRejected) as rejected:
        capture(program, email="ada@example.com", first_name="A" * 150)
    assert set(rejected.value.errors) == {"first_name"}


def test_an_external_id_that_arrives_on_a_merge_is_kept_for_the_next_inquiry(
    program: Program,
) -> None:
    first = capture(program, email="ada@example.com").lead
    capture(program, email="ada@example.com", external_id="crm-17", now=LATER)
    again = capture(program, email="ada.l@example.org", external_id="crm-17", now=LATER)
    assert (again.created, again.lead.pk) == (False, first.pk)


def test_characters_no_database_can_store_are_refused_per_field(program: Program) -> None:
    with pytest.raises(IntakeRejected) as rejected:
        capture(
            program,
            email="ada@example.com",
            company="Acme\x00Corp",
            profile={"note": "bad \ud800 surrogate"},
        )
    assert set(rejected.value.errors) == {"company", "profile"}
    assert Lead.objects.count() == 0


def test_a_number_too_large_for_any_column_is_a_clear_answer_warning(program: Program) -> None:
    lead = capture(program, email="ada@example.com", answers={"timeframe_months": 10**400}).lead
    (warning,) = lead.warnings
    assert warning["field"] == "answers.timeframe_months"
    assert warning["reason"].endswith("is not a number")
    assert "timeframe_months" not in lead.answers


def test_an_inactive_program_accepts_no_leads(program: Program) -> None:
    program.is_active = False
    program.save()
    with pytest.raises(IntakeRejected) as rejected:
        capture(program, email="ada@example.com")
    assert "inactive" in rejected.value.errors["program"]


def test_matching_keys_longer_than_their_columns_are_cut_not_refused(program: Program) -> None:
    lead = capture(program, first_name="A" * 100, last_name="B" * 100, company="Acme").lead
    assert len(lead.person_key) == 200
    again = capture(program, first_name="A" * 100, last_name="B" * 100, company="ACME Inc")
    assert (again.created, again.lead.pk) == (False, lead.pk)
