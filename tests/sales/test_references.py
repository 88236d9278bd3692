"""The references database: a client's reference customers, searched by product and industry
within the user's scope; each use on a proposal recorded and counted per calendar quarter
against the program's limit, a reference used more often flagged."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from leadflow.accounts.models import Role, User
from leadflow.core.errors import DomainRefused, InputError
from leadflow.leads.models import LeadEvent
from leadflow.programs.models import Client, Program
from leadflow.sales.models import (
    Proposal,
    ProposalState,
    Reference,
    ReferenceUse,
    SalesSettings,
)
from leadflow.sales.selectors.references import (
    quarter_start,
    reference_edit_clients,
    reference_search,
)
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


def test_the_contacts_e_mail_and_phone_are_normalised_or_refused_naming_the_field(
    program: Program,
) -> None:
    program.client.country = "DE"
    program.client.save()
    made = make_reference(
        program.client,
        "Initrode",
        contact_email=" Ana@Initrode.EXAMPLE ",
        contact_phone="030 1234567",
    )
    assert (made.contact_email, made.contact_phone) == ("ana@initrode.example", "+49301234567")
    with pytest.raises(InputError) as refused:
        reference_update(reference=made, actor=None, now=NOW, contact_email="ana@")
    assert refused.value.field == "contact_email"
    with pytest.raises(InputError) as refused:
        reference_update(reference=made, actor=None, now=NOW, contact_phone="12")
    assert refused.value.field == "contact_phone"
    made.refresh_from_db()
    assert made.contact_email == "ana@initrode.example"


def test_an_expired_reference_is_shown_as_such_and_its_use_refused(
    program: Program, make_user: Callable[..., User], library: dict[str, Reference]
) -> None:
    seller = make_user(Role.QUALIFIER, programs=(program,))
    hooli = reference_update(
        reference=library["hooli"],
        actor=None,
        now=NOW,
        willing_until=(NOW - timedelta(days=1)).date(),
    )
    hit = next(h for h in reference_search(user=seller, now=NOW) if h.reference == hooli)
    assert (hit.expired, hit.offered) == (True, False)
    with pytest.raises(DomainRefused, match="agreed to be a reference until"):
        reference_use(
            proposal=draft(prospect(program), seller), reference=hooli, actor=seller, now=NOW
        )
    assert not ReferenceUse.objects.exists()
    still = reference_update(reference=hooli, actor=None, now=NOW, willing_until=NOW.date())
    assert not next(
        h for h in reference_search(user=seller, now=NOW) if h.reference == still
    ).expired


def test_a_reference_is_not_given_for_a_proposal_won_or_lost(
    program: Program, make_user: Callable[..., User], library: dict[str, Reference]
) -> None:
    seller = make_user(Role.QUALIFIER, programs=(program,))
    proposal = draft(prospect(program), seller)
    Proposal.objects.filter(pk=proposal.pk).update(state=ProposalState.LOST)
    with pytest.raises(DomainRefused, match="already lost"):
        reference_use(proposal=proposal, reference=library["hooli"], actor=seller, now=NOW)


def test_references_are_maintained_by_managers_and_field_sales_partners_only(
    program: Program,
    other_program: Program,
    make_user: Callable[..., User],
) -> None:
    field_seller, reseller = make_user(Role.PARTNER), make_user(Role.PARTNER)
    factories.partner(
        client=program.client, number=1, members=[field_seller], type="field_sales_executive"
    )
    factories.partner(client=program.client, number=2, members=[reseller], type="reseller")
    clients = {
        "manager": make_user(Role.MANAGER, programs=(program,)),
        "field sales": field_seller,
        "reseller": reseller,
        "qualifier": make_user(Role.QUALIFIER, programs=(program,)),
        "client contact": make_user(Role.CLIENT, clients=(program.client,)),
    }
    assert {
        who: [client.name for client in reference_edit_clients(user=user)]
        for who, user in clients.items()
    } == {
        "manager": [program.client.name],
        "field sales": [program.client.name],
        "reseller": [],
        "qualifier": [],
        "client contact": [],
    }
    assert len(reference_edit_clients(user=make_user(Role.ADMIN))) == 2
