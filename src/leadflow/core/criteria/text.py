"""How criteria and their explanations write numbers and lists of values: as a person would
("3", "2.5 months", "preliminary or approved"), the same everywhere a rule is described."""

import math
from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache


# Memoised: every explanation ends with its score, and a million leads have some thousands of
# scores (the bench's 100,000 leads: 10,600). Equal numbers read the same (1, 1.0 and True are
# "1"; 0.0 and -0.0 are "0"), so sharing an entry between them cannot change a text.
@lru_cache(maxsize=16384)
def format_number(value: float) -> str:
    """Shows a number the way a person writes it: 3, 2.5, 0.33 (two decimals at most)."""
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def months(value: float) -> str:
    return f"{format_number(value)} month" + ("" if value == 1 else "s")


def plain(value: str) -> str:
    """A stored value as words: ``decision_maker`` → ``decision maker``."""
    return value.replace("_", " ")


def join_or(values: Iterable[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``: how a rule names the values it accepts."""
    items = list(values)
    return f"{', '.join(items[:-1])} or {items[-1]}" if len(items) > 1 else "".join(items)


def ordered(values: Iterable[StrEnum]) -> list[str]:
    """Enum values in declaration order, so that sets serialise and read the same every time."""
    members = set(values)
    if not members:
        return []
    return [member.value for member in type(next(iter(members))) if member in members]
