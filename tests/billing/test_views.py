"""The billing pages and files: who sees which program (404 for anyone else), every line
linking to its lead in the viewer's scope, the terms as a settings page for the managers and
read-only for the client, and the CSV, XLSX and PDF of a statement."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client as WebClient
from openpyxl import load_workbook
from pypdf import PdfReader

from leadflow.accounts.models import User
from leadflow.billing.models import BillingTerms
from leadflow.billing.selectors import month_parse
from leadflow.billing.services import statement_close
from tests.billing.conftest import History, People, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_http")]

PAGE = "/billing/programs/acme-demand/2026-10/"


def web(user: User) -> WebClient:
    client = WebClient()
    client.force_login(user)
    return client


def test_the_client_and_the_managers_read_the_statement_with_links(
    october: History, people: People
) -> None:
    lead = october.leads[1]
    for user, link in (
        (people.contact, "/deliveries/"),
        (people.manager, f"/leads/{lead.pk}/"),
        (people.admin, f"/leads/{lead.pk}/"),
    ):
        response = web(user).get(PAGE)
        assert response.status_code == 200, user
        html = response.content.decode()
        assert "310.00" in html
        assert "Not closed yet" in html
        assert f'href="{link}' in html, (user, link)


def test_anyone_else_gets_404(october: History, people: People) -> None:
    for user in (people.other_contact, people.other_manager, people.reviewer,
                 people.qualifier, people.partner):  # fmt: skip
        client = web(user)
        for path in (PAGE, PAGE.rstrip("/") + ".pdf", "/billing/programs/acme-demand/"):
            assert client.get(path).status_code == 404, (user, path)
    assert web(people.manager).get("/billing/programs/acme-demand/2026-13/").status_code == 404


def test_the_terms_page_saves_for_a_manager_and_refuses_bad_values(
    october: History, people: People
) -> None:
    client = web(people.manager)
    url = "/billing/programs/acme-demand/terms"
    assert client.get(url).status_code == 200
    form = {
        "currency": "eur", "price_hot": "120", "price_a": "80.5", "price_b": "40",
        "price_c": "0", "price_fyi": "0", "price_appointment": "150", "statement_day": "5",
        "billing_contacts": "ap@acme.example",
    }  # fmt: skip
    assert client.post(url, {**form, "currency": "EUX"}).status_code == 400
    assert client.post(url, {**form, "price_a": "80.555"}).status_code == 400
    assert BillingTerms.objects.get().currency == "USD"
    assert client.post(url, form).status_code == 302
    terms = BillingTerms.objects.get()
    assert (terms.currency, terms.price_a, terms.statement_day) == ("EUR", Decimal("80.5"), 5)
    assert terms.billing_contacts == ["ap@acme.example"]


def test_the_client_reads_the_terms_but_cannot_change_them(
    october: History, people: People
) -> None:
    client = web(people.contact)
    html = client.get("/billing/programs/acme-demand/").content.decode()
    assert "150.00 USD" in html
    assert "Edit the terms" not in html
    assert client.get("/billing/programs/acme-demand/terms").status_code == 403
    assert client.post(PAGE + "close").status_code == 403


def test_a_manager_closes_a_month_from_the_page(october: History, people: People) -> None:
    response = web(people.manager).post(PAGE + "close")
    assert response.status_code == 302
    assert "Closed on" in web(people.contact).get(PAGE).content.decode()


def test_the_csv_xlsx_and_pdf_of_a_closed_statement(october: History, people: People) -> None:
    statement_close(program=october.program, period=month_parse(2026, 10), user=None,
                    now=at(11, 3, 12))  # fmt: skip
    client = web(people.contact)
    base = PAGE.rstrip("/")
    response = client.get(base + ".csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="acme-demand-statement-2026-10.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Date", "Deliverable", "Number", "Line", "Description", "Amount", "Currency"]
    first = october.leads[1].pk
    assert rows[1] == ["2026-10-05", "Lead", str(first), "Charged", "Hot lead", "150.00", "USD"]
    assert ["", "", "", "Total", "Total due", "310.00", "USD"] in rows
    assert ["", "", "", "Total", "Credits for upheld disputes", "-100.00", "USD"] in rows

    book = load_workbook(io.BytesIO(client.get(base + ".xlsx").content))
    sheet = book["Statement 2026-10"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][5] == 150.0
    assert ["", "", "", "Total", "Total due", 310.0, "USD"] in [
        [v if v is not None else "" for v in row] for row in values
    ]

    pdf = PdfReader(io.BytesIO(client.get(base + ".pdf").content))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Closed 2026-11-03" in text
    assert f"#{first} Hot lead" in text
    assert "Total due" in text
    assert "310.00 USD" in text
    fonts = {
        str(font["/BaseFont"])
        for page in pdf.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("DejaVuSans" in name for name in fonts), fonts
