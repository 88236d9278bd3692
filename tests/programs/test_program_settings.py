"""A program's hand-off mode and closure days in the app's own page (issue 17, item 9)."""

import pytest
from django.test import Client

from leadflow.programs.models import HandOffMode, Program
from tests.factories import Team

pytestmark = pytest.mark.usefixtures("plain_http")


@pytest.mark.parametrize("role", ["marketer", "qualifier", "reviewer", "partner", "client_contact"])
def test_other_roles_are_refused(client: Client, team: Team, program: Program, role: str) -> None:
    client.force_login(getattr(team, role))
    assert client.get(f"/programs/{program.slug}/settings").status_code == 403


def test_another_scopes_program_is_not_found(
    client: Client, team: Team, other_program: Program
) -> None:
    client.force_login(team.manager)
    path = f"/programs/{other_program.slug}/settings"
    assert client.get(path).status_code == 404
    assert client.post(path, {"hand_off_mode": "delivery"}).status_code == 404
    other_program.refresh_from_db()
    assert other_program.hand_off_mode == HandOffMode.PARTNERS


def test_manager_sets_hand_off_and_closure_days(
    client: Client, team: Team, program: Program
) -> None:
    client.force_login(team.manager)
    path = f"/programs/{program.slug}/settings"
    assert "Hand-off and closure days" in client.get(path).content.decode()
    response = client.post(
        path, {"hand_off_mode": "both", "closure_days": "2026-12-31\n2026-12-24\n\n2026-12-24"}
    )
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.hand_off_mode == HandOffMode.BOTH
    assert program.closure_days == ["2026-12-24", "2026-12-31"]
    assert "2026-12-24" in client.get(path).content.decode()


def test_a_bad_closure_day_is_refused_and_nothing_changes(
    client: Client, team: Team, program: Program
) -> None:
    client.force_login(team.manager)
    response = client.post(
        f"/programs/{program.slug}/settings",
        {"hand_off_mode": "partners", "closure_days": "2026-12-24\n24 Dec"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 2: “24 Dec” is not a date" in page
    assert "Nothing was saved" in page
    program.refresh_from_db()
    assert program.hand_off_mode == HandOffMode.DELIVERY
    assert program.closure_days == []


def test_the_program_page_links_to_its_settings(
    client: Client, team: Team, program: Program
) -> None:
    client.force_login(team.manager)
    page = client.get(f"/programs/{program.slug}/").content.decode()
    assert f'href="/programs/{program.slug}/settings"' in page
