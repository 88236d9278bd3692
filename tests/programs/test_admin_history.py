"""The change history of the admin pages (issue 17, item 9): each change of a user or of a
program's settings leaves exactly one entry, in words, in the change's transaction; nothing
when the form is refused or nothing changed; a manager reads only the changes of their scope."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from leadflow.accounts.models import AdminChange, ChangeKind, Role, User
from leadflow.accounts.services import admin_change_record
from leadflow.programs.administration.selectors import admin_change_list
from leadflow.programs.administration.services import program_settings_save
from leadflow.programs.models import Program
from tests.factories import Team

pytestmark = pytest.mark.usefixtures("plain_http")


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMIN)


def _changes(kind: ChangeKind, object_id: int) -> list[AdminChange]:
    return list(AdminChange.objects.filter(kind=kind, object_id=object_id).order_by("pk"))


def _fields(change: AdminChange) -> dict[str, tuple[str, str]]:
    return {field["label"]: (field["before"], field["after"]) for field in change.changes}


def _user_form(program: Program, **fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@acme.example",
        "roles": ["qualifier"],
        "programs": [program.pk],
    }
    data.update(fields)
    return data


def test_creating_a_user_writes_one_entry_in_words(
    client: Client, team: Team, program: Program
) -> None:
    client.force_login(team.manager)
    response = client.post("/users/new/", _user_form(program, username="ada"))
    assert response.status_code == 302
    ada = User.objects.get(username="ada")
    [change] = _changes(ChangeKind.USER, ada.pk)
    assert change.by == team.manager
    assert change.summary == "Created ada as Qualifier."
    fields = _fields(change)
    assert fields["Roles"] == ("none", "Qualifier")
    assert fields["Programs they see"] == ("none", "Acme Corp: Acme Demand Gen")
    assert "qualifier" not in str(change.changes)  # words, never the role's key


def test_changing_roles_and_scope_writes_before_and_after(
    client: Client, team: Team, program: Program
) -> None:
    client.force_login(team.manager)
    person = team.qualifier
    response = client.post(
        f"/users/{person.pk}/edit/",
        _user_form(
            program,
            first_name=person.first_name,
            last_name=person.last_name,
            email=person.email,
            roles=["qualifier", "reviewer"],
        ),
    )
    assert response.status_code == 302
    [change] = _changes(ChangeKind.USER, person.pk)
    assert _fields(change) == {"Roles": ("Qualifier", "Qualifier, QA reviewer")}
    assert change.summary == f"Changed the roles of {person.username}."


def test_saving_a_user_unchanged_writes_nothing(
    client: Client, team: Team, program: Program
) -> None:
    client.force_login(team.manager)
    person = team.qualifier
    unchanged = _user_form(
        program, first_name=person.first_name, last_name=person.last_name, email=person.email
    )
    assert client.post(f"/users/{person.pk}/edit/", unchanged).status_code == 302
    assert _changes(ChangeKind.USER, person.pk) == []


def test_a_refused_user_form_writes_nothing(client: Client, team: Team, program: Program) -> None:
    client.force_login(team.manager)
    person = team.qualifier
    refused = _user_form(program, roles=["admin"])  # a manager may not grant admin
    assert client.post(f"/users/{person.pk}/edit/", refused).status_code == 400
    assert client.post("/users/new/", _user_form(program, username="a b")).status_code == 400
    assert not AdminChange.objects.exists()


def test_deactivating_and_reactivating_write_one_entry_each(client: Client, team: Team) -> None:
    client.force_login(team.manager)
    person = team.qualifier
    client.post(f"/users/{person.pk}/active/", {"active": "0"})
    client.post(f"/users/{person.pk}/active/", {"active": "0"})  # already off: nothing
    client.post(f"/users/{person.pk}/active/", {"active": "1"})
    first, second = _changes(ChangeKind.USER, person.pk)
    assert first.summary == f"Deactivated {person.username}."
    assert _fields(first) == {"Signing in": ("on", "off")}
    assert _fields(second) == {"Signing in": ("off", "on")}


def test_a_password_link_is_recorded_without_the_link(client: Client, team: Team) -> None:
    client.force_login(team.manager)
    person = team.qualifier
    page = client.post(f"/users/{person.pk}/password-link/").content.decode()
    [change] = _changes(ChangeKind.USER, person.pk)
    assert change.summary == f"Made a password reset link for {person.username}."
    assert change.changes == []
    link = page.split('id="password-link" type="text" readonly value="')[1].split('"')[0]
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert token not in str(AdminChange.objects.values_list("summary", "changes").get())


def test_program_settings_write_one_entry_in_words(
    client: Client, team: Team, program: Program
) -> None:
    client.force_login(team.manager)
    path = f"/programs/{program.slug}/settings"
    response = client.post(path, {"hand_off_mode": "both", "closure_days": "2026-12-24"})
    assert response.status_code == 302
    [change] = _changes(ChangeKind.PROGRAM, program.pk)
    assert _fields(change) == {
        "Hand-off": ("Client delivery batches", "Client delivery and partner routing"),
        "Closure days": ("none", "24 Dec 2026"),
    }
    assert change.summary == "Changed the hand-off and closure days of Acme Demand Gen."
    page = client.get(path).content.decode()
    assert "History" in page
    assert change.summary in page


def test_program_settings_unchanged_or_refused_write_nothing(
    client: Client, team: Team, program: Program
) -> None:
    client.force_login(team.manager)
    path = f"/programs/{program.slug}/settings"
    assert client.post(path, {"hand_off_mode": "delivery", "closure_days": ""}).status_code == 302
    refused = {"hand_off_mode": "both", "closure_days": "24 Dec"}
    assert client.post(path, refused).status_code == 400
    assert not AdminChange.objects.exists()


def test_the_entry_commits_with_the_change_or_not_at_all(team: Team, program: Program) -> None:
    def change_then_fail() -> None:
        with transaction.atomic():
            program_settings_save(
                by=team.manager, program=program, hand_off_mode="both", closure_days=[]
            )
            assert AdminChange.objects.count() == 1
            raise RuntimeError("the change is rolled back")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert not AdminChange.objects.exists()
    program.refresh_from_db()
    assert program.hand_off_mode == "delivery"


def test_an_entry_is_never_changed(team: Team, program: Program) -> None:
    change = admin_change_record(
        by=team.manager,
        kind=ChangeKind.PROGRAM,
        object_id=program.pk,
        object_label=program.name,
        summary="Changed something.",
        always=True,
    )
    assert change is not None
    change.summary = "Changed something else."
    with pytest.raises(ValueError, match="never changed"):
        change.save()


def test_a_manager_reads_only_the_changes_of_their_scope(
    client: Client, team: Team, program: Program, other_program: Program, admin: User
) -> None:
    program_settings_save(by=admin, program=program, hand_off_mode="both", closure_days=[])
    program_settings_save(by=admin, program=other_program, hand_off_mode="both", closure_days=[])
    mine = admin_change_list(by=team.manager)
    assert [c.object_id for c in mine] == [program.pk]
    assert [c.object_id for c in admin_change_list(by=admin)] == [other_program.pk, program.pk]
    client.force_login(team.manager)
    page = client.get("/users/changes/").content.decode()
    assert "Acme Demand Gen" in page
    assert "Globex Partners" not in page
    filtered = client.get(f"/users/changes/?kind=program&object={other_program.pk}")
    assert "Globex Partners" not in filtered.content.decode()
    assert client.get(f"/programs/{other_program.slug}/settings").status_code == 404


def test_a_manager_reads_the_changes_of_their_users_only(
    client: Client, team: Team, admin: User
) -> None:
    client.force_login(admin)
    client.post(f"/users/{team.outsider.pk}/password-link/")
    client.post(f"/users/{team.qualifier.pk}/password-link/")
    client.force_login(team.manager)
    page = client.get("/users/changes/?kind=user").content.decode()
    assert team.qualifier.username in page
    assert team.outsider.username not in page
    assert client.get(f"/users/{team.outsider.pk}/").status_code == 404


def test_the_change_history_page_filters_by_kind_and_person(
    client: Client, team: Team, program: Program, admin: User
) -> None:
    program_settings_save(by=admin, program=program, hand_off_mode="both", closure_days=[])
    client.force_login(team.manager)
    client.post(f"/users/{team.qualifier.pk}/active/", {"active": "0"})
    client.force_login(admin)
    everything = client.get("/users/changes/")
    assert everything.status_code == 200
    assert len(everything.context["changes"]) == 2
    by_kind = client.get("/users/changes/?kind=user").context["changes"]
    assert [c.kind for c in by_kind] == ["user"]
    by_person = client.get(f"/users/changes/?person={admin.pk}").context["changes"]
    assert [c.by_id for c in by_person] == [admin.pk]
    page = everything.content.decode()
    assert f'href="/programs/{program.slug}/settings"' in page
    assert f'href="/users/{team.qualifier.pk}/"' in page


@pytest.mark.parametrize("role", ["marketer", "qualifier", "reviewer", "partner", "client_contact"])
def test_other_roles_are_refused_the_change_history(client: Client, team: Team, role: str) -> None:
    client.force_login(getattr(team, role))
    assert client.get("/users/changes/").status_code == 403


def test_the_user_page_shows_the_last_twenty_changes_with_a_link(
    client: Client, team: Team, admin: User
) -> None:
    person = team.qualifier
    for number in range(21):
        admin_change_record(
            by=admin,
            kind=ChangeKind.USER,
            object_id=person.pk,
            object_label=person.username,
            summary=f"Change number {number}.",
            always=True,
        )
    client.force_login(team.manager)
    page = client.get(f"/users/{person.pk}/").content.decode()
    assert page.count('data-testid="change"') == 20
    assert "Change number 20." in page
    assert "Change number 0." not in page
    assert page.index("Change number 20.") < page.index("Change number 19.")  # newest first
    assert f"/users/changes/?kind=user&amp;object={person.pk}" in page


def test_an_entry_is_written_only_when_a_field_changed_unless_asked(
    team: Team, program: Program
) -> None:
    same = {"Hand-off": "Partner routing"}
    entry = {"kind": ChangeKind.PROGRAM, "object_id": program.pk, "object_label": program.name}
    assert admin_change_record(by=team.manager, before=same, after=same, **entry) is None
    written = admin_change_record(by=team.manager, summary="Looked.", always=True, **entry)
    assert written is not None
    assert written.changes == []
    assert AdminChange.objects.count() == 1


def test_form_and_intake_settings_write_one_entry_in_words(
    client: Client, team: Team, program: Program
) -> None:
    client.force_login(team.manager)
    path = f"/programs/{program.slug}/intake"
    form = {
        "web_form_enabled": "on",
        "default_region": "DE",
        "allowed_hosts": "www.acme.example",
        "source_rules": "Spring Expo = event",
    }
    assert client.post(path, form).status_code == 302
    assert client.post(path, form).status_code == 302  # the same again: nothing
    [change] = _changes(ChangeKind.PROGRAM, program.pk)
    fields = _fields(change)
    assert fields["Country"][1] == "Germany"
    assert fields["Sites a visitor may be sent back to"] == ("none", "www.acme.example")
    assert fields["Own lead sources"] == ("none", "Spring Expo = event")
    assert change.summary in client.get(path).content.decode()


def test_the_change_history_page_reads_a_page_in_a_fixed_number_of_queries(
    client: Client,
    team: Team,
    program: Program,
    admin: User,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    for number in range(60):
        admin_change_record(
            by=admin if number % 2 else team.manager,
            kind=ChangeKind.PROGRAM if number % 3 else ChangeKind.USER,
            object_id=program.pk if number % 3 else team.qualifier.pk,
            object_label=f"object {number}",
            summary=f"Change number {number}.",
            always=True,
        )
    client.force_login(team.manager)
    client.get("/users/changes/")
    with django_assert_max_num_queries(12):
        response = client.get("/users/changes/")
    assert len(response.context["changes"]) == 50
