"""Signed one-click status links: good for one lead, one step and one holder until they expire;
tampered, expired, another lead's, another step's or another holder's are refused."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.core.status_links import (
    RefusalReason,
    StatusLinkRefused,
    StatusStep,
    status_link_check,
    status_link_token,
)

SECRET = b"k" * 32
NOW = datetime(2026, 11, 9, 8, tzinfo=UTC)
EXPIRES = NOW + timedelta(days=14)


def token(lead_id: int = 42, step: StatusStep = StatusStep.CONTACTED, holder: str = "7") -> str:
    return status_link_token(
        secret=SECRET, lead_id=lead_id, step=step, holder=holder, expires_at=EXPIRES
    )


def check(
    value: str,
    *,
    lead_id: int = 42,
    step: str = "contacted",
    holder: str = "7",
    now: datetime = NOW,
    secrets: tuple[bytes, ...] = (SECRET,),
) -> StatusStep:
    return status_link_check(
        secrets=secrets, lead_id=lead_id, step=step, holder=holder, token=value, now=now
    )[0]


def refused(value: str, **kwargs: object) -> RefusalReason:
    with pytest.raises(StatusLinkRefused) as caught:
        check(value, **kwargs)  # type: ignore[arg-type]
    return caught.value.reason


def test_a_good_link_gives_its_step_and_expiry() -> None:
    value = token()
    assert value.startswith(f"{int(EXPIRES.timestamp())}.")
    assert check(value) is StatusStep.CONTACTED
    _, expires_at = status_link_check(
        secrets=[SECRET], lead_id=42, step="contacted", holder="7", token=value, now=NOW
    )
    assert expires_at == EXPIRES


def test_another_leads_link_is_refused() -> None:
    assert refused(token(lead_id=43)) is RefusalReason.BAD_SIGNATURE


def test_the_link_of_another_step_is_refused() -> None:
    assert refused(token(step=StatusStep.WON)) is RefusalReason.BAD_SIGNATURE


def test_a_step_that_does_not_exist_is_refused() -> None:
    assert refused(token(), step="promoted") is RefusalReason.UNKNOWN_STEP


def test_a_link_sent_to_the_previous_holder_is_refused_after_a_reassignment() -> None:
    assert refused(token(holder="7"), holder="8") is RefusalReason.BAD_SIGNATURE


def test_an_expired_link_is_refused_from_the_second_it_expires() -> None:
    value = token()
    assert check(value, now=EXPIRES - timedelta(seconds=1)) is StatusStep.CONTACTED
    assert refused(value, now=EXPIRES) is RefusalReason.EXPIRED


def test_a_later_expiry_written_into_the_link_breaks_its_signature() -> None:
    signature = token().partition(".")[2]
    later = int((EXPIRES + timedelta(days=365)).timestamp())
    assert refused(f"{later}.{signature}") is RefusalReason.BAD_SIGNATURE


def test_a_link_signed_with_another_key_is_refused_and_an_older_key_may_be_kept() -> None:
    other = status_link_token(
        secret=b"other", lead_id=42, step="contacted", holder="7", expires_at=EXPIRES
    )
    assert refused(other) is RefusalReason.BAD_SIGNATURE
    assert check(other, secrets=(SECRET, b"other")) is StatusStep.CONTACTED


@pytest.mark.parametrize(
    "value",
    ["", ".", "abc", "123", "123.", ".abc", "-5.abc", "0012.abc", "1.2.3", "9" * 13 + ".a", "é.a"],
)
def test_malformed_tokens_are_refused(value: str) -> None:
    assert refused(value) in {RefusalReason.MALFORMED, RefusalReason.BAD_SIGNATURE}


@given(
    st.integers(0, 42),
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
)
def test_changing_any_character_of_the_signature_is_refused(
    position: int, replacement: str
) -> None:
    value = token()
    expires, _, signature = value.partition(".")
    if signature[position] == replacement:
        replacement = "A" if replacement != "A" else "B"
    tampered = signature[:position] + replacement + signature[position + 1 :]
    assert refused(f"{expires}.{tampered}") is RefusalReason.BAD_SIGNATURE


def test_the_signature_is_hmac_sha256_over_purpose_lead_step_holder_and_expiry() -> None:
    import base64
    import hashlib
    import hmac

    expires = int(EXPIRES.timestamp())
    message = f"leadflow-status-link/v1|42|contacted|7|{expires}".encode()
    expected = base64.urlsafe_b64encode(hmac.new(SECRET, message, hashlib.sha256).digest())
    assert token() == f"{expires}.{expected.rstrip(b'=').decode()}"


def test_a_token_cannot_be_made_without_a_secret_or_a_timezone() -> None:
    with pytest.raises(ValueError, match="secret"):
        status_link_token(secret=b"", lead_id=1, step="won", holder="7", expires_at=EXPIRES)
    with pytest.raises(ValueError, match="aware"):
        status_link_token(
            secret=SECRET, lead_id=1, step="won", holder="7", expires_at=datetime(2026, 12, 1)
        )
