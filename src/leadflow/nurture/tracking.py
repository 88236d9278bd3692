"""Signed tokens of the public nurture URLs: a tracked link (``/t/<token>``) names one sent
touch and the index of one of its links; an unsubscribe link (``/u/<token>``) names one sent
touch, and through it one contact address of one client; an address unsubscribe link (also
``/u/<token>``, for e-mails that are no nurture touch: a marketing sales kit) names the client
and the address themselves.

A token is signed with the site's secret and a purpose of its own (Django's ``signing``), so a
link token is no unsubscribe token, a changed digit is no token at all, and nobody can build
the token of another contact. The URL a tracked link leads to is never in the token: it is
read from the sent touch, so a token cannot be made to redirect anywhere else.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

_LINK = "leadflow.nurture.link"
_UNSUBSCRIBE = "leadflow.nurture.unsubscribe"
_UNSUBSCRIBE_ADDRESS = "leadflow.nurture.unsubscribe.address"


class BadToken(Exception):
    """Not a token this site made for this purpose."""


def link_token(*, sent_id: int, index: int) -> str:
    return signing.dumps([sent_id, index], salt=_LINK, compress=False)


def link_read(token: str) -> tuple[int, int]:
    """The sent touch's id and the link's index, or BadToken."""
    try:
        value = signing.loads(token, salt=_LINK)
    except signing.BadSignature:
        raise BadToken("not a link token") from None
    if not (isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value)):
        raise BadToken("not a link token")
    return value[0], value[1]


def unsubscribe_token(*, sent_id: int) -> str:
    return signing.dumps(sent_id, salt=_UNSUBSCRIBE, compress=False)


def unsubscribe_read(token: str) -> int:
    """The sent touch's id, or BadToken."""
    try:
        value = signing.loads(token, salt=_UNSUBSCRIBE)
    except signing.BadSignature:
        raise BadToken("not an unsubscribe token") from None
    if type(value) is not int:
        raise BadToken("not an unsubscribe token")
    return value


def absolute(path: str) -> str:
    """The address people use from a mailbox: ``SITE_URL`` (``https://…``) and the path."""
    return f"{settings.SITE_URL}{path}"


def link_url(*, sent_id: int, index: int) -> str:
    token = link_token(sent_id=sent_id, index=index)
    return absolute(reverse("nurture_public:track", args=[token]))


def unsubscribe_url(*, sent_id: int) -> str:
    return absolute(
        reverse("nurture_public:unsubscribe", args=[unsubscribe_token(sent_id=sent_id)])
    )


def address_unsubscribe_token(*, client_id: int, email: str) -> str:
    return signing.dumps([client_id, email], salt=_UNSUBSCRIBE_ADDRESS, compress=False)


def address_unsubscribe_read(token: str) -> tuple[int, str]:
    """The client's id and the address, or BadToken."""
    try:
        value = signing.loads(token, salt=_UNSUBSCRIBE_ADDRESS)
    except signing.BadSignature:
        raise BadToken("not an address unsubscribe token") from None
    if not (
        isinstance(value, list)
        and len(value) == 2
        and type(value[0]) is int
        and isinstance(value[1], str)
        and "@" in value[1]
    ):
        raise BadToken("not an address unsubscribe token")
    return value[0], value[1]


def unsubscribe_link(*, client_id: int, email: str) -> str:
    """``config/leads.py`` ``UNSUBSCRIBE_LINKS``: the one-click unsubscribe address of one
    contact address for one client, honoured by the public unsubscribe view (GET: a page to
    confirm; POST: RFC 8058). "" for no address."""
    if not email.strip():
        return ""
    token = address_unsubscribe_token(client_id=client_id, email=email.strip())
    return absolute(reverse("nurture_public:unsubscribe", args=[token]))
