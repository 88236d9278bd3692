"""Pages for people (issue 17, item 3): the workspace's explanation, history and profile of a
fixture lead show labels, never a ``snake_case`` key, a rule number or a dotted field path."""

import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from leadflow.accounts.models import Role, User
from leadflow.core.lifecycle import Action
from leadflow.leads.models import CallOutcome, Lead
from leadflow.leads.services import LeadInput, lead_create, lead_transition
from leadflow.leads.services.calls import call_record
from leadflow.programs.models import Program
from tests.conftest import NOW

KEY = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
RULE_NUMBER = re.compile(r"rule \d+ fired", re.IGNORECASE)
DOTTED_FIELD = re.compile(r"\b(?:answers|profile|bant)\.[a-z]")


class _Text(HTMLParser):
    """The text a person reads: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def jargon(text: str) -> list[str]:
    return [*KEY.findall(text), *RULE_NUMBER.findall(text), *DOTTED_FIELD.findall(text)]


@pytest.fixture(autouse=True)
def plain_http(settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def storied_lead(program: Program, make_user: Callable[..., User]) -> tuple[Lead, User]:
    """A Hot lead with a decision maker, profile values under snake_case keys, a call, a
    review and a push-back: every kind of line the workspace explains."""
    qualifier = make_user(Role.QUALIFIER, programs=(program,))
    lead = lead_create(
        program=program,
        data=LeadInput(
            first_name="Ada",
            last_name="Lovelace",
            email="ada@example.com",
            company="Analytical Engines Ltd",
            answers={
                "budget": "approved",
                "authority": "decision_maker",
                "need": "established",
                "timeframe_months": 2,
            },
            profile={"source_detail": "Spring expo", "budget_cycle": "Q1"},
        ),
        actor=None,
        now=NOW,
    )
    now = timezone.now()
    lead_transition(lead=lead, action=Action.START_QUALIFYING, actor=qualifier, now=now)
    call_record(
        lead=lead,
        caller=qualifier,
        outcome=CallOutcome.NO_ANSWER,
        note="",
        next_call_at=None,
        now=now,
    )
    lead_transition(lead=lead, action=Action.SUBMIT_FOR_REVIEW, actor=qualifier, now=now)
    lead_transition(
        lead=lead, action=Action.PUSH_BACK, actor=None, now=now, reason="decision_maker unclear"
    )
    return lead, qualifier


def test_the_explanation_reads_as_labels(storied_lead: tuple[Lead, User]) -> None:
    lead, _ = storied_lead
    lead.refresh_from_db()
    assert "Authority: decision maker — meets the criterion (decision maker)" in lead.explanation
    assert any(line.startswith("Rated Hot: decision within 3 months") for line in lead.explanation)
    assert not jargon(" ".join(lead.explanation))


def test_the_workspace_shows_no_keys_in_explanation_history_or_profile(
    client: Client, storied_lead: tuple[Lead, User]
) -> None:
    lead, qualifier = storied_lead
    client.force_login(qualifier)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    text = visible_text(page)
    # The push-back reason is what QA typed, shown as typed; everything LeadFlow wrote is words.
    text = text.replace("decision_maker unclear", "")
    assert "Rated Hot: decision within 3 months" in text
    assert "Source detail" in text
    assert "called: no answer" in text
    assert not jargon(text), jargon(text)
    filtered = visible_text(client.get(f"/leads/{lead.pk}/?history=reviews").content.decode())
    assert not jargon(filtered.replace("decision_maker unclear", ""))


def test_the_jargon_check_catches_keys() -> None:
    assert jargon("rating: Hot — rule 1 fired: timeframe ≤ 3") == ["rule 1 fired"]
    assert jargon("authority: decision_maker") == ["decision_maker"]
    assert jargon("answers.budget: approved") == ["answers.b"]
    assert not jargon("Authority: decision maker — meets the criterion")


def test_the_push_back_note_shows_on_the_banner(
    client: Client, storied_lead: tuple[Lead, User]
) -> None:
    lead, qualifier = storied_lead
    client.force_login(qualifier)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    banner = page[page.index('data-testid="push-back"') :]
    assert "decision_maker unclear" in banner[: banner.index("</section>")]


def test_the_workspace_says_why_rating_and_stage_differ(
    client: Client, storied_lead: tuple[Lead, User]
) -> None:
    lead, qualifier = storied_lead
    client.force_login(qualifier)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "the stage counts how many of the four BANT criteria are met" in page
