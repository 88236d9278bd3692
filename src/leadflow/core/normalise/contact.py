"""How a lead is reached (DESIGN.md, "Core objects"; de-duplication by e-mail and phone): the
one canonical spelling of an e-mail address and of a phone number (E.164).

The de-duplication rule compares these spellings, so they are settled once, here, with the
reasons a value is rejected worded for the import report.
"""

from __future__ import annotations

import contextlib
import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from leadflow.core.errors import NormalisationError


def normalise_email(raw: str) -> str:
    """The address as the de-duplication rule compares it: syntax-checked by email-validator (no
    DNS look-up) and lower-cased whole, local part included, because people type the same
    mailbox in any case and almost no mail server treats case as significant."""
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        reason = str(exc).rstrip(".")
        raise NormalisationError(
            f"not an e-mail address: {reason[:1].lower()}{reason[1:]}"
        ) from exc
    return checked.normalized.lower()


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
