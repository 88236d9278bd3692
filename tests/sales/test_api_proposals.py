"""The proposals and references API as a CRM integrator uses it (issue 15, item 9: these paths
and field names are the contract), with the scope of every role: out of scope is a 404."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as WebClient

from leadflow.accounts.models import Role, User
from leadflow.api.tokens import token_create
from leadflow.leads.models import Lead
from leadflow.partners.services import leads_route
from leadflow.programs.models import HandOffMode, Program
from leadflow.sales.models import Proposal, ProposalState, ReferenceUse, Task, TaskKind
from leadflow.sales.services.proposals import proposal_document_add
from leadflow.sales.services.references import reference_create, reference_use
from tests import factories
from tests.api.conftest import Api
from tests.factories import NOW
from tests.sales.proposal_setup import STEPS, Approvers, approvers, prospect
from tests.sales.test_proposals import PDF


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


# --- Reading, won and lost, references given --------------------------------------------------


def sent_proposal(api_as: Callable[..., Api], people: Approvers, lead: Lead) -> int:
    """A proposal written and sent through the API, every step approved by its approver."""
    proposal_id: int = create(api_as(people.seller), lead).json()["id"]  # type: ignore[attr-defined]
    for step in STEPS:
        api_as(people.of(step)).post(
            f"/proposals/{proposal_id}/approvals", {"step": step, "decision": "approved"}
        )
    assert api_as(people.seller).post(f"/proposals/{proposal_id}/send", {}).status_code == 200
    return proposal_id


def test_a_proposal_is_read_with_its_documents_and_references(
    api_as: Callable[..., Api], people: Approvers, lead: Lead
) -> None:
    proposal_id = create(api_as(people.seller), lead).json()["id"]  # type: ignore[attr-defined]
    proposal = Proposal.objects.get(pk=proposal_id)
    proposal_document_add(
        proposal=proposal, upload=SimpleUploadedFile("offer.pdf", PDF), actor=None, now=NOW
    )
    initech = reference_create(client=lead.program.client, customer="Initech", actor=None, now=NOW)
    reference_use(proposal=proposal, reference=initech, actor=people.seller, now=NOW)
    body = api_as(people.vp).get(f"/proposals/{proposal_id}").json()
    assert (body["id"], body["state"], body["missing_steps"]) == (proposal_id, "draft", STEPS)
    assert [(d["filename"], d["content_type"], d["size"]) for d in body["documents"]] == [
        ("offer.pdf", "application/pdf", len(PDF))
    ]
    assert [(r["reference"], r["customer"], r["by"]) for r in body["references"]] == [
        (initech.pk, "Initech", people.seller.username)
    ]


def test_reading_a_proposal_out_of_scope_is_404(
    api_as: Callable[..., Api],
    people: Approvers,
    lead: Lead,
    other_program: Program,
    make_user: Callable[..., User],
) -> None:
    proposal_id = create(api_as(people.seller), lead).json()["id"]  # type: ignore[attr-defined]
    for user in [
        make_user(Role.MANAGER, programs=(other_program,)),
        make_user(Role.CLIENT, clients=(lead.program.client,)),
        make_user(Role.PARTNER),
    ]:
        assert api_as(user).get(f"/proposals/{proposal_id}").status_code == 404
    assert api_as(people.seller).get("/proposals/999999").status_code == 404


def test_a_sent_proposal_is_won_through_the_api_once(
    api_as: Callable[..., Api], people: Approvers, lead: Lead
) -> None:
    proposal_id = create(api_as(people.seller), lead).json()["id"]  # type: ignore[attr-defined]
    seller = api_as(people.seller)
    draft_refused = seller.post(f"/proposals/{proposal_id}/won", {"amount": 100})
    assert draft_refused.status_code == 409
    assert (
        "only a sent proposal is won or lost; this one is draft" in draft_refused.json()["detail"]
    )
    sent_proposal_id = sent_proposal(api_as, people, prospect(lead.program))
    won = seller.post(f"/proposals/{sent_proposal_id}/won", {"amount": 11500.505}, key="won-1")
    assert won.status_code == 200, won.content
    assert (won.json()["state"], won.json()["won_amount"]) == ("won", "11500.51")
    replayed = seller.post(f"/proposals/{sent_proposal_id}/won", {"amount": 11500.505}, key="won-1")
    assert replayed.json() == won.json()
    again = seller.post(f"/proposals/{sent_proposal_id}/lost", {"reason": "late"})
    assert again.status_code == 409
    assert "this one is won" in again.json()["detail"]


def test_a_sent_proposal_is_lost_with_its_reason(
    api_as: Callable[..., Api], people: Approvers, lead: Lead
) -> None:
    proposal_id = sent_proposal(api_as, people, lead)
    seller = api_as(people.seller)
    assert seller.post(f"/proposals/{proposal_id}/lost", {"reason": "   "}).status_code == 422
    assert seller.post(f"/proposals/{proposal_id}/won", {"amount": "100"}).status_code == 422
    lost = seller.post(f"/proposals/{proposal_id}/lost", {"reason": "Chose a competitor"})
    assert lost.status_code == 200
    assert (lost.json()["state"], lost.json()["lost_reason"]) == ("lost", "Chose a competitor")


def test_won_and_lost_need_sales_work_and_scope(
    api_as: Callable[..., Api],
    people: Approvers,
    lead: Lead,
    other_program: Program,
    make_user: Callable[..., User],
) -> None:
    proposal_id = sent_proposal(api_as, people, lead)
    reviewer = api_as(people.technical)  # sees the lead, neither writes nor works sales
    assert reviewer.post(f"/proposals/{proposal_id}/won", {"amount": 1}).status_code == 403
    marketer = api_as(make_user(Role.MARKETER, programs=(lead.program,)))
    assert marketer.post(f"/proposals/{proposal_id}/lost", {"reason": "x"}).status_code == 403
    outsider = api_as(make_user(Role.MANAGER, programs=(other_program,)))
    assert outsider.post(f"/proposals/{proposal_id}/won", {"amount": 1}).status_code == 404
    assert Proposal.objects.get(pk=proposal_id).state == ProposalState.SENT


def test_a_reference_is_given_for_a_proposal_with_201_and_flagged_past_the_limit(
    api_as: Callable[..., Api], people: Approvers, lead: Lead
) -> None:
    initech = reference_create(client=lead.program.client, customer="Initech", actor=None, now=NOW)
    seller = api_as(people.seller)
    answers = []
    for _ in range(3):
        proposal_id = create(seller, lead).json()["id"]  # type: ignore[attr-defined]
        answers.append(
            seller.post(f"/proposals/{proposal_id}/references", {"reference_id": initech.pk})
        )
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert [(a.json()["uses_this_quarter"], a.json()["flagged"]) for a in answers] == [
        (1, False),
        (2, False),
        (3, True),
    ]
    assert answers[0].json()["use"]["customer"] == "Initech"
    again = seller.post(f"/proposals/{proposal_id}/references", {"reference_id": initech.pk})
    assert (again.status_code, again.json()["uses_this_quarter"]) == (200, 3)
    assert ReferenceUse.objects.count() == 3


def test_giving_a_reference_is_refused_out_of_scope_expired_or_once_closed(
    api_as: Callable[..., Api],
    people: Approvers,
    lead: Lead,
    other_program: Program,
) -> None:
    seller = api_as(people.seller)
    proposal_id = create(seller, lead).json()["id"]  # type: ignore[attr-defined]
    path = f"/proposals/{proposal_id}/references"
    elsewhere = reference_create(
        client=other_program.client, customer="Globex", actor=None, now=NOW
    )
    assert seller.post(path, {"reference_id": elsewhere.pk}).status_code == 404
    expired = reference_create(
        client=lead.program.client,
        customer="Old Friend",
        willing_until=(NOW - timedelta(days=400)).date(),
        actor=None,
        now=NOW,
    )
    refused = seller.post(path, {"reference_id": expired.pk})
    assert refused.status_code == 409
    assert "agreed to be a reference until" in refused.json()["detail"]
    closed_id = sent_proposal(api_as, people, prospect(lead.program))
    seller.post(f"/proposals/{closed_id}/lost", {"reason": "budget"})
    fresh = reference_create(client=lead.program.client, customer="Initech", actor=None, now=NOW)
    closed = seller.post(f"/proposals/{closed_id}/references", {"reference_id": fresh.pk})
    assert closed.status_code == 409
    assert seller.post(path, {"reference_id": 0}).status_code == 422
    assert not ReferenceUse.objects.exists()


def test_the_openapi_document_has_the_new_proposal_paths(api_as: Callable[..., Api]) -> None:
    document = WebClient().get("/api/v1/openapi.json", secure=True).json()
    paths = document["paths"]
    assert "get" in paths["/api/v1/proposals/{proposal_id}"]
    for action in ("won", "lost", "references"):
        post = paths[f"/api/v1/proposals/{{proposal_id}}/{action}"]["post"]
        assert {"403", "404", "409"} <= set(post["responses"])
    schemas = document["components"]["schemas"]
    assert set(schemas["WonIn"]["properties"]) == {"amount"}
    assert set(schemas["LostIn"]["properties"]) == {"reason"}
    assert set(schemas["ReferenceUseIn"]["properties"]) == {"reference_id"}
    assert {"use", "flagged"} <= set(schemas["ReferenceUsedOut"]["properties"])
