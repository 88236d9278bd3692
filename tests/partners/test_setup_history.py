"""Partner setup in the change history (issue 17, item 9): a partner's details and territories,
its members, the client's levels and a program's SLA policy each leave one entry in words, on
the partner's page and the change history page; nothing when refused or unchanged. And the
user page shows the partner a user works for (``config/administration.py`` ``USER_PAGE_PANELS``)."""

from collections.abc import Callable

import pytest
from django.test import Client

from leadflow.accounts.models import AdminChange, ChangeKind, Role, User
from leadflow.partners.models import Partner
from leadflow.partners.services import partner_member_add
from leadflow.programs.administration.selectors import admin_change_list
from leadflow.programs.models import Client as ClientModel
from leadflow.programs.models import Program
from tests.factories import Team
from tests.partners.test_setup_views import _details

pytestmark = pytest.mark.usefixtures("plain_http")


def _fields(change: AdminChange) -> dict[str, tuple[str, str]]:
    return {field["label"]: (field["before"], field["after"]) for field in change.changes}


def _only(kind: ChangeKind, object_id: int) -> AdminChange:
    [change] = AdminChange.objects.filter(kind=kind, object_id=object_id)
    return change


def test_changing_a_partner_writes_one_entry_in_words(
    client: Client, team: Team, make_partner: Callable[..., Partner]
) -> None:
    partner = make_partner()
    client.force_login(team.manager)
    path = f"/partners/setup/{partner.pk}/"
    response = client.post(path, _details(partner, capacity=12, territories="US\nCA", is_active=""))
    assert response.status_code == 302
    change = _only(ChangeKind.PARTNER, partner.pk)
    assert _fields(change) == {
        "Receives leads": ("on", "off"),
        "Territories": ("US", "CA; US"),
        "Capacity": ("10 open leads", "12 open leads"),
    }
    assert change.by == team.manager
    page = client.get(path).content.decode()
    assert "History" in page
    assert change.summary in page


def test_a_partner_saved_unchanged_or_refused_writes_nothing(
    client: Client, team: Team, make_partner: Callable[..., Partner]
) -> None:
    partner = make_partner()
    client.force_login(team.manager)
    path = f"/partners/setup/{partner.pk}/"
    assert client.post(path, _details(partner)).status_code == 302
    assert client.post(path, _details(partner, capacity=0)).status_code == 400
    assert not AdminChange.objects.exists()


def test_members_added_and_taken_off_are_recorded(
    client: Client,
    team: Team,
    make_partner: Callable[..., Partner],
    program: Program,
    make_user: Callable[..., User],
) -> None:
    partner = make_partner(members=0)
    newcomer = make_user(Role.QUALIFIER, programs=(program,))
    client.force_login(team.manager)
    client.post(f"/partners/setup/{partner.pk}/members/", {"username": newcomer.username})
    client.post(f"/partners/setup/{partner.pk}/members/{newcomer.pk}/remove/")
    client.post(f"/partners/setup/{partner.pk}/members/{newcomer.pk}/remove/")  # not a member
    added, removed = AdminChange.objects.filter(kind=ChangeKind.PARTNER).order_by("pk")
    assert added.summary == f"Added {newcomer.username} to {partner.name}."
    assert _fields(added) == {"Who works its leads": ("none", newcomer.username)}
    assert removed.summary == f"Took {newcomer.username} off {partner.name}."
    assert _fields(removed) == {"Who works its leads": (newcomer.username, "none")}


def test_levels_are_recorded_for_the_client(
    client: Client, team: Team, client_a: ClientModel
) -> None:
    client.force_login(team.manager)
    path = f"/partners/setup/levels/{client_a.pk}/"
    levels = {"program_levels": "platinum\ngold", "certification_levels": "expert\nbasic"}
    assert client.post(path, levels).status_code == 302
    assert client.post(path, levels).status_code == 302  # the same again: nothing
    change = _only(ChangeKind.CLIENT, client_a.pk)
    assert change.summary == f"Changed the partner levels of {client_a.name}."
    assert _fields(change)["Program levels"][1] == "platinum, gold"


def test_the_sla_policy_is_recorded_as_a_program_change(
    client: Client, team: Team, program: Program
) -> None:
    client.force_login(team.manager)
    good = {
        "claim_days": 3,
        "contact_days_hot": 1,
        "contact_days_a": 2,
        "contact_days_b": 5,
        "followup_days": 10,
        "violation_threshold": 3,
        "violation_window_days": 90,
        "queue_limit_hot_hours": 4,
        "queue_limit_working_days": 2,
    }
    path = f"/partners/setup/sla/{program.slug}/"
    assert client.post(path, {**good, "claim_days": -1}).status_code == 400
    assert client.post(path, good).status_code == 302
    change = _only(ChangeKind.PROGRAM, program.pk)
    assert _fields(change) == {
        "Working days to claim a new lead": ("2", "3"),
        "Working days other leads may wait in the routing queue": ("1", "2"),
    }
    page = client.get(f"/programs/{program.slug}/settings").content.decode()
    assert f"Changed the SLA policy of {program.name}." in page


def test_a_manager_reads_no_changes_of_another_clients_partner(
    client: Client,
    team: Team,
    make_partner: Callable[..., Partner],
    client_b: ClientModel,
    make_user: Callable[..., User],
) -> None:
    admin = make_user(Role.ADMIN)
    mine = make_partner("Mine")
    theirs = make_partner("Theirs", client=client_b)
    client.force_login(admin)
    for partner in (mine, theirs):
        client.post(f"/partners/setup/{partner.pk}/", _details(partner, capacity=11))
    assert [c.object_id for c in admin_change_list(by=team.manager)] == [mine.pk]
    client.force_login(team.manager)
    page = client.get("/users/changes/?kind=partner").content.decode()
    assert f'href="/partners/setup/{mine.pk}/"' in page
    assert f'href="/partners/setup/{theirs.pk}/"' not in page
    assert client.get(f"/partners/setup/{theirs.pk}/").status_code == 404


def test_the_user_page_shows_the_partner_linked_to_its_setup(
    client: Client, make_partner: Callable[..., Partner], make_user: Callable[..., User]
) -> None:
    partner = make_partner("Bay Area Resellers")
    member = partner.members.get().user
    client.force_login(make_user(Role.ADMIN))
    page = client.get(f"/users/{member.pk}/").content.decode()
    assert 'data-testid="user-partners"' in page
    assert f'<a href="/partners/setup/{partner.pk}/">Bay Area Resellers</a>' in page


def test_a_partner_the_viewer_may_not_open_is_named_without_a_link(
    client: Client, team: Team, make_partner: Callable[..., Partner], client_b: ClientModel
) -> None:
    foreign = make_partner("Globex Resellers", client=client_b, members=0)
    partner_member_add(partner=foreign, user=team.partner)
    client.force_login(team.manager)
    page = client.get(f"/users/{team.partner.pk}/").content.decode()
    assert "Globex Resellers" in page
    assert f"/partners/setup/{foreign.pk}/" not in page


def test_the_user_page_of_someone_of_no_partner_has_no_partner_panel(
    client: Client, team: Team
) -> None:
    client.force_login(team.manager)
    page = client.get(f"/users/{team.qualifier.pk}/").content.decode()
    assert 'data-testid="user-partners"' not in page


def test_creating_a_partner_is_recorded_with_its_values(
    client: Client, team: Team, client_a: ClientModel
) -> None:
    client.force_login(team.manager)
    response = client.post(
        "/partners/setup/new/",
        {
            "client": client_a.pk,
            "name": "Bay Area Resellers",
            "type": "reseller",
            "country": "US",
            "subdivision": "CA",
            "timezone": "America/Los_Angeles",
            "capacity": 10,
            "notify_format": "csv",
            "territories": "US-CA",
        },
    )
    assert response.status_code == 302
    partner = Partner.objects.get(name="Bay Area Resellers")
    change = _only(ChangeKind.PARTNER, partner.pk)
    assert change.summary == "Created Bay Area Resellers."
    assert _fields(change)["Territories"] == ("none", "US-CA")
