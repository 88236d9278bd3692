"""Street, city and the opt-out flags in the one alias table and the lead normaliser, and the
consent rule of the core (issue 12, item 4)."""

import pytest

from leadflow.core import aliases
from leadflow.core.aliases import header_field
from leadflow.core.consent import (
    ConsentStatus,
    consent_flag,
    consent_next,
    flag_status,
    marketing_allowed,
)
from leadflow.core.normalise import RawLead, normalise_lead


@pytest.mark.parametrize(
    ("header", "field"),
    [
        # Salesforce API names and report labels, contacts' mailing address
        ("Street", "street"),
        ("City", "city"),
        ("Address", "street"),
        ("MailingStreet", "street"),
        ("Mailing Street", "street"),
        ("Mailing City", "city"),
        # SuiteCRM / SugarCRM
        ("Primary Address Street", "street"),
        ("Primary Address City", "city"),
        ("Primary Address Postalcode", "postal_code"),
        ("primary_address_street", "street"),
        # Dynamics 365
        ("address1_line1", "street"),
        ("address1_city", "city"),
        ("Street 1", "street"),
        # Odoo, HubSpot, web-to-lead forms
        ("street", "street"),
        ("city", "city"),
        ("address", "street"),
        ("Street Address", "street"),
        # Pardot, snake_case templates
        ("address_one", "street"),
        ("address_line_1", "street"),
        ("town", "city"),
    ],
)
def test_address_headers_of_every_vocabulary_fill_street_and_city(header: str, field: str) -> None:
    assert header_field(header) == field


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Do Not Email", "email_opt_out"),
        ("DoNotEmail", "email_opt_out"),
        ("Email Opt Out", "email_opt_out"),
        ("HasOptedOutOfEmail", "email_opt_out"),
        ("emailoptout", "email_opt_out"),
        ("Email_Opt_Out", "email_opt_out"),
        ("hs_email_optout", "email_opt_out"),
        ("unsubscribed", "email_opt_out"),
        ("Opted Out", "email_opt_out"),
        ("donotemail", "email_opt_out"),
        ("Do not allow Emails", "email_opt_out"),
        ("Do Not Call", "do_not_call"),
        ("DoNotCall", "do_not_call"),
        ("do_not_call", "do_not_call"),
        ("donotphone", "do_not_call"),
        ("Do not allow Phone Calls", "do_not_call"),
    ],
)
def test_consent_headers_of_every_vocabulary_fill_the_opt_out_flags(
    header: str, field: str
) -> None:
    assert header_field(header) == field


def test_address_and_consent_headers_are_no_longer_unmapped() -> None:
    assert set(aliases.UNMAPPED_HEADERS) == {"source_status"}
    assert {"street", "city", "email_opt_out", "do_not_call"} <= set(aliases.FIELDS)


def test_a_second_address_line_is_not_the_street() -> None:
    assert header_field("Address 2") is None
    assert header_field("Street 2") is None


@pytest.mark.parametrize(
    ("value", "flag"),
    [
        ("true", True),
        ("TRUE", True),
        ("Yes", True),
        ("1", True),
        ("x", True),
        ("X", True),
        ("on", True),
        ("Do Not Allow", True),
        ("false", False),
        ("No", False),
        ("0", False),
        ("Allow", False),
        ("", None),
        ("   ", None),
        ("maybe", None),
    ],
)
def test_opt_out_flags_are_read_as_yes_no_or_unsaid(value: str, flag: bool | None) -> None:
    assert consent_flag(value) is flag


def test_the_lead_keeps_street_and_city_with_spaces_collapsed() -> None:
    lead = normalise_lead(
        RawLead(email="ada@example.com", street=" 1  Main   St ", city="  Springfield "),
        default_region="US",
    )
    assert (lead.street, lead.city) == ("1 Main St", "Springfield")
    assert lead.errors == {}


def test_the_lead_reads_its_opt_out_flags() -> None:
    lead = normalise_lead(
        RawLead(email="ada@example.com", email_opt_out="Yes", do_not_call="0"),
        default_region="US",
    )
    assert (lead.email_opt_out, lead.do_not_call) == (True, False)
    unsaid = normalise_lead(RawLead(email="ada@example.com"), default_region="US")
    assert (unsaid.email_opt_out, unsaid.do_not_call) == (None, None)


def test_an_unreadable_flag_is_a_warning_not_a_guess_nor_a_rejection() -> None:
    lead = normalise_lead(
        RawLead(email="ada@example.com", email_opt_out="perhaps"), default_region="US"
    )
    assert lead.email_opt_out is None
    assert lead.errors == {}
    assert "email_opt_out" in lead.warnings


def test_an_opted_out_flag_is_an_unsubscribe_and_a_false_one_no_opt_out() -> None:
    assert flag_status(True) is ConsentStatus.UNSUBSCRIBED
    assert flag_status(False) is ConsentStatus.SUBSCRIBED


@pytest.mark.parametrize("held", [ConsentStatus.UNSUBSCRIBED, ConsentStatus.BOUNCED])
def test_intake_never_lifts_an_unsubscribe_or_a_bounce(held: ConsentStatus) -> None:
    assert consent_next(held, ConsentStatus.SUBSCRIBED) is None


def test_only_the_person_lifts_an_unsubscribe() -> None:
    assert (
        consent_next(ConsentStatus.UNSUBSCRIBED, ConsentStatus.SUBSCRIBED, by_person=True)
        is ConsentStatus.SUBSCRIBED
    )


def test_intake_restrains_and_a_bounce_never_replaces_an_unsubscribe() -> None:
    assert consent_next(None, ConsentStatus.SUBSCRIBED) is ConsentStatus.SUBSCRIBED
    assert (
        consent_next(ConsentStatus.SUBSCRIBED, ConsentStatus.UNSUBSCRIBED)
        is ConsentStatus.UNSUBSCRIBED
    )
    assert (
        consent_next(ConsentStatus.BOUNCED, ConsentStatus.UNSUBSCRIBED)
        is ConsentStatus.UNSUBSCRIBED
    )
    assert consent_next(ConsentStatus.UNSUBSCRIBED, ConsentStatus.BOUNCED) is None
    assert consent_next(ConsentStatus.UNSUBSCRIBED, ConsentStatus.UNSUBSCRIBED) is None


def test_marketing_may_use_an_address_unless_unsubscribed_or_bounced() -> None:
    assert marketing_allowed(None)
    assert marketing_allowed(ConsentStatus.SUBSCRIBED)
    assert not marketing_allowed(ConsentStatus.UNSUBSCRIBED)
    assert not marketing_allowed(ConsentStatus.BOUNCED)
