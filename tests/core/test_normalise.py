"""Normalisation of incoming leads: canonical e-mails, phones, ISO codes and matching keys."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from leadflow.core.errors import DomainError, NormalisationError
from leadflow.core.normalise import (
    NormalisedLead,
    RawLead,
    company_key,
    domain_key,
    normalise_country,
    normalise_email,
    normalise_lead,
    normalise_phone,
    normalise_subdivision,
    person_key,
    split_name,
)


def test_normalisation_error_is_a_domain_error() -> None:
    assert issubclass(NormalisationError, DomainError)


# --- e-mail -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ada@example.com", "ada@example.com"),
        ("Ada@Example.COM", "ada@example.com"),
        ("  ada@example.com \t", "ada@example.com"),
        ("ADA.LOVELACE+leads@EXAMPLE.co.uk", "ada.lovelace+leads@example.co.uk"),
        ("jörg@bücher.de", "jörg@bücher.de"),
        ("JÖRG@BÜCHER.DE", "jörg@bücher.de"),
        ("jorg@xn--bcher-kva.de", "jorg@bücher.de"),
    ],
)
def test_email_is_trimmed_checked_and_lower_cased(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("ada", "must have an @-sign"),
        ("ada@", "something after the @-sign"),
        ("@example.com", "something before the @-sign"),
        ("ada lovelace@example.com", "invalid characters"),
        ("ada@example", "should have a period"),
        ("ada..lovelace@example.com", "two periods in a row"),
        ("ada@localhost", "should have a period"),
        ("", "must have an @-sign"),
    ],
)
def test_invalid_email_is_rejected_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(NormalisationError, match=r"^not an e-mail address: ") as error:
        normalise_email(raw)
    assert reason in str(error.value)


@given(st.emails())
def test_normalising_a_normalised_email_gives_it_back(email: str) -> None:
    try:
        once = normalise_email(email)
    except NormalisationError:
        assume(False)
        raise
    assert normalise_email(once) == once
    assert normalise_email(f" {email.upper()} ") == once


# --- phone --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(415) 555-0100", "US", "+14155550100"),
        ("415.555.0100", "US", "+14155550100"),
        ("415-555-0100", "US", "+14155550100"),
        ("1 415 555 0100", "US", "+14155550100"),
        ("+1 (415) 555-0100", "DE", "+14155550100"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("0049 30 1234567", "DE", "+49301234567"),
        ("030 1234567", "DE", "+49301234567"),
        ("+61 2 9374 4000", "AU", "+61293744000"),
        ("(02) 9374 4000", "AU", "+61293744000"),
        ("415-555-0100 x12", "US", "+14155550100"),
        ("+1 415 555 0100 ext. 12", "US", "+14155550100"),
        ("1-800-FLOWERS", "US", "+18003569377"),
        ("4155550100", "us", "+14155550100"),
        ("+14155550100", "", "+14155550100"),
    ],
)
def test_phone_becomes_e164_read_in_the_region(raw: str, region: str, expected: str) -> None:
    assert normalise_phone(raw, region) == expected


def test_possible_but_unassigned_phone_number_is_kept() -> None:
    assert normalise_phone("+1 123 456 7890", "US") == "+11234567890"


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("555-0100", "US", "a local number without its area code"),
        ("12", "US", "too short"),
        ("+1 415 555 0100 1234", "US", "too long"),
        ("call me", "US", "not a phone number: unreadable"),
        ("+999 123", "US", "unknown country calling code"),
        ("4155550100", "", "no country code and no known region"),
        ("", "US", "not a phone number: unreadable"),
    ],
)
def test_impossible_phone_is_rejected_with_the_reason(raw: str, region: str, reason: str) -> None:
    with pytest.raises(NormalisationError, match=r"^not a phone number") as error:
        normalise_phone(raw, region)
    assert reason in str(error.value)


# --- country and subdivision --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("US", "US"),
        ("us", "US"),
        (" USA ", "US"),
        ("U.S.", "US"),
        ("U.S.A.", "US"),
        ("United States", "US"),
        ("United States of America", "US"),
        ("840", "US"),
        ("GB", "GB"),
        ("GBR", "GB"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("Great Britain", "GB"),
        ("England", "GB"),
        ("Scotland", "GB"),
        ("Wales", "GB"),
        ("DEU", "DE"),
        ("Germany", "DE"),
        ("Deutschland", "DE"),
        ("Holland", "NL"),
        ("The Netherlands", "NL"),
        ("South Korea", "KR"),
        ("Korea, Republic of", "KR"),
        ("Republic of Korea", "KR"),
        ("North Korea", "KP"),
        ("Russia", "RU"),
        ("Russian Federation", "RU"),
        ("Czech Republic", "CZ"),
        ("Czechia", "CZ"),
        ("Côte d'Ivoire", "CI"),
        ("COTE D'IVOIRE", "CI"),
        ("Ivory Coast", "CI"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Vietnam", "VN"),
        ("Iran", "IR"),
        ("Bolivia", "BO"),
        ("Democratic Republic of the Congo", "CD"),
        ("Congo", "CG"),
        ("Trinidad & Tobago", "TT"),
        ("British Virgin Islands", "VG"),
        ("Österreich", "AT"),
        ("Schweiz", "CH"),
    ],
)
def test_country_becomes_its_alpha_2_code(raw: str, expected: str) -> None:
    assert normalise_country(raw) == expected


@pytest.mark.parametrize("raw", ["Atlantis", "", "XX", "Europe", "U"])
def test_unknown_country_is_rejected(raw: str) -> None:
    with pytest.raises(NormalisationError, match=r"^unknown country"):
        normalise_country(raw)


def test_unknown_country_error_names_the_value() -> None:
    with pytest.raises(NormalisationError) as error:
        normalise_country(" Atlantis ")
    assert str(error.value) == "unknown country 'Atlantis'"


@pytest.mark.parametrize(
    ("country", "raw", "expected"),
    [
        ("US", "California", "CA"),
        ("US", "CA", "CA"),
        ("US", "ca", "CA"),
        ("US", "US-CA", "CA"),
        ("US", "new york", "NY"),
        ("US", "District of Columbia", "DC"),
        ("US", "Washington, D.C.", "DC"),
        ("US", "Washington", "WA"),
        ("USA", "TX", "TX"),
        ("CA", "Ontario", "ON"),
        ("CA", "Québec", "QC"),
        ("CA", "Quebec", "QC"),
        ("CA", "BC", "BC"),
        ("CA", "Newfoundland and Labrador", "NL"),
        ("GB", "England", "ENG"),
        ("GB", "Scotland", "SCT"),
        ("GB", "GB-WLS", "WLS"),
        ("GB", "Kent", "KEN"),
        ("DE", "Bayern", "BY"),
        ("DE", "Bavaria", "BY"),
        ("DE", "by", "BY"),
        ("DE", "Baden-Württemberg", "BW"),
        ("DE", "baden wurttemberg", "BW"),
        ("DE", "Nordrhein-Westfalen", "NW"),
        ("DE", "North Rhine-Westphalia", "NW"),
        ("AU", "New South Wales", "NSW"),
        ("AU", "NSW", "NSW"),
        ("AU", "Victoria", "VIC"),
        ("AU", "AU-QLD", "QLD"),
    ],
)
def test_subdivision_becomes_its_iso_3166_2_code(country: str, raw: str, expected: str) -> None:
    assert normalise_subdivision(country, raw) == expected


@pytest.mark.parametrize(
    ("country", "raw", "message"),
    [
        ("US", "Bavaria", "unknown subdivision 'Bavaria' of US"),
        ("US", "CA-ON", "unknown subdivision 'CA-ON' of US"),
        ("DE", "California", "unknown subdivision 'California' of DE"),
        ("AU", "", "unknown subdivision '' of AU"),
        ("AQ", "Anywhere", "unknown subdivision 'Anywhere' of AQ"),
    ],
)
def test_unknown_subdivision_is_rejected_naming_the_country(
    country: str, raw: str, message: str
) -> None:
    with pytest.raises(NormalisationError) as error:
        normalise_subdivision(country, raw)
    assert str(error.value) == message


# --- company, domain and person keys ------------------------------------------------------------


@pytest.mark.parametrize(
    "names",
    [
        ("ACME, Inc.", "Acme Incorporated", "acme", "Acme Inc", "The Acme Company", "ACME LLC"),
        ("Acme Group", "ACME GROUP, INC.", "Acme Group Ltd."),
        ("Acme Holdings", "Acme Holdings plc"),
        ("Siemens", "Siemens AG", "SIEMENS A.G."),
        ("Müller GmbH & Co. KG", "Muller", "MÜLLER GMBH"),
        ("Banco Santander, S.A.", "Banco Santander SA", "banco santander s. a."),
        ("Fiat S.p.A.", "FIAT SPA"),
        ("Nokia Oyj", "Nokia"),
        ("Maersk A/S", "Maersk AS"),
        ("Tiffany & Co.", "Tiffany and Company", "Tiffany"),
        ("AT&T", "AT & T Inc.", "at and t"),
        ("Hewlett-Packard", "Hewlett Packard Co."),
        ("Analytical Engines Pty Ltd", "Analytical Engines Pty. Limited"),
        ("  Acme   Widgets  ", "acme widgets"),
    ],
)
def test_spellings_of_one_company_share_a_key(names: tuple[str, ...]) -> None:
    assert len({company_key(name) for name in names}) == 1


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Acme Group", "Acme"),
        ("Acme Holdings", "Acme"),
        ("Acme Widgets", "Acme"),
        ("Acme", "Acne"),
        ("Acme International", "Acme"),
    ],
)
def test_different_companies_have_different_keys(one: str, other: str) -> None:
    assert company_key(one) != company_key(other)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("ACME, Inc.", "acme"),
        ("The Coca-Cola Company", "coca cola"),
        ("Zürich Versicherung AG", "zurich versicherung"),
        ("The Limited", "limited"),
        ("Inc.", "inc"),
        ("", ""),
        ("  ,. ", ""),
    ],
)
def test_company_key_spelling(name: str, key: str) -> None:
    assert company_key(name) == key


_company_names = st.text(st.characters(categories=("L", "M", "N", "P", "S", "Zs")), max_size=40)
_punctuation = st.text(st.sampled_from(" ,.;:!?()\"'-/"), max_size=4)


@given(_company_names)
def test_company_key_is_idempotent(name: str) -> None:
    assert company_key(company_key(name)) == company_key(name)


@given(_company_names, _punctuation, _punctuation)
def test_company_key_ignores_case_and_surrounding_punctuation(
    name: str, before: str, after: str
) -> None:
    key = company_key(name)
    assert company_key(name.upper()) == key
    assert company_key(name.lower()) == key
    assert company_key(f"{before}{name}{after}") == key


@pytest.mark.parametrize(
    ("value", "domain"),
    [
        ("https://www.Example.com:8080/path?x=1", "example.com"),
        ("http://example.com", "example.com"),
        ("www.example.com", "example.com"),
        ("example.com/about", "example.com"),
        ("EXAMPLE.COM.", "example.com"),
        ("shop.example.co.uk", "shop.example.co.uk"),
        ("ada@Example.COM", "example.com"),
        ("mailto:ada@example.com", "example.com"),
        ("http://user@www.example.org", "example.org"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("https://www.müller.de/kontakt", "xn--mller-kva.de"),
        ("", ""),
        ("n/a", ""),
        ("none", ""),
        ("http://[::1", ""),
    ],
)
def test_domain_key_is_the_bare_host(value: str, domain: str) -> None:
    assert domain_key(value) == domain


@pytest.mark.parametrize(
    ("full", "given_name", "family_name"),
    [
        ("Ada Lovelace", "Ada", "Lovelace"),
        ("  Ada   Lovelace ", "Ada", "Lovelace"),
        ("Lovelace, Ada", "Ada", "Lovelace"),
        ("Dr. Ada Lovelace", "Ada", "Lovelace"),
        ("Mrs Ada Lovelace", "Ada", "Lovelace"),
        ("Prof. Dr. Hans Müller", "Hans", "Müller"),
        ("Ada Lovelace, PhD", "Ada", "Lovelace"),
        ("Ada Lovelace Ph.D.", "Ada", "Lovelace"),
        ("Martin Luther King Jr.", "Martin Luther", "King"),
        ("Martin Luther King, Jr.", "Martin Luther", "King"),
        ("King, Martin Luther, Jr.", "Martin Luther", "King"),
        ("Thurston Howell III", "Thurston", "Howell"),
        ("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
        ("van Beethoven, Ludwig", "Ludwig", "van Beethoven"),
        ("Maria de la Cruz", "Maria", "de la Cruz"),
        ("Jean-Claude Van Damme", "Jean-Claude", "Van Damme"),
        ("Vincent van der Berg", "Vincent", "van der Berg"),
        ("Mary Ann Smith", "Mary Ann", "Smith"),
        ("Jack Ma", "Jack", "Ma"),
        ("Da Vinci", "Da", "Vinci"),
        ("Ada", "Ada", ""),
        ("Dr. Ada", "Ada", ""),
        ("", "", ""),
    ],
)
def test_split_name(full: str, given_name: str, family_name: str) -> None:
    assert split_name(full) == (given_name, family_name)


@pytest.mark.parametrize(
    ("first", "last", "key"),
    [
        ("Ada", "Lovelace", "ada lovelace"),
        (" ADA ", "LOVELACE", "ada lovelace"),
        ("José", "O'Brien", "jose obrien"),
        ("Jean-Luc", "Picard", "jean luc picard"),
        ("Søren", "Kierkegaard", "soren kierkegaard"),
        ("Ada", "", "ada"),
        ("", "", ""),
    ],
)
def test_person_key(first: str, last: str, key: str) -> None:
    assert person_key(first, last) == key


# --- the whole lead -----------------------------------------------------------------------------


def test_complete_lead_is_normalised() -> None:
    raw = RawLead(
        full_name="Dr. Ada Lovelace",
        email=" Ada.Lovelace@Example.COM ",
        phone="(415) 555-0100",
        title="  Head of   Analytics ",
        company="  Analytical   Engines, Ltd. ",
        website="https://www.analytical-engines.com/about",
        country="USA",
        state="California",
        postal_code=" 94103 ",
    )
    assert normalise_lead(raw, default_region="GB") == NormalisedLead(
        first_name="Ada",
        last_name="Lovelace",
        email="ada.lovelace@example.com",
        phone="+14155550100",
        title="Head of Analytics",
        company="Analytical Engines, Ltd.",
        website="https://www.analytical-engines.com/about",
        domain="analytical-engines.com",
        country="US",
        subdivision="CA",
        postal_code="94103",
        company_key="analytical engines",
        person_key="ada lovelace",
        errors={},
    )


def test_given_first_and_last_name_win_over_the_full_name() -> None:
    lead = normalise_lead(
        RawLead(first_name=" Ada ", last_name="King", full_name="Ada Lovelace", email="a@b.com"),
        default_region="US",
    )
    assert (lead.first_name, lead.last_name, lead.person_key) == ("Ada", "King", "ada king")


def test_phone_is_read_in_the_leads_own_country() -> None:
    raw = RawLead(email="hans@example.de", phone="030 1234567", country="Germany")
    assert normalise_lead(raw, default_region="US").phone == "+49301234567"


def test_phone_falls_back_to_the_default_region_without_a_country() -> None:
    raw = RawLead(email="ada@example.com", phone="020 7946 0958")
    assert normalise_lead(raw, default_region="GB").phone == "+442079460958"


def test_domain_comes_from_the_email_when_there_is_no_website() -> None:
    raw = RawLead(email="ada@www.example.com", website="n/a")
    assert normalise_lead(raw, default_region="US").domain == "example.com"


def test_postal_code_is_trimmed_and_upper_cased() -> None:
    raw = RawLead(email="ada@example.com", postal_code="  sw1a   1aa ")
    assert normalise_lead(raw, default_region="GB").postal_code == "SW1A 1AA"


def test_lead_collects_every_failing_field_at_once() -> None:
    raw = RawLead(
        first_name="Ada",
        email="ada(at)example.com",
        phone="12",
        country="Atlantis",
        state="Bavaria",
    )
    lead = normalise_lead(raw, default_region="US")
    assert lead.errors == {
        "email": "not an e-mail address: an email address must have an @-sign",
        "phone": "not a phone number: too short",
        "country": "unknown country 'Atlantis'",
        "state": "subdivision 'Bavaria' needs a known country",
        "contact": "needs an e-mail, a phone, or a company and a name",
    }
    assert lead.warnings == {}
    assert (lead.email, lead.phone, lead.country, lead.subdivision) == ("", "", "", "")
    assert not lead.is_valid


def test_a_reachable_lead_has_its_failing_fields_as_warnings_not_errors() -> None:
    raw = RawLead(
        first_name="Ada",
        email="ada(at)example.com",
        phone="12",
        company="Acme",
        country="Atlantis",
        state="Bavaria",
    )
    lead = normalise_lead(raw, default_region="US")
    assert lead.errors == {}
    assert lead.warnings == {
        "email": "not an e-mail address: an email address must have an @-sign",
        "phone": "not a phone number: too short",
        "country": "unknown country 'Atlantis'",
        "state": "subdivision 'Bavaria' needs a known country",
    }
    assert (lead.email, lead.phone, lead.country, lead.subdivision) == ("", "", "", "")
    assert lead.is_valid


def test_subdivision_without_a_country_is_a_warning() -> None:
    lead = normalise_lead(RawLead(email="ada@example.com", state="CA"), default_region="US")
    assert lead.errors == {}
    assert lead.warnings == {"state": "subdivision 'CA' needs a known country"}


def test_subdivision_without_a_country_is_read_in_the_default_country() -> None:
    raw = RawLead(email="ada@example.com", state="California")
    lead = normalise_lead(raw, default_region="US", default_country="US")
    assert (lead.country, lead.subdivision, lead.warnings) == ("US", "CA", {})


def test_subdivision_outside_the_country_is_a_warning() -> None:
    raw = RawLead(email="ada@example.com", country="DE", state="California")
    lead = normalise_lead(raw, default_region="US", default_country="US")
    assert lead.warnings == {"state": "unknown subdivision 'California' of DE"}
    assert (lead.country, lead.subdivision) == ("DE", "")


def test_empty_optional_fields_are_not_errors() -> None:
    lead = normalise_lead(RawLead(email="ada@example.com", phone="  "), default_region="US")
    assert lead.errors == {}
    assert lead.is_valid


@pytest.mark.parametrize(
    "raw",
    [
        RawLead(email="ada@example.com"),
        RawLead(phone="+44 20 7946 0958"),
        RawLead(company="Acme", full_name="Ada Lovelace"),
        RawLead(company="Acme", last_name="Lovelace"),
    ],
)
def test_lead_reachable_by_email_phone_or_company_and_name_is_valid(raw: RawLead) -> None:
    assert normalise_lead(raw, default_region="US").errors == {}


@pytest.mark.parametrize(
    ("raw", "errors"),
    [
        (RawLead(), {"contact"}),
        (RawLead(company="Acme"), {"contact"}),
        (RawLead(full_name="Ada Lovelace", title="CTO"), {"contact"}),
        (RawLead(email="not-an-email", company="Acme"), {"email", "contact"}),
    ],
)
def test_lead_without_a_way_to_reach_it_is_an_error(raw: RawLead, errors: set[str]) -> None:
    lead = normalise_lead(raw, default_region="US")
    assert set(lead.errors) == errors
    assert lead.errors["contact"] == "needs an e-mail, a phone, or a company and a name"
