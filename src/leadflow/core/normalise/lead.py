"""The whole lead (DESIGN.md, "Core objects" and "Nothing is lost"): ``RawLead`` as it arrived,
``NormalisedLead`` in canonical form with its matching keys, and ``normalise_lead`` between them.

Every lead, whether from a web form, the API or a spreadsheet import, goes through
``normalise_lead`` before it is stored or matched for de-duplication (``leadflow.core.dedupe``).
Imports must report every rejected row with its reason, so the lead normaliser collects all
field errors instead of stopping at the first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import phonenumbers

from leadflow.core.consent import consent_flag
from leadflow.core.errors import NormalisationError
from leadflow.core.normalise.contact import normalise_email, normalise_phone
from leadflow.core.normalise.keys import company_key, domain_key, person_key, split_name
from leadflow.core.normalise.places import (
    normalise_country,
    normalise_subdivision,
    usps_country,
)

_WHITESPACE = re.compile(r"\s+")


def _collapse(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class RawLead:
    """A lead's contact and company fields as they arrived from a form, the API or an import."""

    first_name: str = ""
    last_name: str = ""
    full_name: str = ""
    email: str = ""
    phone: str = ""
    title: str = ""
    company: str = ""
    website: str = ""
    country: str = ""
    state: str = ""
    postal_code: str = ""
    street: str = ""
    city: str = ""
    #: The sender's opt-out flags as sent ("true", "Yes", "1", "x"…): they set the contact's
    #: consent (``leadflow.core.consent``), not a column of the lead.
    email_opt_out: str = ""
    do_not_call: str = ""


@dataclass(frozen=True)
class NormalisedLead:
    """A lead's fields in canonical form with its matching keys.

    A field that failed is "" here and its reason is keyed by the `RawLead` field name ("state"
    for the subdivision): in `warnings` when the lead can still be reached (DESIGN.md, "Intake
    rules": a bad optional field becomes a warning), in `errors` with "contact" when it cannot,
    so a rejected row's report says every reason at once.
    """

    first_name: str
    last_name: str
    email: str
    phone: str
    title: str
    company: str
    website: str
    domain: str
    country: str
    subdivision: str
    postal_code: str
    company_key: str
    person_key: str
    street: str = ""
    city: str = ""
    #: True: the sender says the person opted out of e-mail / is not to be called; False: the
    #: sender knows of no opt-out; None: not said (or not readable, with a warning).
    email_opt_out: bool | None = None
    do_not_call: bool | None = None
    errors: dict[str, str] = field(default_factory=dict, hash=False)
    warnings: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def normalise_lead(
    raw: RawLead, *, default_region: str, default_country: str = ""
) -> NormalisedLead:
    """Normalise every field of an incoming lead and collect every failure, so an import can
    report all the reasons a row was rejected at once (DESIGN.md, "Nothing is lost").

    Empty fields are not errors, but a lead needs an e-mail, a phone, or a company and a name:
    without one the lead is rejected (``errors``, every field's reason with ``contact``); with
    one, a field that failed is dropped and its reason is a warning. The phone is read in the
    lead's own country when it is known, else in `default_region`. A subdivision sent without a
    country is looked up in `default_country` (the program's, as a US form has a state and no
    country) and gives the lead that country; a USPS code ISO lists as a country (``FM``,
    ``MH``, ``PW``) is that country.
    """
    errors: dict[str, str] = {}

    first, last = _collapse(raw.first_name), _collapse(raw.last_name)
    if not first and not last:
        first, last = split_name(raw.full_name)

    def attempt(name: str, value: str, normalise: Callable[[str], str]) -> str:
        if not value.strip():
            return ""
        try:
            return normalise(value)
        except NormalisationError as exc:
            errors[name] = str(exc)
            return ""

    email = attempt("email", raw.email, normalise_email)
    country = attempt("country", raw.country, normalise_country)
    state = raw.state.strip()
    if state and not country and not raw.country.strip() and default_country.strip():
        in_default = default_country.strip().upper()
        if usps_country(in_default, state) or _known_subdivision(in_default, state):
            country = in_default
    subdivision = ""
    if state and (territory := usps_country(country, state)):
        country = territory
    elif state and not country:
        errors["state"] = f"subdivision {state!r} needs a known country"
    else:
        subdivision = attempt("state", raw.state, lambda s: normalise_subdivision(country, s))
    region = country if country in phonenumbers.SUPPORTED_REGIONS else default_region
    phone = attempt("phone", raw.phone, lambda p: _phone(p, region, default_region))

    opt_outs = {name: _flag(name, getattr(raw, name), errors) for name in _FLAGS}
    company = _collapse(raw.company)
    website = raw.website.strip()
    if website and not domain_key(website):
        errors["website"] = f"not a web address: {website[:100]!r}"
        website = ""
    warnings: dict[str, str] = {}
    if not (email or phone or (company and (first or last))):
        errors["contact"] = "needs an e-mail, a phone, or a company and a name"
    else:
        warnings, errors = errors, {}

    return NormalisedLead(
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        title=_collapse(raw.title),
        company=company,
        website=website,
        domain=domain_key(website) or domain_key(email),
        country=country,
        subdivision=subdivision,
        postal_code=_collapse(raw.postal_code).upper(),
        company_key=company_key(company),
        person_key=person_key(first, last),
        street=_collapse(raw.street),
        city=_collapse(raw.city),
        email_opt_out=opt_outs["email_opt_out"],
        do_not_call=opt_outs["do_not_call"],
        errors=errors,
        warnings=warnings,
    )


_FLAGS = ("email_opt_out", "do_not_call")


def _flag(name: str, value: str, errors: dict[str, str]) -> bool | None:
    """An opt-out flag read; a value that says neither yes nor no is that field's problem (a
    warning when the lead can be reached), never a guess."""
    flag = consent_flag(value)
    if flag is None and value.strip():
        errors[name] = f"not a yes or no: {value.strip()[:40]!r}"
    return flag


def _phone(raw: str, region: str, default_region: str) -> str:
    """The phone read in the lead's country, else in the program's region: a US number on a
    lead of a territory ISO lists as a country (Palau, Micronesia) is still a US number."""
    try:
        return normalise_phone(raw, region)
    except NormalisationError as exc:
        if default_region.strip().upper() in ("", region):
            raise
        try:
            return normalise_phone(raw, default_region)
        except NormalisationError:
            raise exc from None


def _known_subdivision(country: str, raw: str) -> bool:
    try:
        normalise_subdivision(country, raw)
    except NormalisationError:
        return False
    return True
