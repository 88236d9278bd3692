"""How one company or person is recognised across spellings (DESIGN.md, de-duplication by
company and name): ``company_key``, ``domain_key``, ``person_key``, and ``split_name`` for the
whole names that forms and spreadsheets give.

A key ignores case, accents, punctuation, a leading "the", legal forms, honorifics and name
suffixes, so that "ACME, Inc." and "Acme Incorporated" or "Dr. José O'Brien" and "Jose Obrien"
meet; the keys of company names and websites are cached because they repeat across rows.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

import idna

from leadflow.core.normalise.text import fold, folded_words

_HOST = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)+")


def _listing(text: str) -> list[str]:
    """The items of a comma-separated table written as one string, so word lists stay compact."""
    return [item.strip() for item in text.split(",")]


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
    words = folded_words(name)
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
    return fold(word).replace(".", "")


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
    return " ".join(folded_words(first) + folded_words(last))
