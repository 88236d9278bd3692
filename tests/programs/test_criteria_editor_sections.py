"""The criteria editor draws its questions, rating ladder and point rules only when a section is
first opened (issue 17, item 10: the editor under 500 ms). A section never opened is sent as
nothing and kept as it was: saving never loses or blanks it."""

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from leadflow.accounts.models import Role, User
from leadflow.core.criteria import QualifyingCriteria, default_criteria
from leadflow.programs.models import Program
from leadflow.programs.selectors import criteria_draft, criteria_from_version
from leadflow.programs.services import criteria_draft_save

SECTIONS = ("questions", "ladder", "points")


class BrowserForm(HTMLParser):
    """The fields the editor's form posts as drawn, as a browser sends them."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._in = False
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def _add(self, name: str, value: str) -> None:
        self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._in = "criteria-form" in values.get("class", "") or values.get("id") == "frag"
        name = values.get("name")
        if not self._in or (not name and tag != "option"):
            return
        if tag == "input":
            kind = values.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in values:
                    self._add(name or "", values.get("value", "on"))
            elif kind != "submit":
                self._add(name or "", values.get("value", ""))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in values:
            self._add(self._select, values.get("value", ""))
        elif tag == "textarea":
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self._add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None
        elif tag == "form":
            self._in = False


def posted(html: str, *, fragment: bool = False) -> dict[str, list[str]]:
    form = BrowserForm()
    form.feed(f'<form id="frag">{html}</form>' if fragment else html)
    return form.fields


@pytest.fixture(autouse=True)
def plain_http_client(settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def signed_in(client: Client, program: Program, make_user: Callable[..., User]) -> Client:
    client.force_login(make_user(Role.MANAGER, clients=(program.client,)))
    return client


def tightened() -> QualifyingCriteria:
    data = default_criteria().model_dump(mode="json")
    data["rating_ladder"][0]["any_of"][0]["timeframe_max_months"] = 1
    data["point_rules"][0]["points"] = 40
    data["questions"][0]["label"] = "Money set aside"
    return QualifyingCriteria.from_dict(data)


def test_the_editor_draws_only_the_summaries_of_its_closed_sections(
    signed_in: Client, program: Program
) -> None:
    page = signed_in.get(f"/programs/{program.slug}/criteria/edit").content.decode()
    for section in SECTIONS:
        assert f'name="{section}-TOTAL_FORMS"' not in page
        assert f'hx-get="/programs/{program.slug}/criteria/edit/{section}"' in page
        assert f'href="?open={section}#section-{section}"' in page  # without scripts
    assert 'name="general-name"' in page
    assert "4 rules: Hot, A, B, C; other leads FYI</span>" in page
    assert 'class="editor-bar"' in page
    assert len(posted(page)) < 30


def test_a_section_is_drawn_on_first_opening_from_the_draft(
    signed_in: Client, program: Program, now: Any
) -> None:
    criteria_draft_save(program=program, criteria=tightened(), actor=None, now=now)
    fragment = signed_in.get(f"/programs/{program.slug}/criteria/edit/ladder")
    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert '<fieldset class="section-body">' in html
    assert posted(html, fragment=True)["ladder-0-conditions-0-timeframe_max_months"] == ["1"]
    questions = signed_in.get(f"/programs/{program.slug}/criteria/edit/questions")
    assert "<legend>Question 1: Money set aside</legend>" in questions.content.decode()
    assert signed_in.get(f"/programs/{program.slug}/criteria/edit/nothing").status_code == 404


def test_the_address_can_open_a_section_with_its_fields(
    signed_in: Client, program: Program
) -> None:
    page = signed_in.get(f"/programs/{program.slug}/criteria/edit?open=points").content.decode()
    assert '<details class="card section" id="section-points" open>' in page
    assert 'name="points-TOTAL_FORMS"' in page
    assert 'name="questions-TOTAL_FORMS"' not in page


def test_sections_are_for_editors_of_the_program_only(
    client: Client, program: Program, other_program: Program, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(Role.MARKETER, clients=(program.client,)))
    assert client.get(f"/programs/{program.slug}/criteria/edit/points").status_code == 403
    client.force_login(make_user(Role.MANAGER, clients=(program.client,)))
    assert client.get(f"/programs/{other_program.slug}/criteria/edit/points").status_code == 404


def test_saving_without_opening_a_section_keeps_every_section_as_it_was(
    signed_in: Client, program: Program, now: Any
) -> None:
    criteria_draft_save(program=program, criteria=tightened(), actor=None, now=now)
    url = f"/programs/{program.slug}/criteria/edit"
    data = posted(signed_in.get(url).content.decode())
    assert not any(name.startswith(("questions-", "ladder-", "points-")) for name in data)
    data["general-name"] = ["Tight BANT"]
    data["then"] = ["edit"]
    response = signed_in.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = criteria_draft(program=program)
    assert draft is not None
    saved = criteria_from_version(draft)
    assert saved.name == "Tight BANT"
    assert saved.model_copy(update={"name": tightened().name}) == tightened()


def test_saving_after_opening_one_section_saves_its_change_and_keeps_the_others(
    signed_in: Client, program: Program, now: Any
) -> None:
    criteria_draft_save(program=program, criteria=tightened(), actor=None, now=now)
    url = f"/programs/{program.slug}/criteria/edit"
    data = posted(signed_in.get(url).content.decode())
    data.update(posted(signed_in.get(f"{url}/points").content.decode(), fragment=True))
    assert data["points-0-points"] == ["40"]
    data["points-0-points"] = ["45"]
    response = signed_in.post(url, data)
    assert response["Location"] == f"/programs/{program.slug}/criteria/preview"
    draft = criteria_draft(program=program)
    assert draft is not None
    saved = criteria_from_version(draft)
    assert saved.point_rules[0].points == 45
    assert saved.questions == tightened().questions
    assert saved.rating_ladder == tightened().rating_ladder


def test_a_problem_in_an_opened_section_comes_back_with_every_section_drawn(
    signed_in: Client, program: Program
) -> None:
    url = f"/programs/{program.slug}/criteria/edit"
    data = posted(signed_in.get(url).content.decode())
    data.update(posted(signed_in.get(f"{url}/points").content.decode(), fragment=True))
    data["points-0-points"] = ["lots"]
    response = signed_in.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert '<details class="card section" id="section-points" open>' in page
    assert '<details class="card section" id="section-questions">' in page
    for section in SECTIONS:
        assert f'name="{section}-TOTAL_FORMS"' in page
    assert criteria_draft(program=program) is None
