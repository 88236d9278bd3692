"""Consent per contact address per client: the one writer (``consents_record``) and the
marketing contract (``marketing_email_allowed``, ``may_call``) every marketing touch asks."""

from datetime import timedelta

import pytest
from pytest_django import DjangoAssertNumQueries

from leadflow.core.consent import ConsentChannel, ConsentStatus
from leadflow.leads.models import ContactConsent, EventKind
from leadflow.leads.selectors.consent import marketing_email_allowed, may_call
from leadflow.leads.services.consent import ConsentChange, consent_record, consents_record
from leadflow.programs.models import Client, Program
from tests import factories
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

EMAIL, PHONE = ConsentChannel.EMAIL, ConsentChannel.PHONE
SUBSCRIBED, UNSUBSCRIBED = ConsentStatus.SUBSCRIBED, ConsentStatus.UNSUBSCRIBED


def status_of(client: Client, address: str, channel: ConsentChannel = EMAIL) -> str:
    return ContactConsent.objects.get(client=client, channel=channel, address=address).status


def test_an_opt_out_is_recorded_with_where_it_came_from(client_a: Client) -> None:
    outcome = consent_record(
        client=client_a,
        channel=EMAIL,
        address="ada@example.com",
        status=UNSUBSCRIBED,
        source="import 12: column Do Not Email",
        now=NOW,
    )
    assert (outcome.status, outcome.applied) == (UNSUBSCRIBED, True)
    row = ContactConsent.objects.get(client=client_a, address="ada@example.com")
    assert (row.channel, row.status, row.source, row.changed_at) == (
        "email",
        "unsubscribed",
        "import 12: column Do Not Email",
        NOW,
    )


def test_an_unsubscribed_address_is_not_resubscribed_by_a_later_import(client_a: Client) -> None:
    consent_record(
        client=client_a, channel=EMAIL, address="ada@example.com", status=UNSUBSCRIBED,
        source="import 1: column Do Not Email", now=NOW,
    )  # fmt: skip
    outcome = consent_record(
        client=client_a, channel=EMAIL, address="ada@example.com", status=SUBSCRIBED,
        source="import 2: column Do Not Email", now=NOW + timedelta(days=1),
    )  # fmt: skip
    assert (outcome.status, outcome.applied) == (UNSUBSCRIBED, False)
    row = ContactConsent.objects.get(client=client_a, address="ada@example.com")
    assert (row.status, row.source, row.changed_at) == (
        "unsubscribed", "import 1: column Do Not Email", NOW
    )  # fmt: skip
    assert not marketing_email_allowed(client=client_a, email="ada@example.com")


def test_a_bounced_address_is_not_resubscribed_by_a_form(client_a: Client) -> None:
    consent_record(
        client=client_a, channel=EMAIL, address="ada@example.com",
        status=ConsentStatus.BOUNCED, source="bounce", now=NOW,
    )  # fmt: skip
    consent_record(
        client=client_a, channel=EMAIL, address="ada@example.com", status=SUBSCRIBED,
        source="web form: email_opt_out", now=NOW,
    )  # fmt: skip
    assert status_of(client_a, "ada@example.com") == "bounced"


def test_only_the_person_s_own_action_resubscribes(client_a: Client) -> None:
    consent_record(
        client=client_a, channel=EMAIL, address="ada@example.com", status=UNSUBSCRIBED,
        source="import 1", now=NOW,
    )  # fmt: skip
    consent_record(
        client=client_a, channel=EMAIL, address="ada@example.com", status=SUBSCRIBED,
        source="the person's preference page", now=NOW, by_person=True,
    )  # fmt: skip
    assert status_of(client_a, "ada@example.com") == "subscribed"
    assert marketing_email_allowed(client=client_a, email="ada@example.com")


def test_consent_is_per_client(client_a: Client, client_b: Client) -> None:
    consent_record(
        client=client_a, channel=EMAIL, address="ada@example.com", status=UNSUBSCRIBED,
        source="import 1", now=NOW,
    )  # fmt: skip
    assert not marketing_email_allowed(client=client_a, email="ada@example.com")
    assert marketing_email_allowed(client=client_b, email="ada@example.com")


def test_marketing_email_is_refused_for_unsubscribed_and_bounced_and_compared_normalised(
    client_a: Client,
) -> None:
    consents_record(
        client=client_a,
        changes=[
            ConsentChange(EMAIL, "ada@example.com", UNSUBSCRIBED, "import 1"),
            ConsentChange(EMAIL, "grace@example.com", ConsentStatus.BOUNCED, "bounce"),
            ConsentChange(EMAIL, "alan@example.com", SUBSCRIBED, "import 1"),
        ],
        now=NOW,
    )
    assert not marketing_email_allowed(client=client_a, email=" ADA@Example.com ")
    assert not marketing_email_allowed(client=client_a, email="grace@example.com")
    assert marketing_email_allowed(client=client_a, email="alan@example.com")
    assert marketing_email_allowed(client=client_a, email="nobody-asked@example.com")
    assert not marketing_email_allowed(client=client_a, email="")
    assert not marketing_email_allowed(client=client_a, email="not an address")


def test_a_do_not_call_number_may_not_be_called(client_a: Client) -> None:
    consent_record(
        client=client_a, channel=PHONE, address="+14155550100", status=UNSUBSCRIBED,
        source="import 3: column Do Not Call", now=NOW,
    )  # fmt: skip
    assert not may_call(client=client_a, phone="+14155550100")
    assert may_call(client=client_a, phone="+14155550101")
    assert not may_call(client=client_a, phone="")
    # The e-mail channel is not the phone's.
    assert marketing_email_allowed(client=client_a, email="ada@example.com")


def test_statements_of_one_batch_apply_in_order_and_restrain(client_a: Client) -> None:
    outcomes = consents_record(
        client=client_a,
        changes=[
            ConsentChange(EMAIL, "ada@example.com", SUBSCRIBED, "row 1"),
            ConsentChange(EMAIL, "ada@example.com", UNSUBSCRIBED, "row 2"),
            ConsentChange(EMAIL, "ada@example.com", SUBSCRIBED, "row 3"),
            ConsentChange(PHONE, "", UNSUBSCRIBED, "row 4: no valid phone"),
        ],
        now=NOW,
    )
    assert [(o.status, o.applied) for o in outcomes] == [
        (SUBSCRIBED, True), (UNSUBSCRIBED, True), (UNSUBSCRIBED, False)
    ]  # fmt: skip
    row = ContactConsent.objects.get(client=client_a, address="ada@example.com")
    assert (row.status, row.source) == ("unsubscribed", "row 2")
    assert ContactConsent.objects.count() == 1


def test_an_import_s_statements_are_written_set_based(
    client_a: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    consents_record(
        client=client_a,
        changes=[
            ConsentChange(EMAIL, f"p{i}@example.com", SUBSCRIBED, "import 1") for i in range(50)
        ],
        now=NOW,
    )
    changes = [
        ConsentChange(EMAIL, f"p{i}@example.com", UNSUBSCRIBED, "import 2") for i in range(100)
    ]
    with django_assert_max_num_queries(8):
        consents_record(client=client_a, changes=changes, now=NOW)
    assert ContactConsent.objects.filter(status="unsubscribed").count() == 100


def test_an_opt_out_is_noted_in_the_lead_s_history(client_a: Client, program: Program) -> None:
    lead = factories.lead(program=program)
    consents_record(
        client=client_a,
        changes=[
            ConsentChange(EMAIL, "ada@example.com", UNSUBSCRIBED, "import 12: column Do Not Email",
                          lead_id=lead.pk),
            ConsentChange(PHONE, "+14155550100", SUBSCRIBED, "import 12: column Do Not Call",
                          lead_id=lead.pk),
        ],
        now=NOW,
    )  # fmt: skip
    note = lead.events.get(kind=EventKind.NOTE)
    assert note.after == {"consent": {"email": "unsubscribed (ada@example.com)"}}
    assert note.reason == ("E-mail ada@example.com: unsubscribed (import 12: column Do Not Email)")


def test_a_refused_resubscription_is_noted_and_a_plain_no_opt_out_is_not(
    client_a: Client, program: Program
) -> None:
    lead = factories.lead(program=program)
    consent_record(
        client=client_a, channel=EMAIL, address="ada@example.com", status=UNSUBSCRIBED,
        source="import 1", now=NOW,
    )  # fmt: skip
    consents_record(
        client=client_a,
        changes=[
            ConsentChange(EMAIL, "ada@example.com", SUBSCRIBED, "import 2", lead_id=lead.pk),
            ConsentChange(PHONE, "+14155550100", SUBSCRIBED, "import 2", lead_id=lead.pk),
        ],
        now=NOW,
    )
    (note,) = lead.events.filter(kind=EventKind.NOTE)
    assert "stays unsubscribed" in note.reason
    assert "only the person may undo an opt-out" in note.reason
    assert "+14155550100" not in note.reason
