"""A proposal's page as sellers use it: documents uploaded on the new-proposal form and on the
page (checked by content, refused once won or lost, removed only before sending), downloaded
only by whoever may see the proposal; references searched and given from the page, one at or
over the quarter's limit only after a confirmation; won and lost through one path."""

from collections.abc import Callable
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from leadflow.accounts.models import Role, User
from leadflow.leads.models import Lead, LeadEvent
from leadflow.partners.services import leads_route
from leadflow.programs.models import HandOffMode, Program
from leadflow.sales.models import Proposal, ProposalDocument, ProposalState, ReferenceUse
from leadflow.sales.services.proposals import proposal_document_add, proposal_send
from leadflow.sales.services.references import reference_create, reference_use
from tests import factories
from tests.factories import NOW
from tests.sales.proposal_setup import Approvers, approve_all, approvers, draft, prospect
from tests.sales.test_proposals import PDF

pytestmark = [pytest.mark.usefixtures("plain_http"), pytest.mark.django_db]


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(program: Program, make_user: Callable[..., User]) -> Approvers:
    return approvers(program, make_user)


@pytest.fixture
def lead(program: Program) -> Lead:
    return prospect(program)


def pdf(name: str = "offer.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def test_a_proposal_is_written_with_its_document(
    client: Client, people: Approvers, lead: Lead
) -> None:
    client.force_login(people.seller)
    form = text(client.get(f"/sales/leads/{lead.pk}/proposals/new"))
    assert 'enctype="multipart/form-data"' in form
    made = client.post(
        f"/sales/leads/{lead.pk}/proposals/new",
        {"amount": "1200", "currency": "EUR", "file": pdf("Offer.pdf")},
    )
    proposal = Proposal.objects.get()
    assert made["Location"] == f"/sales/proposals/{proposal.pk}/"
    assert [d.filename for d in proposal.documents.all()] == ["Offer.pdf"]
    page = text(client.get(made["Location"]))
    assert "Offer.pdf" in page
    assert "(42\xa0bytes, added" in page


def test_a_refused_document_keeps_the_form_and_writes_nothing(
    client: Client, people: Approvers, lead: Lead
) -> None:
    client.force_login(people.seller)
    response = client.post(
        f"/sales/leads/{lead.pk}/proposals/new",
        {"amount": "1200", "currency": "EUR", "file": SimpleUploadedFile("x.pdf", b"MZ\x90")},
    )
    assert response.status_code == 400
    assert "The proposal was not saved" in text(response)
    assert "x.pdf is not a PDF, Word" in text(response)
    assert not Proposal.objects.exists()
    assert not ProposalDocument.objects.exists()


def test_a_document_is_added_on_the_page_and_downloaded_as_an_attachment(
    client: Client, people: Approvers, lead: Lead
) -> None:
    proposal = draft(lead, people.seller)
    client.force_login(people.seller)
    added = text(
        client.post(
            f"/sales/proposals/{proposal.pk}/documents", {"file": pdf("Prices.pdf")}, follow=True
        )
    )
    assert f"“Prices.pdf” added to proposal #{proposal.pk}." in added
    document = proposal.documents.get()
    response = client.get(f"/sales/proposals/documents/{document.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Prices.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    history = LeadEvent.objects.filter(lead=lead, action="proposal_document_added")
    assert (
        history.get().reason
        == f"Document “Prices.pdf” (42 bytes) added to proposal #{proposal.pk}."
    )


def test_an_upload_is_refused_in_plain_words_once_the_proposal_is_lost(
    client: Client, people: Approvers, lead: Lead
) -> None:
    proposal = draft(lead, people.seller)
    client.force_login(people.seller)
    bad = text(
        client.post(
            f"/sales/proposals/{proposal.pk}/documents",
            {"file": SimpleUploadedFile("a.txt", b"\xff\xfe\x00")},
            follow=True,
        )
    )
    assert "Nothing added: a.txt is not a PDF, Word" in bad
    Proposal.objects.filter(pk=proposal.pk).update(state=ProposalState.LOST)
    closed = client.post(f"/sales/proposals/{proposal.pk}/documents", {"file": pdf()}, follow=True)
    assert "Nothing added: the proposal is lost; its documents can no longer change." in text(
        closed
    )
    assert "Add the document" not in text(closed)
    assert not ProposalDocument.objects.exists()


def test_a_document_is_removed_before_sending_and_kept_after(
    client: Client, people: Approvers, lead: Lead
) -> None:
    proposal = draft(lead, people.seller)
    first = proposal_document_add(proposal=proposal, upload=pdf("a.pdf"), actor=None, now=NOW)
    client.force_login(people.seller)
    assert "Remove “a.pdf”" in text(client.get(f"/sales/proposals/{proposal.pk}/"))
    client.post(f"/sales/proposals/documents/{first.pk}/delete")
    assert not ProposalDocument.objects.exists()
    kept = proposal_document_add(proposal=proposal, upload=pdf("b.pdf"), actor=None, now=NOW)
    approve_all(proposal, people)
    proposal_send(proposal=proposal, actor=people.seller, now=NOW)
    page = text(client.get(f"/sales/proposals/{proposal.pk}/"))
    assert "Remove “b.pdf”" not in page
    refused = client.post(f"/sales/proposals/documents/{kept.pk}/delete", follow=True)
    assert "Nothing removed: the proposal is sent; its documents stay on record." in text(refused)
    assert ProposalDocument.objects.filter(pk=kept.pk).exists()


def test_documents_are_404_out_of_scope_and_writes_403_without_sales_work(
    client: Client,
    people: Approvers,
    lead: Lead,
    other_program: Program,
    make_user: Callable[..., User],
) -> None:
    proposal = draft(lead, people.seller)
    document = proposal_document_add(proposal=proposal, upload=pdf(), actor=None, now=NOW)
    for user in (
        make_user(Role.MANAGER, programs=(other_program,)),
        make_user(Role.CLIENT, clients=(lead.program.client,)),
        make_user(Role.PARTNER),
    ):
        client.force_login(user)
        assert client.get(f"/sales/proposals/documents/{document.pk}").status_code == 404
        assert client.post(f"/sales/proposals/documents/{document.pk}/delete").status_code == 404
    client.force_login(make_user(Role.MARKETER, programs=(lead.program,)))
    assert client.get(f"/sales/proposals/documents/{document.pk}").status_code == 200
    assert (
        client.post(f"/sales/proposals/{proposal.pk}/documents", {"file": pdf()}).status_code == 403
    )
    assert client.post(f"/sales/proposals/documents/{document.pk}/delete").status_code == 403
    assert ProposalDocument.objects.count() == 1


def test_a_partner_downloads_only_while_it_holds_the_lead(
    client: Client, program: Program, make_user: Callable[..., User]
) -> None:
    field = factories.program(
        client=program.client, name="Field", slug="field", hand_off_mode=HandOffMode.PARTNERS
    )
    holder, other = make_user(Role.PARTNER), make_user(Role.PARTNER)
    factories.partner(
        client=program.client, number=1, members=[holder], type="field_sales_executive"
    )
    held = factories.rated_lead(
        program=field, rating="hot", qualifying=True, country="US", subdivision="CA"
    )
    leads_route(lead_ids=[held.pk], now=NOW)
    factories.partner(client=program.client, number=2, members=[other], type="reseller")
    proposal = draft(held, holder)
    document = proposal_document_add(proposal=proposal, upload=pdf(), actor=holder, now=NOW)
    client.force_login(holder)
    assert client.get(f"/sales/proposals/documents/{document.pk}").status_code == 200
    client.force_login(other)
    assert client.get(f"/sales/proposals/documents/{document.pk}").status_code == 404
    assert client.get(f"/sales/proposals/{proposal.pk}/").status_code == 404


# --- References on the proposal page ----------------------------------------------------------


def test_references_are_searched_on_the_page_and_given_with_a_use_shown(
    client: Client, people: Approvers, lead: Lead, other_program: Program
) -> None:
    client_a = lead.program.client
    reference_create(
        client=client_a,
        customer="Initech",
        products="Cloud",
        industry="Software",
        actor=None,
        now=NOW,
    )
    reference_create(
        client=client_a,
        customer="Umbrella",
        products="On-Prem",
        industry="Pharma",
        actor=None,
        now=NOW,
    )
    reference_create(
        client=other_program.client, customer="Globex", products="Cloud", actor=None, now=NOW
    )
    proposal = draft(lead, people.seller)
    client.force_login(people.seller)
    page = text(client.get(f"/sales/proposals/{proposal.pk}/?product=cloud"))
    assert "Use Initech" in page
    assert "Use Umbrella" not in page
    assert "Globex" not in page
    initech = client_a.sales_references.get(customer="Initech")
    given = client.post(
        f"/sales/proposals/{proposal.pk}/references", {"reference": initech.pk}, follow=True
    )
    assert f"Initech given for proposal #{proposal.pk} (asked 1 of 2 times this quarter)." in (
        text(given)
    )
    assert 'data-testid="reference-use"' in text(given)
    assert "Use Initech" not in text(given)
    assert ReferenceUse.objects.get().proposal == proposal


def test_a_reference_at_its_limit_is_flagged_and_given_only_after_a_confirmation(
    client: Client, people: Approvers, lead: Lead
) -> None:
    hooli = reference_create(client=lead.program.client, customer="Hooli", actor=None, now=NOW)
    for _ in range(2):
        reference_use(proposal=draft(lead, people.seller), reference=hooli, actor=None, now=NOW)
    proposal = draft(lead, people.seller)
    client.force_login(people.seller)
    before = text(client.get(f"/sales/proposals/{proposal.pk}/"))
    assert "Limit reached: ask another customer" in before
    asked = client.post(f"/sales/proposals/{proposal.pk}/references", {"reference": hooli.pk})
    assert (
        asked["Location"]
        == f"/sales/proposals/{proposal.pk}/?confirm={hooli.pk}#references-heading"
    )
    assert not ReferenceUse.objects.filter(proposal=proposal).exists()
    confirm = text(client.get(asked["Location"]))
    assert "Hooli was already asked 2 times this quarter" in confirm
    assert "Give Hooli anyway" in confirm
    given = text(
        client.post(
            f"/sales/proposals/{proposal.pk}/references",
            {"reference": hooli.pk, "confirm": "on"},
            follow=True,
        )
    )
    assert "asked 3 times this quarter, more than the limit of 2" in given
    assert "Over the limit this quarter" in given
    assert ReferenceUse.objects.filter(proposal=proposal).exists()


def test_an_expired_reference_is_shown_but_not_offered(
    client: Client, people: Approvers, lead: Lead
) -> None:
    old = reference_create(
        client=lead.program.client,
        customer="Old Friend",
        willing_until=NOW.date().replace(year=NOW.year - 1),
        actor=None,
        now=NOW,
    )
    proposal = draft(lead, people.seller)
    client.force_login(people.seller)
    page = text(client.get(f"/sales/proposals/{proposal.pk}/"))
    assert "Expired: willing until" in page
    assert "Use Old Friend" not in page
    refused = client.post(
        f"/sales/proposals/{proposal.pk}/references", {"reference": old.pk}, follow=True
    )
    assert "Nothing recorded: Old Friend agreed to be a reference until" in text(refused)
    assert not ReferenceUse.objects.exists()


def test_giving_a_reference_is_404_for_references_and_proposals_out_of_scope(
    client: Client,
    people: Approvers,
    lead: Lead,
    other_program: Program,
    make_user: Callable[..., User],
) -> None:
    proposal = draft(lead, people.seller)
    elsewhere = reference_create(
        client=other_program.client, customer="Globex", actor=None, now=NOW
    )
    mine = reference_create(client=lead.program.client, customer="Initech", actor=None, now=NOW)
    client.force_login(people.seller)
    path = f"/sales/proposals/{proposal.pk}/references"
    assert client.post(path, {"reference": elsewhere.pk}).status_code == 404
    client.force_login(make_user(Role.MANAGER, programs=(other_program,)))
    assert client.post(path, {"reference": mine.pk}).status_code == 404
    assert not ReferenceUse.objects.exists()


@pytest.mark.parametrize(
    ("outcome", "body", "said", "state"),
    [
        ("won", {"won_amount": "900"}, "won.", ProposalState.WON),
        ("lost", {"lost_reason": "Budget cut"}, "recorded as lost.", ProposalState.LOST),
    ],
)
def test_won_and_lost_share_one_path_and_refuse_a_draft(
    client: Client,
    people: Approvers,
    lead: Lead,
    outcome: str,
    body: dict[str, str],
    said: str,
    state: ProposalState,
) -> None:
    proposal = draft(lead, people.seller)
    client.force_login(people.seller)
    refused = text(client.post(f"/sales/proposals/{proposal.pk}/{outcome}", body, follow=True))
    assert "Nothing changed: only a sent proposal is won or lost; this one is draft." in refused
    approve_all(proposal, people)
    proposal_send(proposal=proposal, actor=people.seller, now=NOW)
    done = text(client.post(f"/sales/proposals/{proposal.pk}/{outcome}", body, follow=True))
    assert f"Proposal #{proposal.pk} {said}" in done
    proposal.refresh_from_db()
    assert proposal.state == state
    assert (proposal.won_amount, proposal.lost_reason) == (
        (Decimal("900"), "") if outcome == "won" else (None, "Budget cut")
    )
