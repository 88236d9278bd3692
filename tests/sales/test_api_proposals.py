"""The proposals and references API as a CRM integrator uses it (issue 15, item 9: these paths
and field names are the contract), with the scope of every role: out of scope is a 404."""

from collections.abc import Callable

import pytest

from leadflow.accounts.models import Role, User
from leadflow.api.tokens import token_create
from leadflow.leads.models import Lead
from leadflow.partners.services import leads_route
from leadflow.programs.models import HandOffMode, Program
from leadflow.sales.models import Proposal, ProposalState, Task, TaskKind
from leadflow.sales.services.references import reference_create
from tests import factories
from tests.api.conftest import Api
from tests.factories import NOW
from tests.sales.proposal_setup import STEPS, Approvers, approvers, prospect


@pytest.fixture
def api_as(db: None) -> Callable[..., Api]:
    def make(user: User, programs: tuple[Program, ...] = ()) -> Api:
        return Api(token_create(user=user, name="test", programs=programs, now=NOW)[1])

    return make


@pytest.fixture
def people(program: Program, make_user: Callable[..., User]) -> Approvers:
    return approvers(program, make_user)


@pytest.fixture
def lead(program: Program) -> Lead:
    return prospect(program)


def create(api: Api, lead: Lead, **body: object) -> object:
    return api.post(f"/leads/{lead.pk}/proposals", {"amount": 12000, "currency": "USD", **body})


def test_a_proposal_is_created_with_201_and_its_id(
    api_as: Callable[..., Api], people: Approvers, lead: Lead
) -> None:
    response = create(api_as(people.seller), lead, amount=9999.999, due_date="2026-12-15")
    assert response.status_code == 201, response.content  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    proposal = Proposal.objects.get(pk=body["id"])
    assert body["lead"] == lead.pk
    assert (body["amount"], body["currency"], body["due_date"]) == ("10000.00", "USD", "2026-12-15")
    assert (body["state"], body["approvals"], body["missing_steps"]) == ("draft", [], STEPS)
    assert proposal.lead == lead


@pytest.mark.parametrize(
    "body",
    [{"amount": 0}, {"amount": "12000"}, {"currency": "usd"}, {"currency": "DOLLAR"},
     {"due_date": "tomorrow"}],
)  # fmt: skip
def test_invalid_proposals_are_422_naming_the_field(
    api_as: Callable[..., Api], people: Approvers, lead: Lead, body: dict[str, object]
) -> None:
    response = create(api_as(people.seller), lead, **body)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert response.json()["detail"][0]["loc"][:2] == ["body", next(iter(body))]  # type: ignore[attr-defined]
    assert not Proposal.objects.exists()


def test_approvals_then_send_the_gate_answers_409_with_the_missing_steps(
    api_as: Callable[..., Api], people: Approvers, lead: Lead
) -> None:
    proposal_id = create(api_as(people.seller), lead).json()["id"]  # type: ignore[attr-defined]
    seller = api_as(people.seller)
    refused = seller.post(f"/proposals/{proposal_id}/send", {})
    assert refused.status_code == 409
    assert refused.json()["missing_steps"] == STEPS
    answer = api_as(people.finance).post(
        f"/proposals/{proposal_id}/approvals",
        {"step": "Finance", "decision": "approved", "note": "margin ok"},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["approvals"][0] | {"at": None} == {
        "step": "Finance",
        "decision": "approved",
        "note": "margin ok",
        "by": people.finance.username,
        "at": None,
    }
    assert seller.post(f"/proposals/{proposal_id}/send", {}).json()["missing_steps"] == [
        "VP Sales and Marketing",
        "Technical",
    ]
    for step, person in [("VP Sales and Marketing", people.vp), ("Technical", people.technical)]:
        api_as(person).post(
            f"/proposals/{proposal_id}/approvals", {"step": step, "decision": "approved"}
        )
    sent = seller.post(f"/proposals/{proposal_id}/send", {})
    assert sent.status_code == 200
    assert (sent.json()["state"], sent.json()["missing_steps"]) == ("sent", [])
    assert Task.objects.get(proposal_id=proposal_id).kind == TaskKind.PROPOSAL_FOLLOW_UP
    again = seller.post(f"/proposals/{proposal_id}/send", {})
    assert again.status_code == 409
    assert "missing_steps" not in again.json() or again.json()["missing_steps"] == []


def test_a_rejection_is_given_with_a_note_and_blocks_the_send(
    api_as: Callable[..., Api], people: Approvers, lead: Lead
) -> None:
    proposal_id = create(api_as(people.seller), lead).json()["id"]  # type: ignore[attr-defined]
    answer = api_as(people.technical).post(
        f"/proposals/{proposal_id}/approvals",
        {"step": "Technical", "decision": "rejected", "note": "needs SSO"},
    )
    assert answer.json()["approvals"][0]["decision"] == "rejected"
    assert "Technical" in answer.json()["missing_steps"]


def test_an_approver_the_step_does_not_name_gets_403_and_an_unknown_step_409(
    api_as: Callable[..., Api], people: Approvers, lead: Lead
) -> None:
    proposal_id = create(api_as(people.seller), lead).json()["id"]  # type: ignore[attr-defined]
    path = f"/proposals/{proposal_id}/approvals"
    stranger = api_as(people.outsider).post(path, {"step": "Finance", "decision": "approved"})
    assert stranger.status_code == 403
    unknown = api_as(people.vp).post(path, {"step": "Legal", "decision": "approved"})
    assert unknown.status_code == 409
    bad = api_as(people.vp).post(path, {"step": "Finance", "decision": "maybe"})
    assert bad.status_code == 422


def test_proposals_out_of_scope_are_404_and_roles_without_sales_403(
    api_as: Callable[..., Api],
    people: Approvers,
    lead: Lead,
    other_program: Program,
    make_user: Callable[..., User],
) -> None:
    proposal_id = create(api_as(people.seller), lead).json()["id"]  # type: ignore[attr-defined]
    outsider = api_as(make_user(Role.MANAGER, programs=(other_program,)))
    assert create(outsider, lead).status_code == 404  # type: ignore[attr-defined]
    assert outsider.post(f"/proposals/{proposal_id}/send", {}).status_code == 404
    assert (
        outsider.post(
            f"/proposals/{proposal_id}/approvals", {"step": "Finance", "decision": "approved"}
        ).status_code
        == 404
    )
    marketer = api_as(make_user(Role.MARKETER, programs=(lead.program,)))
    assert create(marketer, lead).status_code == 403  # type: ignore[attr-defined]
    contact = api_as(make_user(Role.CLIENT, clients=(lead.program.client,)))
    assert contact.post(f"/proposals/{proposal_id}/send", {}).status_code == 404
    sibling = factories.program(client=lead.program.client, name="Acme Two", slug="acme-two")
    wide = make_user(Role.QUALIFIER, clients=(lead.program.client,))
    narrowed = api_as(wide, (sibling,))
    assert narrowed.post(f"/proposals/{proposal_id}/send", {}).status_code == 404
    assert api_as(wide).post(f"/proposals/{proposal_id}/send", {}).status_code == 409


def test_a_field_sales_partner_works_proposals_of_its_assigned_leads_only(
    api_as: Callable[..., Api], program: Program, make_user: Callable[..., User]
) -> None:
    partner_program = factories.program(
        client=program.client,
        name="Acme Field",
        slug="acme-field",
        hand_off_mode=HandOffMode.PARTNERS,
    )
    field_seller = make_user(Role.PARTNER)
    factories.partner(
        client=program.client, number=1, members=[field_seller], type="field_sales_executive"
    )
    held = factories.rated_lead(
        program=partner_program, rating="hot", qualifying=True, country="US", subdivision="CA"
    )
    leads_route(lead_ids=[held.pk], now=NOW)
    api = api_as(field_seller)
    assert create(api, held).status_code == 201  # type: ignore[attr-defined]
    assert create(api, prospect(program)).status_code == 404  # type: ignore[attr-defined]
    assert Proposal.objects.get().lead == held
    assert Proposal.objects.get().state == ProposalState.DRAFT


def test_references_are_searched_by_product_and_industry(
    api_as: Callable[..., Api],
    people: Approvers,
    program: Program,
    other_program: Program,
    make_user: Callable[..., User],
) -> None:
    for customer, products, industry in [
        ("Initech", "LeadFlow Cloud", "Software"),
        ("Umbrella", "LeadFlow On-Prem", "Pharmaceuticals"),
    ]:
        reference_create(
            client=program.client,
            customer=customer,
            products=products,
            industry=industry,
            actor=None,
            now=NOW,
        )
    reference_create(
        client=other_program.client, customer="Globex", industry="Software", actor=None, now=NOW
    )
    api = api_as(people.seller)
    found = api.get("/references", product="cloud", industry="soft")
    assert found.status_code == 200
    [item] = found.json()["items"]
    assert item | {"id": 0} == {
        "id": 0,
        "client": program.client.name,
        "customer": "Initech",
        "contact_name": "",
        "contact_email": "",
        "products": "LeadFlow Cloud",
        "industry": "Software",
        "region": "",
        "notes": "",
        "willing_until": None,
        "uses_this_quarter": 0,
        "limit": 2,
        "flagged": False,
    }
    assert [i["customer"] for i in api.get("/references").json()["items"]] == [
        "Initech",
        "Umbrella",
    ]
    contact = api_as(make_user(Role.CLIENT, clients=(program.client,)))
    assert contact.get("/references").status_code == 403
