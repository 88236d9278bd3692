"""The program's "Form and intake settings" page (issue 12, items 5 and 7): the program's
managers set the web form on or off, the sites a visitor may be sent back to (retURL), the
program's country, and its own lead-source → channel rules, in the web app."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from leadflow.accounts.models import Role, User
from leadflow.core.aliases import source_channel
from leadflow.core.enums import Channel
from leadflow.programs.models import Program


@pytest.fixture(autouse=True)
def plain_http_client(settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def signed_in(client: Client, program: Program, make_user: Callable[..., User]) -> Client:
    client.force_login(make_user(Role.MANAGER, clients=(program.client,)))
    return client


def url(program: Program) -> str:
    return f"/programs/{program.slug}/intake"


SETTINGS = {
    "web_form_enabled": "on",
    "default_region": "CA",
    "allowed_hosts": "www.acme.example\nhttps://shop.acme.example/thanks?x=1\nwww.acme.example",
    "source_rules": "Spring Expo = event\nPartner Portal → referral\nGoogle = other",
}


def test_a_manager_sets_the_form_and_intake_settings(signed_in: Client, program: Program) -> None:
    page = signed_in.get(url(program))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Form and intake settings" in html
    assert "Sites a visitor may be sent back to after the form" in html
    response = signed_in.post(url(program), {**SETTINGS, "web_form_enabled": ""})
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.web_form_enabled is False
    assert program.default_region == "CA"
    assert program.web_form_allowed_hosts == ["www.acme.example", "shop.acme.example"]
    assert program.source_channel_rules == {
        "Spring Expo": "event",
        "Partner Portal": "referral",
        "Google": "other",
    }
    again = signed_in.get(url(program)).content.decode()
    assert "Spring Expo = event" in again
    assert "Partner Portal = referral" in again


def test_the_detail_page_links_the_settings_for_managers(
    signed_in: Client, program: Program
) -> None:
    html = signed_in.get(f"/programs/{program.slug}/").content.decode()
    assert f'href="{url(program)}"' in html


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"allowed_hosts": "not a host!"}, "is not a site"),
        ({"source_rules": "Spring Expo = carrier pigeon"}, "is not a channel"),
        ({"source_rules": "Spring Expo"}, "write the lead source"),
        ({"source_rules": "Expo = event\nexpo = web"}, "has a rule already"),
        ({"default_region": "XX"}, "Select a valid choice"),
    ],
)
def test_a_wrong_setting_is_shown_at_its_field_and_nothing_is_saved(
    signed_in: Client, program: Program, change: dict[str, Any], message: str
) -> None:
    before = (program.web_form_allowed_hosts, program.source_channel_rules, program.default_region)
    response = signed_in.post(url(program), {**SETTINGS, **change})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert message in html
    program.refresh_from_db()
    after = (program.web_form_allowed_hosts, program.source_channel_rules, program.default_region)
    assert after == before


@pytest.mark.parametrize("role", [Role.MARKETER, Role.QUALIFIER])
def test_only_managers_edit_the_settings(
    client: Client, program: Program, make_user: Callable[..., User], role: Role
) -> None:
    client.force_login(make_user(role, clients=(program.client,)))
    assert client.post(url(program), SETTINGS).status_code == 403
    program.refresh_from_db()
    assert program.web_form_allowed_hosts == []


def test_another_clients_program_is_not_found(signed_in: Client, other_program: Program) -> None:
    assert signed_in.get(url(other_program)).status_code == 404


def test_a_saved_return_host_is_followed_by_the_form(signed_in: Client, program: Program) -> None:
    signed_in.post(url(program), SETTINGS)
    visitor = Client()
    response = visitor.post(
        f"/forms/{program.slug}/submit",
        {"email": "ada@example.com", "retURL": "https://shop.acme.example/done"},
    )
    assert (response.status_code, response["Location"]) == (303, "https://shop.acme.example/done")


def test_a_program_rule_comes_before_the_shared_table() -> None:
    rules = {"Google": "other"}
    assert source_channel("google", default=Channel.WEB, rules=rules).channel == Channel.OTHER
    assert source_channel("Google", default=Channel.WEB).channel == Channel.WEB
    assert source_channel("Google", default=Channel.WEB, rules={"Google": "x"}).channel == (
        Channel.WEB
    )


def test_a_form_switched_off_is_not_found(signed_in: Client, program: Program) -> None:
    signed_in.post(url(program), {**SETTINGS, "web_form_enabled": ""})
    assert Client().get(f"/forms/{program.slug}/").status_code == 404
