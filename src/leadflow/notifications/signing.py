"""HMAC-SHA256 signatures of webhook bodies, for LeadFlow and for the receivers it calls.

The signed text is ``f"{timestamp}.{body}"``: binding the timestamp stops a captured request
from being replayed later, and ``verify`` refuses timestamps outside a tolerance window.
"""

import hashlib
import hmac
from datetime import datetime

PREFIX = "sha256="


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    signed = timestamp.encode("ascii") + b"." + body
    return PREFIX + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def verify(
    *,
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    now: datetime,
    tolerance_seconds: int = 300,
) -> bool:
    """True when ``signature`` is ours for this body and the timestamp is recent enough."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now.timestamp() - sent) > tolerance_seconds:
        return False
    expected = sign(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected, signature)
