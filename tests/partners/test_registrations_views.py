"""The registration pages: a partner's user registers a prospect on the portal and sees its
outcome in its record; a refused one says why without naming the holder; the managers decide
pending registrations; scope is kept (403 for others, 404 outside the manager's scope)."""

from collections.abc import Callable

import pytest
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.partners.models import Partner, Registration, RegistrationStatus
from leadflow.partners.services.registrations import registration_terms_set
from leadflow.programs.models import Client as ClientModel
from leadflow.programs.models import Program
from tests.partners.conftest import member

pytestmark = pytest.mark.django_db

FORM = {
    "first_name": "Grace",
    "last_name": "Hopper",
    "email": "grace@cobol.example",
    "company": "Cobol Systems",
    "country": "US",
    "state": "CA",
    "note": "Needs 40 seats by spring",
}


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_partner_registers_on_the_portal_and_sees_the_outcome(
    partner_program: Program, make_partner: Callable[..., Partner]
) -> None:
    first, second = make_partner(name="First Reseller"), make_partner(name="Second Reseller")
    page = browser(member(first)).get("/partners/register/", secure=True)
    assert page.status_code == 200
    assert "protected for 90 days" in page.content.decode()
    form = {**FORM, "program": partner_program.pk}
    done = browser(member(first)).post("/partners/register/", form, secure=True, follow=True)
    assert "Registered: the prospect is yours until" in done.content.decode()
    assert Registration.objects.get().status == RegistrationStatus.ACCEPTED
    refused = browser(member(second)).post("/partners/register/", form, secure=True, follow=True)
    text = refused.content.decode()
    assert "Not registered. This prospect is already registered" in text
    assert "First Reseller" not in text
    record = browser(member(second)).get("/partners/record/", secure=True).content.decode()
    assert "Refused: the prospect is already known" in record


def test_bad_input_shows_the_form_again(
    partner_program: Program, make_partner: Callable[..., Partner]
) -> None:
    partner = make_partner()
    answer = browser(member(partner)).post(
        "/partners/register/", {"program": partner_program.pk, "company": "X"}, secure=True
    )
    assert answer.status_code == 400
    assert not Registration.objects.exists()


def test_other_roles_and_scopes(
    partner_program: Program,
    client_b: ClientModel,
    make_partner: Callable[..., Partner],
    make_user: Callable[..., User],
) -> None:
    qualifier = make_user(Role.QUALIFIER)
    assert browser(qualifier).get("/partners/register/", secure=True).status_code == 403
    registration_terms_set(program=partner_program, protection_days=60, approval_required=True)
    partner = make_partner()
    browser(member(partner)).post(
        "/partners/register/", {**FORM, "program": partner_program.pk}, secure=True
    )
    registration = Registration.objects.get()
    outsider = make_user(Role.MANAGER, clients=(client_b,))
    assert (
        browser(outsider)
        .post(
            f"/partners/manage/registrations/{registration.pk}/",
            {f"r{registration.pk}-decision": "approve"},
            secure=True,
        )
        .status_code
        == 404
    )
    manager = make_user(Role.MANAGER, clients=(partner_program.client,))
    listed = browser(manager).get("/partners/manage/registrations/", secure=True)
    assert "Cobol Systems" in listed.content.decode()
    reject = browser(manager).post(
        f"/partners/manage/registrations/{registration.pk}/",
        {f"r{registration.pk}-decision": "reject", f"r{registration.pk}-reason": ""},
        secure=True,
    )
    assert reject.status_code == 400
    browser(manager).post(
        f"/partners/manage/registrations/{registration.pk}/",
        {f"r{registration.pk}-decision": "approve"},
        secure=True,
    )
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ACCEPTED
