"""The exact fast paths of e-mail and phone normalisation (issue 18, part 1) read every value as
the libraries do: the same result, or the same refusal with the same reason."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from leadflow.core.errors import NormalisationError
from leadflow.core.normalise import contact
from leadflow.core.normalise.contact import normalise_email, normalise_phone


def _outcome(function: object, *args: str) -> tuple[str, str]:
    try:
        return ("ok", function(*args))  # type: ignore[operator]
    except NormalisationError as exc:
        return ("refused", str(exc))


def _library_email(raw: str) -> str:
    return contact._email_checked(raw.strip())


def _library_phone(raw: str, region: str) -> str:
    return contact._phone_parsed(raw, region.strip().upper())


ATEXT = "abcXYZ019_!#$%&'*+/=?^`{|}~-"
LOCAL = st.text(alphabet=ATEXT + '.. @"\\ü', min_size=0, max_size=70)
LABEL = st.text(alphabet="abzAZ09-ü_", min_size=0, max_size=66)
SPECIAL = st.sampled_from(["localhost", "local", "test", "invalid", "onion", "arpa", "com", "c0m"])
DOMAIN = st.one_of(
    st.lists(LABEL, min_size=1, max_size=4).map(".".join),
    st.tuples(st.lists(LABEL, min_size=0, max_size=3), SPECIAL).map(
        lambda parts: ".".join([*parts[0], parts[1]])
    ),
)
#: Addresses near the plain ones: mostly what the fast path takes, with its edges.
NEAR_LOCAL = st.lists(st.text(alphabet=ATEXT, min_size=0, max_size=22), min_size=1, max_size=4)
NEAR_LABEL = st.text(alphabet="abcXZ09-", min_size=1, max_size=64)
NEAR_DOMAIN = st.tuples(
    st.lists(NEAR_LABEL, min_size=1, max_size=3),
    st.one_of(SPECIAL, st.sampled_from(["com", "io", "co.uk", "de", "9", "x-y", "-z", "Z"])),
).map(lambda parts: ".".join([*parts[0], parts[1]]))
ADDRESS = st.one_of(
    st.tuples(LOCAL, DOMAIN, st.sampled_from(["", " ", "  \t"])).map(
        lambda parts: f"{parts[2]}{parts[0]}@{parts[1]}{parts[2]}"
    ),
    st.tuples(NEAR_LOCAL.map(".".join), NEAR_DOMAIN).map("@".join),
    st.tuples(NEAR_LOCAL.map(".".join), NEAR_DOMAIN).map("@".join),
)


@settings(max_examples=3000, deadline=None)
@given(ADDRESS)
@example("Ada.Lovelace@Example.COM")
@example("a@b.c1")
@example("a@xn--bcher-kva.example")
@example("a@ab--cd.com")
@example("a@-a.com")
@example("a@a-.com")
@example("a@a.-b")
@example("a@mail.localhost")
@example("x" * 65 + "@example.com")
@example("a@" + "b" * 64 + ".com")
@example("a@" + "b." * 126 + "com")
def test_email_fast_path_reads_as_the_library(address: str) -> None:
    assert _outcome(normalise_email, address) == _outcome(_library_email, address)


def test_email_fast_path_takes_the_plain_addresses() -> None:
    assert contact._plain_email("Ada.Lovelace+news@mail.Example.com")
    assert not contact._plain_email("ada@localhost")
    assert not contact._plain_email("ada@bücher.de")


DIGITS = st.text(alphabet="0123456789", min_size=0, max_size=12)
SEPARATOR = st.sampled_from(["", " ", ".", "-", "  ", "/", "_", ") ", "("])
NEAR_NANP = st.tuples(
    st.sampled_from(["", "+1", "+1 ", "+1.", "+1-", "1 ", "+ 1 "]),
    st.booleans(),
    st.from_regex(r"[2-9][0-9]{2}|[0-9]{3}", fullmatch=True),
    st.sampled_from(["", " ", ".", "-", "  "]),
    st.from_regex(r"[2-9][0-9]{2}|[0-9]{3}", fullmatch=True),
    st.sampled_from(["", " ", ".", "-", "--"]),
    st.from_regex(r"[0-9]{4}|[0-9]{3,5}", fullmatch=True),
).map(lambda p: f"{p[0]}{'(' + p[2] + ')' if p[1] else p[2]}{p[3]}{p[4]}{p[5]}{p[6]}")
PHONE = st.one_of(
    NEAR_NANP,
    NEAR_NANP,
    st.tuples(
        st.sampled_from(["", "+1", "+1 ", "+1-", "1 ", "+44 ", "001 ", "+"]),
        st.booleans(),
        st.text(alphabet="0123456789", min_size=3, max_size=3),
        SEPARATOR,
        st.text(alphabet="0123456789", min_size=3, max_size=3),
        SEPARATOR,
        st.text(alphabet="0123456789", min_size=3, max_size=5),
        st.sampled_from(["", " x12", " ", ".0"]),
    ).map(lambda p: f"{p[0]}{'(' + p[2] + ')' if p[1] else p[2]}{p[3]}{p[4]}{p[5]}{p[6]}{p[7]}"),
    st.tuples(DIGITS, SEPARATOR, DIGITS).map("".join),
)
REGION = st.sampled_from(["US", "CA", "GB", "DE", "PR", "", "XX", "us"])


@settings(max_examples=3000, deadline=None)
@given(PHONE, REGION)
@example("(415) 555-0100", "US")
@example("+1 415.555.0100", "DE")
@example("(201) 155-0123", "US")
@example("(011) 555-0123", "US")
@example("415 555 0100", "GB")
@example("(415 555-0100", "US")
@example("+1(415)5550100", "")
def test_phone_fast_path_reads_as_the_library(phone: str, region: str) -> None:
    assert _outcome(normalise_phone, phone, region) == _outcome(_library_phone, phone, region)


@pytest.mark.parametrize(
    ("text", "region", "e164"),
    [
        ("(415) 555-0100", "US", "+14155550100"),
        ("+1 415.555.0100", "DE", "+14155550100"),
        ("415-555-0100", "CA", "+14155550100"),
    ],
)
def test_phone_fast_path_takes_the_plain_north_american_numbers(
    text: str, region: str, e164: str
) -> None:
    assert contact._plain_nanp(text, region) == e164
