"""The sales setup page of a program: for the holders of ``sales.kits_manage`` on the programs
of their scope (others 403, another program 404); kits made and edited with a preview for an
example lead, their documents checked, downloaded and removed; the settings as rows and fields,
each refused in plain words with nothing written, and an edited flow used by the next lead a
qualifier takes up."""

from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from leadflow.accounts.models import Role, User
from leadflow.core.enums import InquiryType
from leadflow.leads.models import Lead
from leadflow.leads.services.queue import lead_hold
from leadflow.programs.models import Program
from leadflow.sales.models import SalesKit, SalesSettings, Task
from leadflow.sales.services.kits import kit_create, kit_document_add
from leadflow.sales.services.proposals import approval_steps
from tests.factories import NOW, Team
from tests.sales.test_kits import PDF
from tests.tasks import IMMEDIATE

pytestmark = [pytest.mark.usefixtures("plain_http"), pytest.mark.django_db]


def text(response: Any) -> str:
    return str(response.content.decode())


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def kit(program: Program) -> SalesKit:
    return kit_create(
        program=program, name="Starter kit", subject="Hi {{ first_name }}", body="Hello", now=NOW
    )


def settings_data(
    *,
    flows: dict[str, list[tuple[str, int, str]]] | None = None,
    approvals: list[tuple[str, str, list[int]]] | None = None,
    **fields: object,
) -> dict[str, object]:
    """The settings form as a browser posts it: every inquiry type's rows, the approval steps
    and the fields (the defaults unless given)."""
    data: dict[str, object] = {
        "demo_min_lead_days": 14,
        "reference_uses_per_quarter": 2,
        "remind_minutes_before": 30,
        "task_hour": 10,
        "subdivision": "",
        **fields,
    }
    for inquiry_type in InquiryType:
        rows = (flows or {}).get(inquiry_type.value, [("prequalify_call", 0, "")])
        prefix = f"flow-{inquiry_type.value}"
        data.update({f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": 0})
        for index, (kind, wait, title) in enumerate(rows):
            data.update(
                {
                    f"{prefix}-{index}-kind": kind,
                    f"{prefix}-{index}-after_working_days": wait,
                    f"{prefix}-{index}-title": title,
                }
            )
    steps = approvals if approvals is not None else [("Finance", "manager", [])]
    data.update({"approval-TOTAL_FORMS": len(steps), "approval-INITIAL_FORMS": 0})
    for index, (name, role, users) in enumerate(steps):
        data.update({f"approval-{index}-name": name, f"approval-{index}-role": role})
        data[f"approval-{index}-users"] = [str(pk) for pk in users]
    return data


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("manager", 200),
        ("marketer", 200),
        ("admin", 200),
        ("qualifier", 403),
        ("reviewer", 403),
        ("partner", 403),
        ("client_contact", 403),
    ],
)
def test_the_setup_page_is_for_the_roles_that_manage_kits(
    client: Client,
    team: Team,
    program: Program,
    make_user: Callable[..., User],
    who: str,
    status: int,
) -> None:
    user = make_user(Role.ADMIN) if who == "admin" else getattr(team, who)
    client.force_login(user)
    assert client.get(f"/sales/programs/{program.pk}/setup").status_code == status
    assert client.get("/sales/setup/").status_code == status
    tasks_page = client.get("/sales/")
    if tasks_page.status_code == 200:
        assert ("Sales kits and settings" in text(tasks_page)) is (status == 200)


def test_another_programs_setup_kits_and_documents_are_not_found(
    client: Client, team: Team, program: Program, kit: SalesKit
) -> None:
    document = kit_document_add(kit=kit, upload=SimpleUploadedFile("a.pdf", PDF), now=NOW)
    client.force_login(team.outsider)
    base = f"/sales/programs/{program.pk}"
    assert client.get(f"{base}/setup").status_code == 404
    assert client.get(f"{base}/kits/{kit.pk}/").status_code == 404
    assert client.get(f"{base}/kits/{kit.pk}/documents/{document.pk}").status_code == 404
    assert client.post(f"{base}/kits/{kit.pk}/documents/{document.pk}/delete").status_code == 404
    assert kit.documents.count() == 1
    index = client.get("/sales/setup/")
    assert program.name not in text(index)
    assert "Globex Partners" in text(index)


def test_the_setup_index_lists_the_users_programs(
    client: Client, team: Team, program: Program
) -> None:
    client.force_login(team.marketer)
    page = text(client.get("/sales/setup/"))
    assert f'href="/sales/programs/{program.pk}/setup"' in page
    assert "Globex Partners" not in page


def test_a_kit_is_made_previewed_for_an_example_lead_and_edited(
    client: Client, team: Team, program: Program
) -> None:
    client.force_login(team.marketer)
    url = f"/sales/programs/{program.pk}/kits/new"
    form = {
        "name": "Brochure",
        "subject": "{{ program }} for {{ company }}",
        "body": "Dear {{ first_name }} {{ last_name }},\nhere it is.",
        "is_marketing": "on",
    }
    preview = client.post(url, {**form, "preview": ""})
    assert preview.status_code == 200
    shown = text(preview)
    assert "Acme Demand Gen for Analytical Engines Ltd" in shown
    assert "Dear Ada Lovelace," in shown
    assert "unsubscribe here" in shown
    assert not SalesKit.objects.exists()  # a preview writes nothing

    made = client.post(url, form)
    kit = SalesKit.objects.get()
    assert made.status_code == 302
    assert made["Location"] == f"/sales/programs/{program.pk}/kits/{kit.pk}/"
    assert (kit.is_marketing, kit.is_assessment) == (True, False)

    unmarked = {key: value for key, value in form.items() if key != "is_marketing"}
    edit = client.post(made["Location"], {**unmarked, "name": "Assessment", "is_assessment": "on"})
    assert edit.status_code == 302
    kit.refresh_from_db()
    assert (kit.name, kit.is_marketing, kit.is_assessment) == ("Assessment", False, True)
    page = text(client.get(f"/sales/programs/{program.pk}/setup"))
    assert "Needs-assessment kit" in page
    assert "not marketing" in page


def test_a_kit_with_a_broken_template_is_refused_beside_the_field(
    client: Client, team: Team, program: Program
) -> None:
    client.force_login(team.marketer)
    response = client.post(
        f"/sales/programs/{program.pk}/kits/new",
        {"name": "Kit", "subject": "Hi {% if first_name %}", "body": "x"},
    )
    assert response.status_code == 400
    assert "The kit was not saved" in text(response)
    assert "the template cannot be read" in text(response)
    assert not SalesKit.objects.exists()


def test_documents_are_checked_downloaded_as_attachments_and_removed(
    client: Client,
    team: Team,
    program: Program,
    kit: SalesKit,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(team.manager)
    base = f"/sales/programs/{program.pk}/kits/{kit.pk}"
    refused = client.post(
        f"{base}/documents",
        {"file": SimpleUploadedFile("brochure.pdf", b"MZ\x90 an executable")},
        follow=True,
    )
    assert "Nothing attached: brochure.pdf is not a PDF, Word" in text(refused)
    assert not kit.documents.exists()

    client.post(f"{base}/documents", {"file": SimpleUploadedFile("brochure.pdf", PDF)})
    document = kit.documents.get()
    download = client.get(f"{base}/documents/{document.pk}")
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="brochure.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]

    name = document.file.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{base}/documents/{document.pk}/delete")
    assert not kit.documents.exists()
    assert not document.file.storage.exists(name)


def test_the_settings_page_shows_the_flow_as_rows_in_plain_words(
    client: Client, team: Team, program: Program
) -> None:
    client.force_login(team.manager)
    page = text(client.get(f"/sales/programs/{program.pk}/setup"))
    assert "Demo request" in page or "Demo Request" in page
    assert "Working days after the previous step" in page
    assert 'value="Schedule the demo"' in page
    assert '<option value="prequalify_call" selected>Pre-qualify call</option>' in page
    assert "VP Sales and Marketing" in page


def test_saved_settings_are_read_by_the_flow_the_approvals_and_the_calendar(
    client: Client,
    team: Team,
    program: Program,
    make_lead: Callable[..., Lead],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(team.manager)
    data = settings_data(
        flows={"information_request": [("follow_up_call", 2, "Call about pricing"), ("", 0, "")]},
        approvals=[("Finance", "", [team.manager.pk]), ("Legal", "manager", [])],
        demo_min_lead_days=7,
        task_hour=9,
        subdivision="california",
    )
    response = client.post(f"/sales/programs/{program.pk}/setup", data)
    assert response.status_code == 302, text(response)
    found = SalesSettings.objects.get(program=program)
    assert (found.demo_min_lead_days, found.task_hour, found.subdivision) == (7, 9, "CA")
    steps = approval_steps(program_id=program.pk)
    assert [(s.name, s.role, s.user_ids) for s in steps] == [
        ("Finance", "", frozenset({team.manager.pk})),
        ("Legal", "manager", frozenset()),
    ]

    lead = make_lead(program, inquiry_type=InquiryType.INFORMATION_REQUEST)
    with override_settings(TASKS=IMMEDIATE), django_capture_on_commit_callbacks(execute=True):
        lead_hold(lead=lead, user=team.qualifier, now=NOW)
    (task,) = Task.objects.filter(lead=lead)
    assert (task.kind, task.title, task.owner) == (
        "follow_up_call",
        "Call about pricing",
        team.qualifier,
    )
    # Monday 2 November + 2 working days = Wednesday 4 November, 09:00 in New York.
    assert task.due_at.isoformat() == "2026-11-04T14:00:00+00:00"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"task_hour": 24}, "Ensure this value is less than or equal to 23."),
        ({"subdivision": "Narnia"}, "Not a state or province we know the holidays of"),
        ({"reference_uses_per_quarter": 0}, "Ensure this value is greater than or equal to 1."),
        ({"demo_min_lead_days": "soon"}, "Enter a whole number."),
        (
            {"approvals": [("Finance", "", [])]},
            "Say who may give this step: a role, named people or both.",
        ),
        (
            {"approvals": [("Finance", "manager", []), ("finance", "admin", [])]},
            "two approval steps are called “finance”",
        ),
        ({"approvals": []}, "a proposal needs at least one approval step"),
        (
            {"flows": {"demo_request": [("demo_preparation", 400, "")]}},
            "Ensure this value is less than or equal to 365.",
        ),
        ({"flows": {"demo_request": [("call_them", 0, "")]}}, "Select a valid choice."),
    ],
)
def test_a_bad_setting_is_refused_in_plain_words_and_nothing_is_written(
    client: Client, team: Team, program: Program, change: dict[str, Any], message: str
) -> None:
    client.force_login(team.manager)
    flows = change.pop("flows", None)
    approvals = change.pop("approvals", None)
    data = settings_data(flows=flows, approvals=approvals, **{"remind_minutes_before": 5, **change})
    response = client.post(f"/sales/programs/{program.pk}/setup", data)
    assert response.status_code == 400
    assert "Nothing was saved" in text(response)
    assert message.lower() in text(response).replace("&quot;", '"').lower()
    assert not SalesSettings.objects.filter(program=program).exists()


def test_an_approver_from_outside_the_program_is_refused(
    client: Client, team: Team, program: Program
) -> None:
    client.force_login(team.manager)
    data = settings_data(approvals=[("Finance", "", [team.outsider.pk])])
    response = client.post(f"/sales/programs/{program.pk}/setup", data)
    assert response.status_code == 400
    assert not SalesSettings.objects.filter(program=program).exists()
