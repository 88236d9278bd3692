"""The lead list's columns and page size, chosen per user and kept on the server (issue 17)."""

import re
from collections.abc import Callable

import pytest
from django.test import Client

from leadflow.core.errors import InputError
from leadflow.leads.models import Lead, ListPreference
from leadflow.leads.selectors.preferences import DEFAULT_COLUMNS, list_settings_get
from leadflow.leads.services.preferences import list_settings_save
from leadflow.programs.models import Program
from tests.conftest import NOW
from tests.factories import Leads, Team

pytestmark = pytest.mark.usefixtures("plain_http")


def headers(client: Client) -> list[str]:
    """The table's column headers, in order (the sort arrows dropped)."""
    page = client.get("/leads/").content.decode()
    head = page[page.index("<thead>") : page.index("</thead>")]
    cells = re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", head, flags=re.S)
    labels = [re.sub(r"<[^>]+>|[▲▼]", "", cell).strip() for cell in cells]
    return [label for label in labels if label]


# --- selector and service ----------------------------------------------------------------------


def test_someone_who_never_chose_gets_the_one_line_summary(team: Team) -> None:
    settings = list_settings_get(user=team.manager)
    assert settings.columns == DEFAULT_COLUMNS
    assert DEFAULT_COLUMNS == (
        "lead", "rating", "stage", "score", "status", "owner", "source", "created",
    )  # fmt: skip
    assert settings.per_page == 50


def test_saved_columns_come_back_in_the_lists_order_with_the_lead_always_there(
    team: Team,
) -> None:
    list_settings_save(user=team.manager, columns=["created", "email"], per_page=25, now=NOW)
    settings = list_settings_get(user=team.manager)
    assert settings.columns == ("lead", "email", "created")
    assert settings.per_page == 25
    assert list_settings_get(user=team.marketer).columns == DEFAULT_COLUMNS


def test_saving_again_replaces_the_choice(team: Team) -> None:
    list_settings_save(user=team.manager, columns=["email"], per_page=25, now=NOW)
    list_settings_save(user=team.manager, columns=["phone"], per_page=100, now=NOW)
    assert ListPreference.objects.filter(user=team.manager).count() == 1
    assert list_settings_get(user=team.manager).columns == ("lead", "phone")


@pytest.mark.parametrize(
    ("columns", "per_page", "field"),
    [(["email", "salary"], 50, "columns"), (["email"], 30, "per_page")],
)
def test_an_unknown_column_or_page_size_saves_nothing(
    team: Team, columns: list[str], per_page: int, field: str
) -> None:
    with pytest.raises(InputError) as refused:
        list_settings_save(user=team.manager, columns=columns, per_page=per_page, now=NOW)
    assert refused.value.field == field
    assert not ListPreference.objects.exists()


def test_a_column_dropped_from_the_list_later_stops_showing(team: Team) -> None:
    ListPreference.objects.create(
        user=team.manager, columns=["gone", "email"], per_page=77, updated_at=NOW
    )
    settings = list_settings_get(user=team.manager)
    assert settings.columns == ("lead", "email")
    assert settings.per_page == 50


# --- the page ------------------------------------------------------------------------------------


def test_the_list_shows_one_line_per_lead_with_name_and_company(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.manager)
    assert headers(client) == [
        "Lead", "Rating", "Stage", "Score", "Status", "Owner", "Source", "Created",
    ]  # fmt: skip
    page = client.get("/leads/").content.decode()
    assert 'Hedy Lamarr</a> <span class="company">· Frequency Hopping Inc</span>' in page
    assert "<br>" not in page[page.index("<tbody>") : page.index("</tbody>")]


def test_chosen_columns_are_applied_on_every_load_for_that_user_only(
    client: Client, team: Team, leads: Leads
) -> None:
    client.force_login(team.manager)
    response = client.post(
        "/leads/columns/",
        {"columns": ["email", "program"], "per_page": "25", "query": "rating=hot&page=3"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/leads/?rating=hot"
    assert "Your columns and page size are saved." in response.content.decode()
    assert headers(client) == ["Lead", "Program", "E-mail"]
    assert "hedy@frequency.example" in client.get("/leads/").content.decode()
    client.force_login(team.marketer)
    assert "Rating" in headers(client)
    assert "E-mail" not in headers(client)


def test_a_bad_choice_on_the_page_says_so_and_keeps_the_old_one(
    client: Client, team: Team, db: None
) -> None:
    client.force_login(team.manager)
    response = client.post(
        "/leads/columns/", {"columns": ["salary"], "per_page": "25"}, follow=True
    )
    assert "Nothing saved" in response.content.decode()
    assert not ListPreference.objects.exists()


@pytest.mark.parametrize("per_page", [25, 100])
def test_pages_of_the_chosen_size(
    client: Client,
    team: Team,
    program: Program,
    make_lead: Callable[..., Lead],
    per_page: int,
) -> None:
    for number in range(per_page + 3):
        make_lead(program, first_name=f"Person{number:03d}", external_id=f"x{number}")
    list_settings_save(user=team.manager, columns=[], per_page=per_page, now=NOW)
    client.force_login(team.manager)
    first = client.get("/leads/?sort=company").content.decode()
    assert f"Leads 1\u2013{per_page} of {per_page + 3}" in first
    assert f"{per_page} a page" in first
    second = client.get("/leads/?sort=company&page=2").content.decode()
    assert f"Leads {per_page + 1}\u2013{per_page + 3} of {per_page + 3}" in second


def test_the_chooser_shows_the_saved_choice(client: Client, team: Team, db: None) -> None:
    list_settings_save(user=team.manager, columns=["phone"], per_page=100, now=NOW)
    client.force_login(team.manager)
    page = client.get("/leads/").content.decode()
    assert 'name="columns" value="phone" checked>' in page
    assert 'name="columns" value="rating">' in page
    assert 'name="per_page" value="100" checked>' in page
