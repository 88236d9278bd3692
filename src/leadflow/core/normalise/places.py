"""Normalisation of incoming leads (DESIGN.md, "Core objects" and "Non-functional").

Every lead, whether from a web form, the API or a spreadsheet import, goes through `normalise_lead`
before it is stored or matched for de-duplication (`leadflow.core.dedupe`): e-mails and phones get
one canonical spelling, countries and subdivisions their ISO 3166 codes (which partner territories
and working calendars use), and companies and people a matching key that ignores case, accents,
punctuation and legal forms. Imports must report every rejected row with its reason, so the lead
normaliser collects all field errors instead of stopping at the first.

Imports normalise hundreds of thousands of rows: regexes are compiled once, the country and
subdivision tables are built once per process, and the values that repeat across rows (countries,
subdivisions, company names, websites) are looked up through bounded caches.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import idna
import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

from leadflow.core.errors import NormalisationError

_ELIDED = re.compile(r"[.'`\u2018\u2019\u02bc]")
_NON_WORD = re.compile(r"[\W_]+")
_WHITESPACE = re.compile(r"\s+")
_HOST = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)+")
_LETTERS = str.maketrans(
    dict(zip("øđłðħ\u0131", "odldhi", strict=True)) | {"æ": "ae", "œ": "oe", "þ": "th"}
)


def _fold(text: str) -> str:
    """Case- and accent-fold: decomposed (NFKD) and case folded, combining marks dropped, and the
    few letters without a decomposition (ø, ł, æ…) spelt in ASCII; ASCII text only lower-cased."""
    if text.isascii():
        return text.lower()
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return "".join(c for c in folded if not unicodedata.combining(c)).translate(_LETTERS)


def _words(text: str) -> list[str]:
    """The folded words of a name: "&" is "and", periods and apostrophes join their neighbours
    ("L.L.C." is "llc", "O'Brien" is "obrien"), any other punctuation separates words."""
    folded = _ELIDED.sub("", _fold(text).replace("&", " and "))
    return _NON_WORD.sub(" ", folded).split()


def _collapse(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _listing(text: str) -> list[str]:
    """The items of a comma-separated table written as one string, so word lists stay compact."""
    return [item.strip() for item in text.split(",")]


# --- e-mail and phone ---------------------------------------------------------------------------


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
    code) are rejected; numbers that are possible but not in the library's list of assigned
    ranges are kept, because that list trails real numbering plans and a rejected row loses a lead
    while a dead number only costs a call.
    """
    region = default_region.strip().upper()
    try:
        number = phonenumbers.parse(raw, region or None)
    except phonenumbers.NumberParseException as exc:
        reason = _PHONE_PARSE_REASONS.get(exc.error_type, "unreadable")
        if "+" not in raw and region not in phonenumbers.SUPPORTED_REGIONS:
            reason = "no country code and no known region"
        raise NormalisationError(f"not a phone number: {reason}") from exc
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise NormalisationError(f"not a phone number: {_PHONE_IMPOSSIBLE_REASONS[possible]}")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


# --- country and subdivision --------------------------------------------------------------------

_COUNTRY_ALIASES = {
    "US": "USA, U.S., U.S.A., America",
    "GB": "UK, U.K., Great Britain, Britain, England, Scotland, Wales, Northern Ireland",
    "DE": "Deutschland, BRD",
    "NL": "Holland, Nederland",
    "KR": "Korea, Republic of Korea",
    "KP": "DPRK",
    "RU": "Russia",
    "CZ": "Czech Republic",
    "CI": "Ivory Coast",
    "TR": "Turkey",
    "MK": "Macedonia",
    "MM": "Burma",
    "SZ": "Swaziland",
    "CV": "Cape Verde",
    "TL": "East Timor",
    "VA": "Vatican, Vatican City, Holy See",
    "PS": "Palestine",
    "BN": "Brunei",
    "FM": "Micronesia",
    "AE": "UAE, Emirates",
    "CD": "DR Congo, DRC, Congo-Kinshasa",
    "CG": "Congo-Brazzaville",
    "CN": "PRC",
    "ES": "España",
    "BR": "Brasil",
    "CH": "Schweiz, Suisse, Svizzera",
    "AT": "Österreich",
    "IT": "Italia",
    "BE": "Belgique, België",
    "SE": "Sverige",
    "NO": "Norge",
    "DK": "Danmark",
    "FI": "Suomi",
    "PL": "Polska",
    "LC": "St Lucia",
    "KN": "St Kitts and Nevis",
    "VC": "St Vincent and the Grenadines",
}
"""Everyday names people type that pycountry does not list (its names are the ISO ones)."""

_SUBDIVISION_ALIASES = {
    "DE": {
        "Bavaria": "BY",
        "Lower Saxony": "NI",
        "North Rhine-Westphalia": "NW",
        "Rhineland-Palatinate": "RP",
        "Saxony": "SN",
        "Saxony-Anhalt": "ST",
        "Thuringia": "TH",
        "Hesse": "HE",
        "Mecklenburg-Western Pomerania": "MV",
    },
    "US": {"Washington DC": "DC", "Washington D.C.": "DC"},
    "CA": {"Newfoundland": "NL"},
}
"""English names of subdivisions that pycountry lists only under their local name."""


def _place_key(text: str) -> str:
    words = _words(text)
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


@functools.cache
def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for country in pycountry.countries:
        index[_place_key(country.alpha_2)] = country.alpha_2
    for country in pycountry.countries:
        index.setdefault(_place_key(country.alpha_3), country.alpha_2)
        index.setdefault(country.numeric, country.alpha_2)
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(country, attribute, None)
            if name:
                index.setdefault(_place_key(name), country.alpha_2)
                head, comma, tail = name.partition(", ")
                if comma:
                    index.setdefault(_place_key(f"{tail} {head}"), country.alpha_2)
    for code, aliases in _COUNTRY_ALIASES.items():
        for alias in aliases.split(","):
            index.setdefault(_place_key(alias), code)
    return index


@functools.lru_cache(maxsize=4096)
def _country_code(raw: str) -> str | None:
    return _country_index().get(_place_key(raw))


def normalise_country(raw: str) -> str:
    """The ISO 3166-1 alpha-2 code that partner territories and working calendars are keyed by,
    from a code (alpha-2, alpha-3, numeric), an ISO name, common or official name in any case and
    with or without accents, or an everyday alias ("USA", "UK", "Holland")."""
    code = _country_code(raw)
    if code is None:
        raise NormalisationError(f"unknown country {raw.strip()!r}")
    return code


@functools.cache
def _subdivision_index(country: str) -> dict[str, str]:
    subdivisions = sorted(
        pycountry.subdivisions.get(country_code=country) or (),
        key=lambda s: (s.parent_code is not None, s.code),
    )
    index: dict[str, str] = {}
    for alias, code in _SUBDIVISION_ALIASES.get(country, {}).items():
        index[_place_key(alias)] = code
    for subdivision in subdivisions:
        index.setdefault(_place_key(subdivision.name), subdivision.code.partition("-")[2])
    for subdivision in subdivisions:
        code = subdivision.code.partition("-")[2]
        index[_place_key(code)] = code
        index[_place_key(subdivision.code)] = code
    return index


@functools.lru_cache(maxsize=4096)
def _subdivision_code(country: str, raw: str) -> str | None:
    return _subdivision_index(country).get(_place_key(raw))


def normalise_subdivision(country: str, raw: str) -> str:
    """The ISO 3166-2 code of a state, province or region without its country prefix ("CA" for
    "California", "ca" or "US-CA"), as partner territories and holiday calendars use it.

    Codes win over names when they collide; names are pycountry's (mostly local: "Bayern"), plus
    English names for German states, all compared without case and accents.
    """
    country_code = normalise_country(country)
    code = _subdivision_code(country_code, raw)
    if code is None:
        raise NormalisationError(f"unknown subdivision {raw.strip()!r} of {country_code}")
    return code


# --- companies, domains and people --------------------------------------------------------------

_LEGAL_FORMS = frozenset(
    tuple(form.split())
    for form in _listing(
        """inc, incorporated, llc, ltd, limited, corp, corporation, co, company, and co,
        and company, lp, llp, pllc, plc, gmbh, mbh, ag, kg, kgaa, ohg, se, sa, s a, sas, s a s,
        sarl, s a r l, sa de cv, bv, nv, pty, oy, oyj, ab, as, a s, asa, aps, spa, s p a, srl,
        s r l, sl, ltda, kk, pte, pvt, bhd, sdn, sro, kft, zrt"""
    )
)
"""Legal forms a company name may end with; "Group" and "Holdings" are not legal forms and name a
different company from the bare name."""
_LONGEST_LEGAL_FORM = max(len(form) for form in _LEGAL_FORMS)


@functools.lru_cache(maxsize=16384)
def company_key(name: str) -> str:
    """The key by which two spellings of one company are recognised (de-duplication by company
    and name): folded words without a leading "the" and trailing legal forms, so "ACME, Inc.",
    "Acme Incorporated" and "acme" share "acme". A name that is only a legal form keeps it."""
    words = _words(name)
    while len(words) > 1 and words[0] == "the":
        del words[0]
    while size := _legal_form_size(words):
        del words[-size:]
    return " ".join(words)


def _legal_form_size(words: list[str]) -> int:
    """How many trailing words are a legal form, never all of them; 0 when they are none."""
    for size in range(min(_LONGEST_LEGAL_FORM, len(words) - 1), 0, -1):
        if tuple(words[-size:]) in _LEGAL_FORMS:
            return size
    return 0


@functools.lru_cache(maxsize=16384)
def domain_key(value: str) -> str:
    """The company's internet domain from a website or an e-mail address: the host, lower-cased,
    without "www.", port, path or user; IDNA-encoded when not ASCII; "" when there is none."""
    text = value.strip()
    if text[:7].lower() == "mailto:":
        text = text[7:]
    if "://" not in text and "@" in text:
        text = text.rpartition("@")[2]
    try:
        host = urlsplit(text if "://" in text else f"//{text}").hostname or ""
    except ValueError:
        return ""
    host = host.rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            return ""
    return host if _HOST.fullmatch(host) else ""


_HONORIFICS = frozenset(
    _listing(
        """mr, mrs, ms, miss, mx, dr, prof, professor, sir, dame, rev, revd, reverend, hon, herr,
        frau, mme, mlle, sr, sra, srta, dott, ing, dipl-ing, mag"""
    )
)
_NAME_SUFFIXES = frozenset(
    _listing("jr, jnr, sr, snr, ii, iii, iv, phd, md, dds, dvm, esq, mba, cpa, cfa, jd")
)
_PARTICLES = frozenset(
    _listing(
        """van, von, der, den, de, del, della, dello, delle, degli, di, da, das, dos, do, du, la,
        le, les, lo, ter, ten, te, op, bin, binti, ibn, bint, al, el, af, av, zu"""
    )
)


def _token(word: str) -> str:
    return _fold(word).replace(".", "")


def _drop_titles(words: list[str]) -> list[str]:
    """The words without leading honorifics and trailing suffixes, keeping at least one word
    of a name that is more than honorifics."""
    start, end = 0, len(words)
    while start < end and _token(words[start]) in _HONORIFICS:
        start += 1
    while end - start > 1 and _token(words[end - 1]) in _NAME_SUFFIXES:
        end -= 1
    return words[start:end]


def split_name(full: str) -> tuple[str, str]:
    """Given and family name from a whole name as forms and spreadsheets give it: "Ada Lovelace"
    or "Lovelace, Ada"; honorifics ("Dr.") and suffixes ("Jr.", "PhD") dropped; particles stay
    with the family name ("van Beethoven", "de la Cruz"); one word is a given name."""
    parts = [part.split() for part in full.split(",")]
    parts = [part for part in parts if part]
    while len(parts) > 1 and all(_token(word) in _NAME_SUFFIXES for word in parts[-1]):
        parts.pop()
    if not parts:
        return "", ""
    if len(parts) > 1:
        family = _drop_titles(parts[0])
        given = _drop_titles([word for part in parts[1:] for word in part])
        return " ".join(given), " ".join(family)
    words = _drop_titles(parts[0])
    if len(words) < 2:
        return " ".join(words), ""
    start = len(words) - 1
    while start > 1 and _token(words[start - 1]) in _PARTICLES:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:])


def person_key(first: str, last: str) -> str:
    """The key by which two spellings of one person are compared within a company: folded
    "given family" words without punctuation ("José O'Brien" is "jose obrien")."""
    return " ".join(_words(first) + _words(last))


# --- the whole lead -----------------------------------------------------------------------------


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
