"""Signed one-click status links of the weekly status e-mail (issue 20, item 5).

Each open lead in a partner's (or field sales executive's) weekly e-mail carries one link per
step (still working, contacted, won, lost, nurture) that records the step without a login. A
link is good for one lead, one step, one holder and until it expires:

    token = "<expires>.<signature>"
    expires   = the expiry as whole seconds since 1970-01-01 UTC, in decimal
    signature = base64url (no padding) of HMAC-SHA256(secret,
                "leadflow-status-link/v1|<lead id>|<step>|<holder>|<expires>")

The lead id and the step travel in the link's path beside the token (``/status/<lead id>/<step>
/<token>``, the app's choice); the holder (the user the e-mail was sent to) is not in the link:
the app passes the lead's present holder, so a link sent before a reassignment stops working for
the old holder. `status_link_check` recomputes the signature and compares in constant time
before it looks at the expiry; any refusal is the same `StatusLinkRefused` (the app answers
404 for all, so a guess learns nothing), its ``reason`` kept for the logs.

Pure: the secret and ``now`` are parameters (the app passes a key derived from its secret for
this purpose alone). Older secrets may be passed to accept links signed before a key rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum

from leadflow.core.errors import DomainError

_PURPOSE = "leadflow-status-link/v1"
_MAX_TOKEN = 100
_MAX_EXPIRES = 253402300799  # 9999-12-31T23:59:59Z


class StatusStep(StrEnum):
    """What a partner answers for one open lead."""

    STILL_WORKING = "still_working"
    CONTACTED = "contacted"
    WON = "won"
    LOST = "lost"
    NURTURE = "nurture"

    @property
    def label(self) -> str:
        return {
            "still_working": "Still working on it",
            "contacted": "Contacted",
            "won": "Won",
            "lost": "Lost",
            "nurture": "Not ready: nurture",
        }[self.value]


class RefusalReason(StrEnum):
    MALFORMED = "malformed"
    UNKNOWN_STEP = "unknown_step"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"


class StatusLinkRefused(DomainError):
    """The link is not good (tampered, another lead's or step's or holder's, or expired)."""

    def __init__(self, reason: RefusalReason) -> None:
        super().__init__(f"this status link is not valid ({reason.value})")
        self.reason = reason


def status_link_token(
    *, secret: bytes, lead_id: int, step: StatusStep | str, holder: str, expires_at: datetime
) -> str:
    """The token of one lead's one step for ``holder``, good until ``expires_at`` (rounded
    down to the second)."""
    if not secret:
        raise ValueError("the secret cannot be empty")
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise ValueError("expires_at must be timezone-aware")
    expires = int(expires_at.timestamp())
    if not 0 < expires <= _MAX_EXPIRES:
        raise ValueError("expires_at is out of range")
    signature = _signature(secret, lead_id, StatusStep(step), holder, expires)
    return f"{expires}.{signature}"


def status_link_check(
    *,
    secrets: Sequence[bytes],
    lead_id: int,
    step: str,
    holder: str,
    token: str,
    now: datetime,
) -> tuple[StatusStep, datetime]:
    """The step and the link's expiry when ``token`` is good for this lead, step and holder at
    ``now``; otherwise `StatusLinkRefused`. ``secrets``: the current key first, then any
    older ones still accepted."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not secrets or not all(secrets):
        raise ValueError("at least one non-empty secret is needed")
    try:
        wanted = StatusStep(step)
    except ValueError:
        raise StatusLinkRefused(RefusalReason.UNKNOWN_STEP) from None
    expires = _expiry(token)
    given = token.partition(".")[2].encode("ascii")
    matched = False
    for secret in secrets:
        expected = _signature(secret, lead_id, wanted, holder, expires).encode("ascii")
        matched |= hmac.compare_digest(expected, given)
    if not matched:
        raise StatusLinkRefused(RefusalReason.BAD_SIGNATURE)
    expires_at = datetime.fromtimestamp(expires, UTC)
    if now >= expires_at:
        raise StatusLinkRefused(RefusalReason.EXPIRED)
    return wanted, expires_at


def _expiry(token: str) -> int:
    if not isinstance(token, str) or len(token) > _MAX_TOKEN or not token.isascii():
        raise StatusLinkRefused(RefusalReason.MALFORMED)
    expires_text, dot, signature = token.partition(".")
    if not dot or not signature or not expires_text.isdigit() or len(expires_text) > 12:
        raise StatusLinkRefused(RefusalReason.MALFORMED)
    expires = int(expires_text)
    if str(expires) != expires_text or not 0 < expires <= _MAX_EXPIRES:
        raise StatusLinkRefused(RefusalReason.MALFORMED)
    return expires


def _signature(secret: bytes, lead_id: int, step: StatusStep, holder: str, expires: int) -> str:
    if "|" in holder:
        raise ValueError("the holder cannot contain '|'")
    message = f"{_PURPOSE}|{int(lead_id)}|{step.value}|{holder}|{expires}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
