"""The references database kept by field sales: the create and edit pages (``references.edit``:
the managers for their programs' clients, field-sales partners for their partner's client,
nobody else), with clear messages for a bad e-mail or phone; an expired reference shown as
such in the search."""

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.programs.models import Program
from leadflow.sales.models import Reference
from leadflow.sales.services.references import reference_create
from tests import factories
from tests.factories import NOW

pytestmark = [pytest.mark.usefixtures("plain_http"), pytest.mark.django_db]

FIELDS = {
    "customer": "Initech",
    "contact_name": "Bill Lumbergh",
    "contact_email": "Bill@Initech.example",
    "contact_phone": "+1 415 555 0100",
    "products": "Cloud, Analytics",
    "industry": "Software",
    "region": "West",
    "notes": "Mornings only",
    "willing_until": "2027-06-30",
}


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def field_seller(program: Program, make_user: Callable[..., User]) -> User:
    seller = make_user(Role.PARTNER)
    factories.partner(
        client=program.client, number=1, members=[seller], type="field_sales_executive"
    )
    return seller


def test_field_sales_add_a_reference_with_every_field(
    client: Client, program: Program, field_seller: User
) -> None:
    client.force_login(field_seller)
    form = text(client.get("/sales/references/new"))
    assert "Willing to be a reference until" in form
    made = client.post("/sales/references/new", FIELDS)
    assert made.status_code == 302, text(made)
    reference = Reference.objects.get()
    assert (reference.client, reference.customer, reference.contact_email) == (
        program.client,
        "Initech",
        "bill@initech.example",
    )
    assert (reference.contact_phone, reference.willing_until.isoformat()) == (  # type: ignore[union-attr]
        "+14155550100",
        "2027-06-30",
    )
    assert reference.updated_by == field_seller
    listing = text(client.get("/sales/references/"))
    assert "Add a reference" in listing
    assert f"/sales/references/{reference.pk}/edit" in listing


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_email", "bill@", "Contact&#x27;s e-mail</a>: Not an e-mail address"),
        ("contact_phone", "12", "Contact&#x27;s phone</a>:"),
        ("customer", " ", "Customer</a>: This field is required."),
        ("willing_until", "soon", "Enter a valid date."),
    ],
)
def test_a_bad_value_is_named_beside_its_field_and_nothing_saved(
    client: Client, field_seller: User, field: str, value: str, message: str
) -> None:
    client.force_login(field_seller)
    response = client.post("/sales/references/new", FIELDS | {field: value})
    assert response.status_code == 400
    assert "The reference was not saved" in text(response)
    assert message in text(response)
    assert not Reference.objects.exists()


def test_a_manager_edits_a_reference_of_its_client_and_it_stays_with_that_client(
    client: Client,
    program: Program,
    other_program: Program,
    make_user: Callable[..., User],
) -> None:
    reference = reference_create(client=program.client, customer="Initech", actor=None, now=NOW)
    manager = make_user(Role.MANAGER, programs=(program,))
    client.force_login(manager)
    page = text(client.get(f"/sales/references/{reference.pk}/edit"))
    assert "Edit the reference Initech" in page
    saved = client.post(
        f"/sales/references/{reference.pk}/edit",
        FIELDS | {"customer": "Initech Corp", "client": str(other_program.client_id)},
    )
    assert saved.status_code == 302, text(saved)
    reference.refresh_from_db()
    assert (reference.customer, reference.client) == ("Initech Corp", program.client)
    assert reference.updated_by == manager


def test_who_may_keep_references(
    client: Client,
    program: Program,
    other_program: Program,
    field_seller: User,
    make_user: Callable[..., User],
) -> None:
    reference = reference_create(client=program.client, customer="Initech", actor=None, now=NOW)
    reseller = make_user(Role.PARTNER)
    factories.partner(client=program.client, number=2, members=[reseller], type="reseller")
    edit = f"/sales/references/{reference.pk}/edit"
    expected = {
        "field sales": (field_seller, 200, 200),
        "manager": (make_user(Role.MANAGER, programs=(program,)), 200, 200),
        "admin": (make_user(Role.ADMIN), 200, 200),
        "reseller": (reseller, 403, 404),
        "qualifier": (make_user(Role.QUALIFIER, programs=(program,)), 403, 403),
        "another client's manager": (make_user(Role.MANAGER, programs=(other_program,)), 200, 404),
        "client contact": (make_user(Role.CLIENT, clients=(program.client,)), 404, 404),
    }
    found = {}
    for who, (user, _, _) in expected.items():
        client.force_login(user)
        found[who] = (
            user,
            client.get("/sales/references/new").status_code,
            client.get(edit).status_code,
        )
    assert found == expected
    client.force_login(reseller)
    assert client.post(edit, FIELDS).status_code == 404
    assert "Add a reference" not in text(client.get("/sales/references/"))
    reference.refresh_from_db()
    assert reference.contact_name == ""


def test_an_expired_reference_is_shown_as_expired_in_the_search(
    client: Client, program: Program, field_seller: User
) -> None:
    reference_create(
        client=program.client,
        customer="Old Friend",
        willing_until=(NOW - timedelta(days=2)).date(),
        actor=None,
        now=NOW,
    )
    reference_create(
        client=program.client,
        customer="New Friend",
        willing_until=(NOW + timedelta(days=2)).date(),
        actor=None,
        now=NOW,
    )
    client.force_login(field_seller)
    page = text(client.get("/sales/references/"))
    assert page.count('data-testid="expired"') == 1
    assert "Expired: not offered for proposals" in page
