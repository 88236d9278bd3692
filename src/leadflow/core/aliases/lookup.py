"""The lookups of the alias tables: the field a header fills, the channel a lead-source value
names (with the program's own rules first), the inquiry type a value names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from leadflow.core.aliases.headers import HEADER_FIELDS
from leadflow.core.aliases.keys import alias_key
from leadflow.core.aliases.sources import INQUIRY_TYPES, SOURCE_CHANNELS
from leadflow.core.enums import Channel, InquiryType


def header_field(header: str) -> str | None:
    """The field a header (an import column, a form field's name) fills, if any."""
    return HEADER_FIELDS.get(alias_key(header))


@dataclass(frozen=True)
class SourceChannel:
    """The channel of a lead, and the source as sent when it says more than the channel."""

    channel: Channel
    detail: str = ""


def source_channel(
    value: str,
    *,
    default: Channel,
    chosen: Channel | None = None,
    rules: Mapping[str, str] | None = None,
) -> SourceChannel:
    """The channel a lead-source value names: ``chosen`` when the sender chose it (an import's
    option), else the program's own ``rules`` (value → channel, compared like the table), else
    the table's channel for the value, ``other`` for a value it does not know, and ``default``
    (the channel's usual source) when there is no value. The detail is the value as sent,
    spaces collapsed, unless it is just the channel's own name."""
    text = " ".join(value.split())
    channel = chosen or (
        (_rule_channel(text, rules) or SOURCE_CHANNELS.get(alias_key(text), Channel.OTHER))
        if text
        else default
    )
    detail = "" if alias_key(text) == alias_key(channel.value) else text
    return SourceChannel(channel, detail)


_CHANNEL_VALUES = frozenset(channel.value for channel in Channel)


def _rule_channel(text: str, rules: Mapping[str, str] | None) -> Channel | None:
    """The channel a program's rule gives the value; rules naming no channel are ignored."""
    key = alias_key(text)
    for value, channel in (rules or {}).items():
        if alias_key(value) == key and channel in _CHANNEL_VALUES:
            return Channel(channel)
    return None


def inquiry_type_of(value: str) -> InquiryType | None:
    """The inquiry type a value names, or None (the callers keep the value in the profile)."""
    return INQUIRY_TYPES.get(alias_key(value)) if value.strip() else None
