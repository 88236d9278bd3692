"""De-duplication within a program: same e-mail, same phone, or same company and person."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.core.dedupe import (
    Candidate,
    DedupeIndex,
    DedupeRule,
    Match,
    MatchKeys,
    MatchOn,
    find_match,
    match_keys,
)
from leadflow.core.normalise import RawLead, normalise_lead

ALL = DedupeRule()


def keys(
    *, email: str = "", phone: str = "", company: str = "", first: str = "", last: str = ""
) -> MatchKeys:
    """The match keys of a lead typed in as a form or an import row would have it."""
    raw = RawLead(email=email, phone=phone, company=company, first_name=first, last_name=last)
    return match_keys(normalise_lead(raw, default_region="US"))


ADA = keys(
    email="ada@example.com",
    phone="(415) 555-0100",
    company="Acme, Inc.",
    first="Ada",
    last="Lovelace",
)


def test_match_keys_come_from_the_normalised_lead() -> None:
    incoming = keys(email="Ada@Example.com", phone="415.555.0100", company="ACME, Inc.", last="Ada")
    assert incoming == MatchKeys(
        email="ada@example.com", phone="+14155550100", company_key="acme", person_key="ada"
    )


def test_same_email_matches() -> None:
    incoming = keys(email=" ADA@Example.com ", first="Augusta")
    assert find_match(incoming, [Candidate(7, ADA)], ALL) == Match(
        7, MatchOn.EMAIL, "same e-mail ada@example.com"
    )


def test_same_phone_in_another_spelling_matches() -> None:
    incoming = keys(email="other@example.com", phone="415.555.0100")
    assert find_match(incoming, [Candidate(7, ADA)], ALL) == Match(
        7, MatchOn.PHONE, "same phone +14155550100"
    )


@pytest.mark.parametrize(
    ("company", "first", "last"),
    [
        ("ACME", "ada", "LOVELACE"),
        ("  Acme   Incorporated ", " Ada ", " Lovelace "),
        ("Ácme Inc", "Ádá", "Lóvelace"),
        ("Acme LLC", "Lovelace", "Ada"),
    ],
)
def test_same_company_and_name_in_other_spellings_matches(
    company: str, first: str, last: str
) -> None:
    incoming = keys(company=company, first=first, last=last)
    match = find_match(incoming, [Candidate(7, ADA)], ALL)
    assert match is not None
    assert (match.id, match.on) == (7, MatchOn.COMPANY_AND_NAME)


def test_a_typo_within_the_threshold_matches_and_says_how_close() -> None:
    incoming = keys(company="Acme", first="Ada", last="Lovelce")
    assert find_match(incoming, [Candidate(7, ADA)], ALL) == Match(
        7,
        MatchOn.COMPANY_AND_NAME,
        "same company 'acme' and name 'ada lovelce' ~ 'ada lovelace' (95)",
    )


def test_an_exact_name_match_explains_without_a_score() -> None:
    incoming = keys(company="ACME Inc.", first="ADA", last="LOVELACE")
    match = find_match(incoming, [Candidate(7, ADA)], ALL)
    assert match is not None
    assert match.explanation == "same company 'acme' and name 'ada lovelace'"


@pytest.mark.parametrize(
    ("first", "last"), [("Grace", "Hopper"), ("Ada", "Byron"), ("Adam", "Lovett")]
)
def test_a_different_person_at_the_same_company_does_not_match(first: str, last: str) -> None:
    assert (
        find_match(keys(company="Acme", first=first, last=last), [Candidate(7, ADA)], ALL) is None
    )


def test_the_same_person_at_another_company_does_not_match() -> None:
    incoming = keys(company="Acme Group", first="Ada", last="Lovelace")
    assert find_match(incoming, [Candidate(7, ADA)], ALL) is None


def test_the_threshold_is_a_setting() -> None:
    incoming = keys(company="Acme", first="Ada", last="Lovelce")
    assert find_match(incoming, [Candidate(7, ADA)], DedupeRule(name_similarity=96)) is None
    assert find_match(incoming, [Candidate(7, ADA)], DedupeRule(name_similarity=95)) is not None


def test_similarity_100_needs_the_same_person_key() -> None:
    strict = DedupeRule(name_similarity=100)
    swapped = keys(company="Acme", first="Lovelace", last="Ada")
    same = keys(company="ACME", first="ADA", last="LOVELACE")
    assert find_match(swapped, [Candidate(7, ADA)], strict) is None
    assert find_match(same, [Candidate(7, ADA)], strict) is not None


def test_empty_keys_never_match() -> None:
    empty = MatchKeys()
    nameless = MatchKeys(company_key="acme")
    assert find_match(empty, [Candidate(1, empty)], ALL) is None
    assert find_match(nameless, [Candidate(1, nameless)], DedupeRule(name_similarity=0)) is None


def test_email_beats_phone_beats_company_and_name() -> None:
    by_name = Candidate(1, keys(company="Acme", first="Ada", last="Lovelace"))
    by_phone = Candidate(2, keys(phone="415 555 0100"))
    by_email = Candidate(3, keys(email="ada@example.com"))
    assert find_match(ADA, [by_name, by_phone, by_email], ALL) == Match(
        3, MatchOn.EMAIL, "same e-mail ada@example.com"
    )
    assert find_match(ADA, [by_name, by_phone], ALL) == Match(
        2, MatchOn.PHONE, "same phone +14155550100"
    )


def test_the_oldest_lead_wins_among_equal_matches() -> None:
    candidates = [Candidate(9, ADA), Candidate(4, ADA), Candidate(6, ADA)]
    match = find_match(ADA, candidates, ALL)
    assert match is not None
    assert match.id == 4


def test_the_oldest_similar_name_wins_over_the_most_similar() -> None:
    exact = Candidate(8, keys(company="Acme", first="Ada", last="Lovelace"))
    typo = Candidate(3, keys(company="Acme", first="Ada", last="Lovelase"))
    match = find_match(keys(company="Acme", first="Ada", last="Lovelace"), [exact, typo], ALL)
    assert match is not None
    assert match.id == 3


@pytest.mark.parametrize(
    ("match_on", "expected"),
    [
        ({MatchOn.EMAIL}, MatchOn.EMAIL),
        ({MatchOn.PHONE}, MatchOn.PHONE),
        ({MatchOn.COMPANY_AND_NAME}, MatchOn.COMPANY_AND_NAME),
        ({MatchOn.PHONE, MatchOn.COMPANY_AND_NAME}, MatchOn.PHONE),
        ({"company_and_name"}, MatchOn.COMPANY_AND_NAME),
    ],
)
def test_only_the_keys_the_rule_names_are_matched(
    match_on: set[MatchOn], expected: MatchOn
) -> None:
    rule = DedupeRule(match_on=frozenset(match_on))
    match = find_match(ADA, [Candidate(1, ADA)], rule)
    assert match is not None
    assert match.on == expected


def test_a_rule_without_email_does_not_match_on_email() -> None:
    rule = DedupeRule(match_on=frozenset({MatchOn.PHONE, MatchOn.COMPANY_AND_NAME}))
    assert find_match(keys(email="ada@example.com"), [Candidate(1, ADA)], rule) is None


def test_a_rule_matching_on_nothing_is_disabled_and_finds_nothing() -> None:
    rule = DedupeRule(match_on=frozenset())
    assert not rule.enabled
    assert DedupeRule().enabled
    assert find_match(ADA, [Candidate(1, ADA)], rule) is None


@pytest.mark.parametrize("similarity", [-1, 101])
def test_similarity_outside_0_to_100_is_refused(similarity: int) -> None:
    with pytest.raises(ValueError, match="name_similarity"):
        DedupeRule(name_similarity=similarity)


def test_index_finds_what_find_match_finds() -> None:
    index = DedupeIndex(ALL)
    for candidate in [Candidate(5, ADA), Candidate(2, keys(phone="4155550100"))]:
        index.add(candidate)
    assert len(index) == 2
    assert index.find(ADA) == Match(5, MatchOn.EMAIL, "same e-mail ada@example.com")
    assert index.find(keys(phone="+1 415 555 0100")) == Match(
        2, MatchOn.PHONE, "same phone +14155550100"
    )
    assert index.find(keys(company="Acme Corp", first="Ada", last="Lovelace")) == Match(
        5, MatchOn.COMPANY_AND_NAME, "same company 'acme' and name 'ada lovelace'"
    )
    assert index.find(keys(email="grace@example.com")) is None


_match_keys = st.builds(
    MatchKeys,
    email=st.sampled_from(["", "ada@example.com", "grace@example.com"]),
    phone=st.sampled_from(["", "+14155550100", "+442079460958"]),
    company_key=st.sampled_from(["", "acme", "globex"]),
    person_key=st.sampled_from(
        ["", "ada", "ada lovelace", "ada lovelce", "lovelace ada", "ada byron", "grace hopper"]
    ),
)
_rules = st.builds(
    DedupeRule,
    match_on=st.frozensets(st.sampled_from(MatchOn)),
    name_similarity=st.integers(0, 100),
)


@given(
    population=st.lists(_match_keys, max_size=12),
    ids=st.lists(st.integers(1, 1000), min_size=12, max_size=12, unique=True),
    incoming=_match_keys,
    rule=_rules,
    seed=st.randoms(use_true_random=False),
)
def test_index_agrees_with_the_plain_scan(
    population: list[MatchKeys],
    ids: list[int],
    incoming: MatchKeys,
    rule: DedupeRule,
    seed: random.Random,
) -> None:
    candidates = [Candidate(lead_id, k) for lead_id, k in zip(ids, population, strict=False)]
    index = DedupeIndex(rule)
    for candidate in seed.sample(candidates, len(candidates)):
        index.add(candidate)
    assert index.find(incoming) == find_match(incoming, candidates, rule)
