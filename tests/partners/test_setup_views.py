"""Partner setup (issue 17, item 9): partners, territories, levels, members and each
program's SLA policy in the app's own pages; other roles 403, other scopes 404; a refused
value writes nothing."""

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.core.routing import TerritoryRule
from leadflow.core.sla import DEFAULT_TERMS
from leadflow.partners.models import Partner, PartnerLevels, PartnerMember, SlaPolicy
from leadflow.programs.models import Client as ClientModel
from leadflow.programs.models import Program
from tests.factories import Team

pytestmark = pytest.mark.usefixtures("plain_http")


def _details(partner: Partner, **changes: Any) -> dict[str, Any]:
    data = {
        "name": partner.name,
        "type": partner.type,
        "country": partner.country,
        "subdivision": partner.subdivision,
        "timezone": partner.timezone,
        "program_level": partner.program_level,
        "certification_level": partner.certification_level,
        "capacity": partner.capacity,
        "manager": "",
        "notify_format": partner.notify_format,
        "email": partner.email,
        "is_active": "on",
        "territories": "US",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def foreign_partner(client_b: ClientModel, make_partner: Callable[..., Partner]) -> Partner:
    return make_partner("Globex Reseller", client=client_b)


@pytest.mark.parametrize("role", ["marketer", "qualifier", "reviewer", "partner", "client_contact"])
def test_other_roles_are_refused(
    client: Client, team: Team, make_partner: Callable[..., Partner], role: str
) -> None:
    partner = make_partner()
    client.force_login(getattr(team, role))
    for path in ("/partners/setup/", "/partners/setup/new/", f"/partners/setup/{partner.pk}/"):
        assert client.get(path).status_code == 403


def test_out_of_scope_partner_program_and_client_are_not_found(
    client: Client,
    team: Team,
    foreign_partner: Partner,
    other_program: Program,
    client_b: ClientModel,
) -> None:
    client.force_login(team.manager)
    assert client.get(f"/partners/setup/{foreign_partner.pk}/").status_code == 404
    assert (
        client.post(f"/partners/setup/{foreign_partner.pk}/", _details(foreign_partner)).status_code
        == 404
    )
    assert client.get(f"/partners/setup/sla/{other_program.slug}/").status_code == 404
    assert client.get(f"/partners/setup/levels/{client_b.pk}/").status_code == 404
    assert foreign_partner.name not in client.get("/partners/setup/").content.decode()


def test_manager_creates_a_partner_with_territories(
    client: Client, team: Team, client_a: ClientModel, partner_program: Program
) -> None:
    client.force_login(team.manager)
    response = client.post(
        "/partners/setup/new/",
        {
            "client": client_a.pk,
            "name": "Initech Solutions",
            "type": "reseller",
            "country": "US",
            "subdivision": "TX",
            "timezone": "America/Chicago",
            "program_level": "gold",
            "capacity": 7,
            "notify_format": "csv",
            "territories": "US-TX\nUS-OK 73",
        },
    )
    partner = Partner.objects.get(name="Initech Solutions")
    assert response.status_code == 302
    assert response["Location"] == f"/partners/setup/{partner.pk}/"
    assert partner.capacity == 7
    assert partner.subdivision == "TX"
    assert sorted(str(t) for t in partner.territories.all()) == ["US-OK 73*", "US-TX"]


def test_manager_changes_a_partner_and_its_territories(
    client: Client, team: Team, make_partner: Callable[..., Partner]
) -> None:
    partner = make_partner()
    client.force_login(team.manager)
    response = client.post(
        f"/partners/setup/{partner.pk}/",
        _details(partner, capacity=3, territories="US-CA\nUS-NV", manager=team.manager.pk),
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.capacity == 3
    assert partner.manager == team.manager
    assert sorted(str(t) for t in partner.territories.all()) == ["US-CA", "US-NV"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"territories": "US\nnot a place"}, "is not a territory"),
        ({"timezone": "Mars/Olympus"}, "is not a timezone"),
        ({"capacity": 0}, "greater than or equal to 1"),
        ({"country": "XX"}, "XX"),
        ({"program_level": "diamond"}, "Select a valid choice"),
    ],
)
def test_a_bad_value_is_refused_and_nothing_changes(
    client: Client,
    team: Team,
    make_partner: Callable[..., Partner],
    changes: dict[str, Any],
    message: str,
) -> None:
    partner = make_partner(territories=(TerritoryRule("US", "CA"),))
    client.force_login(team.manager)
    response = client.post(
        f"/partners/setup/{partner.pk}/", _details(partner, name="Renamed", **changes)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Nothing was saved" in page
    partner.refresh_from_db()
    assert partner.name != "Renamed"
    assert [str(t) for t in partner.territories.all()] == ["US-CA"]


def test_members_are_added_and_taken_off(
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
    assert PartnerMember.objects.filter(partner=partner, user=newcomer).exists()
    assert User.objects.get(pk=newcomer.pk).has_role(Role.PARTNER)
    client.post(f"/partners/setup/{partner.pk}/members/{newcomer.pk}/remove/")
    assert not PartnerMember.objects.filter(partner=partner).exists()
    assert User.objects.get(pk=newcomer.pk).is_active


def test_a_user_the_manager_does_not_manage_cannot_be_added(
    client: Client, team: Team, make_partner: Callable[..., Partner]
) -> None:
    partner = make_partner(members=0)
    client.force_login(team.manager)
    page = client.post(
        f"/partners/setup/{partner.pk}/members/", {"username": team.outsider.username}, follow=True
    ).content.decode()
    assert "No user you manage" in page
    assert not PartnerMember.objects.filter(partner=partner).exists()


def test_levels_are_saved_and_a_level_in_use_is_kept(
    client: Client, team: Team, client_a: ClientModel, make_partner: Callable[..., Partner]
) -> None:
    make_partner(program_level="gold")
    client.force_login(team.manager)
    path = f"/partners/setup/levels/{client_a.pk}/"
    refused = client.post(path, {"program_levels": "expert\nsilver", "certification_levels": "x"})
    assert refused.status_code == 400
    assert "“gold”" in refused.content.decode()
    assert not PartnerLevels.objects.filter(client=client_a).exists()
    saved = client.post(
        path, {"program_levels": "platinum\ngold", "certification_levels": "certified\nnone"}
    )
    assert saved.status_code == 302
    levels = PartnerLevels.objects.get(client=client_a)
    assert levels.program_levels == ["platinum", "gold"]


def test_sla_policy_is_saved_and_bad_values_refused(
    client: Client, team: Team, partner_program: Program
) -> None:
    client.force_login(team.manager)
    path = f"/partners/setup/sla/{partner_program.slug}/"
    page = client.get(path).content.decode()
    assert "Working days to claim a new lead" in page
    good = {
        "claim_days": 3,
        "contact_days_hot": 1,
        "contact_days_a": 2,
        "contact_days_b": 4,
        "followup_days": 8,
        "violation_threshold": 2,
        "violation_window_days": 60,
        "queue_limit_hot_hours": 4,
        "queue_limit_working_days": 1,
    }
    refused = client.post(path, {**good, "violation_threshold": 0})
    assert refused.status_code == 400
    assert not SlaPolicy.objects.filter(program=partner_program).exists()
    assert client.post(path, good).status_code == 302
    policy = SlaPolicy.objects.get(program=partner_program)
    assert (policy.claim_days, policy.violation_window_days) == (3, 60)


#: The SLA page's fields as DESIGN.md's defaults fill them.
DEFAULT_SLA_FORM = dataclasses.asdict(DEFAULT_TERMS)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("queue_limit_hot_hours", 0),
        ("queue_limit_hot_hours", -4),
        ("queue_limit_hot_hours", 49),
        ("queue_limit_working_days", 0),
        ("queue_limit_working_days", -1),
        ("queue_limit_working_days", 11),
    ],
)
def test_the_routing_queue_limit_must_be_positive_and_sane(
    client: Client, team: Team, partner_program: Program, field: str, value: int
) -> None:
    client.force_login(team.manager)
    path = f"/partners/setup/sla/{partner_program.slug}/"
    refused = client.post(path, {**DEFAULT_SLA_FORM, field: value})
    assert refused.status_code == 400
    assert "Nothing was saved" in refused.content.decode()
    assert not SlaPolicy.objects.filter(program=partner_program).exists()


def test_the_routing_queue_limit_is_edited_with_the_sla_policy(
    client: Client, team: Team, partner_program: Program
) -> None:
    client.force_login(team.manager)
    path = f"/partners/setup/sla/{partner_program.slug}/"
    page = client.get(path).content.decode()
    assert "Waiting in the routing queue" in page
    assert "Hours a Hot lead may wait for a partner before managers are alerted" in page
    terms = {**DEFAULT_SLA_FORM, "queue_limit_hot_hours": 8, "queue_limit_working_days": 2}
    assert client.post(path, terms).status_code == 302
    policy = SlaPolicy.objects.get(program=partner_program)
    assert (policy.queue_limit_hot_hours, policy.queue_limit_working_days) == (8, 2)
    assert 'value="8"' in client.get(path).content.decode()
