"""The references database: a client's reference customers, searched by product and industry
within the user's scope; each use on a proposal recorded and counted per calendar quarter
against the program's limit, a reference used more often flagged."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from leadflow.accounts.models import Role, User
from leadflow.core.errors import InputError
from leadflow.leads.models import LeadEvent
from leadflow.programs.models import Client, Program
from leadflow.sales.models import Reference, ReferenceUse, SalesSettings
from leadflow.sales.selectors.references import quarter_start, reference_search
from leadflow.sales.services.references import reference_create, reference_update, reference_use
from tests import factories
from tests.factories import NOW
from tests.sales.proposal_setup import draft, prospect


def make_reference(client: Client, customer: str, **fields: str) -> Reference:
    return reference_create(client=client, customer=customer, actor=None, now=NOW, **fields)


@pytest.fixture
def library(program: Program, other_program: Program) -> dict[str, Reference]:
    acme = program.client
    return {
        "initech": make_reference(
            acme, "Initech", products="LeadFlow Cloud, Analytics", industry="Software"
        ),
        "umbrella": make_reference(
            acme, "Umbrella", products="LeadFlow On-Prem", industry="Pharmaceuticals"
        ),
        "hooli": make_reference(acme, "Hooli", products="Analytics", industry="Software"),
        "elsewhere": make_reference(
            other_program.client, "Globex Ref", products="Analytics", industry="Software"
        ),
    }


def customers(user: User, **query: str) -> list[str]:
    return [hit.reference.customer for hit in reference_search(user=user, now=NOW, **query)]


def test_search_by_product_and_industry_is_case_insensitive_and_partial(
    program: Program, make_user: Callable[..., User], library: dict[str, Reference]
) -> None:
    seller = make_user(Role.QUALIFIER, programs=(program,))
    assert customers(seller) == ["Hooli", "Initech", "Umbrella"]
    assert customers(seller, product="analytics") == ["Hooli", "Initech"]
    assert customers(seller, industry="pharma") == ["Umbrella"]
    assert customers(seller, product="cloud", industry="soft") == ["Initech"]
    assert customers(seller, product="nothing like it") == []


def test_each_user_sees_only_the_references_of_the_clients_they_work_for(
    program: Program,
    other_program: Program,
    make_user: Callable[..., User],
    library: dict[str, Reference],
) -> None:
    assert customers(make_user(Role.MANAGER, programs=(other_program,))) == ["Globex Ref"]
    assert customers(make_user(Role.CLIENT, clients=(program.client,))) == []
    assert len(customers(make_user(Role.ADMIN))) == 4


def test_a_field_sales_partner_sees_its_clients_references(
    program: Program, make_user: Callable[..., User], library: dict[str, Reference]
) -> None:
    field_seller = make_user(Role.PARTNER)
    factories.partner(
        client=program.client, number=1, members=[field_seller], type="field_sales_executive"
    )
    assert customers(field_seller) == ["Hooli", "Initech", "Umbrella"]


def test_uses_are_counted_per_quarter_and_flagged_past_the_default_limit_of_two(
    program: Program, make_user: Callable[..., User], library: dict[str, Reference]
) -> None:
    seller = make_user(Role.QUALIFIER, programs=(program,))
    lead = prospect(program)
    initech = library["initech"]
    last_quarter = quarter_start(NOW) - timedelta(days=3)
    old = reference_use(
        proposal=draft(lead, seller), reference=initech, actor=seller, now=last_quarter
    )
    assert (old.uses_this_quarter, old.flagged) == (1, False)
    results = [
        reference_use(proposal=draft(lead, seller), reference=initech, actor=seller, now=NOW)
        for _ in range(3)
    ]
    assert [(used.uses_this_quarter, used.limit, used.flagged) for used in results] == [
        (1, 2, False),
        (2, 2, False),
        (3, 2, True),
    ]
    hit = next(hit for hit in reference_search(user=seller, now=NOW) if hit.reference == initech)
    assert (hit.uses_this_quarter, hit.at_limit, hit.flagged) == (3, True, True)
    reasons = list(
        LeadEvent.objects.filter(lead=lead, action="reference_used")
        .order_by("id")
        .values_list("reason", flat=True)
    )
    assert reasons[-1].endswith("used 3 times this quarter, more than the limit of 2.")
    assert reasons[-2].endswith("use 2 of 2 this quarter.")


def test_the_programs_own_limit_applies(
    program: Program, make_user: Callable[..., User], library: dict[str, Reference]
) -> None:
    SalesSettings.objects.create(program=program, reference_uses_per_quarter=1)
    seller = make_user(Role.QUALIFIER, programs=(program,))
    lead = prospect(program)
    uses = [
        reference_use(
            proposal=draft(lead, seller), reference=library["hooli"], actor=seller, now=NOW
        )
        for _ in range(2)
    ]
    assert [used.flagged for used in uses] == [False, True]
    hit = next(h for h in reference_search(user=seller, now=NOW) if h.reference.customer == "Hooli")
    assert (hit.limit, hit.flagged) == (1, True)


def test_using_a_reference_twice_on_one_proposal_is_one_use(
    program: Program, make_user: Callable[..., User], library: dict[str, Reference]
) -> None:
    seller = make_user(Role.QUALIFIER, programs=(program,))
    proposal = draft(prospect(program), seller)
    for _ in range(2):
        reference_use(proposal=proposal, reference=library["hooli"], actor=seller, now=NOW)
    assert ReferenceUse.objects.filter(proposal=proposal).count() == 1


def test_another_clients_reference_cannot_be_used(
    program: Program, make_user: Callable[..., User], library: dict[str, Reference]
) -> None:
    seller = make_user(Role.QUALIFIER, programs=(program,))
    with pytest.raises(InputError) as refused:
        reference_use(
            proposal=draft(prospect(program), seller),
            reference=library["elsewhere"],
            actor=seller,
            now=NOW,
        )
    assert refused.value.field == "reference"
    assert not ReferenceUse.objects.exists()


def test_a_reference_is_kept_up_to_date_by_field_sales(
    program: Program, library: dict[str, Reference]
) -> None:
    later = NOW + timedelta(days=1)
    updated = reference_update(
        reference=library["hooli"],
        actor=None,
        now=later,
        willing_until=(NOW + timedelta(days=90)).date(),
        region=" West ",
    )
    updated.refresh_from_db()
    assert (updated.region, updated.updated_at) == ("West", later)
    with pytest.raises(InputError):
        reference_update(reference=updated, actor=None, now=later, customer=" ")
