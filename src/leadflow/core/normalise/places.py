"""Where a lead is (DESIGN.md, "Core objects" and "Non-functional"): countries as ISO 3166-1
alpha-2 codes and subdivisions as ISO 3166-2 codes, which partner territories and working
calendars are keyed by.

People type codes, ISO names, common names, local names and everyday aliases in any case and
with or without accents; the country and subdivision tables are built once per process, with
the aliases pycountry does not list, and the values that repeat across an import's rows are
looked up through bounded caches.
"""

from __future__ import annotations

import functools

import pycountry

from leadflow.core.errors import NormalisationError
from leadflow.core.normalise.text import folded_words

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
    words = folded_words(text)
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


#: USPS state codes of the freely associated states: US mail addresses them as states, ISO 3166
#: as countries of their own (which partner territories and holiday calendars use).
_USPS_COUNTRIES = {"FM": "FM", "MH": "MH", "PW": "PW"}


def usps_country(country: str, raw: str) -> str | None:
    """The ISO country a USPS "state" of the United States names when ISO has it as a country
    (``FM`` Micronesia, ``MH`` the Marshall Islands, ``PW`` Palau), else None. The US
    territories ISO lists as subdivisions too (PR, GU, VI, AS, MP, UM) stay subdivisions."""
    if country != "US":
        return None
    return _USPS_COUNTRIES.get(_place_key(raw).upper())


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
