"""Short-lived links to a call recording: signed, bound to one recording and one user, and
valid for ``LINK_SECONDS``. A link copied to someone else, or used after it expired, opens
nothing; pressing Play again (which records another listen) makes a new one.
"""

from django.core import signing

LINK_SECONDS = 10 * 60
_SALT = "leadflow.review.recording"


def recording_token(*, recording_id: int, user_id: int) -> str:
    return signing.dumps({"recording": recording_id, "user": user_id}, salt=_SALT, compress=True)


def recording_token_valid(
    token: str, *, recording_id: int, user_id: int, max_age: int = LINK_SECONDS
) -> bool:
    """Whether ``token`` was made by ``recording_token`` for this recording and this user no
    more than ``max_age`` seconds ago."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return False
    return isinstance(data, dict) and data == {"recording": recording_id, "user": user_id}
