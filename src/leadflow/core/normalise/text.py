"""How names are compared (DESIGN.md, "Core objects"): text folded for case and accents, and
split into words, the common ground of the place look-ups and the matching keys.

"Zürich" and "ZURICH", "O'Brien" and "OBrien", "Smith & Co" and "smith and co" must meet in one
spelling before a country, a company or a person can be recognised. The places and the keys
modules both start from ``fold`` and ``folded_words``, so these live apart from either.
"""

from __future__ import annotations

import re
import unicodedata

_ELIDED = re.compile(r"[.'`\u2018\u2019\u02bc]")
_NON_WORD = re.compile(r"[\W_]+")
_LETTERS = str.maketrans(
    dict(zip("øđłðħ\u0131", "odldhi", strict=True)) | {"æ": "ae", "œ": "oe", "þ": "th"}
)


def fold(text: str) -> str:
    """Case- and accent-fold: decomposed (NFKD) and case folded, combining marks dropped, and the
    few letters without a decomposition (ø, ł, æ…) spelt in ASCII; ASCII text only lower-cased."""
    if text.isascii():
        return text.lower()
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return "".join(c for c in folded if not unicodedata.combining(c)).translate(_LETTERS)


def folded_words(text: str) -> list[str]:
    """The folded words of a name: "&" is "and", periods and apostrophes join their neighbours
    ("L.L.C." is "llc", "O'Brien" is "obrien"), any other punctuation separates words."""
    folded = _ELIDED.sub("", fold(text).replace("&", " and "))
    return _NON_WORD.sub(" ", folded).split()
