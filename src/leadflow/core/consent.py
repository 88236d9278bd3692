"""Consent per contact address (DESIGN.md, "Intake rules": consent is kept per contact address
per client and honoured by every marketing touch).

Leads arrive with the sender's opt-out flags: a CRM export's ``Do Not Email`` or
``HasOptedOutOfEmail`` column, a form's hidden ``donotemail`` field, the API's
``email_opt_out``. They all say the same thing, "do not", so a true value is an
*unsubscribed* e-mail address or a phone number not to be called, and a false value says the
sender knew of no opt-out.

The one rule of this module: **an import, a form or an API call never turns an unsubscribed or
bounced address back to subscribed.** A file exported before the person unsubscribed, or a form
whose hidden field defaults to "false", must not undo the person's own wish; only the person's
own action (an unsubscribe link's "subscribe again", a preference page) may do that. Moves
towards fewer messages are always taken: subscribed → unsubscribed, bounced → unsubscribed (the
person's wish outlasts a mailbox that may come back). A bounce never replaces an unsubscribe.
"""

from __future__ import annotations

import re
from enum import StrEnum

_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


def _key(value: str) -> str:
    # The alias table's comparison (case, spaces and punctuation aside), without importing it:
    # the lead normaliser reads flags here, and the alias table imports the normaliser's package.
    return _NOT_ALPHANUMERIC.sub("", value.casefold())


class ConsentChannel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"


class ConsentStatus(StrEnum):
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"


#: Values of an opt-out flag that mean "yes, opted out" / "no": spreadsheet and CRM booleans
#: (Salesforce ``true``, Dynamics ``Do Not Allow`` / ``1``, a ticked cell's ``x``, a checkbox's
#: ``on``), compared as the alias table compares (case, spaces and punctuation aside).
FLAG_TRUE = frozenset(
    _key(value)
    for value in ("true", "yes", "y", "1", "x", "on", "checked", "t", "opted out", "do not allow")
)
FLAG_FALSE = frozenset(
    _key(value) for value in ("false", "no", "n", "0", "off", "f", "allow", "unchecked")
)


def consent_flag(value: str) -> bool | None:
    """An opt-out flag as sent: True (opted out), False (not opted out), or None when the value
    is empty or says neither (the callers keep such a value with a warning, and record no
    consent from it)."""
    key = _key(value)
    if key in FLAG_TRUE:
        return True
    if key in FLAG_FALSE:
        return False
    return None


def flag_status(opted_out: bool) -> ConsentStatus:
    """The status an opt-out flag stands for."""
    return ConsentStatus.UNSUBSCRIBED if opted_out else ConsentStatus.SUBSCRIBED


#: How strongly a status stops messages: a change from intake may only go up this ladder.
_RESTRAINT = {ConsentStatus.SUBSCRIBED: 0, ConsentStatus.BOUNCED: 1, ConsentStatus.UNSUBSCRIBED: 2}


def consent_next(
    current: ConsentStatus | None, wanted: ConsentStatus, *, by_person: bool = False
) -> ConsentStatus | None:
    """The status an address takes when ``wanted`` is stated, or None when it stays as it is.

    An address with no status takes any. The person's own action (``by_person``) sets what they
    chose. Anything else (an import, a form field, the API) only restrains: it never lifts an
    unsubscribe or a bounce, nor replaces an unsubscribe by a bounce."""
    if current == wanted:
        return None
    if current is None or by_person:
        return wanted
    return wanted if _RESTRAINT[wanted] > _RESTRAINT[current] else None


def marketing_allowed(status: ConsentStatus | None) -> bool:
    """Whether a marketing touch may use an address: not when it is unsubscribed or bounced. An
    address with no recorded status may be used (B2B inquirers asked to be contacted; the
    nurture issue may require explicit subscription per client later)."""
    return status not in (ConsentStatus.UNSUBSCRIBED, ConsentStatus.BOUNCED)
