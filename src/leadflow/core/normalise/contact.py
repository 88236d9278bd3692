"""How a lead is reached (DESIGN.md, "Core objects"; de-duplication by e-mail and phone): the
one canonical spelling of an e-mail address and of a phone number (E.164).

The de-duplication rule compares these spellings, so they are settled once, here, with the
reasons a value is rejected worded for the import report.
"""

from __future__ import annotations

import contextlib
import re

import email_validator
import phonenumbers
from email_validator import EmailNotValidError, validate_email

from leadflow.core.errors import NormalisationError


def normalise_email(raw: str) -> str:
    """The address as the de-duplication rule compares it: syntax-checked by email-validator (no
    DNS look-up) and lower-cased whole, local part included, because people type the same
    mailbox in any case and almost no mail server treats case as significant.

    The plain ASCII address most files hold is accepted by an exact pattern of what the library
    accepts (``_plain_email``, 1-2 µs against the library's ~130 µs; issue 18); everything
    else, and every refusal with its reason, is the library's."""
    text = raw.strip()
    if _plain_email(text):
        return text.lower()
    return _email_checked(text)


def _email_checked(text: str) -> str:
    """The library's reading of an address, with its reason for a refusal."""
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        reason = str(exc).rstrip(".")
        raise NormalisationError(
            f"not an e-mail address: {reason[:1].lower()}{reason[1:]}"
        ) from exc
    return checked.normalized.lower()


#: An ASCII dot-atom local part (RFC 5322 atext, as email-validator's ``DOT_ATOM_TEXT``) and a
#: domain of letter/digit/hyphen labels neither starting nor ending with a hyphen, whose last
#: label ends with a letter (email-validator's top-level-domain rule).
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_!#$%&'*+/=?^`{|}~-]+(?:\.[A-Za-z0-9_!#$%&'*+/=?^`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9-]*[A-Za-z]",
    re.ASCII,
)


def _plain_email(text: str) -> bool:
    """True when email-validator (as ``normalise_email`` calls it) accepts ``text`` and its
    normalised form is ``text`` with the domain lower-cased: a plain address within the lengths
    (local part ≤ 64, domain labels ≤ 63, address ≤ 254), no ``--`` anywhere in the domain (the
    library's Punycode and R-LDH rules) and not in a special-use domain (``localhost``,
    ``.local``, ``.test`` …). Anything this does not settle goes to the library; the property
    test holds it equal to the library on generated addresses (tests/core/test_normalise_fast)."""
    if len(text) > 254 or not _PLAIN_EMAIL.fullmatch(text):
        return False
    local, _, domain = text.rpartition("@")
    if len(local) > 64 or "--" in domain:
        return False
    labels = domain.lower().split(".")
    if any(len(label) > 63 or label[0] == "-" or label[-1] == "-" for label in labels):
        return False
    return not any(".".join(labels[start:]) in _SPECIAL_USE_DOMAINS for start in range(len(labels)))


#: email-validator's special-use names (with ``test``: the intake runs no test environment).
_SPECIAL_USE_DOMAINS = frozenset(email_validator.SPECIAL_USE_DOMAIN_NAMES) | {"test"}


_PHONE_PARSE_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country calling code",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}
_PHONE_IMPOSSIBLE_REASONS = {
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "a local number without its area code",
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown country calling code",
    phonenumbers.ValidationResult.TOO_SHORT: "too short",
    phonenumbers.ValidationResult.TOO_LONG: "too long",
    phonenumbers.ValidationResult.INVALID_LENGTH: "wrong number of digits",
}


def normalise_phone(raw: str, default_region: str) -> str:
    """The number in E.164 ("+14155550100"), the one spelling the de-duplication rule compares.

    A number without "+" and country code is read as a number of `default_region` (for a lead,
    its own country), so "030 1234567" and "0049 30 1234567" are German numbers there. An
    extension is accepted and dropped: it reaches the same switchboard.

    Only impossible numbers (wrong length, unknown calling code, a local number without its area
    code) are refused; numbers that are possible but not in the library's list of assigned
    ranges are kept, because that list trails real numbering plans and a refused number loses a
    way to reach the lead while a dead number only costs a call.

    The reading is lenient (issue 12): when the number as written is not possible, it is read
    again without its punctuation ("415_555_0100", "385-(642)951-8397"), without a label in
    brackets ("415 555 0100 (mobile)"), as a spreadsheet's number ("4155550100.0") and with a
    leading "00" as "+"; the first possible reading wins, so a number accepted before is read as
    before. What is still impossible raises, and the intake turns that into a warning.
    """
    region = default_region.strip().upper()
    if (plain := _plain_nanp(raw.strip(), region)) is not None:
        return plain
    return _phone_parsed(raw, region)


#: A North American number as most files write it: "(415) 555-0100", "415.555.0100",
#: "+1 415 555 0100"; area code and exchange starting 2 to 9 (never a trunk or country prefix).
_PLAIN_NANP = re.compile(
    r"(\+1[ .-]?)?(?:\(([2-9]\d\d)\)|([2-9]\d\d))[ .-]?([2-9]\d\d)[ .-]?(\d{4})", re.ASCII
)
#: The regions whose numbers without a country code are North American ones read as above.
_NANP_REGIONS = frozenset({"US", "CA"})


def _plain_nanp(text: str, region: str) -> str | None:
    """The E.164 form of a plain North American number, exactly as phonenumbers reads it (ten
    digits under calling code 1 are a possible number); None for anything else, which goes to
    the library. A property test holds it equal to the library (tests/core/test_normalise_fast).
    """
    match = _PLAIN_NANP.fullmatch(text)
    if match is None:
        return None
    country, bracketed, area, exchange, line = match.groups()
    if country is None and region not in _NANP_REGIONS:
        return None
    return f"+1{bracketed or area}{exchange}{line}"


def _phone_parsed(raw: str, region: str) -> str:
    """The library's lenient reading of a number (see ``normalise_phone``)."""
    failure: NormalisationError | None = None
    for text in _phone_readings(raw):
        try:
            return _phone_e164(text, raw, region)
        except NormalisationError as exc:
            failure = failure or exc
    assert failure is not None
    raise failure


_PHONE_PUNCTUATION = re.compile(r"[^\w+]+|_+")
_PHONE_LABEL = re.compile(r"\([^)]*[^\W\d_][^)]*\)")
_SPREADSHEET_NUMBER = re.compile(r"\d+\.0+|\d(?:\.\d+)?[eE]\+?\d+")


def _phone_readings(raw: str) -> list[str]:
    """The spellings a written number is tried in, the number as written first."""
    text = raw.strip()
    readings = [text]
    if _SPREADSHEET_NUMBER.fullmatch(text):
        with contextlib.suppress(ValueError, OverflowError):
            readings.append(str(int(float(text))))
    unlabelled = _PHONE_LABEL.sub(" ", text)
    bare = " ".join(_PHONE_PUNCTUATION.sub(" ", unlabelled).split())
    readings.append(bare)
    if bare.startswith("00") and not bare.startswith("000"):
        readings.append("+" + bare[2:].lstrip())
    return list(dict.fromkeys([text, *(r for r in readings[1:] if r)]))


def _phone_e164(text: str, raw: str, region: str) -> str:
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException as exc:
        reason = _PHONE_PARSE_REASONS.get(exc.error_type, "unreadable")
        if "+" not in raw and region not in phonenumbers.SUPPORTED_REGIONS:
            reason = "no country code and no known region"
        raise NormalisationError(f"not a phone number: {reason}") from exc
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise NormalisationError(f"not a phone number: {_PHONE_IMPOSSIBLE_REASONS[possible]}")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
