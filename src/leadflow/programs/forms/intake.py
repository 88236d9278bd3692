"""The program's form and intake settings as its managers edit them: whether the web form
takes submissions, the hosts it may send a visitor back to (``retURL``), the program's country
(phones without a country code, states without a country), and the program's own lead-source
values → channel rules. Each list is typed one item a line, the way a person keeps it."""

import re
from typing import Any

import pycountry
from django import forms

from leadflow.core.aliases import alias_key
from leadflow.core.enums import Channel
from leadflow.programs.forms.fields import EditorForm
from leadflow.programs.models import Program

_HOST = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}")
_RULE_SEPARATORS = ("=>", "->", "→", "=")


def channel_label(channel: Channel) -> str:
    return channel.value.replace("_", " ")


_CHANNELS = {alias_key(c.value): c for c in Channel} | {
    alias_key(channel_label(c)): c for c in Channel
}


_CHANNEL_VALUES = frozenset(c.value for c in Channel)


def _countries() -> list[tuple[str, str]]:
    return sorted(
        (
            (country.alpha_2, getattr(country, "common_name", country.name))
            for country in pycountry.countries
        ),
        key=lambda pair: pair[1],
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _host(line: str) -> str:
    """A host from what people paste: "www.acme.example", or a whole address of the site."""
    text = line.strip().lower()
    if "://" in text:
        text = text.split("://", 1)[1]
    text = text.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    if text.count(":") == 1:
        text = text.split(":", 1)[0]
    return text.rstrip(".")


class IntakeSettingsForm(EditorForm):
    web_form_enabled = forms.BooleanField(required=False, label="The web form accepts submissions")
    default_region = forms.ChoiceField(
        label="The program's country",
        help_text="Phone numbers written without a country code are read as numbers of this "
        "country, and a state or province sent without a country is looked up in it.",
    )
    allowed_hosts = forms.CharField(
        required=False,
        label="Sites a visitor may be sent back to after the form",
        help_text="One site a line, such as www.acme.example. After a submission the visitor "
        "goes to the form's return address (retURL) only when its site is listed here; "
        "otherwise they see the thank-you page.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    source_rules = forms.CharField(
        required=False,
        label="The program's own lead sources",
        help_text="One rule a line: the lead source as your forms and files send it, “=”, and "
        "the channel it belongs to, such as “Spring Expo = event”. These come before the "
        "standard list of lead sources, for the web form and for imports. Channels: "
        + ", ".join(channel_label(c) for c in Channel)
        + ".",
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "web_form_enabled": program.web_form_enabled,
                "default_region": program.default_region,
                "allowed_hosts": "\n".join(program.web_form_allowed_hosts),
                "source_rules": "\n".join(
                    f"{value} = {channel_label(Channel(channel))}"
                    for value, channel in program.source_channel_rules.items()
                    if channel in _CHANNEL_VALUES
                ),
            },
        )
        super().__init__(*args, **kwargs)
        region = self.fields["default_region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = _countries()

    def clean_allowed_hosts(self) -> list[str]:
        hosts: list[str] = []
        for number, line in enumerate(_lines(self.cleaned_data["allowed_hosts"]), start=1):
            host = _host(line)
            if not _HOST.fullmatch(host):
                raise forms.ValidationError(
                    f"Line {number}: “{line}” is not a site's name (such as www.acme.example)."
                )
            if host not in hosts:
                hosts.append(host)
        return hosts

    def clean_source_rules(self) -> dict[str, str]:
        rules: dict[str, str] = {}
        problems: list[str] = []
        for number, line in enumerate(_lines(self.cleaned_data["source_rules"]), start=1):
            separator = next((s for s in _RULE_SEPARATORS if s in line), None)
            if separator is None:
                problems.append(f"Line {number}: write the lead source, “=”, then the channel.")
                continue
            value, _, channel_text = line.rpartition(separator)
            value = " ".join(value.split()).strip("=-> ")
            channel = _CHANNELS.get(alias_key(channel_text))
            if not value:
                problems.append(f"Line {number}: the lead source is missing before “=”.")
            elif channel is None:
                problems.append(
                    f"Line {number}: “{channel_text.strip()}” is not a channel. The channels "
                    f"are {', '.join(channel_label(c) for c in Channel)}."
                )
            elif any(alias_key(known) == alias_key(value) for known in rules):
                problems.append(f"Line {number}: “{value}” has a rule already.")
            else:
                rules[value[:100]] = channel.value
        if problems:
            raise forms.ValidationError(problems)
        return rules
