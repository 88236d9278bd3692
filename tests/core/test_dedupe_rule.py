"""The merge rule: only strong keys merge; weaker likeness is a possible duplicate."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.core.dedupe import (
    EXTERNAL_ID,
    Candidate,
    DedupeIndex,
    DedupeRule,
    MatchKeys,
    MatchOn,
    assess,
    find_match,
    match_keys,
    names_compatible,
)
from leadflow.core.normalise import RawLead, normalise_lead

ALL = DedupeRule()


def keys(
    *,
    email: str = "",
    phone: str = "",
    company: str = "",
    first: str = "",
    last: str = "",
    external_id: str = "",
    source: str = "",
) -> MatchKeys:
    raw = RawLead(email=email, phone=phone, company=company, first_name=first, last_name=last)
    base = match_keys(normalise_lead(raw, default_region="US"))
    return MatchKeys(
        email=base.email,
        phone=base.phone,
        company_key=base.company_key,
        person_key=base.person_key,
        external_id=external_id,
        external_source=source,
    )


ADA = keys(
    email="ada@acme.com", company="Acme", first="Ada", last="Lovelace", external_id="7", source="sf"
)


def test_swapped_names_with_other_emails_at_one_company_are_a_possible_duplicate() -> None:
    swapped = keys(email="lovelace@acme.com", company="Acme Inc", first="Lovelace", last="Ada")
    verdict = assess(swapped, [Candidate(1, ADA)], ALL)
    assert verdict.match is None
    (possible,) = verdict.possible
    assert possible.id == 1
    assert possible.score == 100
    assert possible.reason.endswith("other e-mail")


def test_a_similar_name_with_another_external_id_of_the_same_source_is_a_possible_duplicate() -> (
    None
):
    other = keys(company="Acme", first="Ada", last="Lovelace", external_id="8", source="sf")
    verdict = assess(other, [Candidate(1, ADA)], ALL)
    assert verdict.match is None
    assert verdict.possible[0].reason.endswith("other external id")


def test_the_same_external_id_merges_only_from_the_same_source() -> None:
    same = keys(email="x@y.com", external_id="7", source="sf")
    assert find_match(same, [Candidate(1, ADA)], ALL) is not None
    assert find_match(same, [Candidate(1, ADA)], ALL).on == EXTERNAL_ID  # type: ignore[union-attr]
    elsewhere = keys(email="x@y.com", external_id="7", source="hubspot")
    assert find_match(elsewhere, [Candidate(1, ADA)], ALL) is None


def test_an_id_of_another_source_does_not_block_a_name_match() -> None:
    incoming = keys(company="Acme", first="Ada", last="Lovelace", external_id="8", source="hub")
    match = find_match(incoming, [Candidate(1, ADA)], ALL)
    assert match is not None
    assert match.on == MatchOn.COMPANY_AND_NAME


def test_the_same_phone_with_other_names_is_a_possible_duplicate() -> None:
    ada = keys(phone="415 555 0100", first="Ada", last="Lovelace")
    grace = keys(phone="(415) 555-0100", first="Grace", last="Hopper")
    verdict = assess(grace, [Candidate(3, ada)], ALL)
    assert verdict.match is None
    assert "names 'grace hopper' and 'ada lovelace' differ" in verdict.possible[0].reason


def test_the_same_phone_with_swapped_names_is_not_a_merge() -> None:
    ada = keys(phone="415 555 0100", first="Ada", last="Lovelace")
    swapped = keys(phone="415 555 0100", first="Lovelace", last="Ada")
    assert find_match(swapped, [Candidate(3, ada)], ALL) is None


def test_compatible_names() -> None:
    assert names_compatible("", "ada lovelace", ALL)
    assert names_compatible("a lovelace", "ada lovelace", ALL)
    assert names_compatible("ada", "ada lovelace", ALL)
    assert names_compatible("ada lovelce", "ada lovelace", ALL)
    assert not names_compatible("lovelace ada", "ada lovelace", ALL)
    assert not names_compatible("grace hopper", "ada lovelace", ALL)
    assert not names_compatible("ada lovelce", "ada lovelace", DedupeRule(name_similarity=100))


def test_a_match_proposes_no_possible_duplicates() -> None:
    grace = keys(phone="415 555 0100", first="Grace", last="Hopper")
    ada = keys(email="ada@acme.com", phone="415 555 0100", first="Ada")
    verdict = assess(ada, [Candidate(1, grace), Candidate(2, ADA)], ALL)
    assert verdict.match is not None
    assert verdict.possible == ()


_emails = st.sampled_from(["", "ada@acme.com", "grace@acme.com", "lovelace@acme.com"])
_people = st.sampled_from(
    ["", "ada", "ada lovelace", "lovelace ada", "ada lovelce", "a lovelace", "grace hopper"]
)
_match_keys = st.builds(
    MatchKeys,
    email=_emails,
    phone=st.sampled_from(["", "+14155550100", "+442079460958"]),
    company_key=st.sampled_from(["", "acme", "globex"]),
    person_key=_people,
    external_id=st.sampled_from(["", "7", "8"]),
    external_source=st.sampled_from(["", "sf"]),
)
_rules = st.builds(
    DedupeRule,
    match_on=st.frozensets(st.sampled_from(MatchOn)),
    name_similarity=st.integers(0, 100),
)


@given(incoming=_match_keys, existing=_match_keys, rule=_rules)
def test_different_emails_are_never_merged_by_name_similarity(
    incoming: MatchKeys, existing: MatchKeys, rule: DedupeRule
) -> None:
    match = find_match(incoming, [Candidate(1, existing)], rule)
    if incoming.email and existing.email and incoming.email != existing.email:
        assert match is None or match.on != MatchOn.COMPANY_AND_NAME


@given(incoming=_match_keys, existing=_match_keys, rule=_rules)
def test_swapped_names_never_merge_on_a_phone(
    incoming: MatchKeys, existing: MatchKeys, rule: DedupeRule
) -> None:
    match = find_match(incoming, [Candidate(1, existing)], rule)
    if {incoming.person_key, existing.person_key} == {"ada lovelace", "lovelace ada"}:
        assert match is None or match.on != MatchOn.PHONE


@given(
    population=st.lists(_match_keys, max_size=12),
    ids=st.lists(st.integers(1, 1000), min_size=12, max_size=12, unique=True),
    incoming=_match_keys,
    rule=_rules,
    seed=st.randoms(use_true_random=False),
)
def test_index_assesses_as_the_plain_scan(
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
    assert index.assess(incoming) == assess(incoming, candidates, rule)


@pytest.mark.parametrize("threshold", [0, 50, 85, 100])
def test_swapped_names_are_never_compatible_whatever_the_similarity_threshold(
    threshold: int,
) -> None:
    rule = DedupeRule(match_on=frozenset(MatchOn), name_similarity=threshold)
    assert not names_compatible("ada lovelace", "lovelace ada", rule)
    assert names_compatible("ada lovelace", "a lovelace", rule)
