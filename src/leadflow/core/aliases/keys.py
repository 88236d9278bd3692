"""The key the alias tables compare names by, and the helpers that build the tables."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from leadflow.core.normalise.text import fold

_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


def alias_key(text: str) -> str:
    """A header or value as the table compares it: folded for case and accents, without spaces
    or punctuation ("E-mail Address", "email_address" and "EmailAddress" are one key)."""
    return _NOT_ALPHANUMERIC.sub("", fold(text))


def alias_list(listing: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in listing.split(",") if name.strip())


def alias_table(**fields: str) -> dict[str, tuple[str, ...]]:
    return {field: alias_list(listing) for field, listing in fields.items()}


def alias_index(table: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """alias key → name, refusing a key that two names claim (a mistake in the table)."""
    keys: dict[str, str] = {}
    for name, aliases in table.items():
        for alias in aliases:
            key = alias_key(alias)
            if keys.setdefault(key, name) != name:
                raise ValueError(f"{alias!r} names both {keys[key]} and {name}")
    return keys
