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

from leadflow.core.errors import NormalisationError
from leadflow.core.normalise.contact import normalise_email, normalise_phone
from leadflow.core.normalise.keys import company_key, domain_key, person_key, split_name
from leadflow.core.normalise.places import normalise_country, normalise_subdivision

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


@dataclass(frozen=True)
class NormalisedLead:
    """A lead's fields in canonical form with its matching keys.

    A field that failed is "" here and its reason is in `errors`, keyed by the `RawLead` field
    name ("state" for the subdivision) or "contact" when the lead cannot be reached at all.
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
    errors: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def normalise_lead(raw: RawLead, *, default_region: str) -> NormalisedLead:
    """Normalise every field of an incoming lead and collect every failure, so an import can
    report all the reasons a row was rejected at once (DESIGN.md, "Nothing is lost").

    Empty fields are not errors, but a lead needs an e-mail, a phone, or a company and a name.
    The phone is read in the lead's own country when it is known, else in `default_region`; a
    subdivision needs a known country.
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
    if raw.state.strip() and not country:
        errors["state"] = f"subdivision {raw.state.strip()!r} needs a known country"
        subdivision = ""
    else:
        subdivision = attempt("state", raw.state, lambda s: normalise_subdivision(country, s))
    region = country if country in phonenumbers.SUPPORTED_REGIONS else default_region
    phone = attempt("phone", raw.phone, lambda p: normalise_phone(p, region))

    company = _collapse(raw.company)
    website = raw.website.strip()
    if not (email or phone or (company and (first or last))):
        errors["contact"] = "needs an e-mail, a phone, or a company and a name"

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
        errors=errors,
    )
