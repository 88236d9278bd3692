"""A partner's territories as a person types them (``core.routing.territories_parse``): one a
line, codes in any case, every line that cannot be read named with the reason, and nothing
kept from a text with a problem."""

import pytest

from leadflow.core.routing import (
    TERRITORIES_MAX,
    TerritoryError,
    TerritoryRule,
    territories_parse,
    territories_text,
)


def test_a_country_a_subdivision_and_a_postal_start_in_any_case() -> None:
    assert territories_parse("us\nUS-ca\nde-by 80\ngb-eng sw1a 1aa") == (
        TerritoryRule("US"),
        TerritoryRule("US", "CA"),
        TerritoryRule("DE", "BY", "80"),
        TerritoryRule("GB", "ENG", "SW1A1AA"),
    )


def test_blank_lines_spaces_and_repeats_are_ignored() -> None:
    text = "\n  US-CA 94  \n\n\tUS-CA   94\r\nUS-CA 9-4\n"
    assert territories_parse(text) == (TerritoryRule("US", "CA", "94"),)
    assert territories_parse("") == ()
    assert territories_parse(" \n \n") == ()


def test_an_everyday_two_letter_alias_reads_as_the_iso_country() -> None:
    assert territories_parse("UK") == (TerritoryRule("GB"),)


def test_the_text_reads_back_the_same_territories() -> None:
    rules = territories_parse("US-CA 94\nDE\nGB SW1A")
    assert territories_text(rules) == "DE\nGB SW1A\nUS-CA 94"
    assert set(territories_parse(territories_text(rules))) == set(rules)


NOT_ONE = "is not a territory; write US, US-CA or US-CA 94."
FULLWIDTH_US = "\N{FULLWIDTH LATIN CAPITAL LETTER U}\N{FULLWIDTH LATIN CAPITAL LETTER S}"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("XX", "“XX” is not a country code; write US, US-CA or US-CA 94."),
        ("US-ZZ", "“ZZ” is not a state, province or region of US."),
        ("USA", f"“USA” {NOT_ONE}"),
        ("US, CA", f"“US, CA” {NOT_ONE}"),
        ("US-CA; US-NV", f"“US-CA; US-NV” {NOT_ONE}"),
        (FULLWIDTH_US, f"“{FULLWIDTH_US}” {NOT_ONE}"),
        ("US\x00CA", f"“US\N{REPLACEMENT CHARACTER}CA” {NOT_ONE}"),
        ("<script>", f"“<script>” {NOT_ONE}"),
        ("US-CA 9" + "4" * 16, "the postal code start “9" + "4" * 16 + "” is longer than 16."),
        (
            "US CA",
            "“US CA” reads as postal codes starting CA; for the state, province or region "
            "write US-CA.",
        ),
    ],
)
def test_a_line_that_is_no_territory_is_named_with_the_reason(text: str, problem: str) -> None:
    with pytest.raises(TerritoryError) as refused:
        territories_parse(text)
    assert refused.value.problems == (f"Line 1: {problem}",)
    assert refused.value.field == "territories"


def test_a_long_line_is_quoted_back_shortened() -> None:
    with pytest.raises(TerritoryError) as refused:
        territories_parse("x" * 5000)
    (problem,) = refused.value.problems
    assert len(problem) < 120
    assert "x" * 39 + "…" in problem


def test_every_bad_line_is_named_and_nothing_is_kept() -> None:
    with pytest.raises(TerritoryError) as refused:
        territories_parse("US\nnonsense\n\nDE-XX\nGB")
    assert [problem.split(":")[0] for problem in refused.value.problems] == ["Line 2", "Line 4"]


def test_a_pasted_list_beyond_any_territory_is_refused() -> None:
    text = "\n".join(f"US-CA {n:05d}" for n in range(TERRITORIES_MAX + 1))
    with pytest.raises(TerritoryError, match=f"At most {TERRITORIES_MAX} territories"):
        territories_parse(text)
